"""Triggers of all five kinds, evaluated by the server, over gRPC: event, context and file
triggers fire when a matching event is recorded, dependency triggers when every dependency is
done, time triggers at their time; plus validation, not found and isolation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from athena.v1 import memory_pb2 as mpb
from athena.v1 import prospective_pb2 as pb
from athena.v1 import prospective_pb2_grpc
from google.protobuf import duration_pb2, field_mask_pb2, timestamp_pb2

from tests.support import error_info, violations

OTHER = (("x-athena-project", "other"),)
S = pb.ProspectiveTaskStatus


@pytest.fixture
def prospective(channel) -> prospective_pb2_grpc.ProspectiveMemoryServiceStub:
    return prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)


def ts(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


async def new_task(stub, title: str = "t", metadata=None, **fields) -> pb.ProspectiveTask:
    request = pb.CreateProspectiveTaskRequest(task=pb.NewProspectiveTask(title=title, **fields))
    return (await stub.CreateProspectiveTask(request, metadata=metadata)).task


async def new_trigger(stub, metadata=None, **fields) -> pb.Trigger:
    request = pb.CreateTriggerRequest(trigger=pb.NewTrigger(**fields))
    return (await stub.CreateTrigger(request, metadata=metadata)).trigger


async def record(memory, content: str, metadata=None, **fields) -> mpb.Event:
    fields.setdefault("type", mpb.EVENT_TYPE_ACTION)
    request = mpb.RecordEventRequest(
        event=mpb.NewEvent(session_id=fields.pop("session_id", "s"), content=content, **fields)
    )
    return (await memory.RecordEvent(request, metadata=metadata)).event


async def fetch(stub, trigger_id: str, metadata=None) -> pb.Trigger:
    return (await stub.GetTrigger(pb.GetTriggerRequest(id=trigger_id), metadata=metadata)).trigger


async def set_status(stub, task_id: str, *statuses: int) -> None:
    for status in statuses:
        await stub.UpdateProspectiveTask(
            pb.UpdateProspectiveTaskRequest(
                id=task_id,
                task=pb.ProspectiveTask(status=status),
                update_mask=field_mask_pb2.FieldMask(paths=["status"]),
            )
        )


async def replay(stub, metadata=None, **fields) -> list[pb.TriggerFiring]:
    """Every stored firing (a WatchTriggers from cursor 0 read up to the current cursor)."""
    head = stub.WatchTriggers(pb.WatchTriggersRequest(), metadata=metadata)
    last = await head.read()
    head.cancel()
    out: list[pb.TriggerFiring] = []
    if last.cursor == "0":
        return out
    call = stub.WatchTriggers(
        pb.WatchTriggersRequest(after_cursor="0", **fields), metadata=metadata
    )
    try:
        await call.read()
        while True:
            message = await call.read()
            out.append(message.firing)
            if int(message.cursor) >= int(last.cursor):
                return out
    finally:
        call.cancel()


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_event_trigger_fires_once_on_a_matching_event(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await new_trigger(
        prospective,
        task_id=task.id,
        description="check the rollout",
        event=pb.EventTriggerCondition(
            types=[mpb.EVENT_TYPE_ACTION], content_pattern="deploy.*prod", tags=["ops"]
        ),
    )
    assert trigger.kind == pb.TRIGGER_KIND_EVENT and trigger.armed
    await record(memory, "deployed to prod", tags=["other"])  # tags do not match
    await record(memory, "Deploy to PROD", type=mpb.EVENT_TYPE_DECISION, tags=["ops"])  # type
    assert (await fetch(prospective, trigger.id)).fire_count == 0
    hit = await record(memory, "Deploying build 7 to production", tags=["ops", "release"])
    await record(memory, "deploy to prod again", tags=["ops"])
    fired = await fetch(prospective, trigger.id)
    assert (fired.fire_count, fired.armed) == (1, False)
    [firing] = await replay(prospective)
    assert (firing.trigger_id, firing.task_id, firing.event_id) == (trigger.id, task.id, hit.id)
    assert firing.kind == pb.TRIGGER_KIND_EVENT and firing.description == "check the rollout"


async def test_repeating_event_trigger_fires_per_batch(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await new_trigger(
        prospective, task_id=task.id, repeat=True, event=pb.EventTriggerCondition(actor="ci")
    )
    await record(memory, "build 1 failed", actor="ci")
    await memory.RecordEvents(
        mpb.RecordEventsRequest(
            events=[
                mpb.NewEvent(session_id="s", type=mpb.EVENT_TYPE_ACTION, content=c, actor="ci")
                for c in ("build 2", "build 3")
            ]
        )
    )
    fired = await fetch(prospective, trigger.id)
    assert (fired.fire_count, fired.armed) == (2, True)


async def test_context_trigger(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await new_trigger(
        prospective,
        task_id=task.id,
        context=pb.ContextTriggerCondition(cwd="/repo/api", branch="main"),
    )
    await record(memory, "a", context=mpb.EventContext(cwd="/repo/api-old", branch="main"))
    await record(memory, "b", context=mpb.EventContext(cwd="/repo/api/src", branch="dev"))
    assert (await fetch(prospective, trigger.id)).fire_count == 0
    hit = await record(memory, "c", context=mpb.EventContext(cwd="/repo/api/src", branch="main"))
    [firing] = await replay(prospective)
    assert firing.event_id == hit.id and firing.kind == pb.TRIGGER_KIND_CONTEXT


GLOBS = [
    ("*.py", "src/pkg/app.py", "src/app.pyc"),
    ("docs/**", "docs/guide/api.md", "src/docs/x.md"),
    ("src/*/test_?.py", "src/a/test_1.py", "src/a/b/test_1.py"),
    ("migrations/0001_[x].sql", "migrations/0001_[x].sql", "migrations/0001_x.sql"),
]


async def test_file_triggers(prospective, memory) -> None:
    for glob, matching, other in GLOBS:
        task = await new_task(prospective)
        trigger = await new_trigger(
            prospective, task_id=task.id, file=pb.FileTriggerCondition(glob=glob)
        )
        await record(memory, "edit", context=mpb.EventContext(files=[other]))
        assert (await fetch(prospective, trigger.id)).fire_count == 0, glob
        hit = await record(memory, "edit", context=mpb.EventContext(files=["README", matching]))
        fired = await fetch(prospective, trigger.id)
        assert fired.fire_count == 1, glob
    firings = await replay(prospective)
    assert [f.reason.rsplit(" ", 1)[-1] for f in firings] == [g for g, _, _ in GLOBS]
    assert firings[-1].event_id == hit.id


async def test_dependency_trigger(prospective) -> None:
    a = await new_task(prospective, "a")
    b = await new_task(prospective, "b")
    c = await new_task(prospective, "c", dependency_ids=[a.id, b.id])
    trigger = await new_trigger(
        prospective, task_id=c.id, dependency=pb.DependencyTriggerCondition()
    )
    await set_status(
        prospective, a.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE, S.PROSPECTIVE_TASK_STATUS_DONE
    )
    assert (await fetch(prospective, trigger.id)).fire_count == 0
    await set_status(
        prospective, b.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE, S.PROSPECTIVE_TASK_STATUS_DONE
    )
    assert (await fetch(prospective, trigger.id)).fire_count == 1
    [firing] = await replay(prospective)
    assert firing.kind == pb.TRIGGER_KIND_DEPENDENCY and firing.task_id == c.id
    # Without open dependencies the condition already holds: it fires on creation.
    lone = await new_task(prospective, "lone")
    instant = await new_trigger(
        prospective, task_id=lone.id, dependency=pb.DependencyTriggerCondition()
    )
    assert (instant.fire_count, instant.armed) == (1, False)


async def test_dependency_trigger_fires_when_the_last_open_dependency_is_deleted(
    prospective,
) -> None:
    a = await new_task(prospective, "a")
    c = await new_task(prospective, "c", dependency_ids=[a.id])
    trigger = await new_trigger(
        prospective, task_id=c.id, dependency=pb.DependencyTriggerCondition()
    )
    await prospective.DeleteProspectiveTask(pb.DeleteProspectiveTaskRequest(id=a.id))
    assert (await fetch(prospective, trigger.id)).fire_count == 1


async def test_repeating_time_trigger_collapses_missed_periods(prospective) -> None:
    task = await new_task(prospective)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3, minutes=30)
    trigger = await new_trigger(
        prospective,
        task_id=task.id,
        repeat=True,
        time=pb.TimeTriggerCondition(
            fire_time=ts(start), repeat_interval=duration_pb2.Duration(seconds=3600)
        ),
    )
    # The server's loop fires it within a second; poll for that with a generous deadline.
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while (current := await fetch(prospective, trigger.id)).fire_count == 0:
        assert datetime.now(UTC) < deadline, "time trigger did not fire"
        await asyncio.sleep(0.05)
    assert current.armed
    assert current.time.fire_time.ToDatetime(tzinfo=UTC) == start + timedelta(hours=4)
    [firing] = await replay(prospective)
    assert firing.kind == pb.TRIGGER_KIND_TIME


async def test_finishing_a_task_disarms_its_triggers(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await new_trigger(
        prospective, task_id=task.id, event=pb.EventTriggerCondition(content_pattern="x")
    )
    await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_CANCELLED)
    assert not (await fetch(prospective, trigger.id)).armed
    await record(memory, "x marks the spot")
    assert (await fetch(prospective, trigger.id)).fire_count == 0
    err = await rpc_error(
        new_trigger(prospective, task_id=task.id, dependency=pb.DependencyTriggerCondition())
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "TASK_FINISHED"


async def test_list_get_delete(prospective) -> None:
    task = await new_task(prospective)
    other_task = await new_task(prospective)
    made = [
        await new_trigger(prospective, task_id=task.id, file=pb.FileTriggerCondition(glob=f"*.{i}"))
        for i in range(3)
    ]
    await new_trigger(prospective, task_id=other_task.id, event=pb.EventTriggerCondition(actor="a"))
    request = pb.ListTriggersRequest(task_id=task.id, page_size=2)
    seen: list[str] = []
    while True:
        page = await prospective.ListTriggers(request)
        seen += [t.id for t in page.triggers]
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert seen == [t.id for t in made]
    events = await prospective.ListTriggers(pb.ListTriggersRequest(kind=pb.TRIGGER_KIND_EVENT))
    assert [t.task_id for t in events.triggers] == [other_task.id]
    assert (await fetch(prospective, made[0].id)).file.glob == "*.0"
    await prospective.DeleteTrigger(pb.DeleteTriggerRequest(id=made[0].id))
    err = await rpc_error(prospective.GetTrigger(pb.GetTriggerRequest(id=made[0].id)))
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_idempotent_create(prospective) -> None:
    task = await new_task(prospective)
    request = pb.CreateTriggerRequest(
        trigger=pb.NewTrigger(task_id=task.id, event=pb.EventTriggerCondition(actor="a")),
        request_id="tr-1",
    )
    first = await prospective.CreateTrigger(request)
    again = await prospective.CreateTrigger(request)
    assert again.replayed and again.trigger.id == first.trigger.id


async def test_bad_input(prospective) -> None:
    task = await new_task(prospective)
    cases = {
        "trigger.event.content_pattern": pb.NewTrigger(
            task_id=task.id, event=pb.EventTriggerCondition(content_pattern="(unclosed")
        ),
        "trigger.event": pb.NewTrigger(task_id=task.id, event=pb.EventTriggerCondition()),
        "trigger.context": pb.NewTrigger(task_id=task.id, context=pb.ContextTriggerCondition()),
        "trigger.time.repeat_interval": pb.NewTrigger(
            task_id=task.id,
            repeat=True,
            time=pb.TimeTriggerCondition(fire_time=ts(datetime.now(UTC))),
        ),
        "trigger.time.fire_time": pb.NewTrigger(task_id=task.id, time=pb.TimeTriggerCondition()),
        "trigger.file.glob": pb.NewTrigger(task_id=task.id, file=pb.FileTriggerCondition()),
        "trigger.task_id": pb.NewTrigger(task_id="x", dependency=pb.DependencyTriggerCondition()),
    }
    for field, body in cases.items():
        err = await rpc_error(prospective.CreateTrigger(pb.CreateTriggerRequest(trigger=body)))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))
    err = await rpc_error(
        prospective.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.NewTrigger(task_id=task.id)))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(
        prospective.WatchTriggers(pb.WatchTriggersRequest(after_cursor="abc")).read()
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "after_cursor" in violations(err)


async def test_not_found(prospective) -> None:
    missing = str(uuid.uuid4())
    calls = [
        lambda: prospective.GetTrigger(pb.GetTriggerRequest(id=missing)),
        lambda: prospective.DeleteTrigger(pb.DeleteTriggerRequest(id=missing)),
        lambda: new_trigger(
            prospective, task_id=missing, dependency=pb.DependencyTriggerCondition()
        ),
    ]
    for call in calls:  # one at a time: a stub call starts as soon as it is made
        err = await rpc_error(call())
        assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_projects_are_isolated(prospective, memory) -> None:
    task = await new_task(prospective)
    trigger = await new_trigger(
        prospective,
        task_id=task.id,
        repeat=True,
        event=pb.EventTriggerCondition(content_pattern="go"),
    )
    err = await rpc_error(
        new_trigger(
            prospective, metadata=OTHER, task_id=task.id, dependency=pb.DependencyTriggerCondition()
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(
        prospective.GetTrigger(pb.GetTriggerRequest(id=trigger.id), metadata=OTHER)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(
        prospective.DeleteTrigger(pb.DeleteTriggerRequest(id=trigger.id), metadata=OTHER)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    listed = await prospective.ListTriggers(pb.ListTriggersRequest(), metadata=OTHER)
    assert list(listed.triggers) == []
    # Another project's events never fire this project's triggers.
    await record(memory, "go go go", metadata=OTHER)
    assert (await fetch(prospective, trigger.id)).fire_count == 0
    await record(memory, "go")
    assert (await fetch(prospective, trigger.id)).fire_count == 1
    assert await replay(prospective, metadata=OTHER) == []
