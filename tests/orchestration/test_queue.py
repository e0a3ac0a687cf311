"""Task queue: create, claim with leases, complete, fail with backoff, dead letters, cancel."""

from __future__ import annotations

import grpc
import pytest
from athena.server import create_server
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc
from google.protobuf import duration_pb2

from tests.orchestration.conftest import OTHER, register
from tests.support import error_info, violations


def new(capability: str = "", **kw) -> pb.NewTask:
    return pb.NewTask(capability=capability, **kw)


async def test_create_claim_complete_round_trip(orch) -> None:
    await register(orch, "a1", {"summarise": 2}, max_concurrency=10)
    created = (
        await orch.CreateTask(pb.CreateTaskRequest(task=new("summarise", payload=b"x")))
    ).task
    assert created.state == pb.TASK_STATE_READY and created.attempt == 0
    claimed = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a1", max_tasks=5))).tasks
    assert [t.id for t in claimed] == [created.id]
    assert claimed[0].state == pb.TASK_STATE_LEASED and claimed[0].attempt == 1
    assert claimed[0].agent_id == "a1" and claimed[0].HasField("lease_expire_time")
    await orch.CompleteTask(
        pb.CompleteTaskRequest(task_id=created.id, agent_id="a1", attempt=1, result=b"ok")
    )
    # A retried completion is harmless.
    await orch.CompleteTask(
        pb.CompleteTaskRequest(task_id=created.id, agent_id="a1", attempt=1, result=b"ok")
    )
    done = (await orch.GetTask(pb.GetTaskRequest(task_id=created.id))).task
    assert done.state == pb.TASK_STATE_SUCCEEDED and done.result == b"ok"
    agent = (await orch.GetAgent(pb.GetAgentRequest(agent_id="a1"))).agent
    assert agent.succeeded_count == 1 and agent.success_rate == 1.0 and agent.leased == 0


async def test_priorities_then_age_and_capability_levels(orch) -> None:
    await register(orch, "low", {"code": 1}, max_concurrency=100)
    await register(orch, "high", {"code": 5}, max_concurrency=100)
    tasks = (
        await orch.CreateTasks(
            pb.CreateTasksRequest(
                tasks=[
                    new("code", name="p0-old"),
                    new("code", name="p5", priority=5),
                    new("code", name="p0-new"),
                    new("code", name="expert", min_level=3, priority=9),
                    new("other", name="nobody-can", priority=10),
                    new("", name="anyone", priority=-1),
                ]
            )
        )
    ).tasks
    assert len(tasks) == 6
    low = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="low", max_tasks=10))).tasks
    assert [t.name for t in low] == ["p5", "p0-old", "p0-new", "anyone"]
    high = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="high", max_tasks=10))).tasks
    assert [t.name for t in high] == ["expert"]


async def test_max_concurrency_caps_claims(orch) -> None:
    await register(orch, "a", {}, max_concurrency=2)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[new() for _ in range(5)]))
    first = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))).tasks
    assert len(first) == 2
    again = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))).tasks
    assert again == []
    acks = await orch.CompleteTasks(
        pb.CompleteTasksRequest(
            agent_id="a",
            completions=[pb.TaskCompletion(task_id=t.id, attempt=t.attempt) for t in first],
        )
    )
    assert all(a.accepted for a in acks.acks)
    assert len((await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))).tasks) == 2


async def test_idempotent_create_with_client_key(orch) -> None:
    request = pb.CreateTaskRequest(task=new(name="once", idempotency_key="k-1"))
    first = await orch.CreateTask(request)
    again = await orch.CreateTask(request)
    assert again.replayed and again.task.id == first.task.id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.CreateTask(pb.CreateTaskRequest(task=new(name="other", idempotency_key="k-1")))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    batch = await orch.CreateTasks(
        pb.CreateTasksRequest(tasks=[new(name="once", idempotency_key="k-1"), new(name="b")])
    )
    assert batch.replayed_count == 1 and batch.tasks[0].id == first.task.id
    listed = await orch.ListTasks(pb.ListTasksRequest(page_size=10))
    assert len(listed.tasks) == 2


async def test_fail_retries_with_exponential_backoff_then_dead_letter(orch) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    task = (
        await orch.CreateTask(
            pb.CreateTaskRequest(
                task=new(max_attempts=2, backoff=duration_pb2.Duration(seconds=60))
            )
        )
    ).task
    (claimed,) = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks
    failed = (
        await orch.FailTask(
            pb.FailTaskRequest(task_id=task.id, agent_id="a", attempt=1, error="boom")
        )
    ).task
    assert failed.state == pb.TASK_STATE_READY and failed.error == "boom"
    delay = failed.ready_time.ToDatetime() - claimed.start_time.ToDatetime()
    assert 59 <= delay.total_seconds() <= 120
    # Not claimable during its backoff.
    assert (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks == []
    # Failing a stale attempt is refused.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.FailTask(pb.FailTaskRequest(task_id=task.id, agent_id="a", attempt=1))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err.value).reason == "LEASE_LOST"


async def test_permanent_failure_dead_letter_is_listed_and_retryable(orch) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    task = (await orch.CreateTask(pb.CreateTaskRequest(task=new()))).task
    await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))
    dead = (
        await orch.FailTask(
            pb.FailTaskRequest(task_id=task.id, agent_id="a", attempt=1, permanent=True)
        )
    ).task
    assert dead.state == pb.TASK_STATE_DEAD
    letters = await orch.ListTasks(
        pb.ListTasksRequest(filter=pb.TaskFilter(states=[pb.TASK_STATE_DEAD]))
    )
    assert [t.id for t in letters.tasks] == [task.id]
    retried = (await orch.RetryDeadTask(pb.RetryDeadTaskRequest(task_id=task.id))).task
    assert retried.state == pb.TASK_STATE_READY and retried.attempt == 0
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.RetryDeadTask(pb.RetryDeadTaskRequest(task_id=task.id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    again = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks
    assert [t.attempt for t in again] == [1]


async def test_cancel_takes_the_lease_away(orch) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    task = (await orch.CreateTask(pb.CreateTaskRequest(task=new()))).task
    await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))
    cancelled = (await orch.CancelTask(pb.CancelTaskRequest(task_id=task.id, reason="no"))).task
    assert cancelled.state == pb.TASK_STATE_CANCELLED
    acks = await orch.CompleteTasks(
        pb.CompleteTasksRequest(
            agent_id="a", completions=[pb.TaskCompletion(task_id=task.id, attempt=1)]
        )
    )
    assert (acks.acks[0].accepted, acks.acks[0].reason) == (False, "LEASE_LOST")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.CancelTask(pb.CancelTaskRequest(task_id=task.id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_heartbeat_tasks_extends_and_reports_lost(orch) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    task = (await orch.CreateTask(pb.CreateTaskRequest(task=new()))).task
    (claimed,) = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))).tasks
    missing = "00000000-0000-7000-8000-000000000000"
    response = await orch.HeartbeatTasks(
        pb.HeartbeatTasksRequest(
            agent_id="a", task_ids=[task.id, missing], lease=duration_pb2.Duration(seconds=600)
        )
    )
    assert list(response.extended_task_ids) == [task.id]
    assert list(response.lost_task_ids) == [missing]
    assert response.lease_expire_time.seconds > claimed.lease_expire_time.seconds + 500


async def test_bad_input_and_not_found(orch) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.CreateTask(pb.CreateTaskRequest(task=new(priority=5000)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "task.priority" in violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.CreateTasks(pb.CreateTasksRequest(tasks=[new(), new(capability="Bad Cap")]))
    assert "tasks[1].capability" in violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetTask(pb.GetTaskRequest(task_id="nope"))
    assert "task_id" in violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetTask(pb.GetTaskRequest(task_id="00000000-0000-7000-8000-000000000000"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="ghost", max_tasks=1))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.ListTasks(pb.ListTasksRequest(page_token="garbage"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_list_pages_and_filters(orch) -> None:
    await orch.CreateTasks(
        pb.CreateTasksRequest(tasks=[new("x" if i % 2 else "y", name=str(i)) for i in range(7)])
    )
    names, token = [], ""
    while True:
        page = await orch.ListTasks(
            pb.ListTasksRequest(
                filter=pb.TaskFilter(capability="x"),
                order=pb.TASK_LIST_ORDER_OLDEST_FIRST,
                page_size=2,
                page_token=token,
            )
        )
        names += [t.name for t in page.tasks]
        token = page.next_page_token
        if not token:
            break
    assert names == ["1", "3", "5"]


async def test_projects_are_isolated(orch) -> None:
    await register(orch, "a", {}, max_concurrency=5)
    mine = (await orch.CreateTask(pb.CreateTaskRequest(task=new()))).task
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetTask(pb.GetTaskRequest(task_id=mine.id), metadata=OTHER)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5), metadata=OTHER)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    await register_other(orch)
    theirs = await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5), metadata=OTHER)
    assert theirs.tasks == []
    assert (await orch.ListTasks(pb.ListTasksRequest(), metadata=OTHER)).tasks == []


async def register_other(orch) -> None:
    await orch.RegisterAgent(pb.RegisterAgentRequest(agent_id="a"), metadata=OTHER)


async def test_async_claims_lease_like_synchronous_ones(make_config) -> None:
    srv, port = await create_server(make_config(orchestration_async_claims=True))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
            await register(orch, "a", {}, max_concurrency=5)
            task = (await orch.CreateTask(pb.CreateTaskRequest(task=new()))).task
            (claimed,) = (
                await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))
            ).tasks
            assert claimed.id == task.id and claimed.state == pb.TASK_STATE_LEASED
            assert (
                await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=5))
            ).tasks == []
            await orch.CompleteTask(
                pb.CompleteTaskRequest(task_id=task.id, agent_id="a", attempt=1)
            )
    finally:
        await srv.stop(grace=0)
