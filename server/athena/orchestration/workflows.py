"""Workflows: DAGs of queue tasks. Dependents become ready when all their parents succeed.

A workflow advances after each commit that finished one of its tasks, under the workflow row's
lock, so two parents finishing at once cannot both miss that their child is now free. A
background check also advances workflows left stalled by a replica that stopped between a
task's commit and its workflow's advance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import astuple, replace

from athena.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    RequestIdReused,
    WorkflowNotFound,
)
from athena.ids import uuid7
from athena.orchestration.bus import EventBus, compile_patterns
from athena.orchestration.dispatch import Dispatcher
from athena.orchestration.models import (
    FINAL_STATES,
    NewWorkflowTask,
    PatternKind,
    Task,
    TaskState,
    TopicPattern,
    Workflow,
    WorkflowState,
    WorkflowTask,
    task_event_attributes,
    task_from_row,
)
from athena.orchestration.queue import TaskQueue
from athena.projects import Projects
from athena.storage import Database, Queries
from athena.storage.database import Connection

log = logging.getLogger(__name__)
MAX_NODES = 1000


def find_cycle(nodes: Sequence[NewWorkflowTask]) -> list[str] | None:
    """A dependency cycle as a key path (`a -> b -> a`), or None for a DAG."""
    parents = {n.key: list(n.depends_on) for n in nodes}
    colour: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(key: str) -> list[str] | None:
        colour[key] = 1
        path.append(key)
        for parent in parents[key]:
            if colour.get(parent) == 1:
                return [*path[path.index(parent) :], parent]
            if colour.get(parent) is None:
                found = visit(parent)
                if found:
                    return found
        path.pop()
        colour[key] = 2
        return None

    for node in nodes:
        if node.key not in colour:
            cycle = visit(node.key)
            if cycle:
                # Reported in dependency order: each node depends on the next.
                return cycle
    return None


def validate(nodes: Sequence[NewWorkflowTask]) -> None:
    if not 1 <= len(nodes) <= MAX_NODES:
        raise InvalidArgument([FieldViolation("tasks", f"must hold 1 to {MAX_NODES} tasks")])
    keys: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.key in keys:
            raise InvalidArgument(
                [FieldViolation(f"tasks[{i}].key", f"duplicate key {node.key!r}")]
            )
        keys[node.key] = i
    for i, node in enumerate(nodes):
        for j, parent in enumerate(node.depends_on):
            if parent not in keys:
                raise InvalidArgument(
                    [FieldViolation(f"tasks[{i}].depends_on[{j}]", f"unknown task key {parent!r}")]
                )
            if parent == node.key:
                raise InvalidArgument(
                    [
                        FieldViolation(
                            f"tasks[{i}].depends_on[{j}]", "a task cannot depend on itself"
                        )
                    ]
                )
    cycle = find_cycle(nodes)
    if cycle:
        text = " -> ".join(cycle)
        raise InvalidArgument(
            [FieldViolation(f"tasks[{keys[cycle[0]]}].depends_on", f"dependency cycle: {text}")],
            f"workflow has a dependency cycle: {text}",
        )


def _hash(name: str, nodes: Sequence[NewWorkflowTask]) -> bytes:
    digest = hashlib.sha256(name.encode())
    for node in nodes:
        digest.update(repr(astuple(node)).encode())
    return digest.digest()


class Workflows:
    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        queue: TaskQueue,
        bus: EventBus,
        dispatcher: Dispatcher,
        publish_task_events: bool,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._queue = queue
        self._bus = bus
        self._dispatcher = dispatcher
        self._publish = publish_task_events

    async def submit(
        self, project: str, name: str, nodes: Sequence[NewWorkflowTask], request_id: str
    ) -> tuple[Workflow, bool]:
        validate(nodes)
        await self._projects.ensure(project)
        digest = _hash(name, nodes)
        workflow_id = uuid7()
        async with self._db.transaction() as conn:
            inserted = await conn.fetchval(
                self._q.orch_insert_workflow, workflow_id, project, name, request_id or None, digest
            )
            if inserted is None:
                prior = await conn.fetchrow(
                    self._q.orch_workflow_by_request_id, project, request_id
                )
                assert prior is not None
                if bytes(prior["payload_hash"]) != digest:
                    raise RequestIdReused(request_id)
                workflow_id = prior["id"]
            else:
                tasks, _ = await self._queue.insert(
                    conn,
                    project,
                    # Idempotency keys belong to the workflow; node tasks never replay alone.
                    [replace(n.task, idempotency_key="") for n in nodes],
                    workflow_id=workflow_id,
                    states=["blocked" if n.depends_on else "ready" for n in nodes],
                    keys=[n.key for n in nodes],
                    policies=[n.on_parent_failure for n in nodes],
                )
                ids = {n.key: t.id for n, t in zip(nodes, tasks, strict=True)}
                edges = [(ids[n.key], ids[p]) for n in nodes for p in n.depends_on]
                if edges:
                    await conn.execute(
                        self._q.orch_insert_task_deps,
                        project,
                        [c for c, _ in edges],
                        [p for _, p in edges],
                    )
                await self._publish_workflow(conn, project, workflow_id, "submitted")
        self._dispatcher.notify(project)
        self._bus.wake()
        return await self.get(project, workflow_id), inserted is None

    async def get(self, project: str, workflow_id: uuid.UUID) -> Workflow:
        async with self._db.connection() as conn:
            return await self._load(conn, project, workflow_id)

    async def _load(self, conn: Connection, project: str, workflow_id: uuid.UUID) -> Workflow:
        row = await conn.fetchrow(self._q.orch_get_workflow, project, workflow_id)
        if row is None:
            raise WorkflowNotFound(str(workflow_id))
        tasks = await conn.fetch(self._q.orch_workflow_tasks, project, workflow_id)
        return Workflow(
            id=row["id"],
            name=row["name"],
            state=WorkflowState(row["state"]),
            tasks=tuple(
                WorkflowTask(r["workflow_key"], task_from_row(r), tuple(r["depends_on"]))
                for r in tasks
            ),
            create_time=row["create_time"],
            finish_time=row["finish_time"],
        )

    async def cancel(self, project: str, workflow_id: uuid.UUID) -> Workflow:
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.orch_lock_workflow, project, workflow_id)
            if row is None:
                raise WorkflowNotFound(str(workflow_id))
            if row["state"] != WorkflowState.RUNNING.value:
                raise FailedPrecondition(
                    f"workflow {workflow_id} already finished ({row['state']})",
                    workflow_id=str(workflow_id),
                )
            cancelled = await conn.fetch(
                self._q.orch_cancel_workflow_tasks, project, workflow_id, "workflow cancelled"
            )
            await conn.execute(
                self._q.orch_finish_workflow, project, workflow_id, WorkflowState.CANCELLED.value
            )
            await self._publish_tasks(
                conn, project, [task_from_row(r) for r in cancelled], "cancelled"
            )
            await self._publish_workflow(conn, project, workflow_id, "cancelled")
        self._dispatcher.notify(project)
        self._bus.wake()
        return await self.get(project, workflow_id)

    async def advance_many(self, project: str, workflow_ids: set[uuid.UUID]) -> None:
        for workflow_id in workflow_ids:
            await self.advance(project, workflow_id)

    async def advance(self, project: str, workflow_id: uuid.UUID) -> None:
        """Free, skip or cancel dependents after tasks of the workflow finished."""
        changed = False
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.orch_lock_workflow, project, workflow_id)
            if row is None or row["state"] != WorkflowState.RUNNING.value:
                return
            failed = False
            while True:
                orphans = await conn.fetch(
                    self._q.orch_orphaned_workflow_tasks, project, workflow_id
                )
                skip = [r["id"] for r in orphans if r["on_parent_failure"] == "skip"]
                if any(r["on_parent_failure"] == "fail" for r in orphans):
                    failed = True
                    break
                if not skip:
                    break
                skipped = await conn.fetch(self._q.orch_skip_tasks, project, skip)
                await self._publish_tasks(
                    conn, project, [task_from_row(r) for r in skipped], "skipped"
                )
                changed = True
            if failed:
                cancelled = await conn.fetch(
                    self._q.orch_cancel_workflow_tasks, project, workflow_id, "a parent task failed"
                )
                await self._publish_tasks(
                    conn, project, [task_from_row(r) for r in cancelled], "cancelled"
                )
                await conn.execute(
                    self._q.orch_finish_workflow, project, workflow_id, WorkflowState.FAILED.value
                )
                await self._publish_workflow(conn, project, workflow_id, "failed")
                changed = True
            else:
                ready = await conn.fetch(self._q.orch_unblock_workflow_tasks, project, workflow_id)
                if ready:
                    await self._publish_tasks(
                        conn, project, [task_from_row(r) for r in ready], "ready"
                    )
                    changed = True
                counts = {
                    TaskState(r["state"]): r["n"]
                    for r in await conn.fetch(
                        self._q.orch_workflow_state_counts, project, workflow_id
                    )
                }
                if all(state in FINAL_STATES for state in counts):
                    bad = counts.get(TaskState.DEAD, 0) + counts.get(TaskState.CANCELLED, 0)
                    final = WorkflowState.FAILED if bad else WorkflowState.SUCCEEDED
                    await conn.execute(
                        self._q.orch_finish_workflow, project, workflow_id, final.value
                    )
                    await self._publish_workflow(conn, project, workflow_id, final.value)
                    changed = True
        if changed:
            self._dispatcher.notify(project)
            self._bus.wake()

    async def advance_stalled(self) -> int:
        """Background: advance workflows whose advance a stopped replica never ran."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.orch_stalled_workflows)
        for row in rows:
            await self.advance(row["project_id"], row["workflow_id"])
        return len(rows)

    async def watch(self, project: str, workflow_id: uuid.UUID) -> AsyncIterator[Workflow]:
        """The workflow now, then after every change, until it finishes."""
        matcher = compile_patterns(
            [
                TopicPattern(PatternKind.PREFIX, "task."),
                TopicPattern(PatternKind.PREFIX, "workflow."),
            ]
        )
        # Events after this offset are replayed, so no change after the first read is missed.
        start = await self._bus.head()
        events = self._bus.subscribe(project, matcher, start).__aiter__()
        try:
            current = await self.get(project, workflow_id)
            yield current
            wanted = str(workflow_id)
            while current.state is WorkflowState.RUNNING:
                batch = await events.__anext__()
                if any(e.attributes.get("workflow_id") == wanted for e in batch):
                    latest = await self.get(project, workflow_id)
                    if latest != current:
                        current = latest
                        yield current
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    async def _publish_tasks(
        self, conn: Connection, project: str, tasks: Sequence[Task], what: str
    ) -> None:
        if not tasks:
            return
        await conn.execute(
            self._q.orch_insert_bus_events,
            project,
            [f"task.{what}"] * len(tasks),
            [b""] * len(tasks),
            [json.dumps(task_event_attributes(t)) for t in tasks],
        )

    async def _publish_workflow(
        self, conn: Connection, project: str, workflow_id: uuid.UUID, what: str
    ) -> None:
        await conn.execute(
            self._q.orch_insert_bus_events,
            project,
            [f"workflow.{what}"],
            [b""],
            [json.dumps({"workflow_id": str(workflow_id)})],
        )
