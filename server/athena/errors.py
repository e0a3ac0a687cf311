"""Domain exceptions. One root, subclasses named for the condition.

Domain code raises these; `athena.api.errors` is the one place that maps them to gRPC status
codes, so nothing below the API layer knows about gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One invalid input field: a dotted path (`events[3].content`) and what is wrong with it."""

    field: str
    description: str


class AthenaError(Exception):
    """Root of every error Athena reports to callers on purpose."""

    reason = "INTERNAL"

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}


class InvalidArgument(AthenaError):
    """Input broke a rule; `violations` names each offending field."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation], message: str | None = None) -> None:
        text = message or "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(text)
        self.violations = violations


class InvalidPageToken(InvalidArgument):
    """A page token that is malformed or belongs to another query."""

    reason = "INVALID_PAGE_TOKEN"

    def __init__(self, description: str) -> None:
        super().__init__([FieldViolation("page_token", description)])


class NotFound(AthenaError):
    """A named resource does not exist in the caller's project."""

    reason = "NOT_FOUND"


class EventNotFound(NotFound):
    """No episodic event with that id in the project."""

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event {event_id} not found", resource="event", id=event_id)


class RequestIdReused(AthenaError):
    """An idempotency key was sent again with a different payload."""

    reason = "REQUEST_ID_REUSED"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"request_id {request_id!r} was already used with a different payload",
            request_id=request_id,
        )


class EmbeddingMismatch(AthenaError):
    """The project's stored embedding configuration differs from the server's embedder."""

    reason = "EMBEDDING_MISMATCH"


class Unauthenticated(AthenaError):
    """Missing or invalid credentials."""

    reason = "UNAUTHENTICATED"


class StorageUnavailable(AthenaError):
    """The database cannot be reached or refused the work for a transient reason."""

    reason = "STORAGE_UNAVAILABLE"


class StorageError(AthenaError):
    """The database rejected a statement for a reason that is our bug, not the caller's."""

    reason = "INTERNAL"


class MigrationError(AthenaError):
    """The schema cannot be brought up to date (for example a landed migration was edited)."""

    reason = "INTERNAL"
