"""Opaque page tokens for keyset pagination, bound to the query they came from."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from athena.errors import InvalidPageToken


@dataclass(frozen=True)
class Cursor:
    """Position after the last row of a page."""

    occur_time: datetime
    id: UUID
    importance: float


def fingerprint(*parts: Any) -> str:
    """A short digest of the query a token belongs to (filter + order + project)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def encode(cursor: Cursor, query_fingerprint: str) -> str:
    payload = {
        "t": cursor.occur_time.isoformat(),
        "i": str(cursor.id),
        "m": cursor.importance,
        "q": query_fingerprint,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, query_fingerprint: str) -> Cursor:
    """Parse a token; InvalidPageToken if it is malformed or from another query."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        cursor = Cursor(
            occur_time=datetime.fromisoformat(payload["t"]),
            id=UUID(payload["i"]),
            importance=float(payload["m"]),
        )
        issued_for = payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidPageToken("malformed page token") from exc
    if issued_for != query_fingerprint:
        raise InvalidPageToken("page token was issued for a different filter or order")
    return cursor
