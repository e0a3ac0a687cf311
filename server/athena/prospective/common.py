"""Helpers shared by prospective and meta-memory: page tokens, idempotent creates, tags."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from athena.errors import InvalidPageToken, RequestIdReused
from athena.storage import Queries
from athena.storage.database import Connection

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int) -> int:
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def fingerprint(*parts: Any) -> str:
    """A short digest of the query a page token belongs to (filter + project)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def encode_token(position: list[Any], query: str) -> str:
    """An opaque token holding a keyset position (JSON-able values) and the query it is for."""
    raw = json.dumps({"p": position, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, query: str) -> list[Any]:
    """The keyset position of a token; InvalidPageToken if malformed or from another query."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position, issued_for = payload["p"], payload["q"]
        if not isinstance(position, list):
            raise TypeError("position is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidPageToken("malformed page token") from exc
    if issued_for != query:
        raise InvalidPageToken("page token was issued for a different query")
    return position


def token_uuid(value: Any) -> UUID:
    try:
        return UUID(str(value))
    except ValueError as exc:
        raise InvalidPageToken("malformed page token") from exc


def normalise_tags(tags: Sequence[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = tag.strip().lower()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def payload_hash(operation: str, payload: object) -> bytes:
    return hashlib.sha256(f"{operation}:{payload!r}".encode()).digest()


async def claim_request(
    conn: Connection,
    queries: Queries,
    project: str,
    request_id: str,
    operation: str,
    payload: object,
    new_ids: list[UUID],
) -> list[UUID] | None:
    """Claim an idempotency key inside the caller's transaction.

    None when the key is new (go ahead and write `new_ids`); the ids written the first time when
    this is a retry of the same request; RequestIdReused when the key came with another payload.
    """
    if not request_id:
        return None
    digest = payload_hash(operation, payload)
    claimed = await conn.fetchval(
        queries.claim_request_id, project, request_id, operation, digest, new_ids
    )
    if claimed is not None:
        return None
    prior = await conn.fetchrow(queries.get_request_id, project, request_id)
    assert prior is not None
    if prior["operation"] != operation or bytes(prior["payload_hash"]) != digest:
        raise RequestIdReused(request_id)
    return list(prior["result_ids"])
