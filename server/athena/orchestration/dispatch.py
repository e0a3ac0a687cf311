"""In-process wake-ups for assignment streams waiting for work.

Writes on this replica (new tasks, finished leases, returned tasks) wake the project's waiting
streams at once, best-ranked agent first: the event loop runs woken streams in the order they
were woken, so the least loaded, most reliable agent's claim reaches the database first. Other
replicas hear of the write through `broadcast` (see signals.py), and every stream also polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)
class Waiter:
    """One assignment stream's wake-up flag and routing rank (smaller is preferred)."""

    rank: tuple[float, float, float, str]
    event: asyncio.Event = field(default_factory=asyncio.Event)


class Dispatcher:
    def __init__(self) -> None:
        self._waiters: dict[str, set[Waiter]] = {}
        # Tells other replicas (set by the component when cross-replica signals run).
        self.broadcast: Callable[[str], None] = lambda project: None

    def add(self, project: str, waiter: Waiter) -> None:
        self._waiters.setdefault(project, set()).add(waiter)

    def remove(self, project: str, waiter: Waiter) -> None:
        waiters = self._waiters.get(project)
        if waiters is not None:
            waiters.discard(waiter)
            if not waiters:
                del self._waiters[project]

    def notify(self, project: str) -> None:
        """New or returned work in `project` (written here): wake streams here and elsewhere."""
        self.wake_local(project)
        self.broadcast(project)

    def wake_local(self, project: str) -> None:
        """Wake this replica's streams of `project`, best-ranked first."""
        for waiter in sorted(self._waiters.get(project, ()), key=lambda w: w.rank):
            waiter.event.set()
