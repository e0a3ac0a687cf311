"""In-process wake-ups and hand-offs for assignment streams waiting for work.

A create on this replica leases the new tasks to the best-ranked idle stream with room inside
its own transaction (`idle`), so the tasks reach that agent right after the create commits,
without a second round of wake-up, claim and commit. Whatever that agent cannot take wakes the
project's other waiting streams at once, best-ranked first: the event loop runs woken streams in
the order they were woken, so the least loaded, most reliable agent's claim reaches the database
first. A finished lease only frees room for its own agent, so it wakes that agent's streams.
Other replicas hear of writes through `broadcast` (see signals.py), and every stream also polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Waiter:
    """One assignment stream's wake-up flag, routing rank (smaller is preferred) and inbox."""

    rank: tuple[float, float, float, str]
    agent_id: str = ""
    max_batch: int = 1
    lease_seconds: float | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)
    # True only while the stream waits with nothing claimed: it may then be handed tasks.
    idle: bool = False
    # Creates handing this stream tasks right now: it is offered to others only after the rest
    # (the database keeps the agent's cap: concurrent hand-offs lock the agent row).
    handing: int = 0
    # Tasks leased to this stream's agent by a create, delivered by the stream.
    inbox: list[Any] = field(default_factory=list)
    closed: bool = False


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

    def idle(self, project: str) -> list[Waiter]:
        """Streams of `project` waiting for work, best first (those another create is handing
        tasks to last), one per agent."""
        waiters = sorted(
            (w for w in self._waiters.get(project, ()) if w.idle),
            key=lambda w: (w.handing > 0, w.rank),
        )
        seen: set[str] = set()
        out = []
        for w in waiters:
            if w.agent_id not in seen:
                seen.add(w.agent_id)
                out.append(w)
        return out

    def notify(self, project: str) -> None:
        """New or returned work in `project` (written here): wake streams here and elsewhere."""
        self.wake_local(project)
        self.broadcast(project)

    def notify_agent(self, project: str, agent_id: str) -> None:
        """`agent_id` has room for more (its lease ended): wake its streams here and elsewhere."""
        for waiter in self._waiters.get(project, ()):
            if waiter.agent_id == agent_id:
                waiter.event.set()
        self.broadcast(project)

    def wake_local(self, project: str) -> None:
        """Wake this replica's streams of `project`, best-ranked first."""
        for waiter in sorted(self._waiters.get(project, ()), key=lambda w: w.rank):
            waiter.event.set()
