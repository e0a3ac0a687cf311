"""Python client of Athena, the memory service for AI agents.

`AsyncAthenaClient` (grpc.aio) and `AthenaClient` (blocking) offer the same methods and return the
generated messages of `athena.v1.memory_pb2`; failures raise `AthenaError` subclasses.
`client.service("ExecutionService")` (any service name) gives every other service's rpcs with
the same project scoping, deadlines, retries and errors.
"""

from athena_client._aio import AsyncAthenaClient
from athena_client._errors import (
    AlreadyExistsError,
    AthenaError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    UnauthenticatedError,
    UnavailableError,
)
from athena_client._requests import EnumLike, EventFilterLike, NewEventLike, TimeLike
from athena_client._sync import AthenaClient

__all__ = [
    "AlreadyExistsError",
    "AsyncAthenaClient",
    "AthenaClient",
    "AthenaError",
    "EnumLike",
    "EventFilterLike",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "NewEventLike",
    "NotFoundError",
    "TimeLike",
    "UnauthenticatedError",
    "UnavailableError",
]
