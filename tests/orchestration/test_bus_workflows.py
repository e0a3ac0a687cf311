"""Event bus (patterns, durable offsets, resume, lifecycle and memory events) and workflows."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from athena.v1 import memory_pb2
from athena.v1 import orchestration_pb2 as pb

from tests.orchestration.conftest import OTHER, eventually, register


def event(topic: str, **attrs: str) -> pb.NewBusEvent:
    return pb.NewBusEvent(topic=topic, attributes=attrs)


async def collect(call, count: int, seconds: float = 20) -> list[pb.BusEvent]:
    got: list[pb.BusEvent] = []

    async def read() -> None:
        async for message in call:
            got.extend(message.events)
            if len(got) >= count:
                return

    await asyncio.wait_for(read(), seconds)
    call.cancel()
    return got


async def test_patterns_and_resume_from_offset(orch) -> None:
    await orch.Publish(
        pb.PublishRequest(
            events=[event("a.x"), event("b.y"), event("a.z"), event("c.q"), event("a.x", n="2")]
        )
    )
    replay = orch.Subscribe(
        pb.SubscribeRequest(
            patterns=[pb.TopicPattern(prefix="a."), pb.TopicPattern(regex="c\\..*")],
            after_offset=0,
        )
    )
    got = await collect(replay, 4)
    assert [e.topic for e in got] == ["a.x", "a.z", "c.q", "a.x"]
    offsets = [e.offset for e in got]
    assert offsets == sorted(offsets) and len(set(offsets)) == 4
    # Resuming after the second event delivers exactly the rest.
    resumed = orch.Subscribe(
        pb.SubscribeRequest(patterns=[pb.TopicPattern(prefix="a.")], after_offset=got[1].offset)
    )
    assert [e.attributes.get("n") for e in await collect(resumed, 1)] == ["2"]


async def test_live_subscribers_get_new_events_only(orch) -> None:
    await orch.Publish(pb.PublishRequest(events=[event("old.one")]))
    subscribers = [
        orch.Subscribe(pb.SubscribeRequest(patterns=[pb.TopicPattern(exact="news")]))
        for _ in range(5)
    ]
    readers = [asyncio.create_task(collect(s, 2)) for s in subscribers]

    # Publish until every subscriber has two events (a stream may start after the first publish).
    async def all_have_two() -> bool:
        if not all(r.done() for r in readers):
            await orch.Publish(pb.PublishRequest(events=[event("news"), event("noise")]))
            await asyncio.sleep(0.05)  # pacing the publisher, not synchronisation
        return all(r.done() for r in readers)

    await eventually(all_have_two)
    for r in readers:
        topics = [e.topic for e in r.result()]
        assert len(topics) >= 2 and set(topics) == {"news"}


async def test_task_lifecycle_and_memory_writes_are_published(orch, memory) -> None:
    call = orch.Subscribe(
        pb.SubscribeRequest(
            patterns=[pb.TopicPattern(prefix="task."), pb.TopicPattern(prefix="memory.")],
            after_offset=0,
        )
    )
    await register(orch, "a", {}, max_concurrency=2)
    task = (await orch.CreateTask(pb.CreateTaskRequest(task=pb.NewTask()))).task
    await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=1))
    await orch.CompleteTask(pb.CompleteTaskRequest(task_id=task.id, agent_id="a", attempt=1))
    await memory.RecordEvent(
        memory_pb2.RecordEventRequest(
            event=memory_pb2.NewEvent(
                session_id="s", type=memory_pb2.EVENT_TYPE_ACTION, content="did a thing"
            )
        )
    )
    got = await collect(call, 4)
    assert [e.topic for e in got] == [
        "task.created",
        "task.leased",
        "task.succeeded",
        "memory.event.recorded",
    ]
    assert got[0].attributes["task_id"] == task.id


async def test_bus_isolation_and_bad_regex(orch) -> None:
    await orch.Publish(pb.PublishRequest(events=[event("secret")]), metadata=OTHER)
    await orch.Publish(pb.PublishRequest(events=[event("mine")]))
    got = await collect(
        orch.Subscribe(pb.SubscribeRequest(patterns=[pb.TopicPattern(regex=".*")], after_offset=0)),
        1,
    )
    assert [e.topic for e in got] == ["mine"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in orch.Subscribe(pb.SubscribeRequest(patterns=[pb.TopicPattern(regex="(")])):
            pass
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.Publish(pb.PublishRequest(events=[event("bad topic")]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def node(key: str, *deps: str, skip: bool = False) -> pb.NewWorkflowTask:
    return pb.NewWorkflowTask(
        key=key,
        task=pb.NewTask(name=key),
        depends_on=deps,
        on_parent_failure=pb.PARENT_FAILURE_POLICY_SKIP if skip else pb.PARENT_FAILURE_POLICY_FAIL,
    )


async def run_ready(orch, agent: str, fail: set[str] = frozenset()) -> list[str]:
    claimed = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id=agent, max_tasks=100))).tasks
    for t in claimed:
        if t.name in fail:
            await orch.FailTask(
                pb.FailTaskRequest(task_id=t.id, agent_id=agent, attempt=t.attempt, permanent=True)
            )
        else:
            await orch.CompleteTask(
                pb.CompleteTaskRequest(task_id=t.id, agent_id=agent, attempt=t.attempt)
            )
    return sorted(t.name for t in claimed)


async def test_workflow_runs_in_dependency_order_and_watch_streams(orch) -> None:
    await register(orch, "w", {}, max_concurrency=100)
    submitted = await orch.SubmitWorkflow(
        pb.SubmitWorkflowRequest(
            name="diamond",
            tasks=[node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")],
            request_id="wf-1",
        )
    )
    wf = submitted.workflow
    assert wf.state == pb.WORKFLOW_STATE_RUNNING
    again = await orch.SubmitWorkflow(
        pb.SubmitWorkflowRequest(
            name="diamond",
            tasks=[node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")],
            request_id="wf-1",
        )
    )
    assert again.replayed and again.workflow.id == wf.id
    watch = orch.WatchWorkflow(pb.WatchWorkflowRequest(workflow_id=wf.id))
    states: list[int] = []

    async def read_watch() -> None:
        async for message in watch:
            states.append(message.workflow.state)

    watcher = asyncio.create_task(read_watch())
    assert await run_ready(orch, "w") == ["a"]
    assert await run_ready(orch, "w") == ["b", "c"]
    assert await run_ready(orch, "w") == ["d"]
    await asyncio.wait_for(watcher, 20)
    assert states[0] == pb.WORKFLOW_STATE_RUNNING and states[-1] == pb.WORKFLOW_STATE_SUCCEEDED
    done = (await orch.GetWorkflow(pb.GetWorkflowRequest(workflow_id=wf.id))).workflow
    assert {t.key: t.task.state for t in done.tasks} == dict.fromkeys(
        "abcd", pb.TASK_STATE_SUCCEEDED
    )
    assert {t.key: list(t.depends_on) for t in done.tasks}["d"] == ["b", "c"]


async def test_failed_parent_skips_or_fails_dependents(orch) -> None:
    await register(orch, "w", {}, max_concurrency=100)
    wf = (
        await orch.SubmitWorkflow(
            pb.SubmitWorkflowRequest(
                tasks=[node("a"), node("b", "a", skip=True), node("c", "b", skip=True), node("x")]
            )
        )
    ).workflow
    assert await run_ready(orch, "w", fail={"a"}) == ["a", "x"]

    async def finished() -> bool:
        got = (await orch.GetWorkflow(pb.GetWorkflowRequest(workflow_id=wf.id))).workflow
        return got.state != pb.WORKFLOW_STATE_RUNNING

    await eventually(finished)
    got = (await orch.GetWorkflow(pb.GetWorkflowRequest(workflow_id=wf.id))).workflow
    states = {t.key: t.task.state for t in got.tasks}
    assert states == {
        "a": pb.TASK_STATE_DEAD,
        "b": pb.TASK_STATE_SKIPPED,
        "c": pb.TASK_STATE_SKIPPED,
        "x": pb.TASK_STATE_SUCCEEDED,
    }
    assert got.state == pb.WORKFLOW_STATE_FAILED

    failing = (
        await orch.SubmitWorkflow(pb.SubmitWorkflowRequest(tasks=[node("a"), node("b", "a")]))
    ).workflow
    await run_ready(orch, "w", fail={"a"})
    got = (await orch.GetWorkflow(pb.GetWorkflowRequest(workflow_id=failing.id))).workflow
    assert got.state == pb.WORKFLOW_STATE_FAILED
    assert {t.key: t.task.state for t in got.tasks}["b"] == pb.TASK_STATE_CANCELLED


async def test_cycles_and_unknown_parents_are_rejected(orch) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.SubmitWorkflow(
            pb.SubmitWorkflowRequest(tasks=[node("a", "c"), node("b", "a"), node("c", "b")])
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "a -> c -> b -> a" in err.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.SubmitWorkflow(pb.SubmitWorkflowRequest(tasks=[node("a", "zz")]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await orch.ListTasks(pb.ListTasksRequest())).tasks == []


async def test_cancel_workflow_and_not_found(orch) -> None:
    wf = (
        await orch.SubmitWorkflow(pb.SubmitWorkflowRequest(tasks=[node("a"), node("b", "a")]))
    ).workflow
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.GetWorkflow(pb.GetWorkflowRequest(workflow_id=wf.id), metadata=OTHER)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    cancelled = (await orch.CancelWorkflow(pb.CancelWorkflowRequest(workflow_id=wf.id))).workflow
    assert cancelled.state == pb.WORKFLOW_STATE_CANCELLED
    assert {t.task.state for t in cancelled.tasks} == {pb.TASK_STATE_CANCELLED}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orch.CancelWorkflow(pb.CancelWorkflowRequest(workflow_id=wf.id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_queue_stats(orch) -> None:
    await register(orch, "a", {"x": 1, "y": 1}, max_concurrency=50)
    await orch.CreateTasks(pb.CreateTasksRequest(tasks=[pb.NewTask(capability=c) for c in "xxxyy"]))
    claimed = (await orch.ClaimTasks(pb.ClaimTasksRequest(agent_id="a", max_tasks=3))).tasks
    for t in claimed[:2]:
        await orch.CompleteTask(pb.CompleteTaskRequest(task_id=t.id, agent_id="a", attempt=1))
    stats = await orch.GetQueueStats(pb.GetQueueStatsRequest())
    assert stats.task_counts["TASK_STATE_SUCCEEDED"] == 2
    assert stats.task_counts["TASK_STATE_READY"] == 2 and stats.depth == 2
    assert stats.run.count == 2 and stats.throughput_per_second > 0
    assert [a.agent_id for a in stats.agents] == ["a"] and stats.agents[0].leased == 1
    assert {c.capability for c in stats.capabilities} == {"x", "y"}
    assert stats.longest_waits
    empty = await orch.GetQueueStats(pb.GetQueueStatsRequest(), metadata=OTHER)
    assert empty.depth == 0 and not empty.agents
