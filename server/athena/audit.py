"""The audit log: every destructive operation leaves a record that outlives what it removed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from athena.storage.database import Connection
from athena.storage.queries import Queries


@dataclass(frozen=True)
class Actor:
    """Who asked: the principal (API key name or `anonymous`) and the rpc's request id."""

    principal: str = "anonymous"
    request_id: str = ""


async def record(
    conn: Connection, queries: Queries, project: str, action: str, actor: Actor, **details: Any
) -> None:
    """Write one audit record inside the caller's transaction."""
    await conn.execute(
        queries.insert_audit,
        project,
        action,
        actor.request_id,
        actor.principal,
        json.dumps(details, default=str),
    )
