"""Agents: registry, routing, health; streaming assignment; lease expiry; two replicas."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from athena.server import create_server
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc
from google.protobuf import duration_pb2

from tests.orchestration.conftest import OTHER, eventually, register


async def test_register_list_find_deregister(orch) -> None:
    agent = await register(
        orch, "a", {"code": 3, "docs": 1}, max_concurrency=4, metadata={"m": "x"}
    )
    assert agent.state == pb.AGENT_STATE_HEALTHY and agent.max_concurrency == 4
    await register(orch, "b", {"code": 5}, max_concurrency=4)
    await register(orch, "c", {"docs": 9})
    found = await orch.FindCapableAgents(
        pb.FindCapableAgentsRequest(capability="code", min_level=4)
    )
    assert [a.agent_id for a in found.agents] == ["b"]
    page = await orch.ListAgents(pb.ListAgentsRequest(page_size=2))
    assert [a.agent_id for a in page.agents] == ["a", "b"] and page.next_page_token
    rest = await orch.ListAgents(pb.ListAgentsRequest(page_size=2, page_token=page.next_page_token))
    assert [a.agent_id for a in rest.agents] == ["c"] and not rest.next_page_token
    gone = await orch.DeregisterAgent(pb.DeregisterAgentRequest(agent_id="c"))
    assert gone.agent.state == pb.AGENT_STATE_DEREGISTERED
    assert [a.agent_id for a in (await orch.ListAgents(pb.ListAgentsRequest())).agents] == [
        "a",
        "b",
    ]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.Heartbeat(pb.HeartbeatRequest(agent_id="c"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetAgent(pb.GetAgentRequest(agent_id="zzz"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetAgent(pb.GetAgentRequest(agent_id="a"), metadata=OTHER)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.RegisterAgent(pb.RegisterAgentRequest(agent_id="bad id!"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_routing_prefers_less_loaded_then_better_performing(orch) -> None:
    await register(orch, "busy", {"x": 1}, max_concurrency=2)
    await register(orch, "idle", {"x": 1}, max_concurrency=2)
    await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask(capability="x")))
    await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="busy", max_tasks=1))
    found = await orch.FindCapableAgents(pb.FindCapableAgentsRequest(capability="x"))
    assert [a.agent_id for a in found.agents] == ["idle", "busy"]


async def test_deregister_returns_leased_tasks(orch) -> None:
    await register(orch, "a", {}, max_concurrency=3)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(2)]))
    await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=3))
    gone = await orch.DeregisterAgent(pb.DeregisterAgentRequest(agent_id="a"))
    assert gone.released_task_count == 2
    ready = await orch.ListTasks(
        pb.ListTasksRequest(filter=pb.TaskFilter(states=[pb.TASK_STATE_READY]))
    )
    assert len(ready.tasks) == 2


async def test_stream_pushes_tasks_as_they_arrive(orch) -> None:
    await register(orch, "s", {"x": 1}, max_concurrency=10)
    call = orch.StreamAssignments(pb.StreamAssignmentsRequest(agent_id="s", max_batch=5))
    got: list[pb.Task] = []

    async def read() -> None:
        async for message in call:
            got.extend(message.tasks)
            if len(got) >= 3:
                return

    reader = asyncio.create_task(read())
    for i in range(3):
        await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask(capability="x", name=str(i))))
    await asyncio.wait_for(reader, 20)
    call.cancel()
    assert sorted(t.name for t in got) == ["0", "1", "2"]
    assert all(t.state == pb.TASK_STATE_LEASED and t.agent_id == "s" for t in got)


async def test_stream_for_unknown_agent_is_not_found(orch) -> None:
    call = orch.StreamAssignments(pb.StreamAssignmentsRequest(agent_id="ghost"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in call:
            pass
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_expired_lease_returns_task_and_old_holder_is_fenced(make_config) -> None:
    srv, port = await create_server(make_config(orchestration_sweep_seconds=0.1))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
            await register(orch, "crashy", {}, max_concurrency=5)
            await register(orch, "other", {}, max_concurrency=5)
            task = (await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask()))).task
            await orch.ClaimTasks(
                pb.ClaimTasksRequest(
                    agent_id="crashy", max_tasks=1, lease=duration_pb2.Duration(seconds=1)
                )
            )
            # While the lease is valid nobody else gets the task.
            assert (
                await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="other", max_tasks=1))
            ).tasks == []
            retaken: list[pb.Task] = []

            async def other_gets_it() -> bool:
                retaken.extend(
                    (
                        await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="other", max_tasks=1))
                    ).tasks
                )
                return bool(retaken)

            await eventually(other_gets_it)
            assert retaken[0].id == task.id and retaken[0].attempt == 2
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await orch.CompleteTask(
                    pb.CompleteTaskRequest(task_id=task.id, agent_id="crashy", attempt=1)
                )
            assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            await orch.CompleteTask(
                pb.CompleteTaskRequest(task_id=task.id, agent_id="other", attempt=2)
            )
    finally:
        await srv.stop(grace=0)


async def test_silent_agent_becomes_unhealthy_and_loses_its_tasks(make_config) -> None:
    srv, port = await create_server(
        make_config(orchestration_sweep_seconds=0.1, orchestration_agent_timeout_seconds=1.0)
    )
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            orch = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
            await register(orch, "quiet", {}, max_concurrency=5)
            await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask()))
            await orch.ClaimTasks(
                pb.ClaimTasksRequest(
                    agent_id="quiet", max_tasks=1, lease=duration_pb2.Duration(seconds=3600)
                )
            )

            async def unhealthy_and_released() -> bool:
                agent = (await orch.GetAgent(pb.GetAgentRequest(agent_id="quiet"))).agent
                tasks = (await orch.ListTasks(pb.ListTasksRequest())).tasks
                return (
                    agent.state == pb.AGENT_STATE_UNHEALTHY
                    and tasks[0].state == pb.TASK_STATE_READY
                )

            await eventually(unhealthy_and_released)
            tasks = (await orch.ListTasks(pb.ListTasksRequest())).tasks
            assert "heartbeat" in tasks[0].error
            # A heartbeat brings it back.
            back = await orch.Heartbeat(pb.HeartbeatRequest(agent_id="quiet"))
            assert back.agent.state == pb.AGENT_STATE_HEALTHY
            assert back.agent.failed_count == 1
    finally:
        await srv.stop(grace=0)


async def test_two_replicas_share_the_queue_without_double_leases(make_config) -> None:
    servers = [await create_server(make_config()) for _ in range(2)]
    for srv, _ in servers:
        await srv.start()
    try:
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _, port in servers]
        stubs = [orchestration_pb2_grpc.OrchestrationServiceStub(c) for c in channels]
        for i, stub in enumerate(stubs):
            await register(stub, f"agent-{i}", {}, max_concurrency=1000)
        total = 300
        await stubs[0].CreateTasks(
            pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(total)])
        )
        seen: dict[str, str] = {}
        leased_twice: list[str] = []
        completed: set[str] = set()

        async def work(i: int) -> None:
            call = stubs[i].StreamAssignments(
                pb.StreamAssignmentsRequest(agent_id=f"agent-{i}", max_batch=20)
            )
            async for message in call:
                for t in message.tasks:
                    if t.id in seen:
                        leased_twice.append(t.id)
                    seen[t.id] = t.agent_id
                acks = await stubs[i].CompleteTasks(
                    pb.CompleteTasksRequest(
                        agent_id=f"agent-{i}",
                        completions=[
                            pb.TaskCompletion(task_id=t.id, attempt=t.attempt)
                            for t in message.tasks
                        ],
                    )
                )
                completed.update(a.task_id for a in acks.acks if a.accepted)

        workers = [asyncio.create_task(work(i)) for i in range(2)]

        async def all_done() -> bool:
            return len(completed) == total

        await eventually(all_done, 60)
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        assert leased_twice == []
        done = await stubs[1].ListTasks(
            pb.ListTasksRequest(
                filter=pb.TaskFilter(states=[pb.TASK_STATE_SUCCEEDED]), page_size=1000
            )
        )
        assert len(done.tasks) == total
        for c in channels:
            await c.close()
    finally:
        for srv, _ in servers:
            await srv.stop(grace=0)


async def test_replicas_wake_each_other_without_polling(make_config) -> None:
    # Polling every 60 s: anything arriving sooner came through the replicas' notifications.
    servers = [await create_server(make_config(orchestration_poll_seconds=60.0)) for _ in range(2)]
    for srv, _ in servers:
        await srv.start()
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _, port in servers]
    try:
        a, b = (orchestration_pb2_grpc.OrchestrationServiceStub(c) for c in channels)
        domain_b = servers[1][0].components["orchestration"].domain
        await register(b, "remote", {}, max_concurrency=10)
        stream = b.StreamAssignments(pb.StreamAssignmentsRequest(agent_id="remote"))
        events = b.Subscribe(pb.SubscribeRequest(patterns=[pb.TopicPattern(exact="ping")]))
        first_task = asyncio.ensure_future(stream.read())
        first_event = asyncio.ensure_future(events.read())

        async def both_waiting_on_b() -> bool:
            # Private state, read only to know both streams are idle (the assignment stream past
            # its first, empty claim) before anything is written.
            waiters = domain_b["dispatcher"]._waiters.get("default", ())
            return any(w.idle for w in waiters) and bool(domain_b["bus"]._feeds)

        await eventually(both_waiting_on_b)
        created = (await a.CreateTask(pb.CreateTaskRequest(task=pb.NewTask()))).task
        await a.Publish(pb.PublishRequest(events=[pb.NewBusEvent(topic="ping")]))
        got_task = await asyncio.wait_for(first_task, 30)
        got_event = await asyncio.wait_for(first_event, 30)
        assert [t.id for t in got_task.tasks] == [created.id]
        assert [e.topic for e in got_event.events] == ["ping"]
        stream.cancel()
        events.cancel()
    finally:
        for c in channels:
            await c.close()
        for srv, _ in servers:
            await srv.stop(grace=0)


async def test_create_hands_work_to_idle_streams_by_capability_and_room(orch, server) -> None:
    dispatcher = server[0].components["orchestration"].domain["dispatcher"]
    await register(orch, "xa", {"x": 1}, max_concurrency=1)
    await register(orch, "ya", {"y": 1}, max_concurrency=10)
    inboxes: dict[str, asyncio.Queue[pb.Task]] = {"xa": asyncio.Queue(), "ya": asyncio.Queue()}

    async def read(call, agent_id: str) -> None:
        async for message in call:
            for t in message.tasks:
                inboxes[agent_id].put_nowait(t)

    calls = {a: orch.StreamAssignments(pb.StreamAssignmentsRequest(agent_id=a)) for a in inboxes}
    readers = [asyncio.create_task(read(c, a)) for a, c in calls.items()]

    async def both_idle() -> bool:
        # Private state, read only so the create below takes the hand-off path.
        waiters = dispatcher._waiters.get("default", ())
        return len([w for w in waiters if w.idle]) == 2

    try:
        await eventually(both_idle)
        names = ["x1", "x2", "y1", "y2"]
        await orch.CreateTasks(
            pb.CreateTasksRequest(tasks=[pb.NewTask(name=n, capability=n[0]) for n in names])
        )
        ys = [await asyncio.wait_for(inboxes["ya"].get(), 20) for _ in range(2)]
        first_x = await asyncio.wait_for(inboxes["xa"].get(), 20)
        assert sorted(t.name for t in ys) == ["y1", "y2"] and first_x.name == "x1"
        # "xa" has room for one task: the other waits for it, leased to nobody.
        ready = await orch.ListTasks(
            pb.ListTasksRequest(filter=pb.TaskFilter(states=[pb.TASK_STATE_READY]))
        )
        assert [t.name for t in ready.tasks] == ["x2"] and inboxes["xa"].empty()
        await orch.CompleteTask(
            pb.CompleteTaskRequest(task_id=first_x.id, attempt=first_x.attempt, agent_id="xa")
        )
        second_x = await asyncio.wait_for(inboxes["xa"].get(), 20)
        assert second_x.name == "x2" and second_x.agent_id == "xa"
        assert inboxes["ya"].empty()
        # With an idempotency key the create takes its transactional path; it hands off too.
        await eventually(both_idle)
        keyed = pb.NewTask(name="y3", capability="y", idempotency_key="k-y3")
        await orch.CreateTask(pb.CreateTaskRequest(task=keyed))
        third_y = await asyncio.wait_for(inboxes["ya"].get(), 20)
        assert third_y.name == "y3" and third_y.agent_id == "ya"
    finally:
        for c in calls.values():
            c.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def test_undelivered_hand_off_returns_to_the_queue_without_spending_an_attempt(
    orch, server
) -> None:
    queue = server[0].components["orchestration"].domain["queue"]
    await register(orch, "gone", {}, max_concurrency=5)
    await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask(name="t")))
    (leased,) = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="gone", max_tasks=5))).tasks
    assert leased.attempt == 1
    # What a closed stream does with tasks a create handed it but it never sent.
    stored = await queue.get("default", uuid.UUID(leased.id))
    await queue._return_undelivered("default", "gone", [stored])
    back = (await orch.GetTask(pb.GetTaskRequest(task_id=leased.id))).task
    assert back.state == pb.TASK_STATE_READY and back.attempt == 0 and not back.agent_id
    again = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="gone", max_tasks=5))).tasks
    assert [(t.id, t.attempt) for t in again] == [(leased.id, 1)]
