"""The time-trigger loop: sleeps until the next due trigger, woken early when triggers change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from athena.errors import StorageError, StorageUnavailable
from athena.prospective.firing import FiringLog, wait_or_timeout
from athena.storage import Database, Queries

log = logging.getLogger(__name__)
# When due triggers are locked by another server (or transaction) we retry after this pause
# instead of spinning.
_BUSY_PAUSE = 0.05


class TimeTriggerScheduler:
    """Fires due time triggers of every project within a second of their time.

    Several servers may share the database: due rows are claimed with SKIP LOCKED, and the loop
    also wakes every `poll_seconds` to see triggers other servers created."""

    def __init__(
        self, db: Database, queries: Queries, firings: FiringLog, poll_seconds: float = 1.0
    ) -> None:
        self._db = db
        self._q = queries
        self._firings = firings
        self._poll = poll_seconds

    async def fire_due(self, now: datetime | None = None) -> int:
        """Fire every time trigger due at `now` (default: the current time); returns how many."""
        now = now or datetime.now(UTC)
        async with self._db.connection() as conn:
            projects = [
                r["project_id"] for r in await conn.fetch(self._q.due_time_trigger_projects, now)
            ]
        fired = 0
        for project in projects:
            async with self._db.transaction() as conn:
                await conn.execute(self._q.lock_project_firings, project)
                fired += len(await conn.fetch(self._q.fire_due_time_triggers, project, now))
        if fired:
            self._firings.written.fire()
        return fired

    async def _delay(self) -> float:
        async with self._db.connection() as conn:
            next_due = await conn.fetchval(self._q.next_time_trigger)
        if next_due is None:
            return self._poll
        wait = (next_due - datetime.now(UTC)).total_seconds()
        return min(max(wait, 0.0), self._poll)

    async def run(self) -> None:
        while True:
            # Taken before looking, so a change made while we look still wakes the wait below.
            changed = self._firings.triggers_changed.current()
            try:
                fired = await self.fire_due()
                delay = await self._delay()
                if delay == 0.0 and not fired:
                    delay = _BUSY_PAUSE
            except (StorageUnavailable, StorageError):
                log.warning("time trigger scheduler: database error; retrying", exc_info=True)
                delay = self._poll
            except Exception:
                # The loop must outlive any one bad round (a driver fault, a bug): triggers of
                # every project depend on it.
                log.exception("time trigger scheduler: unexpected error; retrying")
                delay = self._poll
            if delay > 0:
                await wait_or_timeout(changed, delay)
