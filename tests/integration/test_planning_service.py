"""PlanningService over gRPC: every rpc's happy path, bad input, not found and project isolation,
plus decomposition from history, validation findings, estimates, activation into prospective
tasks and replanning after a failure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from athena.v1 import memory_pb2, planning_pb2_grpc, prospective_pb2_grpc
from athena.v1 import planning_pb2 as pb
from athena.v1 import prospective_pb2 as ppb
from google.protobuf import field_mask_pb2, timestamp_pb2

from tests.support import error_info, violations

OTHER = (("x-athena-project", "other"),)


@pytest.fixture
def planning(channel) -> planning_pb2_grpc.PlanningServiceStub:
    return planning_pb2_grpc.PlanningServiceStub(channel)


@pytest.fixture
def prospective(channel) -> prospective_pb2_grpc.ProspectiveMemoryServiceStub:
    return prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


def spec(key: str, title: str, *deps: str) -> pb.PlanStepSpec:
    return pb.PlanStepSpec(key=key, title=title, depends_on=list(deps))


async def create(stub, title: str, steps=(), metadata=None, **fields) -> pb.CreatePlanResponse:
    return await stub.CreatePlan(
        pb.CreatePlanRequest(title=title, steps=list(steps), **fields), metadata=metadata
    )


def ts(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


async def record(memory, session: str, items, start: datetime, task: str = "") -> None:
    events = [
        memory_pb2.NewEvent(
            session_id=session,
            type=kind,
            content=content,
            outcome=outcome,
            occur_time=ts(start + timedelta(minutes=10 * i)),
            context=memory_pb2.EventContext(task=task),
        )
        for i, (kind, content, outcome) in enumerate(items)
    ]
    await memory.RecordEvents(memory_pb2.RecordEventsRequest(events=events))


ACTION = memory_pb2.EVENT_TYPE_ACTION
TEST = memory_pb2.EVENT_TYPE_TEST_RUN
ERROR = memory_pb2.EVENT_TYPE_ERROR
OK = memory_pb2.OUTCOME_SUCCESS
FAIL = memory_pb2.OUTCOME_FAILURE
NONE = memory_pb2.OUTCOME_UNSPECIFIED


async def test_create_with_caller_steps_get_and_order(planning) -> None:
    response = await create(
        planning,
        "release v2",
        [spec("deploy", "deploy to production", "build"), spec("build", "build the release")],
        request_id="r1",
    )
    plan = response.plan
    assert plan.status == pb.PLAN_STATUS_DRAFT and plan.revision == 1
    assert [s.key for s in plan.steps] == ["build", "deploy"]  # dependencies first
    assert plan.strategy.startswith("caller") and plan.steps[0].source == "caller"
    assert all(f.severity != pb.PLAN_FINDING_SEVERITY_ERROR for f in response.findings)
    again = await create(
        planning,
        "release v2",
        [spec("deploy", "deploy to production", "build"), spec("build", "build the release")],
        request_id="r1",
    )
    assert again.replayed and again.plan.id == plan.id
    got = (await planning.GetPlan(pb.GetPlanRequest(id=plan.id))).plan
    assert got == plan


async def test_create_bad_input(planning) -> None:
    err = await rpc_error(create(planning, ""))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "title" in violations(err)
    err = await rpc_error(create(planning, "x", [spec("a", "one"), spec("a", "two")]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "steps[1].key" in violations(err)
    err = await rpc_error(create(planning, "x", [spec("bad key!", "one")]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(create(planning, "x", goal_id="nope"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "goal_id" in violations(err)
    await create(planning, "x", [spec("a", "one")], request_id="k")
    err = await rpc_error(create(planning, "y", [spec("a", "one")], request_id="k"))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_create_not_found_goal_and_get_isolation(planning, prospective) -> None:
    err = await rpc_error(create(planning, "x", goal_id=str(uuid.uuid4())))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    goal = (
        await prospective.CreateGoal(
            ppb.CreateGoalRequest(goal=ppb.NewGoal(title="g")), metadata=OTHER
        )
    ).goal
    # A goal of another project is not found from this one.
    err = await rpc_error(create(planning, "x", goal_id=goal.id))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    plan = (await create(planning, "mine", [spec("a", "one")])).plan
    err = await rpc_error(planning.GetPlan(pb.GetPlanRequest(id=plan.id), metadata=OTHER))
    assert err.code() == grpc.StatusCode.NOT_FOUND and error_info(err).reason == "NOT_FOUND"
    err = await rpc_error(planning.GetPlan(pb.GetPlanRequest(id="x")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_decomposition_from_text(planning) -> None:
    plan = (
        await create(
            planning,
            "set up ci",
            description="write the workflow file, then add caching and enable branch protection",
        )
    ).plan
    assert [s.title for s in plan.steps] == [
        "write the workflow file",
        "add caching",
        "enable branch protection",
    ]
    assert [list(s.depends_on) for s in plan.steps] == [[], ["s1"], ["s2"]]
    assert plan.strategy.startswith("text") and plan.llm_usage.calls == 0
    single = (await create(planning, "rotate the api keys", max_steps=2)).plan
    assert len(single.steps) == 2 and single.steps[1].title == "rotate the api keys"


async def test_decomposition_from_successful_episode(planning, memory) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    await record(
        memory,
        "s-deploy",
        [
            (ACTION, "run database migrations for the staging deploy", OK),
            (ACTION, "restart the api servers", FAIL),
            (ACTION, "build docker image for the staging deploy", OK),
            (TEST, "run smoke tests against staging", OK),
        ],
        start,
    )
    plan = (await create(planning, "staging deploy")).plan
    assert plan.strategy.startswith("episode") and "s-deploy" in plan.strategy
    assert [s.title for s in plan.steps] == [
        "run database migrations for the staging deploy",
        "build docker image for the staging deploy",
        "run smoke tests against staging",
    ]
    assert {s.source for s in plan.steps} == {"episode"}


async def test_known_procedure_reused_and_listing(planning) -> None:
    first = (
        await create(
            planning,
            "upgrade postgres cluster",
            [spec("a", "take a backup"), spec("b", "run pg_upgrade", "a")],
        )
    ).plan
    for status in (pb.PLAN_STATUS_ACTIVE, pb.PLAN_STATUS_COMPLETED):
        await planning.UpdatePlanStatus(pb.UpdatePlanStatusRequest(id=first.id, status=status))
    reused = (await create(planning, "upgrade the postgres cluster")).plan
    assert reused.strategy.startswith("procedure") and first.id in reused.strategy
    assert [(s.key, s.title, list(s.depends_on)) for s in reused.steps] == [
        ("a", "take a backup", []),
        ("b", "run pg_upgrade", ["a"]),
    ]
    # Other projects do not see this project's procedures.
    other = (await create(planning, "upgrade postgres cluster", metadata=OTHER)).plan
    assert other.strategy.startswith("text")

    page = await planning.ListPlans(pb.ListPlansRequest(page_size=1))
    assert [p.id for p in page.plans] == [reused.id] and page.next_page_token
    rest = await planning.ListPlans(
        pb.ListPlansRequest(page_size=5, page_token=page.next_page_token)
    )
    assert [p.id for p in rest.plans] == [first.id] and not rest.next_page_token
    done = await planning.ListPlans(pb.ListPlansRequest(statuses=[pb.PLAN_STATUS_COMPLETED]))
    assert [p.id for p in done.plans] == [first.id]
    mine = await planning.ListPlans(pb.ListPlansRequest(), metadata=OTHER)
    assert [p.id for p in mine.plans] == [other.id]
    err = await rpc_error(planning.ListPlans(pb.ListPlansRequest(page_token="garbage")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(planning.ListPlans(pb.ListPlansRequest(page_size=-1)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_validate_structure(planning) -> None:
    response = await planning.ValidatePlan(
        pb.ValidatePlanRequest(
            steps=[
                spec("a", "one", "c"),
                spec("b", "two", "a"),
                spec("c", "three", "b"),
                spec("d", "four", "ghost"),
                spec("e", "five", "d"),
                spec("f", "six"),
            ]
        )
    )
    assert not response.valid
    codes = {(f.code, f.step_key) for f in response.findings}
    assert ("cycle", "a") in codes
    assert ("missing_dependency", "d") in codes
    assert ("unreachable", "e") in codes
    assert not any(
        f.step_key == "f" and f.severity == pb.PLAN_FINDING_SEVERITY_ERROR
        for f in response.findings
    )
    assert response.findings[0].severity == pb.PLAN_FINDING_SEVERITY_ERROR
    ok = await planning.ValidatePlan(pb.ValidatePlanRequest(steps=[spec("a", "one")]))
    assert ok.valid


async def test_validate_feasibility_from_failure_rates(planning, memory) -> None:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    await record(
        memory,
        "s1",
        [(ACTION, "flash the firmware", FAIL)] * 3 + [(ACTION, "flash the firmware", OK)],
        start,
    )
    plan = (await create(planning, "update device", [spec("a", "flash the firmware")])).plan
    response = await planning.ValidatePlan(pb.ValidatePlanRequest(plan_id=plan.id))
    risky = [f for f in response.findings if f.code == "high_failure_rate"]
    assert response.valid and risky and risky[0].severity == pb.PLAN_FINDING_SEVERITY_WARNING
    assert "3 of 4" in risky[0].message
    novel = await planning.ValidatePlan(pb.ValidatePlanRequest(steps=[spec("x", "paint fence")]))
    assert [f.code for f in novel.findings] == ["unknown_procedure"]


async def test_validate_bad_input_not_found_isolation(planning) -> None:
    err = await rpc_error(planning.ValidatePlan(pb.ValidatePlanRequest()))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "plan_id" in violations(err)
    plan = (await create(planning, "p", [spec("a", "one")])).plan
    err = await rpc_error(
        planning.ValidatePlan(pb.ValidatePlanRequest(plan_id=plan.id, steps=[spec("a", "one")]))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(planning.ValidatePlan(pb.ValidatePlanRequest(plan_id=str(uuid.uuid4()))))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(
        planning.ValidatePlan(pb.ValidatePlanRequest(plan_id=plan.id), metadata=OTHER)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_estimate_effort_from_history(planning, memory) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    # Three sessions of the same kind of work lasting 20, 30 and 40 minutes.
    for i, count in enumerate((3, 4, 5)):
        await record(
            memory,
            f"review-{i}",
            [(ACTION, f"review step {j}", NONE) for j in range(count)],
            start + timedelta(days=i),
            task="review pull request",
        )
    one = await planning.EstimateEffort(
        pb.EstimateEffortRequest(description="review a pull request")
    )
    assert one.total.sample_count == 3 and one.total.expected_seconds == 1800
    assert one.total.low_seconds <= 1800 <= one.total.high_seconds
    assert 0 < one.total.confidence < 1 and not one.steps
    plan = (
        await create(
            planning,
            "ship",
            [spec("a", "review pull request"), spec("b", "write release notes", "a")],
        )
    ).plan
    assert plan.steps[0].estimate_seconds == 1800 and plan.steps[1].estimate_seconds == 0
    whole = await planning.EstimateEffort(pb.EstimateEffortRequest(plan_id=plan.id))
    assert [s.step_key for s in whole.steps] == ["a", "b"]
    assert whole.total.expected_seconds == 1800 and whole.steps[1].estimate.sample_count == 0
    unknown = await planning.EstimateEffort(pb.EstimateEffortRequest(description="juggle"))
    assert unknown.total.sample_count == 0 and unknown.total.confidence == 0
    # Another project has no history and cannot see the plan.
    err = await rpc_error(
        planning.EstimateEffort(pb.EstimateEffortRequest(plan_id=plan.id), metadata=OTHER)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    theirs = await planning.EstimateEffort(
        pb.EstimateEffortRequest(description="review a pull request"), metadata=OTHER
    )
    assert theirs.total.sample_count == 0
    err = await rpc_error(planning.EstimateEffort(pb.EstimateEffortRequest()))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_activation_creates_tracked_tasks(planning, prospective) -> None:
    plan = (
        await create(
            planning,
            "launch",
            [spec("a", "write docs"), spec("b", "announce", "a"), spec("c", "celebrate", "b")],
        )
    ).plan
    active = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_ACTIVE, reason="go")
        )
    ).plan
    assert (
        active.status == pb.PLAN_STATUS_ACTIVE and active.goal_id and active.status_reason == "go"
    )
    assert all(s.task_id for s in active.steps)
    # A retried activation links the same tasks.
    again = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    ).plan
    assert [s.task_id for s in again.steps] == [s.task_id for s in active.steps]
    tasks = await prospective.ListProspectiveTasks(
        ppb.ListProspectiveTasksRequest(filter=ppb.ProspectiveTaskFilter(goal_id=active.goal_id))
    )
    by_id = {t.id: t for t in tasks.tasks}
    assert len(by_id) == 3
    assert list(by_id[active.steps[1].task_id].dependency_ids) == [active.steps[0].task_id]
    # Finishing a task shows on the plan step.
    first = active.steps[0].task_id
    for status in (ppb.PROSPECTIVE_TASK_STATUS_ACTIVE, ppb.PROSPECTIVE_TASK_STATUS_DONE):
        await prospective.UpdateProspectiveTask(
            ppb.UpdateProspectiveTaskRequest(
                id=first,
                task=ppb.ProspectiveTask(status=status),
                update_mask=field_mask_pb2.FieldMask(paths=["status"]),
            )
        )
    got = (await planning.GetPlan(pb.GetPlanRequest(id=plan.id))).plan
    assert got.steps[0].status == pb.PLAN_STEP_STATUS_DONE
    assert got.steps[1].status == pb.PLAN_STEP_STATUS_PENDING


async def test_update_status_errors(planning) -> None:
    plan = (await create(planning, "p", [spec("a", "one")])).plan
    err = await rpc_error(
        planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_COMPLETED)
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "ILLEGAL_PLAN_TRANSITION"
    err = await rpc_error(planning.UpdatePlanStatus(pb.UpdatePlanStatusRequest(id=plan.id)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "status" in violations(err)
    err = await rpc_error(
        planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=str(uuid.uuid4()), status=pb.PLAN_STATUS_ACTIVE)
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(
        planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_CANCELLED), metadata=OTHER
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    broken = (await create(planning, "b", [spec("a", "one", "b"), spec("b", "two", "a")])).plan
    err = await rpc_error(
        planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=broken.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err).reason == "PLAN_INVALID"
    unchanged = (await planning.GetPlan(pb.GetPlanRequest(id=broken.id))).plan
    assert unchanged.status == pb.PLAN_STATUS_DRAFT and not unchanged.goal_id


async def test_replan_with_known_fix(planning, memory) -> None:
    start = datetime(2026, 4, 1, tzinfo=UTC)
    await record(
        memory,
        "fix-session",
        [
            (ERROR, "npm install failed: EACCES permission denied", FAIL),
            (ACTION, "fix npm cache ownership with chown", NONE),
            (ACTION, "rerun npm install", OK),
        ],
        start,
    )
    plan = (
        await create(
            planning,
            "frontend build",
            [spec("a", "npm install"), spec("b", "npm run build", "a"), spec("c", "lint")],
        )
    ).plan
    response = await planning.ReplanOnFailure(
        pb.ReplanOnFailureRequest(
            plan_id=plan.id, step_key="a", failure_reason="EACCES permission denied", request_id="x"
        )
    )
    new = response.plan
    assert (
        new.replaces_plan_id == plan.id and new.revision == 2 and new.status == pb.PLAN_STATUS_DRAFT
    )
    assert [(s.key, s.title, list(s.depends_on)) for s in new.steps] == [
        ("a-alt1", "fix npm cache ownership with chown", []),
        ("a-alt2", "rerun npm install", ["a-alt1"]),
        ("b", "npm run build", ["a-alt2"]),
        ("c", "lint", []),
    ]
    assert "fix" in new.strategy
    old = (await planning.GetPlan(pb.GetPlanRequest(id=plan.id))).plan
    assert old.status == pb.PLAN_STATUS_REPLANNED
    assert old.steps[0].status == pb.PLAN_STEP_STATUS_FAILED
    again = await planning.ReplanOnFailure(
        pb.ReplanOnFailureRequest(
            plan_id=plan.id, step_key="a", failure_reason="EACCES permission denied", request_id="x"
        )
    )
    assert again.replayed and again.plan.id == new.id


async def test_replan_without_history_and_errors(planning) -> None:
    plan = (await create(planning, "p", [spec("a", "one"), spec("b", "two", "a")])).plan
    new = (
        await planning.ReplanOnFailure(
            pb.ReplanOnFailureRequest(plan_id=plan.id, step_key="b", failure_reason="boom")
        )
    ).plan
    titles = [s.title for s in new.steps]
    assert titles[0] == "one" and titles[1].startswith("Diagnose why 'two' failed: boom")
    assert new.steps[2].depends_on == [new.steps[1].key]
    # The failed plan is now REPLANNED: replanning it again is refused.
    err = await rpc_error(
        planning.ReplanOnFailure(pb.ReplanOnFailureRequest(plan_id=plan.id, step_key="b"))
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    err = await rpc_error(
        planning.ReplanOnFailure(pb.ReplanOnFailureRequest(plan_id=new.id, step_key="zzz"))
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(
        planning.ReplanOnFailure(pb.ReplanOnFailureRequest(plan_id=new.id, step_key=""))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "step_key" in violations(err)
    err = await rpc_error(
        planning.ReplanOnFailure(
            pb.ReplanOnFailureRequest(plan_id=new.id, step_key="a"), metadata=OTHER
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def task_status(prospective, task_id: str) -> int:
    got = await prospective.GetProspectiveTask(ppb.GetProspectiveTaskRequest(id=task_id))
    return got.task.status


async def set_task(prospective, task_id: str, status: int) -> None:
    await prospective.UpdateProspectiveTask(
        ppb.UpdateProspectiveTaskRequest(
            id=task_id,
            task=ppb.ProspectiveTask(status=status),
            update_mask=field_mask_pb2.FieldMask(paths=["status"]),
        )
    )


async def test_replan_of_active_plan_closes_its_tasks(planning, prospective) -> None:
    plan = (
        await create(planning, "p", [spec("a", "one"), spec("b", "two", "a"), spec("c", "three")])
    ).plan
    active = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    ).plan
    tasks = {s.key: s.task_id for s in active.steps}
    await set_task(prospective, tasks["c"], ppb.PROSPECTIVE_TASK_STATUS_ACTIVE)
    await set_task(prospective, tasks["c"], ppb.PROSPECTIVE_TASK_STATUS_DONE)
    await set_task(prospective, tasks["a"], ppb.PROSPECTIVE_TASK_STATUS_ACTIVE)
    new = (
        await planning.ReplanOnFailure(
            pb.ReplanOnFailureRequest(plan_id=plan.id, step_key="a", failure_reason="disk full")
        )
    ).plan
    # Done work is not repeated; the failed step's task failed; the rest were cancelled.
    assert "c" not in [s.key for s in new.steps] and new.goal_id == active.goal_id
    assert await task_status(prospective, tasks["a"]) == ppb.PROSPECTIVE_TASK_STATUS_FAILED
    assert await task_status(prospective, tasks["b"]) == ppb.PROSPECTIVE_TASK_STATUS_CANCELLED
    assert await task_status(prospective, tasks["c"]) == ppb.PROSPECTIVE_TASK_STATUS_DONE
    activated = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=new.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    ).plan
    assert all(s.task_id and s.task_id not in tasks.values() for s in activated.steps)


async def test_cancelling_an_active_plan_cancels_open_tasks(planning, prospective) -> None:
    plan = (await create(planning, "p", [spec("a", "one"), spec("b", "two")])).plan
    active = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    ).plan
    first, second = (s.task_id for s in active.steps)
    await set_task(prospective, first, ppb.PROSPECTIVE_TASK_STATUS_ACTIVE)
    await set_task(prospective, first, ppb.PROSPECTIVE_TASK_STATUS_DONE)
    cancelled = (
        await planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_CANCELLED, reason="no")
        )
    ).plan
    assert cancelled.status == pb.PLAN_STATUS_CANCELLED and cancelled.status_reason == "no"
    assert await task_status(prospective, first) == ppb.PROSPECTIVE_TASK_STATUS_DONE
    assert await task_status(prospective, second) == ppb.PROSPECTIVE_TASK_STATUS_CANCELLED
    err = await rpc_error(
        planning.UpdatePlanStatus(
            pb.UpdatePlanStatusRequest(id=plan.id, status=pb.PLAN_STATUS_ACTIVE)
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
