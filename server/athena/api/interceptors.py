"""Server interceptors, outermost first: request id + logging + error mapping, authentication,
project scoping, request validation.

grpc.aio interceptors only see the method name and metadata, so each one wraps the rpc's handler
and runs around the call itself, where the request message and the context are available.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc
import protovalidate

from athena import errors
from athena.api.errors import to_status
from athena.log import project_var, request_id_var

log = logging.getLogger("athena.rpc")

PROJECT_HEADER = "x-athena-project"
REQUEST_ID_HEADER = "x-request-id"
_PROJECT = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

principal_var: ContextVar[str] = ContextVar("athena_principal", default="anonymous")


def current_project() -> str:
    """The caller's project, resolved by ProjectInterceptor."""
    return project_var.get()


def current_request_id() -> str:
    return request_id_var.get()


def current_principal() -> str:
    return principal_var.get()


def _metadata(context: grpc.aio.ServicerContext, key: str) -> str | None:
    for item in context.invocation_metadata() or ():
        if item.key == key:
            value = item.value
            return value.decode() if isinstance(value, bytes) else value
    return None


def _rewrap(handler: grpc.RpcMethodHandler, unary: Any, stream: Any) -> grpc.RpcMethodHandler:
    """A copy of a unary-request handler whose behaviour is `unary` or `stream`."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.unary_stream_rpc_method_handler(
        stream,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


class _CheckInterceptor(grpc.aio.ServerInterceptor):
    """Runs `check` before a unary-request rpc's body; raising from it stops the rpc.

    Streaming-request rpcs (server reflection) pass through untouched.
    """

    async def check(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> None:
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming:
            return handler
        method = handler_call_details.method
        inner_unary, inner_stream = handler.unary_unary, handler.unary_stream

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await self.check(method, request, context)
            return await inner_unary(request, context)

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            await self.check(method, request, context)
            async for item in inner_stream(request, context):
                yield item

        return _rewrap(handler, unary, stream)


class RequestInterceptor(grpc.aio.ServerInterceptor):
    """Request id, one structured log line per rpc, and the mapping of errors to statuses."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming:
            return handler
        method = handler_call_details.method
        inner_unary, inner_stream = handler.unary_unary, handler.unary_stream

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with _RpcScope(method, context) as scope:
                return await scope.guard(inner_unary(request, context))

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            async with _RpcScope(method, context) as scope:
                iterator = inner_stream(request, context).__aiter__()
                while True:
                    try:
                        item = await scope.guard(iterator.__anext__())
                    except StopAsyncIteration:
                        return
                    yield item

        return _rewrap(handler, unary, stream)


class _RpcScope:
    """Sets the request id, logs the outcome, and turns exceptions into statuses."""

    def __init__(self, method: str, context: grpc.aio.ServicerContext) -> None:
        self.method = method
        self.context = context
        self.code = grpc.StatusCode.OK
        self.request_id = ""
        self.started = 0.0

    async def __aenter__(self) -> _RpcScope:
        supplied = _metadata(self.context, REQUEST_ID_HEADER)
        self.request_id = (
            supplied if supplied and _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        )
        request_id_var.set(self.request_id)
        project_var.set("-")
        self.started = time.perf_counter()
        await self.context.send_initial_metadata(((REQUEST_ID_HEADER, self.request_id),))
        return self

    async def guard(self, awaitable: Awaitable[Any]) -> Any:
        try:
            return await awaitable
        except (StopAsyncIteration, asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except errors.AthenaError as exc:
            self.code, message, status = to_status(exc, self.request_id)
            if self.code is grpc.StatusCode.INTERNAL:
                log.error("rpc failed", exc_info=exc, extra={"method": self.method})
            await _abort(self.context, self.code, message, status)
        except Exception as exc:
            self.code = grpc.StatusCode.INTERNAL
            log.error("unexpected error", exc_info=exc, extra={"method": self.method})
            _, message, status = to_status(errors.AthenaError("unexpected"), self.request_id)
            await _abort(self.context, self.code, message, status)

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is asyncio.CancelledError:
            self.code = grpc.StatusCode.CANCELLED
        log.info(
            "rpc",
            extra={
                "method": self.method,
                "code": self.code.name,
                "duration_ms": round((time.perf_counter() - self.started) * 1000, 3),
            },
        )


async def _abort(
    context: grpc.aio.ServicerContext, code: grpc.StatusCode, message: str, status: Any
) -> None:
    await context.abort(
        code, message, trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),)
    )


class AuthInterceptor(_CheckInterceptor):
    """Checks `authorization: Bearer KEY` when keys are configured; otherwise lets all in."""

    def __init__(self, api_keys: tuple[str, ...]) -> None:
        self._keys = api_keys

    async def check(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> None:
        if self._keys and not method.startswith("/grpc.health."):
            header = _metadata(context, "authorization") or ""
            scheme, _, key = header.partition(" ")
            match = next(
                (k for k in self._keys if hmac.compare_digest(k.encode(), key.strip().encode())),
                None,
            )
            if scheme.lower() != "bearer" or match is None:
                raise errors.Unauthenticated("missing or invalid API key")
            principal_var.set("key:" + match[:4] + "…")


class ProjectInterceptor(_CheckInterceptor):
    """Resolves the caller's project from `x-athena-project` (or the default project)."""

    def __init__(self, default_project: str) -> None:
        self._default = default_project

    async def check(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> None:
        project = _metadata(context, PROJECT_HEADER)
        if project is None:
            project = self._default
        elif not _PROJECT.fullmatch(project):
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        PROJECT_HEADER,
                        "must be 1-63 characters of a-z, 0-9, '_' or '-', "
                        "starting with a letter or digit",
                    )
                ]
            )
        project_var.set(project)


def _field_path(violation: Any) -> str:
    path = ""
    for element in violation.field.elements:
        path += ("." if path else "") + element.field_name
        subscript = element.subscript
        if subscript is not None:
            value = subscript.value
            path += f"[{value!r}]" if isinstance(value, str) else f"[{value}]"
    return path


@functools.cache
def _text_fields(descriptor: Any) -> tuple[tuple[str, str, bool], ...]:
    """(name, kind, repeated) of the fields that can hold text: strings, messages and maps."""
    found = []
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            found.append((field.name, "map", False))
        elif field.message_type is not None:
            found.append((field.name, "message", field.is_repeated))
        elif field.type == field.TYPE_STRING:
            found.append((field.name, "string", field.is_repeated))
    return tuple(found)


def _nul_violations(message: Any, prefix: str = "") -> list[errors.FieldViolation]:
    """Strings holding U+0000, which PostgreSQL text cannot store, anywhere in a request."""
    found: list[errors.FieldViolation] = []
    for name, kind, repeated in _text_fields(message.DESCRIPTOR):
        path = prefix + name
        if kind == "map":
            for key, item in getattr(message, name).items():
                if "\x00" in str(key) or (isinstance(item, str) and "\x00" in item):
                    found.append(errors.FieldViolation(f"{path}[{key!r}]", _NUL))
        elif kind == "string":
            values = getattr(message, name)
            if not repeated:
                if "\x00" in values:
                    found.append(errors.FieldViolation(path, _NUL))
            else:
                found.extend(
                    errors.FieldViolation(f"{path}[{i}]", _NUL)
                    for i, v in enumerate(values)
                    if "\x00" in v
                )
        elif repeated:
            for i, item in enumerate(getattr(message, name)):
                found.extend(_nul_violations(item, f"{path}[{i}]."))
        elif message.HasField(name):
            found.extend(_nul_violations(getattr(message, name), path + "."))
    return found


_NUL = "must not contain the NUL character (U+0000)"


class ValidationInterceptor(_CheckInterceptor):
    """Enforces the protovalidate rules written in the protos; INVALID_ARGUMENT names each field."""

    def __init__(self) -> None:
        self._validator = protovalidate.Validator()

    async def check(self, method: str, request: Any, context: grpc.aio.ServicerContext) -> None:
        found = [
            errors.FieldViolation(
                _field_path(v.proto) + (" (key)" if v.proto.for_key else ""), v.proto.message
            )
            for v in self._validator.collect_violations(request)
        ]
        found.extend(_nul_violations(request))
        if found:
            raise errors.InvalidArgument(found)
