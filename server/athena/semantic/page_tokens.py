"""Opaque keyset page tokens over any tuple of JSON-friendly values, bound to their query."""

from __future__ import annotations

import base64
import json
from typing import Any

from athena.errors import InvalidPageToken


def encode(position: list[Any], query_fingerprint: str) -> str:
    raw = json.dumps({"p": position, "q": query_fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, query_fingerprint: str, width: int) -> list[Any]:
    """The position a token encodes; InvalidPageToken if malformed or from another query."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position, issued_for = payload["p"], payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidPageToken("malformed page token") from exc
    if not isinstance(position, list) or len(position) != width:
        raise InvalidPageToken("malformed page token")
    if issued_for != query_fingerprint:
        raise InvalidPageToken("page token was issued for a different query")
    return position
