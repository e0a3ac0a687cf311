"""Wake-ups between replicas: LISTEN on one connection, NOTIFY outside write transactions.

A NOTIFY inside each write transaction serialises commits (measured here: ~300 tasks/s), so
writers only mark a (project, kind) as changed; a sender flushes the marks as out-of-transaction
NOTIFYs at most every FLUSH_SECONDS, however many writes happened meanwhile. Each replica
ignores its own notifications (it already woke its streams in-process). Polling stays as the
fallback if a notification is lost (for example while the listening connection reconnects).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

import asyncpg

from athena.errors import AthenaError
from athena.storage import Database, Queries

log = logging.getLogger(__name__)
CHANNEL = "athena_orchestration"
FLUSH_SECONDS = 0.005
RECONNECT_SECONDS = 1.0

TASKS = "t"
BUS = "b"


class Signals:
    def __init__(
        self,
        db: Database,
        queries: Queries,
        on_tasks: Callable[[str], None],
        on_bus: Callable[[str], None],
    ) -> None:
        self._db = db
        self._q = queries
        self._on = {TASKS: on_tasks, BUS: on_bus}
        self._me = uuid.uuid4().hex[:12]
        self._pending: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()

    def send(self, project: str, kind: str) -> None:
        """Mark `project` changed; other replicas hear of it within a few milliseconds."""
        self._pending.add((project, kind))
        self._wake.set()

    def _received(self, conn: object, pid: int, channel: str, payload: str) -> None:
        sender, kind, project = payload.split(":", 2)
        if sender != self._me and kind in self._on:
            self._on[kind](project)

    async def run_sender(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH_SECONDS)  # coalesce a burst of writes into one flush
            pending, self._pending = self._pending, set()
            try:
                async with self._db.connection() as conn:
                    await conn.execute(
                        self._q.orch_notify,
                        CHANNEL,
                        [f"{self._me}:{kind}:{project}" for project, kind in pending],
                    )
            except AthenaError:
                log.warning("orchestration notify failed; peers will poll", exc_info=True)

    async def run_listener(self) -> None:
        while True:
            try:
                await self._listen()
            except (AthenaError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                log.warning("orchestration listener lost its connection", exc_info=True)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        async with self._db.connection() as conn:
            raw = await conn.raw()
            closed = asyncio.Event()
            raw.add_termination_listener(lambda _: closed.set())
            await raw.add_listener(CHANNEL, self._received)
            try:
                await closed.wait()
            finally:
                if not raw.is_closed():
                    await raw.remove_listener(CHANNEL, self._received)
