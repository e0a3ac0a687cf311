"""Every Athena service through one client: project, API key, deadlines, retries and errors.

The hand-written methods of the clients cover the MemoryService; `client.service(name)` gives
the rpcs of any service (`"ExecutionService"`, `"OrchestrationService"`, ...) as methods that
take and return the generated messages, with the same behaviour as those hand-written methods.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from typing import Any

import grpc

from athena_client._errors import from_rpc_error, status_code
from athena_client._retry import RetryPolicy

# Rpcs that only read (or replay, for writes carrying a request_id) are retried on UNAVAILABLE.
_READ_PREFIXES = (
    "Get", "List", "Search", "Find", "Recall", "Validate", "Estimate", "Watch", "Subscribe",
)  # fmt: skip


@cache
def stub_class(service: str) -> type:
    """The generated stub of `service` (short name like "MemoryService" or full "athena.v1.…")."""
    import athena.v1

    short = service.rsplit(".", 1)[-1]
    for module in pkgutil.iter_modules(athena.v1.__path__):
        if not module.name.endswith("_pb2_grpc"):
            continue
        found = getattr(importlib.import_module(f"athena.v1.{module.name}"), f"{short}Stub", None)
        if found is not None:
            return found
    raise ValueError(f"no Athena service named {service!r}")


def is_safe_to_retry(method: str, request: Any) -> bool:
    """Reads, and writes whose request carries a request_id (the server replays those)."""
    if method.startswith(_READ_PREFIXES):
        return True
    return bool(getattr(request, "request_id", "")) if _has_field(request, "request_id") else False


def _has_field(message: Any, name: str) -> bool:
    descriptor = getattr(message, "DESCRIPTOR", None)
    return descriptor is not None and name in descriptor.fields_by_name


class AsyncService:
    """The rpcs of one service over grpc.aio. Unary rpcs are awaited and return the response;
    server-streaming rpcs return an async iterator. `deadline=` (seconds) overrides the client's
    timeout for one call; streams have none unless given."""

    def __init__(
        self, stub: Any, metadata: tuple[tuple[str, str], ...], timeout: float | None,
        retry: RetryPolicy,
    ) -> None:  # fmt: skip
        self._stub = stub
        self._metadata = metadata
        self._timeout = timeout
        self._retry = retry

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._stub, name)
        if isinstance(method, grpc.aio.UnaryStreamMultiCallable):
            return self._streaming(method)
        if isinstance(method, grpc.aio.UnaryUnaryMultiCallable):
            return self._unary(name, method)
        return self._passthrough(method)

    def _unary(self, name: str, method: Any) -> Callable[..., Any]:
        async def call(request: Any, *, deadline: float | None = None) -> Any:
            retry = is_safe_to_retry(name, request)
            attempt = 0
            while True:
                attempt += 1
                try:
                    return await method(
                        request, metadata=self._metadata, timeout=deadline or self._timeout
                    )
                except grpc.RpcError as exc:
                    if retry and self._retry.should_retry(status_code(exc), attempt):
                        await asyncio.sleep(self._retry.backoff(attempt))
                        continue
                    raise from_rpc_error(exc) from exc

        return call

    def _streaming(self, method: Any) -> Callable[..., AsyncIterator[Any]]:
        async def call(request: Any, *, deadline: float | None = None) -> AsyncIterator[Any]:
            stream = method(request, metadata=self._metadata, timeout=deadline)
            try:
                async for item in stream:
                    yield item
            except grpc.RpcError as exc:
                raise from_rpc_error(exc) from exc
            finally:
                stream.cancel()

        return call

    def _passthrough(self, method: Any) -> Callable[..., Any]:
        def call(request_iterator: Any, *, deadline: float | None = None) -> Any:
            return method(request_iterator, metadata=self._metadata, timeout=deadline)

        return call


class Service:
    """The rpcs of one service over a blocking channel; like `AsyncService`, with plain
    iterators for server-streaming rpcs."""

    def __init__(
        self, stub: Any, metadata: tuple[tuple[str, str], ...], timeout: float | None,
        retry: RetryPolicy,
    ) -> None:  # fmt: skip
        self._stub = stub
        self._metadata = metadata
        self._timeout = timeout
        self._retry = retry

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._stub, name)
        if isinstance(method, grpc.UnaryStreamMultiCallable):
            return self._streaming(method)
        if isinstance(method, grpc.UnaryUnaryMultiCallable):
            return self._unary(name, method)
        return self._passthrough(method)

    def _unary(self, name: str, method: Any) -> Callable[..., Any]:
        def call(request: Any, *, deadline: float | None = None) -> Any:
            retry = is_safe_to_retry(name, request)
            attempt = 0
            while True:
                attempt += 1
                try:
                    return method(
                        request, metadata=self._metadata, timeout=deadline or self._timeout
                    )
                except grpc.RpcError as exc:
                    if retry and self._retry.should_retry(status_code(exc), attempt):
                        time.sleep(self._retry.backoff(attempt))
                        continue
                    raise from_rpc_error(exc) from exc

        return call

    def _streaming(self, method: Any) -> Callable[..., Iterator[Any]]:
        def call(request: Any, *, deadline: float | None = None) -> Iterator[Any]:
            stream = method(request, metadata=self._metadata, timeout=deadline)
            try:
                yield from stream
            except grpc.RpcError as exc:
                raise from_rpc_error(exc) from exc
            finally:
                stream.cancel()

        return call

    def _passthrough(self, method: Any) -> Callable[..., Any]:
        def call(request_iterator: Any, *, deadline: float | None = None) -> Any:
            return method(request_iterator, metadata=self._metadata, timeout=deadline)

        return call
