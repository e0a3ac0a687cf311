from __future__ import annotations

import grpc
import pytest
from athena import errors
from athena.api.errors import to_status
from google.rpc import error_details_pb2


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.InvalidArgument([errors.FieldViolation("f", "bad")]), "INVALID_ARGUMENT"),
        (errors.InvalidPageToken("bad"), "INVALID_ARGUMENT"),
        (errors.EventNotFound("x"), "NOT_FOUND"),
        (errors.RequestIdReused("r"), "ALREADY_EXISTS"),
        (errors.EmbeddingMismatch("m"), "FAILED_PRECONDITION"),
        (errors.Unauthenticated("u"), "UNAUTHENTICATED"),
        (errors.StorageUnavailable("s"), "UNAVAILABLE"),
        (errors.StorageError("select * from secrets"), "INTERNAL"),
    ],
)
def test_each_error_has_one_code(exc: errors.AthenaError, code: str) -> None:
    status_code, message, status = to_status(exc, "rid-1")
    assert status_code == getattr(grpc.StatusCode, code)
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.domain == "athena.dev"
    if code == "INTERNAL":
        assert "secrets" not in message and "rid-1" in message
        assert info.reason == "INTERNAL"
    else:
        assert info.reason == exc.reason


def test_bad_request_lists_fields() -> None:
    exc = errors.InvalidArgument(
        [errors.FieldViolation("a", "x"), errors.FieldViolation("b[0]", "y")]
    )
    _, _, status = to_status(exc, "r")
    bad = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad)
    assert [(v.field, v.description) for v in bad.field_violations] == [("a", "x"), ("b[0]", "y")]


async def test_driver_errors_become_storage_errors() -> None:
    """Every asyncpg failure leaves the storage layer as ours: transient ones retryable."""
    import asyncpg
    from athena.storage.database import _translated

    async def raising(exc: BaseException) -> None:
        raise exc

    wrapped = _translated(raising)
    for transient in (
        asyncpg.exceptions.InternalClientError("cannot switch to state 12"),
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock"),
        ConnectionResetError(),
    ):
        with pytest.raises(errors.StorageUnavailable):
            await wrapped(transient)
    with pytest.raises(errors.StorageError) as caught:
        await wrapped(asyncpg.exceptions.UndefinedColumnError("no such column"))
    assert not isinstance(caught.value, errors.StorageUnavailable)


def test_every_reason_the_server_sends_is_in_the_contract() -> None:
    """Clients switch on ErrorInfo.reason: each one must be a documented ErrorReason value."""
    from athena.v1 import common_pb2

    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    import athena.execution.bridge  # noqa: F401  (defines errors of its own)

    documented = {name.removeprefix("ERROR_REASON_") for name in common_pb2.ErrorReason.keys()} - {
        "UNSPECIFIED"
    }
    sent = {cls.reason for cls in subclasses(errors.AthenaError)}
    assert sent <= documented, sorted(sent - documented)
