"""The agent registry: registration, heartbeats, health, capability lookup and ranking."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from athena.errors import AgentNotFound, FieldViolation, InvalidArgument
from athena.orchestration.models import Agent, AgentState, agent_from_row
from athena.orchestration.queue import TaskQueue
from athena.projects import Projects
from athena.storage import Database, Queries

log = logging.getLogger(__name__)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class AgentRegistry:
    """Every method is scoped to an explicit project."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        queue: TaskQueue,
        timeout_seconds: float,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._queue = queue
        self._timeout = timeout_seconds

    async def register(
        self,
        project: str,
        agent_id: str,
        capabilities: Sequence[tuple[str, int]],
        max_concurrency: int,
        metadata: dict[str, str],
    ) -> Agent:
        names = [name for name, _ in capabilities]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidArgument(
                [FieldViolation("capabilities", f"duplicate capability {duplicates[0]!r}")]
            )
        await self._projects.ensure(project)
        async with self._db.connection() as conn:
            await conn.execute(
                self._q.orch_upsert_agent,
                project,
                agent_id,
                json.dumps(dict(capabilities)),
                max_concurrency or 1,
                json.dumps(metadata),
            )
        self._queue.forget_agent(project, agent_id)
        return await self.get(project, agent_id)

    async def get(self, project: str, agent_id: str) -> Agent:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.orch_get_agent, project, agent_id)
        if row is None:
            raise AgentNotFound(agent_id)
        return agent_from_row(row)

    async def heartbeat(self, project: str, agent_id: str) -> Agent:
        await self._queue.touch_agent(project, agent_id, force=True)
        return await self.get(project, agent_id)

    async def list(
        self,
        project: str,
        state: AgentState | None,
        capability: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[Agent], str]:
        """Agents by id; the page token is the last id (ids are the client's own names)."""
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        async with self._db.connection() as conn:
            rows = await conn.fetch(
                self._q.orch_list_agents,
                project,
                state.value if state else None,
                capability or None,
                page_token or None,
                size + 1,
            )
        agents = [agent_from_row(r) for r in rows[:size]]
        return agents, agents[-1].id if len(rows) > size else ""

    async def find_capable(
        self, project: str, capability: str, min_level: int, limit: int
    ) -> list[Agent]:
        """Healthy agents able to do `capability` at `min_level`, best first."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.orch_capable_agents, project, capability, min_level)
        agents = sorted((agent_from_row(r) for r in rows), key=Agent.rank_key)
        return agents[: limit or 10]

    async def deregister(self, project: str, agent_id: str) -> tuple[Agent, int]:
        async with self._db.connection() as conn:
            found = await conn.fetchval(self._q.orch_deregister_agent, project, agent_id)
        if found is None:
            raise AgentNotFound(agent_id)
        self._queue.forget_agent(project, agent_id)
        released = await self._queue.release_agent(project, agent_id, "agent deregistered")
        return await self.get(project, agent_id), released

    async def check_health(self) -> int:
        """Background: silent agents become unhealthy and their leases return to the queue."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.orch_mark_silent_agents_unhealthy, self._timeout)
        for row in rows:
            self._queue.forget_agent(row["project_id"], row["id"])
            released = await self._queue.release_agent(
                row["project_id"], row["id"], "agent stopped heartbeating"
            )
            log.info(
                "agent unhealthy",
                extra={"agent": row["id"], "project": row["project_id"], "released": released},
            )
        return len(rows)
