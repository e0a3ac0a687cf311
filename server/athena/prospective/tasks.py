"""Prospective tasks: the status machine, dependencies, hierarchy and due-time listings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg

from athena.errors import (
    DependenciesNotDone,
    FieldViolation,
    GoalNotFound,
    HierarchyCycle,
    IllegalStatusTransition,
    InvalidArgument,
    ProspectiveTaskNotFound,
)
from athena.ids import uuid7
from athena.projects import Projects
from athena.prospective import common
from athena.prospective.firing import FiringLog
from athena.prospective.goals import check_title_priority
from athena.prospective.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    NewTask,
    Task,
    TaskFilter,
    TaskStatus,
)
from athena.storage import Database, Queries
from athena.storage.database import Connection

TASK_FIELDS = frozenset(
    {
        "title", "description", "status", "status_reason", "priority", "due_time", "tags",
        "goal_id", "parent_task_id", "dependency_ids",
    }
)  # fmt: skip
MAX_DEPENDENCIES = 100


def row_to_task(row: asyncpg.Record) -> Task:
    return Task(
        id=row["id"],
        goal_id=row["goal_id"],
        parent_task_id=row["parent_task_id"],
        title=row["title"],
        description=row["description"],
        status=TaskStatus(row["status"]),
        status_reason=row["status_reason"],
        priority=row["priority"],
        due_time=row["due_time"],
        tags=tuple(row["tags"]),
        dependency_ids=tuple(row["dependency_ids"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
        start_time=row["start_time"],
        end_time=row["end_time"],
    )


class Tasks:
    """Create, read, list, update and delete prospective tasks, scoped to a project."""

    def __init__(
        self, db: Database, queries: Queries, projects: Projects, firings: FiringLog
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._firings = firings

    async def _check_links(
        self,
        conn: Connection,
        project: str,
        goal_id: uuid.UUID | None,
        parent_task_id: uuid.UUID | None,
        dependency_ids: tuple[uuid.UUID, ...],
    ) -> None:
        if goal_id is not None and await conn.fetchrow(self._q.get_goal, project, goal_id) is None:
            raise GoalNotFound(str(goal_id))
        wanted = [i for i in (parent_task_id, *dependency_ids) if i is not None]
        if wanted:
            rows = await conn.fetch(self._q.existing_prospective_task_ids, project, wanted)
            found = {r["id"] for r in rows}
            for task_id in wanted:
                if task_id not in found:
                    raise ProspectiveTaskNotFound(str(task_id))

    async def create(self, project: str, new: NewTask, request_id: str = "") -> tuple[Task, bool]:
        """Store a task in status pending. Returns (task, replayed)."""
        if len(set(new.dependency_ids)) != len(new.dependency_ids):
            raise InvalidArgument([FieldViolation("task.dependency_ids", "must be distinct")])
        await self._projects.ensure(project)
        task_id = uuid7()
        async with self._db.transaction() as conn:
            prior = await common.claim_request(
                conn, self._q, project, request_id, "create_prospective_task", new, [task_id]
            )
            if prior is not None:
                return await self._get(conn, project, prior[0]), True
            await self._check_links(
                conn, project, new.goal_id, new.parent_task_id, new.dependency_ids
            )
            await conn.fetchval(
                self._q.insert_prospective_task,
                task_id,
                project,
                new.goal_id,
                new.parent_task_id,
                new.title,
                new.description,
                new.priority,
                new.due_time,
                common.normalise_tags(new.tags),
                datetime.now(UTC),
            )
            if new.dependency_ids:
                await conn.execute(
                    self._q.insert_prospective_task_dependencies,
                    project,
                    task_id,
                    list(new.dependency_ids),
                )
            return await self._get(conn, project, task_id), False

    async def _get(self, conn: Connection, project: str, task_id: uuid.UUID) -> Task:
        row = await conn.fetchrow(self._q.get_prospective_task, project, task_id)
        if row is None:
            raise ProspectiveTaskNotFound(str(task_id))
        return row_to_task(row)

    async def get(self, project: str, task_id: uuid.UUID) -> Task:
        async with self._db.connection() as conn:
            return await self._get(conn, project, task_id)

    async def list(
        self, project: str, task_filter: TaskFilter, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Task], str]:
        size = common.page_size(page_size)
        statuses = sorted(s.value for s in task_filter.statuses) or None
        tags = common.normalise_tags(task_filter.tags) or None
        args = (project, statuses, task_filter.goal_id, task_filter.parent_task_id, tags)
        query = common.fingerprint("tasks", *args)
        after = None
        if page_token:
            after = common.token_uuid(common.decode_token(page_token, query)[0])
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.list_prospective_tasks, *args, after, size + 1)
        tasks = [row_to_task(r) for r in rows[:size]]
        token = common.encode_token([str(tasks[-1].id)], query) if len(rows) > size else ""
        return tasks, token

    async def list_overdue(
        self,
        project: str,
        goal_id: uuid.UUID | None = None,
        as_of: datetime | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Task], str]:
        """Open tasks due before `as_of` (default now), earliest due first.

        Without an explicit `as_of` the first page pins "now" in its token, so later pages use
        the same instant and tasks don't slip between pages as time passes."""
        size = common.page_size(page_size)
        base = common.fingerprint("overdue", project, goal_id, as_of)
        after_due: datetime | None = None
        after_id: uuid.UUID | None = None
        if page_token:
            position = common.decode_token(page_token, base)
            try:
                as_of = datetime.fromisoformat(position[0])
                after_due = datetime.fromisoformat(position[1])
            except (ValueError, TypeError, IndexError) as exc:
                raise InvalidArgument([FieldViolation("page_token", "malformed")]) from exc
            after_id = common.token_uuid(position[2])
        as_of = as_of or datetime.now(UTC)
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_overdue_tasks, project, as_of, goal_id, after_due, after_id, size + 1
            )
        tasks = [row_to_task(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = tasks[-1]
            assert last.due_time is not None
            token = common.encode_token(
                [as_of.isoformat(), last.due_time.isoformat(), str(last.id)], base
            )
        return tasks, token

    async def list_active(
        self,
        project: str,
        goal_id: uuid.UUID | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Task], str]:
        """Active tasks, highest priority first, then creation order."""
        size = common.page_size(page_size)
        query = common.fingerprint("active", project, goal_id)
        after_priority: int | None = None
        after_id: uuid.UUID | None = None
        if page_token:
            position = common.decode_token(page_token, query)
            if len(position) != 2 or not isinstance(position[0], int):
                raise InvalidArgument([FieldViolation("page_token", "malformed page token")])
            after_priority, after_id = position[0], common.token_uuid(position[1])
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_active_tasks, project, goal_id, after_priority, after_id, size + 1
            )
        tasks = [row_to_task(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            token = common.encode_token([tasks[-1].priority, str(tasks[-1].id)], query)
        return tasks, token

    async def update(self, project: str, task_id: uuid.UUID, changes: Mapping[str, Any]) -> Task:
        """Apply `changes` (field name -> new value, names from TASK_FIELDS)."""
        unknown = set(changes) - TASK_FIELDS
        if unknown or not changes:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "update_mask",
                        f"unknown paths {sorted(unknown)}" if unknown else "must name a field",
                    )
                ]
            )
        check_title_priority(changes, "task")
        deps = tuple(changes.get("dependency_ids", ()))
        if len(deps) > MAX_DEPENDENCIES or len(set(deps)) != len(deps) or task_id in deps:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "task.dependency_ids",
                        f"at most {MAX_DEPENDENCIES} distinct ids, not the task itself",
                    )
                ]
            )
        if len(changes.get("status_reason", "")) > 1024:
            raise InvalidArgument(
                [FieldViolation("task.status_reason", "must be at most 1,024 characters")]
            )
        now = datetime.now(UTC)
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.get_prospective_task_for_update, project, task_id)
            if row is None:
                raise ProspectiveTaskNotFound(str(task_id))
            current = row_to_task(row)
            await self._check_links(
                conn,
                project,
                changes.get("goal_id"),
                changes.get("parent_task_id"),
                deps,
            )
            parent = changes.get("parent_task_id", current.parent_task_id)
            if "parent_task_id" in changes and parent is not None:
                if await conn.fetchval(
                    self._q.prospective_task_is_ancestor_or_self, project, task_id, parent
                ):
                    raise HierarchyCycle(
                        f"task {parent} is task {task_id} or below it", id=str(task_id)
                    )
            if "dependency_ids" in changes:
                if deps and await conn.fetchval(
                    self._q.prospective_dependencies_reach_task, project, task_id, list(deps)
                ):
                    raise HierarchyCycle(
                        f"task {task_id} would depend on itself through its dependencies",
                        id=str(task_id),
                    )
                await conn.execute(self._q.delete_prospective_task_dependencies, project, task_id)
                if deps:
                    await conn.execute(
                        self._q.insert_prospective_task_dependencies, project, task_id, list(deps)
                    )
            status = changes.get("status", current.status)
            if status != current.status or "dependency_ids" in changes:
                # This change may disarm or fire triggers: lock in the firing writers' order.
                await self._firings.lock(conn, project)
            start_time, end_time = current.start_time, current.end_time
            if status != current.status:
                if status not in TRANSITIONS[current.status]:
                    raise IllegalStatusTransition(str(task_id), current.status, status)
                if status is TaskStatus.ACTIVE:
                    open_rows = await conn.fetch(
                        self._q.open_prospective_dependencies, project, task_id
                    )
                    if open_rows:
                        raise DependenciesNotDone(
                            str(task_id), [str(r["depends_on_id"]) for r in open_rows]
                        )
                    start_time = start_time or now
                if status not in OPEN_STATUSES:
                    end_time = now
            await conn.execute(
                self._q.update_prospective_task,
                project,
                task_id,
                changes.get("title", current.title),
                changes.get("description", current.description),
                status.value,
                changes.get("status_reason", current.status_reason),
                changes.get("priority", current.priority),
                changes.get("due_time", current.due_time),
                common.normalise_tags(changes.get("tags", current.tags)),
                changes.get("goal_id", current.goal_id),
                parent,
                now,
                start_time,
                end_time,
            )
            fired = []
            if status not in OPEN_STATUSES and status != current.status:
                await conn.execute(self._q.disarm_prospective_task_triggers, project, task_id)
            if status is TaskStatus.DONE and status != current.status:
                waiting = await conn.fetch(self._q.prospective_dependents_of, project, task_id)
                fired += await self._firings.fire_ready_dependencies(
                    conn, project, [r["task_id"] for r in waiting], now
                )
            if "dependency_ids" in changes:
                fired += await self._firings.fire_ready_dependencies(conn, project, [task_id], now)
            task = await self._get(conn, project, task_id)
        if fired:
            self._firings.written.fire()
        return task

    async def delete(self, project: str, task_id: uuid.UUID) -> int:
        """Delete a task and its sub-tasks; returns how many tasks were deleted."""
        async with self._db.transaction() as conn:
            # Deleting triggers and firing others: lock in the firing writers' order first.
            await self._firings.lock(conn, project)
            row = await conn.fetchrow(self._q.delete_prospective_task_tree, project, task_id)
            assert row is not None
            if row["deleted"] == 0:
                raise ProspectiveTaskNotFound(str(task_id))
            # Tasks that waited for a deleted task wait for one dependency fewer.
            fired = await self._firings.fire_ready_dependencies(
                conn, project, list(row["waiting"]), datetime.now(UTC)
            )
        if fired:
            self._firings.written.fire()
        return int(row["deleted"])
