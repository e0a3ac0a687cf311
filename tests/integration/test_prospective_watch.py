"""WatchTriggers: live firings, resuming from a cursor without gaps, filters, the time-trigger
loop waking for a new trigger, and firings written by another server replica."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from athena.server import create_server
from athena.v1 import memory_pb2 as mpb
from athena.v1 import memory_pb2_grpc, prospective_pb2_grpc
from athena.v1 import prospective_pb2 as pb
from google.protobuf import timestamp_pb2

DEADLINE = 30.0


@pytest.fixture
def prospective(channel) -> prospective_pb2_grpc.ProspectiveMemoryServiceStub:
    return prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)


async def new_task(stub, title: str = "t") -> pb.ProspectiveTask:
    request = pb.CreateProspectiveTaskRequest(task=pb.NewProspectiveTask(title=title))
    return (await stub.CreateProspectiveTask(request)).task


async def actor_trigger(stub, task_id: str, actor: str) -> pb.Trigger:
    request = pb.CreateTriggerRequest(
        trigger=pb.NewTrigger(
            task_id=task_id, repeat=True, event=pb.EventTriggerCondition(actor=actor)
        )
    )
    return (await stub.CreateTrigger(request)).trigger


async def record(memory, actor: str) -> mpb.Event:
    request = mpb.RecordEventRequest(
        event=mpb.NewEvent(session_id="s", type=mpb.EVENT_TYPE_ACTION, content="x", actor=actor)
    )
    return (await memory.RecordEvent(request)).event


async def next_message(call) -> pb.WatchTriggersResponse:
    return await asyncio.wait_for(call.read(), DEADLINE)


async def test_live_firings_and_resume_from_cursor(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await actor_trigger(prospective, task.id, "ci")
    call = prospective.WatchTriggers(pb.WatchTriggersRequest())
    start = await next_message(call)
    assert not start.HasField("firing")
    first_event = await record(memory, "ci")
    first = await next_message(call)
    assert first.firing.trigger_id == trigger.id and first.firing.event_id == first_event.id
    assert int(first.cursor) > int(start.cursor) and first.cursor == first.firing.cursor
    call.cancel()
    # Disconnected: these happen while nobody watches.
    missed = [await record(memory, "ci") for _ in range(3)]
    resumed = prospective.WatchTriggers(pb.WatchTriggersRequest(after_cursor=first.cursor))
    assert (await next_message(resumed)).cursor == first.cursor
    seen = [(await next_message(resumed)).firing.event_id for _ in missed]
    assert seen == [e.id for e in missed]
    late = await record(memory, "ci")
    assert (await next_message(resumed)).firing.event_id == late.id
    resumed.cancel()


async def test_filters_by_task_and_kind(prospective, memory) -> None:
    a = await new_task(prospective, "a")
    b = await new_task(prospective, "b")
    await actor_trigger(prospective, a.id, "alice")
    await actor_trigger(prospective, b.id, "bob")
    call = prospective.WatchTriggers(
        pb.WatchTriggersRequest(task_id=b.id, kinds=[pb.TRIGGER_KIND_EVENT])
    )
    await next_message(call)
    await record(memory, "alice")
    bob = await record(memory, "bob")
    message = await next_message(call)
    assert message.firing.task_id == b.id and message.firing.event_id == bob.id
    call.cancel()


async def test_time_trigger_wakes_the_loop_not_the_poll(make_config) -> None:
    # With a one-minute poll, only the wake-up on trigger creation and the sleep until the
    # trigger's time can make it fire within the deadline.
    srv, port = await create_server(make_config(trigger_poll_seconds=60.0))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)
            task = await new_task(stub)
            call = stub.WatchTriggers(pb.WatchTriggersRequest())
            await next_message(call)
            due = datetime.now(UTC) + timedelta(seconds=1.5)
            fire_time = timestamp_pb2.Timestamp()
            fire_time.FromDatetime(due)
            await stub.CreateTrigger(
                pb.CreateTriggerRequest(
                    trigger=pb.NewTrigger(
                        task_id=task.id, time=pb.TimeTriggerCondition(fire_time=fire_time)
                    )
                )
            )
            message = await next_message(call)
            call.cancel()
        fired_at = message.firing.fire_time.ToDatetime(tzinfo=UTC)
        assert message.firing.kind == pb.TRIGGER_KIND_TIME
        assert due <= fired_at < due + timedelta(seconds=DEADLINE / 2)
    finally:
        await srv.stop(grace=0)


async def test_a_watcher_sees_firings_written_by_another_replica(prospective, make_config) -> None:
    # A second server on the same database; the watcher on the first finds its firings by
    # polling (every trigger_poll_seconds), as nothing wakes it in-process.
    other, port = await create_server(make_config())
    await other.start(background=False)
    try:
        task = await new_task(prospective)
        await actor_trigger(prospective, task.id, "remote")
        call = prospective.WatchTriggers(pb.WatchTriggersRequest())
        await next_message(call)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            event = await record(memory_pb2_grpc.MemoryServiceStub(channel), "remote")
        assert (await next_message(call)).firing.event_id == event.id
        call.cancel()
    finally:
        await other.stop(grace=0)


async def test_server_stops_with_a_watcher_connected(make_config) -> None:
    srv, port = await create_server(make_config())
    await srv.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)
        call = stub.WatchTriggers(pb.WatchTriggersRequest())
        await next_message(call)
        # Neither the open stream nor the scheduler may hold shutdown up.
        await asyncio.wait_for(srv.stop(grace=0), DEADLINE)
        with pytest.raises(grpc.aio.AioRpcError):
            await asyncio.wait_for(call.read(), DEADLINE)
