"""The durable task queue: create, claim with leases, complete, fail with backoff, dead letters.

Hot paths are one statement each: a claim leases a batch with `FOR UPDATE SKIP LOCKED` through
a partial index of ready rows, and a batch of completions is one UPDATE that also records timing
samples, agent performance and lifecycle events. Nothing sends NOTIFY inside a write
transaction; waiting streams on this replica are woken in-process after commit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any

from athena.errors import (
    AgentNotFound,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    InvalidPageToken,
    LeaseLost,
    RequestIdReused,
    TaskNotFound,
)
from athena.ids import uuid7
from athena.orchestration.bus import EventBus
from athena.orchestration.dispatch import Dispatcher, Waiter
from athena.orchestration.models import (
    FINAL_STATES,
    Ack,
    AgentState,
    Completion,
    CompletionRefusal,
    NewTask,
    ParentFailurePolicy,
    Task,
    TaskFilter,
    TaskState,
    task_event_attributes,
    task_from_row,
)
from athena.projects import Projects
from athena.storage import Database, Queries
from athena.storage.database import Connection

log = logging.getLogger(__name__)
MAX_BATCH = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
DEFAULT_BACKOFF_MS = 1000
DEFAULT_MAX_BACKOFF_MS = 300_000
# A claim counts as a heartbeat; touching the agent row at most this often keeps claims cheap.
TOUCH_INTERVAL_SECONDS = 1.0
RELEASE_BATCH = 1000
# A claim that lost a race for its agent's free room runs again with a fresh snapshot; each loss
# means another grant to the agent committed, so a few attempts are plenty.
CLAIM_ATTEMPTS = 5

FinishedHook = Callable[[str, set[uuid.UUID]], Awaitable[None]]


def _hash(task: NewTask) -> bytes:
    return hashlib.sha256(repr(astuple(task)).encode()).digest()


def _page_token(last_id: uuid.UUID, fingerprint: str) -> str:
    raw = json.dumps({"i": str(last_id), "q": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_cursor(token: str, fingerprint: str) -> uuid.UUID:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor, issued_for = uuid.UUID(payload["i"]), payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidPageToken("malformed page token") from exc
    if issued_for != fingerprint:
        raise InvalidPageToken("page token was issued for a different filter or order")
    return cursor


def backoff_delay_ms(task: Task) -> int:
    """Exponential: backoff, 2x, 4x... per attempt made, capped at max_backoff."""
    exponent = max(task.attempt - 1, 0)
    return int(min(task.backoff_ms * (2 ** min(exponent, 40)), task.max_backoff_ms))


class TaskQueue:
    """Every method is scoped to an explicit project."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        bus: EventBus,
        dispatcher: Dispatcher,
        *,
        default_lease_seconds: float,
        default_max_attempts: int,
        agent_timeout_seconds: float,
        poll_seconds: float,
        publish_task_events: bool,
        async_claims: bool = False,
    ) -> None:
        self._db = db
        self._async_claims = async_claims
        self._q = queries
        self._projects = projects
        self._bus = bus
        self._dispatcher = dispatcher
        self.default_lease_seconds = default_lease_seconds
        self._default_max_attempts = default_max_attempts
        self._agent_timeout = agent_timeout_seconds
        self._poll = poll_seconds
        self._publish = publish_task_events
        self._touched: dict[tuple[str, str], float] = {}
        self._returning: set[asyncio.Future[None]] = set()
        # Set by the workflow engine: called after commit with workflows whose tasks finished.
        self.on_workflow_tasks_finished: FinishedHook | None = None

    # -- create / read ---------------------------------------------------------------------

    def _rows(
        self,
        tasks: Sequence[NewTask],
        states: Sequence[str],
        keys: Sequence[str],
        policies: Sequence[ParentFailurePolicy],
        ids: Sequence[uuid.UUID],
    ) -> list[Any]:
        for i, t in enumerate(tasks):
            backoff, cap = t.backoff_ms, t.max_backoff_ms
            if backoff is not None and cap is not None and cap < backoff:
                raise InvalidArgument(
                    [FieldViolation(f"tasks[{i}].max_backoff", "must not be less than backoff")]
                )
        return [
            list(ids),
            [t.name for t in tasks],
            [t.capability for t in tasks],
            [t.min_level for t in tasks],
            [t.priority for t in tasks],
            [t.payload for t in tasks],
            [json.dumps(dict(t.labels)) for t in tasks],
            list(states),
            [t.max_attempts or self._default_max_attempts for t in tasks],
            [DEFAULT_BACKOFF_MS if t.backoff_ms is None else t.backoff_ms for t in tasks],
            [
                t.max_backoff_ms
                if t.max_backoff_ms is not None
                else max(DEFAULT_MAX_BACKOFF_MS, t.backoff_ms or 0)
                for t in tasks
            ],
            [t.ready_time for t in tasks],
            [t.idempotency_key or None for t in tasks],
            [_hash(t) if t.idempotency_key else None for t in tasks],
            list(keys),
            [p.value for p in policies],
        ]

    async def insert(
        self,
        conn: Connection,
        project: str,
        tasks: Sequence[NewTask],
        *,
        workflow_id: uuid.UUID | None = None,
        states: Sequence[str] | None = None,
        keys: Sequence[str] | None = None,
        policies: Sequence[ParentFailurePolicy] | None = None,
    ) -> tuple[list[Task], int]:
        """Insert inside the caller's transaction; returns tasks in input order and replays."""
        n = len(tasks)
        ids = [uuid7() for _ in tasks]
        columns = self._rows(
            tasks,
            states or ["ready"] * n,
            keys or [""] * n,
            policies or [ParentFailurePolicy.FAIL] * n,
            ids,
        )
        rows = await conn.fetch(self._q.orch_insert_tasks, project, workflow_id, *columns)
        created = {r["id"]: task_from_row(r) for r in rows}
        out: list[Task | None] = [created.get(i) for i in ids]
        replayed = 0
        if len(created) < n:
            keys_missing = [t.idempotency_key for t, got in zip(tasks, out, strict=True) if not got]
            seen: dict[str, Any] = {
                r["idempotency_key"]: r
                for r in await conn.fetch(
                    self._q.orch_tasks_by_idempotency_keys, project, keys_missing
                )
            }
            for i, (task, got) in enumerate(zip(tasks, out, strict=True)):
                if got is not None:
                    continue
                prior = seen.get(task.idempotency_key)
                if prior is None:
                    # The same key twice in one batch: the first occurrence created it.
                    out[i] = next(
                        t
                        for t in out
                        if t is not None and t.idempotency_key == task.idempotency_key
                    )
                elif bytes(prior["payload_hash"] or b"") != _hash(task):
                    raise RequestIdReused(task.idempotency_key)
                else:
                    out[i] = task_from_row(prior)
                replayed += 1
        if self._publish and created:
            await conn.execute(
                self._q.orch_insert_bus_events,
                project,
                ["task.created"] * len(created),
                [b""] * len(created),
                [json.dumps(task_event_attributes(t)) for t in created.values()],
            )
        return [t for t in out if t is not None], replayed

    async def create(self, project: str, tasks: Sequence[NewTask]) -> tuple[list[Task], int]:
        """Create tasks atomically; returns (tasks in request order, how many were replays)."""
        if not 1 <= len(tasks) <= MAX_BATCH:
            raise InvalidArgument(
                [FieldViolation("tasks", f"must hold between 1 and {MAX_BATCH} tasks")]
            )
        await self._projects.ensure(project)
        # The new tasks are leased to the best idle stream by the create itself: they reach it
        # right after this commit, with no wake-up, claim and second commit in between.
        waiters = self._dispatcher.idle(project)
        handed: list[Task] = []
        for w in waiters:
            w.handing += 1
        try:
            if any(t.idempotency_key for t in tasks):
                # A replay with another payload must undo the whole batch: a transaction.
                waiter = waiters[0] if waiters else None
                async with self._db.transaction() as conn:
                    created, replayed = await self.insert(conn, project, tasks)
                    if waiter is not None and len(created) > replayed:
                        handed = await self._hand_off(conn, project, waiter)
                if waiter is not None and handed:
                    await self._deliver(project, waiter, handed)
                if len(handed) < len(created) - replayed:
                    self._dispatcher.notify(project)
            else:
                created = await self._create_one_statement(project, tasks, waiters)
                replayed = 0
        finally:
            for w in waiters:
                w.handing -= 1
        if self._publish:
            self._bus.wake()
        return created, replayed

    async def _create_one_statement(
        self, project: str, tasks: Sequence[NewTask], waiters: Sequence[Waiter]
    ) -> list[Task]:
        """Returns the tasks in input order; hands what it leased to its waiter, wakes the
        streams for the rest."""
        n = len(tasks)
        ids = [uuid7() for _ in tasks]
        columns = self._rows(tasks, ["ready"] * n, [""] * n, [ParentFailurePolicy.FAIL] * n, ids)
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.orch_create_tasks,
                project,
                None,
                *columns,
                [w.agent_id for w in waiters],
                [w.max_batch for w in waiters],
                [w.lease_seconds or self.default_lease_seconds for w in waiters],
                self._publish,
            )
            by_id = {r["id"]: task_from_row(r) for r in rows}
            created = [by_id[i] for i in ids]
            handed = [t for t in created if t.state is TaskState.LEASED]
            if handed:
                waiter = next(w for w in waiters if w.agent_id == handed[0].agent_id)
                await self._deliver(project, waiter, handed)
            if len(handed) < n:
                self._dispatcher.notify(project)
            if handed:
                # A hand-off commits without waiting for the WAL flush, and its tasks reach the
                # agent while that flush is awaited here: the agent gets them a flush sooner,
                # the caller's acknowledgement still means durable.
                await conn.fetch(self._q.orch_flush_wal, project)
        return created

    async def _hand_off(self, conn: Connection, project: str, waiter: Waiter) -> list[Task]:
        lease = waiter.lease_seconds or self.default_lease_seconds
        rows = await conn.fetch(
            self._q.orch_claim_tasks,
            project,
            waiter.agent_id,
            waiter.max_batch,
            lease,
            self._publish,
        )
        # On a conflict (a concurrent grant to this agent) nothing is handed: the tasks stay
        # ready and the woken streams claim them.
        return _claimed(rows)[0]

    async def _deliver(self, project: str, waiter: Waiter, handed: list[Task]) -> None:
        if not waiter.closed:
            waiter.inbox.extend(handed)
            waiter.event.set()
        else:
            await self._return_undelivered(project, waiter.agent_id, handed)

    async def _return_undelivered(self, project: str, agent_id: str, tasks: list[Task]) -> None:
        """Leases handed to a stream that closed before sending them go back to the queue now,
        rather than a whole lease later, without spending an attempt."""
        async with self._db.connection() as conn:
            await conn.fetch(
                self._q.orch_return_undelivered_tasks,
                project,
                agent_id,
                [t.id for t in tasks],
                [t.attempt for t in tasks],
            )
        self._dispatcher.notify(project)

    async def get(self, project: str, task_id: uuid.UUID) -> Task:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.orch_get_task, project, task_id)
        if row is None:
            raise TaskNotFound(str(task_id))
        return task_from_row(row)

    async def list(
        self, project: str, f: TaskFilter, newest_first: bool, page_size: int, page_token: str
    ) -> tuple[list[Task], str]:
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        fingerprint = hashlib.sha256(repr((project, f, newest_first)).encode()).hexdigest()[:16]
        cursor = _page_cursor(page_token, fingerprint) if page_token else None
        query = self._q.orch_list_tasks_desc if newest_first else self._q.orch_list_tasks_asc
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                query,
                project,
                [s.value for s in f.states] or None,
                f.capability or None,
                f.agent_id or None,
                f.workflow_id,
                cursor,
                size + 1,
            )
        tasks = [task_from_row(r) for r in rows[:size]]
        token = _page_token(tasks[-1].id, fingerprint) if len(rows) > size else ""
        return tasks, token

    # -- leases ----------------------------------------------------------------------------

    async def touch_agent(self, project: str, agent_id: str, *, force: bool = False) -> None:
        """Record a sign of life; AgentNotFound / FailedPrecondition if it cannot take work."""
        key = (project, agent_id)
        now = time.monotonic()
        if not force and now - self._touched.get(key, -1e9) < TOUCH_INTERVAL_SECONDS:
            return
        async with self._db.connection() as conn:
            before = await conn.fetchval(self._q.orch_touch_agent, project, agent_id)
        if before is None:
            self._touched.pop(key, None)
            raise AgentNotFound(agent_id)
        if before == AgentState.DEREGISTERED.value:
            self._touched.pop(key, None)
            raise FailedPrecondition(
                f"agent {agent_id!r} is deregistered; register it again to take tasks",
                agent_id=agent_id,
            )
        self._touched[key] = now

    def forget_agent(self, project: str, agent_id: str) -> None:
        self._touched.pop((project, agent_id), None)

    async def claim(
        self, project: str, agent_id: str, max_tasks: int, lease_seconds: float | None
    ) -> list[Task]:
        await self.touch_agent(project, agent_id)
        args = (project, agent_id, max_tasks, lease_seconds or self.default_lease_seconds)
        for _ in range(CLAIM_ATTEMPTS):
            if self._async_claims:
                async with self._db.transaction() as conn:
                    await conn.execute(self._q.orch_async_commit)
                    tasks, retry = _claimed(
                        await conn.fetch(self._q.orch_claim_tasks, *args, self._publish)
                    )
            else:
                async with self._db.connection() as conn:
                    tasks, retry = _claimed(
                        await conn.fetch(self._q.orch_claim_tasks, *args, self._publish)
                    )
            if not retry:
                break
        if tasks and self._publish:
            self._bus.wake()
        return tasks

    async def stream(
        self,
        project: str,
        agent_id: str,
        lease_seconds: float | None,
        max_batch: int,
        rank: Callable[[], Awaitable[tuple[float, float, float, str]]],
    ) -> AsyncIterator[list[Task]]:
        """Batches of leased tasks as they become ready, forever (the caller stops iterating).

        The open stream keeps the agent healthy; `rank` refreshes its routing preference."""
        await self.touch_agent(project, agent_id, force=True)
        waiter = Waiter(await rank(), agent_id, max_batch, lease_seconds)
        self._dispatcher.add(project, waiter)
        last_touch = time.monotonic()
        try:
            while True:
                # Cleared before the claim, so a wake-up during the claim is not lost.
                waiter.event.clear()
                if waiter.inbox:
                    # Handed over by creates, which leased what was ready for this agent.
                    tasks, waiter.inbox = waiter.inbox[:max_batch], waiter.inbox[max_batch:]
                else:
                    tasks = await self.claim(project, agent_id, max_batch, lease_seconds)
                if tasks:
                    yield tasks
                if time.monotonic() - last_touch > self._agent_timeout / 3:
                    await self.touch_agent(project, agent_id, force=True)
                    waiter.rank = await rank()
                    last_touch = time.monotonic()
                if len(tasks) == max_batch or waiter.inbox:
                    continue  # probably more ready right now
                # A short batch took everything ready for this agent; a wake-up during the
                # claim has set the event already, so nothing new is missed by waiting.
                waiter.idle = True
                try:
                    await _wait(waiter.event, self._poll)
                except TimeoutError:
                    pass
                finally:
                    waiter.idle = False
        finally:
            waiter.closed = True
            self._dispatcher.remove(project, waiter)
            if waiter.inbox:
                # Handed over but never sent; this generator may be closing under cancellation,
                # so the leases are taken back by a task of their own.
                returning = asyncio.ensure_future(
                    self._return_undelivered(project, agent_id, waiter.inbox)
                )
                self._returning.add(returning)
                returning.add_done_callback(self._returned)

    def _returned(self, future: asyncio.Future[None]) -> None:
        self._returning.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.warning(
                "undelivered tasks stay leased until their lease expires",
                exc_info=future.exception(),
            )

    async def extend(
        self, project: str, agent_id: str, task_ids: Sequence[uuid.UUID], lease_seconds: float
    ) -> tuple[list[uuid.UUID], list[uuid.UUID], datetime | None]:
        """Extend leases; returns (extended, lost, new expiry)."""
        await self.touch_agent(project, agent_id)
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.orch_extend_leases, project, agent_id, list(task_ids), lease_seconds
            )
        extended = {r["id"] for r in rows}
        expiry = max((r["lease_expire_time"] for r in rows), default=None)
        return (
            [i for i in task_ids if i in extended],
            [i for i in task_ids if i not in extended],
            expiry,
        )

    # -- outcomes --------------------------------------------------------------------------

    async def complete(
        self, project: str, agent_id: str, completions: Sequence[Completion]
    ) -> list[Ack]:
        """Record successful attempts; each is accepted or refused on its own."""
        if not 1 <= len(completions) <= MAX_BATCH:
            raise InvalidArgument(
                [FieldViolation("completions", f"must hold between 1 and {MAX_BATCH} items")]
            )
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.orch_complete_tasks,
                project,
                agent_id,
                [c.task_id for c in completions],
                [c.attempt for c in completions],
                [c.result for c in completions],
                self._publish,
            )
        by_id = {r["id"]: r for r in rows}
        workflows: set[uuid.UUID] = set()
        acks: list[Ack] = []
        for c in completions:
            row = by_id[c.task_id]
            if row["completed"]:
                if row["done_workflow_id"] is not None:
                    workflows.add(row["done_workflow_id"])
                acks.append(Ack(c.task_id))
            elif row["state"] is None:
                acks.append(Ack(c.task_id, CompletionRefusal.NOT_FOUND))
            elif (row["state"], row["agent_id"], row["stored_attempt"]) == (
                TaskState.SUCCEEDED.value,
                agent_id,
                c.attempt,
            ):
                acks.append(Ack(c.task_id))  # a retried completion
            else:
                acks.append(Ack(c.task_id, CompletionRefusal.LEASE_LOST))
        # Only this agent gained room, and only work already waiting needs it: new work wakes
        # streams when it is written. Skipping the wake-up spares an empty claim per completion.
        if any(r["work_waiting"] for r in rows):
            self._dispatcher.notify_agent(project, agent_id)
        if self._publish:
            self._bus.wake()
        await self._workflows_finished(project, workflows)
        return acks

    async def complete_one(self, project: str, agent_id: str, completion: Completion) -> None:
        (ack,) = await self.complete(project, agent_id, [completion])
        if ack.refusal is CompletionRefusal.NOT_FOUND:
            raise TaskNotFound(str(completion.task_id))
        if ack.refusal is CompletionRefusal.LEASE_LOST:
            raise LeaseLost(str(completion.task_id), agent_id, completion.attempt)

    async def fail(
        self,
        project: str,
        agent_id: str,
        task_id: uuid.UUID,
        attempt: int,
        error: str,
        permanent: bool,
    ) -> Task:
        """A failed attempt: retry after backoff while attempts remain, else a dead letter."""
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.orch_get_task_for_update, project, task_id)
            if row is None:
                raise TaskNotFound(str(task_id))
            task = task_from_row(row)
            if (task.state, task.agent_id, task.attempt) != (TaskState.LEASED, agent_id, attempt):
                raise LeaseLost(str(task_id), agent_id, attempt)
            dead = permanent or task.attempt >= task.max_attempts
            retry_at = datetime.now(UTC) + timedelta(milliseconds=backoff_delay_ms(task))
            updated = task_from_row(
                await conn.fetchrow(
                    self._q.orch_fail_attempt, project, task_id, retry_at, dead, error
                )
            )
            await conn.execute(
                self._q.orch_record_failed_attempts,
                project,
                [agent_id],
                [task.capability],
                [task.ready_time],
                [task.start_time],
            )
            if self._publish:
                await self._publish_in(conn, project, [updated], "dead" if dead else "failed")
        self._after_change(project)
        if dead and updated.workflow_id is not None:
            await self._workflows_finished(project, {updated.workflow_id})
        return updated

    async def cancel(self, project: str, task_id: uuid.UUID, reason: str) -> Task:
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.orch_get_task_for_update, project, task_id)
            if row is None:
                raise TaskNotFound(str(task_id))
            if TaskState(row["state"]) in FINAL_STATES:
                raise FailedPrecondition(
                    f"task {task_id} already finished ({row['state']})", task_id=str(task_id)
                )
            updated = task_from_row(
                await conn.fetchrow(
                    self._q.orch_cancel_task, project, task_id, reason or "cancelled"
                )
            )
            if self._publish:
                await self._publish_in(conn, project, [updated], "cancelled")
        self._after_change(project)
        if updated.workflow_id is not None:
            await self._workflows_finished(project, {updated.workflow_id})
        return updated

    async def retry_dead(self, project: str, task_id: uuid.UUID) -> Task:
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.orch_get_task_for_update, project, task_id)
            if row is None:
                raise TaskNotFound(str(task_id))
            if row["state"] != TaskState.DEAD.value:
                raise FailedPrecondition(
                    f"task {task_id} is not a dead letter ({row['state']})", task_id=str(task_id)
                )
            updated = task_from_row(
                await conn.fetchrow(self._q.orch_retry_dead_task, project, task_id)
            )
            if self._publish:
                await self._publish_in(conn, project, [updated], "retried")
        self._after_change(project)
        return updated

    # -- returning leases ------------------------------------------------------------------

    async def release_expired(self) -> int:
        """Background: expired leases go back to the queue (or die when out of attempts)."""
        async with self._db.transaction() as conn:
            rows = await conn.fetch(
                self._q.orch_release_expired_leases, RELEASE_BATCH, "lease expired"
            )
            await self._after_release(conn, rows)
        await self._after_release_commit(rows)
        return len(rows)

    async def release_agent(self, project: str, agent_id: str, why: str) -> int:
        """Return every task an agent holds (it went silent or deregistered)."""
        async with self._db.transaction() as conn:
            rows = await conn.fetch(self._q.orch_release_agent_leases, project, agent_id, why)
            await self._after_release(conn, rows)
        await self._after_release_commit(rows)
        return len(rows)

    async def _after_release(self, conn: Connection, rows: Sequence[Any]) -> None:
        by_project: dict[str, list[Any]] = {}
        for row in rows:
            by_project.setdefault(row["project_id"], []).append(row)
        for project, group in by_project.items():
            await conn.execute(
                self._q.orch_record_failed_attempts,
                project,
                [r["agent_id"] for r in group],
                [r["capability"] for r in group],
                [r["lost_ready_time"] for r in group],
                [r["lost_start_time"] for r in group],
            )
            if self._publish:
                tasks = [task_from_row(r) for r in group]
                for state in ("ready", "dead"):
                    chosen = [t for t in tasks if t.state.value == state]
                    if chosen:
                        topic = "lease_lost" if state == "ready" else "dead"
                        await self._publish_in(conn, project, chosen, topic)

    async def _after_release_commit(self, rows: Sequence[Any]) -> None:
        projects = {r["project_id"] for r in rows}
        for project in projects:
            self._after_change(project)
        for project in projects:
            dead_workflows = {
                r["workflow_id"]
                for r in rows
                if r["project_id"] == project and r["workflow_id"] and r["state"] == "dead"
            }
            await self._workflows_finished(project, dead_workflows)

    # -- helpers ---------------------------------------------------------------------------

    async def _publish_in(
        self, conn: Connection, project: str, tasks: Sequence[Task], what: str
    ) -> None:
        await conn.execute(
            self._q.orch_insert_bus_events,
            project,
            [f"task.{what}"] * len(tasks),
            [b""] * len(tasks),
            [json.dumps(task_event_attributes(t)) for t in tasks],
        )

    def _after_change(self, project: str) -> None:
        self._dispatcher.notify(project)
        if self._publish:
            self._bus.wake()

    async def _workflows_finished(self, project: str, workflows: set[uuid.UUID]) -> None:
        if workflows and self.on_workflow_tasks_finished is not None:
            await self.on_workflow_tasks_finished(project, workflows)


def _claimed(rows: Sequence[Any]) -> tuple[list[Task], bool]:
    """The tasks orch_claim_tasks leased, and whether it must run again (see its comment)."""
    tasks = [task_from_row(r) for r in rows if r["id"] is not None]
    return tasks, bool(rows) and bool(rows[0]["retry"])


async def _wait(event: asyncio.Event, seconds: float) -> None:
    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
    async with asyncio.timeout(seconds):
        await event.wait()
