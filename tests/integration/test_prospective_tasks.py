"""Prospective tasks over gRPC: status machine, dependencies, hierarchy, overdue and active
listings, validation, not found, isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from athena.v1 import prospective_pb2 as pb
from athena.v1 import prospective_pb2_grpc
from google.protobuf import field_mask_pb2, timestamp_pb2

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


async def create(stub, title: str, metadata=None, **fields) -> pb.ProspectiveTask:
    request = pb.CreateProspectiveTaskRequest(task=pb.NewProspectiveTask(title=title, **fields))
    return (await stub.CreateProspectiveTask(request, metadata=metadata)).task


async def set_status(stub, task_id: str, status: int, reason: str = "") -> pb.ProspectiveTask:
    request = pb.UpdateProspectiveTaskRequest(
        id=task_id,
        task=pb.ProspectiveTask(status=status, status_reason=reason),
        update_mask=field_mask_pb2.FieldMask(paths=["status", "status_reason"]),
    )
    return (await stub.UpdateProspectiveTask(request)).task


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_create_and_get(prospective) -> None:
    due = datetime(2030, 1, 2, tzinfo=UTC)
    task = await create(
        prospective, "write docs", description="api guide", priority=80, due_time=ts(due),
        tags=["Docs"],
    )  # fmt: skip
    assert task.status == S.PROSPECTIVE_TASK_STATUS_PENDING and task.priority == 80
    assert task.due_time.ToDatetime(tzinfo=UTC) == due and list(task.tags) == ["docs"]
    assert not task.HasField("start_time") and not task.HasField("end_time")
    got = await prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=task.id))
    assert got.task == task


async def test_status_machine(prospective) -> None:
    task = await create(prospective, "t")
    active = await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    assert active.HasField("start_time")
    blocked = await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_BLOCKED, "waiting")
    assert blocked.status_reason == "waiting"
    await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    done = await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_DONE)
    assert done.HasField("end_time") and done.start_time == active.start_time
    for illegal in (S.PROSPECTIVE_TASK_STATUS_ACTIVE, S.PROSPECTIVE_TASK_STATUS_PENDING):
        err = await rpc_error(set_status(prospective, task.id, illegal))
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_info(err).reason == "ILLEGAL_STATUS_TRANSITION"
        assert error_info(err).metadata["current_status"] == "done"
    # pending -> done skips active, which the machine does not allow.
    other = await create(prospective, "u")
    err = await rpc_error(set_status(prospective, other.id, S.PROSPECTIVE_TASK_STATUS_DONE))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    unchanged = await prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=other.id))
    assert unchanged.task.status == S.PROSPECTIVE_TASK_STATUS_PENDING


async def test_dependencies_gate_activation_and_refuse_cycles(prospective) -> None:
    first = await create(prospective, "first")
    second = await create(prospective, "second", dependency_ids=[first.id])
    assert list(second.dependency_ids) == [first.id]
    err = await rpc_error(set_status(prospective, second.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "DEPENDENCIES_NOT_DONE"
    assert error_info(err).metadata["open_dependency_ids"] == first.id
    cycle = pb.UpdateProspectiveTaskRequest(
        id=first.id,
        task=pb.ProspectiveTask(dependency_ids=[second.id]),
        update_mask=field_mask_pb2.FieldMask(paths=["dependency_ids"]),
    )
    err = await rpc_error(prospective.UpdateProspectiveTask(cycle))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and error_info(err).reason == "CYCLE"
    await set_status(prospective, first.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    await set_status(prospective, first.id, S.PROSPECTIVE_TASK_STATUS_DONE)
    started = await set_status(prospective, second.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    assert started.status == S.PROSPECTIVE_TASK_STATUS_ACTIVE


async def test_subtasks_and_delete(prospective) -> None:
    parent = await create(prospective, "parent")
    child = await create(prospective, "child", parent_task_id=parent.id)
    waiter = await create(prospective, "waiter", dependency_ids=[child.id])
    listed = await prospective.ListProspectiveTasks(
        pb.ListProspectiveTasksRequest(filter=pb.ProspectiveTaskFilter(parent_task_id=parent.id))
    )
    assert [t.id for t in listed.tasks] == [child.id]
    reparent = pb.UpdateProspectiveTaskRequest(
        id=parent.id,
        task=pb.ProspectiveTask(parent_task_id=child.id),
        update_mask=field_mask_pb2.FieldMask(paths=["parent_task_id"]),
    )
    err = await rpc_error(prospective.UpdateProspectiveTask(reparent))
    assert error_info(err).reason == "CYCLE"
    deleted = await prospective.DeleteProspectiveTask(pb.DeleteProspectiveTaskRequest(id=parent.id))
    assert deleted.deleted_task_count == 2
    left = await prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=waiter.id))
    assert list(left.task.dependency_ids) == []


async def test_list_filters_and_paging(prospective) -> None:
    goal = (await prospective.CreateGoal(pb.CreateGoalRequest(goal=pb.NewGoal(title="g")))).goal
    tasks = [await create(prospective, f"t{i}", goal_id=goal.id, tags=["x"]) for i in range(5)]
    await create(prospective, "elsewhere")
    await set_status(prospective, tasks[1].id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    request = pb.ListProspectiveTasksRequest(
        filter=pb.ProspectiveTaskFilter(goal_id=goal.id, tags=["X"]), page_size=2
    )
    seen: list[str] = []
    while True:
        page = await prospective.ListProspectiveTasks(request)
        seen += [t.id for t in page.tasks]
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert seen == [t.id for t in tasks]
    active = await prospective.ListProspectiveTasks(
        pb.ListProspectiveTasksRequest(
            filter=pb.ProspectiveTaskFilter(statuses=[S.PROSPECTIVE_TASK_STATUS_ACTIVE])
        )
    )
    assert [t.id for t in active.tasks] == [tasks[1].id]


async def test_overdue_tasks(prospective) -> None:
    now = datetime.now(UTC)
    late = [
        await create(prospective, f"late {i}", due_time=ts(now - timedelta(hours=3 - i)))
        for i in range(3)
    ]
    await create(prospective, "future", due_time=ts(now + timedelta(days=1)))
    await create(prospective, "no deadline")
    finished = await create(prospective, "finished", due_time=ts(now - timedelta(days=2)))
    await set_status(prospective, finished.id, S.PROSPECTIVE_TASK_STATUS_CANCELLED)
    page = await prospective.ListOverdueTasks(pb.ListOverdueTasksRequest(page_size=2))
    assert [t.id for t in page.tasks] == [late[0].id, late[1].id]
    rest = await prospective.ListOverdueTasks(
        pb.ListOverdueTasksRequest(page_size=2, page_token=page.next_page_token)
    )
    assert [t.id for t in rest.tasks] == [late[2].id] and rest.next_page_token == ""
    earlier = await prospective.ListOverdueTasks(
        pb.ListOverdueTasksRequest(as_of_time=ts(now - timedelta(hours=2, minutes=30)))
    )
    assert [t.id for t in earlier.tasks] == [late[0].id]


async def test_active_tasks_by_priority(prospective) -> None:
    low = await create(prospective, "low", priority=10)
    high = await create(prospective, "high", priority=90)
    mid_a = await create(prospective, "mid a")
    mid_b = await create(prospective, "mid b")
    await create(prospective, "never started", priority=100)
    for task in (low, high, mid_a, mid_b):
        await set_status(prospective, task.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    request = pb.ListActiveTasksRequest(page_size=1)
    seen: list[str] = []
    while True:
        page = await prospective.ListActiveTasks(request)
        seen += [t.id for t in page.tasks]
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert seen == [high.id, mid_a.id, mid_b.id, low.id]


async def test_idempotent_create(prospective) -> None:
    request = pb.CreateProspectiveTaskRequest(
        task=pb.NewProspectiveTask(title="once"), request_id="t-1"
    )
    first = await prospective.CreateProspectiveTask(request)
    again = await prospective.CreateProspectiveTask(request)
    assert again.replayed and again.task.id == first.task.id


async def test_create_bad_input(prospective) -> None:
    cases = [
        (pb.NewProspectiveTask(title=""), "task.title"),
        (pb.NewProspectiveTask(title="x", priority=-1), "task.priority"),
        (pb.NewProspectiveTask(title="x", dependency_ids=["bad"]), "task.dependency_ids[0]"),
        (pb.NewProspectiveTask(title="x", goal_id="bad"), "task.goal_id"),
        (
            pb.NewProspectiveTask(title="x", dependency_ids=[str(uuid.UUID(int=1))] * 2),
            "task.dependency_ids",
        ),
    ]
    for task, field in cases:
        err = await rpc_error(
            prospective.CreateProspectiveTask(pb.CreateProspectiveTaskRequest(task=task))
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))


async def test_update_bad_input(prospective) -> None:
    task = await create(prospective, "t")
    cases = {
        "update_mask": (pb.ProspectiveTask(), ["id"]),
        "task.status": (pb.ProspectiveTask(), ["status"]),
        "task.dependency_ids": (pb.ProspectiveTask(dependency_ids=[task.id]), ["dependency_ids"]),
        "task.dependency_ids[0]": (pb.ProspectiveTask(dependency_ids=["x"]), ["dependency_ids"]),
    }
    for field, (body, paths) in cases.items():
        request = pb.UpdateProspectiveTaskRequest(
            id=task.id, task=body, update_mask=field_mask_pb2.FieldMask(paths=paths)
        )
        err = await rpc_error(prospective.UpdateProspectiveTask(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))
    err = await rpc_error(prospective.ListOverdueTasks(pb.ListOverdueTasksRequest(page_token="x")))
    assert error_info(err).reason == "INVALID_PAGE_TOKEN"


async def test_not_found(prospective) -> None:
    missing = str(uuid.uuid4())
    mask = field_mask_pb2.FieldMask(paths=["title"])
    calls = [
        lambda: prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=missing)),
        lambda: prospective.DeleteProspectiveTask(pb.DeleteProspectiveTaskRequest(id=missing)),
        lambda: prospective.UpdateProspectiveTask(
            pb.UpdateProspectiveTaskRequest(
                id=missing, task=pb.ProspectiveTask(title="x"), update_mask=mask
            )
        ),
        lambda: create(prospective, "x", dependency_ids=[missing]),
        lambda: create(prospective, "x", goal_id=missing),
        lambda: create(prospective, "x", parent_task_id=missing),
    ]
    for call in calls:  # one at a time: a stub call starts as soon as it is made
        err = await rpc_error(call())
        assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_projects_are_isolated(prospective) -> None:
    mine = await create(prospective, "mine", due_time=ts(datetime.now(UTC) - timedelta(hours=1)))
    await set_status(prospective, mine.id, S.PROSPECTIVE_TASK_STATUS_ACTIVE)
    err = await rpc_error(
        prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=mine.id), metadata=OTHER)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(create(prospective, "x", metadata=OTHER, dependency_ids=[mine.id]))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    for listing in (
        lambda: prospective.ListProspectiveTasks(pb.ListProspectiveTasksRequest(), metadata=OTHER),
        lambda: prospective.ListOverdueTasks(pb.ListOverdueTasksRequest(), metadata=OTHER),
        lambda: prospective.ListActiveTasks(pb.ListActiveTasksRequest(), metadata=OTHER),
    ):
        assert list((await listing()).tasks) == []
    err = await rpc_error(
        prospective.DeleteProspectiveTask(
            pb.DeleteProspectiveTaskRequest(id=mine.id), metadata=OTHER
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    overdue = await prospective.ListOverdueTasks(pb.ListOverdueTasksRequest())
    assert [t.id for t in overdue.tasks] == [mine.id]
