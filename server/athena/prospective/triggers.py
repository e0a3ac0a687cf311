"""Triggers: create, read, list, delete; evaluation against recorded events; watching firings."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import asyncpg

from athena.errors import (
    FieldViolation,
    InvalidArgument,
    ProspectiveTaskNotFound,
    TaskFinished,
    TriggerNotFound,
)
from athena.ids import uuid7
from athena.memory.models import Event, EventType
from athena.projects import Projects
from athena.prospective import common
from athena.prospective.firing import FiringLog, row_to_firing, wait_or_timeout
from athena.prospective.globs import glob_to_regex
from athena.prospective.models import (
    KIND_OF,
    OPEN_STATUSES,
    Condition,
    ContextCondition,
    DependencyCondition,
    EventCondition,
    FileCondition,
    Firing,
    NewTrigger,
    TaskStatus,
    TimeCondition,
    Trigger,
    TriggerKind,
)
from athena.storage import Database, Queries

log = logging.getLogger(__name__)
WATCH_BATCH = 100


def _condition(row: asyncpg.Record) -> Condition:
    kind = TriggerKind(row["kind"])
    if kind is TriggerKind.TIME:
        return TimeCondition(row["fire_time"], row["repeat_interval"])
    if kind is TriggerKind.EVENT:
        return EventCondition(
            types=tuple(EventType(t) for t in row["event_types"] or ()),
            content_pattern=row["content_pattern"] or "",
            tags=tuple(row["match_tags"] or ()),
            actor=row["match_actor"] or "",
            session_id=row["match_session"] or "",
        )
    if kind is TriggerKind.CONTEXT:
        return ContextCondition(
            cwd=row["context_cwd"] or "",
            branch=row["context_branch"] or "",
            task=row["context_task"] or "",
            phase=row["context_phase"] or "",
        )
    if kind is TriggerKind.FILE:
        return FileCondition(row["file_glob"])
    return DependencyCondition()


def row_to_trigger(row: asyncpg.Record) -> Trigger:
    return Trigger(
        id=row["id"],
        task_id=row["task_id"],
        kind=TriggerKind(row["kind"]),
        condition=_condition(row),
        description=row["description"],
        repeat=row["repeat"],
        armed=row["armed"],
        fire_count=row["fire_count"],
        last_fire_time=row["last_fire_time"],
        create_time=row["create_time"],
    )


def _validate(new: NewTrigger) -> None:
    cond = new.condition
    path = f"trigger.{KIND_OF[type(cond)].value}"
    if isinstance(cond, TimeCondition):
        if new.repeat and cond.repeat_interval is None:
            raise InvalidArgument(
                [FieldViolation(f"{path}.repeat_interval", "required when the trigger repeats")]
            )
        if not new.repeat and cond.repeat_interval is not None:
            raise InvalidArgument(
                [FieldViolation(f"{path}.repeat_interval", "only allowed when the trigger repeats")]
            )
    elif isinstance(cond, EventCondition):
        if cond == EventCondition():
            raise InvalidArgument([FieldViolation(path, "set at least one field to match")])
    elif isinstance(cond, ContextCondition):
        if cond == ContextCondition():
            raise InvalidArgument([FieldViolation(path, "set at least one field to match")])


def _nullable(values: Sequence[str]) -> list[str] | None:
    return list(values) or None


class Triggers:
    """Trigger CRUD, event-driven evaluation and the firing stream, scoped to a project."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        firings: FiringLog,
        poll_seconds: float = 1.0,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._firings = firings
        self._poll = poll_seconds

    async def create(
        self, project: str, new: NewTrigger, request_id: str = ""
    ) -> tuple[Trigger, bool]:
        """Attach a trigger to an open task. Returns (trigger, replayed)."""
        _validate(new)
        cond = new.condition
        kind = KIND_OF[type(cond)]
        await self._projects.ensure(project)
        trigger_id = uuid7()
        now = datetime.now(UTC)
        fired: list[Firing] = []
        async with self._db.transaction() as conn:
            prior = await common.claim_request(
                conn, self._q, project, request_id, "create_trigger", new, [trigger_id]
            )
            if prior is not None:
                row = await conn.fetchrow(self._q.get_trigger, project, prior[0])
                if row is None:
                    raise TriggerNotFound(str(prior[0]))
                return row_to_trigger(row), True
            task = await conn.fetchrow(self._q.get_prospective_task, project, new.task_id)
            if task is None:
                raise ProspectiveTaskNotFound(str(new.task_id))
            if TaskStatus(task["status"]) not in OPEN_STATUSES:
                raise TaskFinished(
                    f"task {new.task_id} is {task['status']}; triggers need an open task",
                    id=str(new.task_id),
                )
            if isinstance(cond, EventCondition) and cond.content_pattern:
                await self._check_regex(conn, cond.content_pattern)
            event = cond if isinstance(cond, EventCondition) else EventCondition()
            context = cond if isinstance(cond, ContextCondition) else ContextCondition()
            row = await conn.fetchrow(
                self._q.insert_trigger,
                trigger_id,
                project,
                new.task_id,
                kind.value,
                new.description,
                new.repeat,
                cond.fire_time if isinstance(cond, TimeCondition) else None,
                cond.repeat_interval if isinstance(cond, TimeCondition) else None,
                _nullable([t.value for t in event.types]),
                event.content_pattern or None,
                _nullable(common.normalise_tags(event.tags)),
                event.actor or None,
                event.session_id or None,
                context.cwd or None,
                context.branch or None,
                context.task or None,
                context.phase or None,
                cond.glob if isinstance(cond, FileCondition) else None,
                glob_to_regex(cond.glob) if isinstance(cond, FileCondition) else None,
                now,
            )
            if kind is TriggerKind.DEPENDENCY:
                fired = await self._firings.fire_ready_dependencies(
                    conn, project, [new.task_id], now
                )
                if fired:
                    row = await conn.fetchrow(self._q.get_trigger, project, trigger_id)
        assert row is not None
        if kind is TriggerKind.TIME:
            self._firings.triggers_changed.fire()
        if fired:
            self._firings.written.fire()
        return row_to_trigger(row), False

    async def _check_regex(self, conn: object, pattern: str) -> None:
        # PostgreSQL evaluates the pattern, so PostgreSQL decides whether it is valid.
        try:
            raw = await conn.raw()  # type: ignore[attr-defined]
            await raw.fetchval(self._q.check_trigger_regex.sql, pattern)
        except asyncpg.exceptions.InvalidRegularExpressionError as exc:
            raise InvalidArgument(
                [
                    FieldViolation(
                        "trigger.event.content_pattern", f"invalid regular expression: {exc}"
                    )
                ]
            ) from exc

    async def get(self, project: str, trigger_id: uuid.UUID) -> Trigger:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_trigger, project, trigger_id)
        if row is None:
            raise TriggerNotFound(str(trigger_id))
        return row_to_trigger(row)

    async def list(
        self,
        project: str,
        task_id: uuid.UUID | None = None,
        kind: TriggerKind | None = None,
        armed_only: bool = False,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Trigger], str]:
        size = common.page_size(page_size)
        args = (project, task_id, kind.value if kind else None, armed_only)
        query = common.fingerprint("triggers", *args)
        after = None
        if page_token:
            after = common.token_uuid(common.decode_token(page_token, query)[0])
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.list_triggers, *args, after, size + 1)
        triggers = [row_to_trigger(r) for r in rows[:size]]
        token = common.encode_token([str(triggers[-1].id)], query) if len(rows) > size else ""
        return triggers, token

    async def delete(self, project: str, trigger_id: uuid.UUID) -> None:
        async with self._db.transaction() as conn:
            if await conn.fetchval(self._q.delete_trigger, project, trigger_id) is None:
                raise TriggerNotFound(str(trigger_id))
        self._firings.triggers_changed.fire()

    async def on_events_recorded(self, project: str, events: list[Event]) -> None:
        """Episodic listener: fire event, context and file triggers the new events satisfy."""
        ids = [e.id for e in events]
        async with self._db.connection() as conn:
            matches = await conn.fetch(self._q.match_event_triggers, project, ids)
        if not matches:
            return
        fires = []
        for m in matches:
            if m["kind"] == TriggerKind.FILE:
                reason = f"event {m['event_id']} touched a file matching {m['file_glob']}"
            elif m["kind"] == TriggerKind.CONTEXT:
                reason = f"event {m['event_id']} was recorded in a matching context"
            else:
                reason = f"event {m['event_id']} matched"
            fires.append((m["trigger_id"], m["event_id"], reason))
        async with self._db.transaction() as conn:
            fired = await self._firings.fire(conn, project, fires, datetime.now(UTC))
        if fired:
            self._firings.written.fire()

    async def watch(
        self,
        project: str,
        after: int | None = None,
        task_id: uuid.UUID | None = None,
        kinds: tuple[TriggerKind, ...] = (),
    ) -> AsyncIterator[int | Firing]:
        """Yield the starting cursor, then every firing after it, forever (until cancelled).

        `after` None starts at the latest committed firing. New firings of this process wake the
        watcher at once; firings written by other processes are found by polling."""
        kind_values = sorted(k.value for k in kinds) or None
        async with self._db.connection() as conn:
            cursor = (
                after
                if after is not None
                else int(await conn.fetchval(self._q.last_firing_cursor, project))
            )
        yield cursor
        while True:
            wake = self._firings.written.current()
            async with self._db.connection() as conn:
                rows = await conn.fetch(
                    self._q.list_firings_after, project, cursor, task_id, kind_values, WATCH_BATCH
                )
            for row in rows:
                firing = row_to_firing(row)
                cursor = firing.cursor
                yield firing
            if len(rows) == WATCH_BATCH:
                continue
            await wait_or_timeout(wake, self._poll)
