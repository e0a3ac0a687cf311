"""Goals over gRPC: create, read, list, update, delete; hierarchy, validation, isolation."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import prospective_pb2 as pb
from athena.v1 import prospective_pb2_grpc
from google.protobuf import field_mask_pb2

from tests.support import error_info, violations

OTHER = (("x-athena-project", "other"),)


@pytest.fixture
def prospective(channel) -> prospective_pb2_grpc.ProspectiveMemoryServiceStub:
    return prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)


async def create(stub, title: str, parent: str = "", metadata=None, **fields) -> pb.Goal:
    request = pb.CreateGoalRequest(goal=pb.NewGoal(title=title, parent_id=parent, **fields))
    return (await stub.CreateGoal(request, metadata=metadata)).goal


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_create_get_and_defaults(prospective) -> None:
    goal = await create(
        prospective, "ship v2", description="all of it", tags=["Release", "release"]
    )
    assert goal.status == pb.GOAL_STATUS_ACTIVE and goal.priority == 50
    assert list(goal.tags) == ["release"] and goal.parent_id == ""
    got = await prospective.GetGoal(pb.GetGoalRequest(id=goal.id))
    assert got.goal == goal


async def test_hierarchy_listing_and_paging(prospective) -> None:
    root = await create(prospective, "root")
    children = [await create(prospective, f"child {i}", parent=root.id) for i in range(5)]
    other_root = await create(prospective, "another root")
    page = await prospective.ListGoals(pb.ListGoalsRequest(parent_id=root.id, page_size=2))
    seen = [g.id for g in page.goals]
    while page.next_page_token:
        page = await prospective.ListGoals(
            pb.ListGoalsRequest(parent_id=root.id, page_size=2, page_token=page.next_page_token)
        )
        seen += [g.id for g in page.goals]
    assert seen == [c.id for c in children]
    top = await prospective.ListGoals(pb.ListGoalsRequest(top_level_only=True))
    assert [g.id for g in top.goals] == [root.id, other_root.id]


async def test_update_fields_and_reparent(prospective) -> None:
    a = await create(prospective, "a")
    b = await create(prospective, "b")
    updated = await prospective.UpdateGoal(
        pb.UpdateGoalRequest(
            id=b.id,
            goal=pb.Goal(title="b2", status=pb.GOAL_STATUS_ACHIEVED, parent_id=a.id, priority=0),
            update_mask=field_mask_pb2.FieldMask(
                paths=["title", "status", "parent_id", "priority"]
            ),
        )
    )
    assert (updated.goal.title, updated.goal.status, updated.goal.parent_id) == (
        "b2", pb.GOAL_STATUS_ACHIEVED, a.id,
    )  # fmt: skip
    assert updated.goal.priority == 0 and updated.goal.description == b.description
    # a under b would make a its own grandparent.
    err = await rpc_error(
        prospective.UpdateGoal(
            pb.UpdateGoalRequest(
                id=a.id,
                goal=pb.Goal(parent_id=b.id),
                update_mask=field_mask_pb2.FieldMask(paths=["parent_id"]),
            )
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "CYCLE"


async def test_delete_removes_subtree_and_detaches_tasks(prospective) -> None:
    root = await create(prospective, "root")
    child = await create(prospective, "child", parent=root.id)
    task = (
        await prospective.CreateProspectiveTask(
            pb.CreateProspectiveTaskRequest(task=pb.NewProspectiveTask(title="t", goal_id=child.id))
        )
    ).task
    deleted = await prospective.DeleteGoal(pb.DeleteGoalRequest(id=root.id))
    assert deleted.deleted_goal_count == 2
    err = await rpc_error(prospective.GetGoal(pb.GetGoalRequest(id=child.id)))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    kept = await prospective.GetProspectiveTask(pb.GetProspectiveTaskRequest(id=task.id))
    assert kept.task.goal_id == ""


async def test_idempotent_create(prospective) -> None:
    request = pb.CreateGoalRequest(goal=pb.NewGoal(title="once"), request_id="g-1")
    first = await prospective.CreateGoal(request)
    again = await prospective.CreateGoal(request)
    assert again.replayed and again.goal.id == first.goal.id
    request.goal.title = "different"
    err = await rpc_error(prospective.CreateGoal(request))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_create_bad_input(prospective) -> None:
    cases = [
        (pb.CreateGoalRequest(goal=pb.NewGoal(title="")), "goal.title"),
        (pb.CreateGoalRequest(goal=pb.NewGoal(title="x", priority=101)), "goal.priority"),
        (pb.CreateGoalRequest(goal=pb.NewGoal(title="x", parent_id="nope")), "goal.parent_id"),
        (pb.CreateGoalRequest(), "goal"),
    ]
    for request, field in cases:
        err = await rpc_error(prospective.CreateGoal(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))


async def test_update_bad_input(prospective) -> None:
    goal = await create(prospective, "g")
    cases = {
        "update_mask": pb.UpdateGoalRequest(
            id=goal.id, goal=pb.Goal(), update_mask=field_mask_pb2.FieldMask(paths=["nope"])
        ),
        "goal.title": pb.UpdateGoalRequest(
            id=goal.id,
            goal=pb.Goal(title=""),
            update_mask=field_mask_pb2.FieldMask(paths=["title"]),
        ),
        "goal.status": pb.UpdateGoalRequest(
            id=goal.id, goal=pb.Goal(), update_mask=field_mask_pb2.FieldMask(paths=["status"])
        ),
        "goal.priority": pb.UpdateGoalRequest(
            id=goal.id,
            goal=pb.Goal(priority=500),
            update_mask=field_mask_pb2.FieldMask(paths=["priority"]),
        ),
    }
    for field, request in cases.items():
        err = await rpc_error(prospective.UpdateGoal(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))


async def test_not_found(prospective) -> None:
    missing = str(uuid.uuid4())
    mask = field_mask_pb2.FieldMask(paths=["title"])
    calls = [
        lambda: prospective.GetGoal(pb.GetGoalRequest(id=missing)),
        lambda: prospective.DeleteGoal(pb.DeleteGoalRequest(id=missing)),
        lambda: prospective.UpdateGoal(
            pb.UpdateGoalRequest(id=missing, goal=pb.Goal(title="x"), update_mask=mask)
        ),
        lambda: prospective.CreateGoal(
            pb.CreateGoalRequest(goal=pb.NewGoal(title="x", parent_id=missing))
        ),
    ]
    for call in calls:  # one at a time: a stub call starts as soon as it is made
        err = await rpc_error(call())
        assert err.code() == grpc.StatusCode.NOT_FOUND
        assert error_info(err).reason == "NOT_FOUND"


async def test_projects_are_isolated(prospective) -> None:
    mine = await create(prospective, "mine")
    theirs = await create(prospective, "theirs", metadata=OTHER)
    err = await rpc_error(prospective.GetGoal(pb.GetGoalRequest(id=mine.id), metadata=OTHER))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    listed = await prospective.ListGoals(pb.ListGoalsRequest(), metadata=OTHER)
    assert [g.id for g in listed.goals] == [theirs.id]
    # Another project's goal cannot be a parent, updated or deleted.
    err = await rpc_error(
        prospective.CreateGoal(
            pb.CreateGoalRequest(goal=pb.NewGoal(title="x", parent_id=mine.id)), metadata=OTHER
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(prospective.DeleteGoal(pb.DeleteGoalRequest(id=mine.id), metadata=OTHER))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert (await prospective.GetGoal(pb.GetGoalRequest(id=mine.id))).goal.title == "mine"


async def test_page_token_is_bound_to_its_query(prospective) -> None:
    for i in range(3):
        await create(prospective, f"g{i}")
    page = await prospective.ListGoals(pb.ListGoalsRequest(page_size=1))
    err = await rpc_error(
        prospective.ListGoals(
            pb.ListGoalsRequest(
                page_size=1, page_token=page.next_page_token, statuses=[pb.GOAL_STATUS_ACHIEVED]
            )
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == "INVALID_PAGE_TOKEN"
