"""The one mapping from domain exceptions to gRPC status codes with rich error details."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from athena import errors

ERROR_DOMAIN = "athena.dev"

_CODES: list[tuple[type[errors.AthenaError], grpc.StatusCode]] = [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.RequestIdReused, grpc.StatusCode.ALREADY_EXISTS),
    (errors.EmbeddingMismatch, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.StorageUnavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.SandboxUnavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.LLMError, grpc.StatusCode.UNAVAILABLE),
]


def status_code(exc: errors.AthenaError) -> grpc.StatusCode:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.INTERNAL


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_status(
    exc: errors.AthenaError, request_id: str
) -> tuple[grpc.StatusCode, str, status_pb2.Status]:
    """Code, message and google.rpc.Status (ErrorInfo, BadRequest, RequestInfo) for an error."""
    code = status_code(exc)
    if code is grpc.StatusCode.INTERNAL:
        # Internals (SQL, stack traces) stay in the server log under the request id.
        message = f"internal error; quote request id {request_id} to the operator"
        reason, metadata = "INTERNAL", {}
    else:
        message, reason, metadata = exc.message, exc.reason, exc.metadata
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata))
    ]
    if isinstance(exc, errors.InvalidArgument):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in exc.violations
                    ]
                )
            )
        )
    details.append(_pack(error_details_pb2.RequestInfo(request_id=request_id)))
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=details)
    return code, message, status
