"""max_concurrency holds against grants racing on other connections (other replicas look the same
to the database): a lease granted but not yet committed elsewhere is invisible to a claim's or a
create's count of the agent's leases, so each must lock the agent before spending its room."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
from athena.ids import uuid7
from athena.server import create_server
from athena.storage.queries import load_queries
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc

from tests.orchestration.conftest import idle_stream, register

Q = load_queries()
PROJECT = "default"


async def _leased(orch) -> list[pb.Task]:
    found = await orch.ListTasks(
        pb.ListTasksRequest(filter=pb.TaskFilter(states=[pb.TASK_STATE_LEASED]))
    )
    return list(found.tasks)


async def _grant_held_open(conn: asyncpg.Connection, agent_id: str) -> asyncpg.Record:
    """In an open transaction: create a task and lease it to `agent_id` (not yet committed)."""
    (created,) = await conn.fetch(
        Q.orch_insert_tasks.sql, PROJECT, None,
        *[[v] for v in (uuid7(), "held", "", 0, 0, b"", "{}", "ready", 3, 1000, 300_000,
                        None, None, None, "", "fail")],
    )  # fmt: skip
    rows = await conn.fetch(Q.orch_claim_tasks.sql, PROJECT, agent_id, 5, 30.0, False)
    (leased,) = [r for r in rows if r["id"] is not None]
    assert leased["id"] == created["id"]
    return leased


async def test_claims_on_two_connections_never_exceed_max_concurrency(orch, database_url) -> None:
    await register(orch, "a", {}, max_concurrency=1)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="t") for _ in range(3)]))
    conn = await asyncpg.connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        rows = await conn.fetch(Q.orch_claim_tasks.sql, PROJECT, "a", 5, 30.0, True)
        assert len([r for r in rows if r["id"] is not None]) == 1
        # The same agent claims through the server while that lease is still uncommitted.
        second = asyncio.ensure_future(
            orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))
        )
        await asyncio.sleep(0.3)
        await tx.commit()
        assert list((await asyncio.wait_for(second, 20)).tasks) == []
    finally:
        await conn.close()
    assert len(await _leased(orch)) == 1


async def test_a_create_does_not_hand_off_room_a_concurrent_grant_took(
    orch, server, database_url
) -> None:
    await register(orch, "a", {}, max_concurrency=1)
    conn = await asyncpg.connect(database_url)
    try:
        async with idle_stream(orch, server, "a") as received:
            tx = conn.transaction()
            await tx.start()
            held = await _grant_held_open(conn, "a")
            # The agent's one slot is taken (uncommitted): no second task may be handed to it.
            created = await asyncio.wait_for(
                orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(name="new")])), 20
            )
            assert created.tasks[0].state == pb.TASK_STATE_READY
            await tx.commit()
            await asyncio.sleep(0.5)  # the stream's claim, woken by the create, finds no room
            leased = await _leased(orch)
            assert [t.id for t in leased] == [str(held["id"])]
            assert received == []
    finally:
        await conn.close()


async def test_claims_racing_on_two_replicas_never_exceed_max_concurrency(make_config) -> None:
    servers = [await create_server(make_config()) for _ in range(2)]
    for srv, _ in servers:
        await srv.start()
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _, port in servers]
    try:
        stubs = [orchestration_pb2_grpc.OrchestrationServiceStub(c) for c in channels]
        await register(stubs[0], "a", {}, max_concurrency=2)
        await stubs[0].CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(40)]))
        for _ in range(5):
            # 16 claims at once, half through each replica, for an agent with room for two.
            claims = [
                stubs[i % 2].ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=2))
                for i in range(16)
            ]
            got = [t for r in await asyncio.gather(*claims) for t in r.tasks]
            assert len(got) <= 2
            assert len(await _leased(stubs[1])) <= 2
            if got:
                done = [pb.TaskCompletion(task_id=t.id, attempt=t.attempt) for t in got]
                await stubs[0].CompleteTasks(
                    pb.CompleteTasksRequest(agent_id="a", completions=done)
                )
    finally:
        for c in channels:
            await c.close()
        for srv, _ in servers:
            await srv.stop(grace=0)


async def test_a_hand_off_commits_early_and_the_flush_makes_it_durable(orch, database_url) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    conn = await asyncpg.connect(database_url)
    try:
        n = 3
        columns = [[uuid7() for _ in range(n)], [""] * n, [""] * n, [0] * n, [0] * n, [b""] * n,
                   ["{}"] * n, ["ready"] * n, [3] * n, [1000] * n, [300_000] * n, [None] * n,
                   [None] * n, [None] * n, [""] * n, ["fail"] * n]  # fmt: skip
        rows = await conn.fetch(
            Q.orch_create_tasks.sql, PROJECT, None, *columns, ["a"], [10], [30.0], True
        )
        assert {r["state"] for r in rows} == {"leased"}
        # The early commit is scoped to the create's own transaction, not the session.
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
        written = await conn.fetchval("SELECT pg_current_wal_insert_lsn()::text")
        await conn.fetch(Q.orch_flush_wal.sql, PROJECT)
        assert await conn.fetchval("SELECT pg_current_wal_flush_lsn() >= $1::text::pg_lsn", written)
    finally:
        await conn.close()
