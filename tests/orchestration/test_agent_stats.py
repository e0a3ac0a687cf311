"""An agent's performance counters live apart from its row (migration 0008): a completion that is
still committing never holds up a lease grant to the same agent, and counters recorded before the
migration carry over."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest
from athena.storage.migrate import apply_migrations, default_migrations_dir
from athena.storage.queries import load_queries
from athena.v1 import orchestration_pb2 as pb

from tests.orchestration.conftest import eventually, idle_stream, register

Q = load_queries()
PROJECT = "default"


async def _completion_held_open(conn: asyncpg.Connection, task: pb.Task) -> None:
    """In an open transaction: complete `task` for agent "a" (not yet committed)."""
    rows = await conn.fetch(
        Q.orch_complete_tasks.sql, PROJECT, "a", [task.id], [task.attempt], [b""], False
    )
    assert [r["completed"] for r in rows] == [True]


async def test_a_committing_completion_does_not_hold_up_a_claim_by_the_same_agent(
    orch, database_url
) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="t") for _ in range(2)]))
    (first,) = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks
    conn = await asyncpg.connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        await _completion_held_open(conn, first)
        # Before 0008 the completion held the agent row the claim must lock: this timed out.
        second = await asyncio.wait_for(
            orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1)), 5
        )
        assert [t.name for t in second.tasks] == ["t"] and second.tasks[0].id != first.id
        await tx.commit()
    finally:
        await conn.close()
    agent = (await orch.GetAgent(pb.GetAgentRequest(agent_id="a"))).agent
    assert (agent.succeeded_count, agent.leased) == (1, 1)


async def test_a_committing_completion_does_not_stop_a_hand_off_to_its_agent(
    orch, server, database_url
) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="first")]))
    (first,) = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks
    conn = await asyncpg.connect(database_url)
    try:
        async with idle_stream(orch, server, "a") as received:
            tx = conn.transaction()
            await tx.start()
            await _completion_held_open(conn, first)
            # Before 0008 the create passed over the agent whose row the completion held.
            created = await asyncio.wait_for(
                orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="new")])), 5
            )
            assert created.tasks[0].state == pb.TASK_STATE_LEASED
            assert created.tasks[0].agent_id == "a"

            async def delivered() -> bool:
                return bool(received)

            await eventually(delivered, 5)
            assert [t.id for t in received] == [created.tasks[0].id]
            await tx.commit()
    finally:
        await conn.close()


async def test_success_rate_and_mean_run_time_follow_outcomes(orch) -> None:
    await register(orch, "a", {"c": 50}, max_concurrency=5)
    fresh = (await orch.GetAgent(pb.GetAgentRequest(agent_id="a"))).agent
    assert (fresh.succeeded_count, fresh.failed_count, fresh.success_rate) == (0, 0, 1.0)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(4)]))
    tasks = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=4))).tasks
    await orch.FailTask(pb.FailTaskRequest(task_id=tasks[0].id, agent_id="a", attempt=1, error="x"))
    await orch.CompleteTasks(
        pb.CompleteTasksRequest(
            agent_id="a",
            completions=[pb.TaskCompletion(task_id=t.id, attempt=t.attempt) for t in tasks[1:]],
        )
    )
    agent = (await orch.GetAgent(pb.GetAgentRequest(agent_id="a"))).agent
    assert (agent.succeeded_count, agent.failed_count) == (3, 1)
    assert agent.success_rate == pytest.approx(0.75)
    assert agent.mean_run_ms > 0
    (listed,) = (await orch.ListAgents(pb.ListAgentsRequest())).agents
    (found,) = (await orch.FindCapableAgents(pb.FindCapableAgentsRequest(capability="c"))).agents
    for other in (listed, found):
        assert (other.succeeded_count, other.failed_count, other.mean_run_ms) == (
            3,
            1,
            agent.mean_run_ms,
        )


async def test_migration_0008_carries_counters_of_agents_registered_before_it(
    empty_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(default_migrations_dir().glob("*.sql")):
        if int(path.name[:4]) < 8:
            shutil.copy(path, before)
    await apply_migrations(empty_url, before)
    conn = await asyncpg.connect(empty_url)
    try:
        await conn.execute(
            "INSERT INTO projects (id, embedder, embedding_dim) VALUES ('p', 'e', 384)"
        )
        await conn.execute(
            "INSERT INTO orch_agents (project_id, id, max_concurrency, state, succeeded_count, "
            "failed_count, mean_run_ms) VALUES ('p', 'old', 1, 'healthy', 7, 2, 12.5)"
        )
        await apply_migrations(empty_url)
        row = await conn.fetchrow(Q.orch_get_agent.sql, "p", "old")
        assert (row["succeeded_count"], row["failed_count"], row["mean_run_ms"]) == (7, 2, 12.5)
        columns = {
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'orch_agents'"
            )
        }
        assert not columns & {"succeeded_count", "failed_count", "mean_run_ms"}
    finally:
        await conn.close()


async def test_a_heartbeat_never_moves_the_agent_version_back(orch, database_url) -> None:
    """A grant re-checks that the agent row still holds the version its snapshot saw: a heartbeat
    writing its transaction's (older) start time could bring back a version already seen."""
    await register(orch, "a", {}, max_concurrency=5)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="t")]))
    version = "SELECT last_heartbeat_time FROM orch_agents WHERE project_id = $1 AND id = 'a'"
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            started = await conn.fetchval("SELECT now()")
            await asyncio.sleep(0.05)
            (leased,) = (
                await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))
            ).tasks
            granted = await conn.fetchval(version, PROJECT)  # a new snapshot: the grant's
            assert granted > started
            await conn.fetchval(Q.orch_touch_agent.sql, PROJECT, "a")
            assert await conn.fetchval(version, PROJECT) > granted
    finally:
        await conn.close()
    assert leased.name == "t"
