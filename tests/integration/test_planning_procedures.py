"""Known procedures from consolidation: a repeated workflow that consolidation turned into a
procedure candidate is reused by CreatePlan and counts as known work in ValidatePlan."""

from __future__ import annotations

from athena.v1 import consolidation_pb2 as cpb
from athena.v1 import consolidation_pb2_grpc, memory_pb2, memory_pb2_grpc, planning_pb2_grpc
from athena.v1 import planning_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

BASE = 1_780_000_000
T = memory_pb2
WORKFLOW = [
    (T.EVENT_TYPE_TOOL_CALL, T.OUTCOME_SUCCESS, "Ran ruff check on src/app/{f}.py: {n} issues"),
    (T.EVENT_TYPE_TEST_RUN, T.OUTCOME_SUCCESS, "Ran pytest tests/test_{f}.py: {n} passed"),
    (T.EVENT_TYPE_OBSERVATION, T.OUTCOME_UNSPECIFIED, "The api server listens on port 8080."),
    (T.EVENT_TYPE_ACTION, T.OUTCOME_SUCCESS, "Committed changes with message 'fix {f}'"),
]
NAMES = ["orders", "users", "billing", "auth"]


async def seed_and_consolidate(channel, project: str = "") -> list[cpb.ProcedureCandidate]:
    metadata = (("x-athena-project", project),) if project else None
    events = [
        memory_pb2.NewEvent(
            session_id=f"s{s}",
            type=kind,
            outcome=outcome,
            content=text.format(f=NAMES[s], n=3 + s + i),
            occur_time=Timestamp(seconds=BASE + s * 3600 + i * 20),
            context=memory_pb2.EventContext(task=f"task-{s}"),
        )
        for s in range(4)
        for i, (kind, outcome, text) in enumerate(WORKFLOW)
    ]
    memory = memory_pb2_grpc.MemoryServiceStub(channel)
    await memory.RecordEvents(memory_pb2.RecordEventsRequest(events=events), metadata=metadata)
    cons = consolidation_pb2_grpc.ConsolidationServiceStub(channel)
    _ = [m async for m in cons.Consolidate(cpb.ConsolidateRequest(), metadata=metadata)]
    listed = await cons.ListProcedureCandidates(
        cpb.ListProcedureCandidatesRequest(), metadata=metadata
    )
    return list(listed.candidates)


async def test_consolidated_procedure_is_reused(channel) -> None:
    candidates = await seed_and_consolidate(channel)
    assert candidates, "consolidation found no repeated workflow"
    candidate = candidates[0]
    planning = planning_pb2_grpc.PlanningServiceStub(channel)
    plan = (
        await planning.CreatePlan(
            pb.CreatePlanRequest(title="ruff check, pytest and commit the changes")
        )
    ).plan
    assert plan.strategy.startswith("procedure: consolidation candidate")
    assert [s.title for s in plan.steps] == list(candidate.steps)
    assert {s.source for s in plan.steps} == {"procedure"}
    checked = await planning.ValidatePlan(pb.ValidatePlanRequest(plan_id=plan.id))
    assert checked.valid and not [f for f in checked.findings if f.code == "unknown_procedure"]
    # Another project has no such procedure.
    other = (
        await planning.CreatePlan(
            pb.CreatePlanRequest(title="ruff check, pytest and commit the changes"),
            metadata=(("x-athena-project", "other"),),
        )
    ).plan
    assert other.strategy.startswith("text")
