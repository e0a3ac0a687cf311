"""Goals: a tree of what the agent wants to achieve."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg

from athena.errors import FieldViolation, GoalNotFound, HierarchyCycle, InvalidArgument
from athena.ids import uuid7
from athena.projects import Projects
from athena.prospective import common
from athena.prospective.models import Goal, GoalStatus, NewGoal
from athena.storage import Database, Queries

GOAL_FIELDS = frozenset(
    {"title", "description", "status", "priority", "due_time", "tags", "parent_id"}
)


def row_to_goal(row: asyncpg.Record) -> Goal:
    return Goal(
        id=row["id"],
        parent_id=row["parent_id"],
        title=row["title"],
        description=row["description"],
        status=GoalStatus(row["status"]),
        priority=row["priority"],
        due_time=row["due_time"],
        tags=tuple(row["tags"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def check_title_priority(changes: Mapping[str, Any], prefix: str) -> None:
    """Rules the proto cannot state for update payloads (output messages carry no rules)."""
    problems = []
    title = changes.get("title")
    if "title" in changes and not (isinstance(title, str) and 1 <= len(title) <= 512):
        problems.append(FieldViolation(f"{prefix}.title", "must be 1-512 characters"))
    if "priority" in changes and not 0 <= changes["priority"] <= 100:
        problems.append(FieldViolation(f"{prefix}.priority", "must be between 0 and 100"))
    if len(changes.get("description", "").encode()) > 16384:
        problems.append(FieldViolation(f"{prefix}.description", "must be at most 16 KiB"))
    tags = changes.get("tags", ())
    if len(tags) > 32 or any(not 1 <= len(t) <= 64 for t in tags):
        problems.append(FieldViolation(f"{prefix}.tags", "at most 32 tags of 1-64 characters"))
    if problems:
        raise InvalidArgument(problems)


class Goals:
    """Create, read, list, update and delete goals; every method is scoped to a project."""

    def __init__(self, db: Database, queries: Queries, projects: Projects) -> None:
        self._db = db
        self._q = queries
        self._projects = projects

    async def create(self, project: str, new: NewGoal, request_id: str = "") -> tuple[Goal, bool]:
        """Store a goal. Returns (goal, replayed)."""
        await self._projects.ensure(project)
        goal_id = uuid7()
        async with self._db.transaction() as conn:
            prior = await common.claim_request(
                conn, self._q, project, request_id, "create_goal", new, [goal_id]
            )
            if prior is not None:
                row = await conn.fetchrow(self._q.get_goal, project, prior[0])
                if row is None:
                    raise GoalNotFound(str(prior[0]))
                return row_to_goal(row), True
            if new.parent_id is not None:
                if await conn.fetchrow(self._q.get_goal, project, new.parent_id) is None:
                    raise GoalNotFound(str(new.parent_id))
            row = await conn.fetchrow(
                self._q.insert_goal,
                goal_id,
                project,
                new.parent_id,
                new.title,
                new.description,
                new.priority,
                new.due_time,
                common.normalise_tags(new.tags),
                datetime.now(UTC),
            )
        assert row is not None
        return row_to_goal(row), False

    async def get(self, project: str, goal_id: uuid.UUID) -> Goal:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_goal, project, goal_id)
        if row is None:
            raise GoalNotFound(str(goal_id))
        return row_to_goal(row)

    async def list(
        self,
        project: str,
        parent_id: uuid.UUID | None = None,
        top_level_only: bool = False,
        statuses: tuple[GoalStatus, ...] = (),
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Goal], str]:
        if parent_id is not None and top_level_only:
            raise InvalidArgument(
                [FieldViolation("top_level_only", "cannot be combined with parent_id")]
            )
        size = common.page_size(page_size)
        status_values = sorted(s.value for s in statuses) or None
        query = common.fingerprint("goals", project, parent_id, top_level_only, status_values)
        after = None
        if page_token:
            after = common.token_uuid(common.decode_token(page_token, query)[0])
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.list_goals, project, parent_id, top_level_only, status_values, after,
                size + 1,
            )  # fmt: skip
        goals = [row_to_goal(r) for r in rows[:size]]
        token = common.encode_token([str(goals[-1].id)], query) if len(rows) > size else ""
        return goals, token

    async def update(self, project: str, goal_id: uuid.UUID, changes: Mapping[str, Any]) -> Goal:
        """Apply `changes` (field name -> new value, names from GOAL_FIELDS)."""
        unknown = set(changes) - GOAL_FIELDS
        if unknown or not changes:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "update_mask",
                        f"unknown paths {sorted(unknown)}" if unknown else "must name a field",
                    )
                ]
            )
        check_title_priority(changes, "goal")
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.get_goal_for_update, project, goal_id)
            if row is None:
                raise GoalNotFound(str(goal_id))
            current = row_to_goal(row)
            parent_id = changes.get("parent_id", current.parent_id)
            if "parent_id" in changes and parent_id is not None:
                if await conn.fetchrow(self._q.get_goal, project, parent_id) is None:
                    raise GoalNotFound(str(parent_id))
                if await conn.fetchval(
                    self._q.goal_is_ancestor_or_self, project, goal_id, parent_id
                ):
                    raise HierarchyCycle(
                        f"goal {parent_id} is goal {goal_id} or below it", id=str(goal_id)
                    )
            status = changes.get("status", current.status)
            row = await conn.fetchrow(
                self._q.update_goal,
                project,
                goal_id,
                changes.get("title", current.title),
                changes.get("description", current.description),
                status.value,
                changes.get("priority", current.priority),
                changes.get("due_time", current.due_time),
                common.normalise_tags(changes.get("tags", current.tags)),
                parent_id,
                datetime.now(UTC),
            )
        assert row is not None
        return row_to_goal(row)

    async def delete(self, project: str, goal_id: uuid.UUID) -> int:
        """Delete a goal and its sub-goals; returns how many goals were deleted."""
        async with self._db.transaction() as conn:
            count = int(await conn.fetchval(self._q.delete_goal_tree, project, goal_id))
        if count == 0:
            raise GoalNotFound(str(goal_id))
        return count
