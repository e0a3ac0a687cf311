"""Firing triggers: durable firing rows written in order, and the in-process wake-up signal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg

from athena.prospective.models import Firing, TriggerKind
from athena.storage import Queries
from athena.storage.database import Connection


def row_to_firing(row: asyncpg.Record) -> Firing:
    return Firing(
        cursor=row["seq"],
        trigger_id=row["trigger_id"],
        task_id=row["task_id"],
        kind=TriggerKind(row["kind"]),
        fire_time=row["fire_time"],
        event_id=row["event_id"],
        reason=row["reason"],
        description=row["description"],
    )


async def wait_or_timeout(event: asyncio.Event, seconds: float) -> None:
    """Wait until `event` is set or `seconds` pass. asyncio.timeout rather than wait_for: on
    Python 3.11 wait_for can swallow a cancellation that races with the wait finishing, which
    would keep a cancelled loop (and the server's shutdown) going."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


class Signal:
    """Wakes every waiter once per `fire()`; waiters take `current()` before they look."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


class FiringLog:
    """Writes firings; each writer of a project holds the project's firing lock until commit,
    so cursors (an identity column) become visible in cursor order and a watcher that has seen
    cursor N can never later find a smaller one appear."""

    def __init__(self, queries: Queries) -> None:
        self._q = queries
        # Set after a commit that wrote firings: watchers of this process look at once (watchers
        # also poll, for firings written by other server processes).
        self.written = Signal()
        # Set when triggers change: the time scheduler recomputes its next wake-up.
        self.triggers_changed = Signal()

    async def lock(self, conn: Connection, project: str) -> None:
        """Take the project's firing lock for the rest of the transaction.

        A transaction that may fire triggers takes it before touching trigger rows: firing
        writers take it first and then update trigger rows, so the same order everywhere keeps
        them from deadlocking. Taking it again in the same transaction is free."""
        await conn.execute(self._q.lock_project_firings, project)

    async def fire(
        self,
        conn: Connection,
        project: str,
        fires: Sequence[tuple[uuid.UUID, uuid.UUID | None, str]],
        now: object,
    ) -> list[Firing]:
        """Fire (trigger id, causing event id, reason) inside the caller's transaction."""
        if not fires:
            return []
        await self.lock(conn, project)
        rows = await conn.fetch(
            self._q.fire_triggers,
            project,
            [f[0] for f in fires],
            [f[1] for f in fires],
            [f[2] for f in fires],
            now,
        )
        return [row_to_firing(r) for r in rows]

    async def fire_ready_dependencies(
        self, conn: Connection, project: str, task_ids: Sequence[uuid.UUID], now: object
    ) -> list[Firing]:
        """Fire the dependency triggers of `task_ids` whose dependencies are all done."""
        if not task_ids:
            return []
        ready = await conn.fetch(self._q.ready_dependency_triggers, project, list(task_ids))
        return await self.fire(
            conn, project, [(r["id"], None, "all dependencies are done") for r in ready], now
        )
