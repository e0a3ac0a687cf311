"""Exceptions raised by the clients, built from Athena's rich gRPC status details."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"
REQUEST_ID_HEADER = "x-request-id"


class AthenaError(Exception):
    """An rpc failed. Switch on `.reason` (the `ErrorReason` name, e.g. "NOT_FOUND") rather than
    on the message text.

    Attributes:
        code: the gRPC status code.
        message: the server's human-readable message.
        reason: `ErrorInfo.reason` (for example "INVALID_ARGUMENT", "REQUEST_ID_REUSED");
            empty when the failure did not come from Athena (for example a transport error).
        domain: `ErrorInfo.domain` ("athena.dev" for Athena's own errors).
        metadata: `ErrorInfo.metadata` (for example {"resource": "event", "id": ...}).
        field_violations: field path -> description, from `BadRequest`.
        request_id: the server's request id (quote it to the operator), from `RequestInfo` or the
            `x-request-id` response header.
    """

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
        reason: str = "",
        domain: str = "",
        metadata: dict[str, str] | None = None,
        field_violations: dict[str, str] | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.domain = domain
        self.metadata = dict(metadata or {})
        self.field_violations = dict(field_violations or {})
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.reason:
            text += f" (reason={self.reason})"
        if self.request_id:
            text += f" [request_id={self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code.name}, reason={self.reason!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class InvalidArgumentError(AthenaError):
    """INVALID_ARGUMENT: a request field or metadata value broke a rule; see `field_violations`."""


class NotFoundError(AthenaError):
    """NOT_FOUND: the named resource does not exist in the caller's project."""


class AlreadyExistsError(AthenaError):
    """ALREADY_EXISTS: a `request_id` was reused with a different payload."""


class FailedPreconditionError(AthenaError):
    """FAILED_PRECONDITION: for example the project's embedding configuration differs."""


class UnauthenticatedError(AthenaError):
    """UNAUTHENTICATED: missing or invalid API key."""


class UnavailableError(AthenaError):
    """UNAVAILABLE: the server or its database cannot be reached; safe to retry later."""


_CLASSES: dict[grpc.StatusCode, type[AthenaError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
}


def _lookup(metadata: Iterable[Any] | None, key: str) -> Any:
    for item in metadata or ():
        item_key, value = item[0], item[1]
        if item_key == key:
            return value
    return None


def _accessor(error: grpc.RpcError, name: str) -> Any:
    method = getattr(error, name, None)
    return method() if callable(method) else None


def from_rpc_error(error: grpc.RpcError) -> AthenaError:
    """The AthenaError for a failed call, decoding `grpc-status-details-bin`.

    Works for the sync client's errors (which are also `grpc.Call`s) and for `grpc.aio.AioRpcError`;
    both expose code(), details(), initial_metadata() and trailing_metadata() as plain methods.
    """
    code = status_code(error) or grpc.StatusCode.UNKNOWN
    message: str = _accessor(error, "details") or str(error)
    trailing_metadata = _accessor(error, "trailing_metadata")
    initial_metadata = _accessor(error, "initial_metadata")
    reason = domain = request_id = ""
    info_metadata: dict[str, str] = {}
    violations: dict[str, str] = {}

    raw = _lookup(trailing_metadata, STATUS_DETAILS_KEY)
    if raw:
        status = status_pb2.Status()
        try:
            status.ParseFromString(raw if isinstance(raw, bytes) else raw.encode("latin-1"))
        except Exception:  # a malformed trailer must not hide the original error
            status = status_pb2.Status()
        message = status.message or message
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason, domain, info_metadata = info.reason, info.domain, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations.update({v.field: v.description for v in bad.field_violations})
            elif detail.Is(error_details_pb2.RequestInfo.DESCRIPTOR):
                request = error_details_pb2.RequestInfo()
                detail.Unpack(request)
                request_id = request.request_id
    if not request_id:
        header = _lookup(initial_metadata, REQUEST_ID_HEADER)
        if header:
            request_id = header.decode() if isinstance(header, bytes) else str(header)

    cls = _CLASSES.get(code, AthenaError)
    return cls(
        message,
        code=code,
        reason=reason,
        domain=domain,
        metadata=info_metadata,
        field_violations=violations,
        request_id=request_id,
    )


def status_code(error: BaseException) -> grpc.StatusCode | None:
    """The status code of a failed call (sync or aio), or None when it has none."""
    code = _accessor(error, "code") if isinstance(error, grpc.RpcError) else None
    return code if isinstance(code, grpc.StatusCode) else None
