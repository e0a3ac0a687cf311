"""ConsolidationService over gRPC: streaming and background runs, what they write, run history,
schedules, patterns and procedure candidates, errors and project isolation."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from athena.consolidation import Trigger
from athena.v1 import consolidation_pb2 as pb
from athena.v1 import consolidation_pb2_grpc, memory_pb2, semantic_pb2, semantic_pb2_grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import error_info, violations

BASE = 1_780_000_000
T = memory_pb2
# One episode of each kind per session; sessions are an hour apart.
EPISODE = [
    (T.EVENT_TYPE_TOOL_CALL, T.OUTCOME_SUCCESS, "Ran ruff check on src/app/{f}.py: {n} issues"),
    (T.EVENT_TYPE_TEST_RUN, T.OUTCOME_SUCCESS, "Ran pytest tests/test_{f}.py: {n} passed"),
    (T.EVENT_TYPE_OBSERVATION, T.OUTCOME_UNSPECIFIED, "The api server listens on port 8080."),
    (T.EVENT_TYPE_ACTION, T.OUTCOME_SUCCESS, "Committed changes with message 'fix {f}'"),
    (T.EVENT_TYPE_ERROR, T.OUTCOME_FAILURE, "ModuleNotFoundError: No module named '{m}'"),
    (T.EVENT_TYPE_ACTION, T.OUTCOME_SUCCESS, "Installed the package with pip install {m}"),
    (T.EVENT_TYPE_TEST_RUN, T.OUTCOME_SUCCESS, "Ran pytest tests/test_{f}.py: {n} passed"),
]
NAMES = ["orders", "users", "billing", "auth", "cache", "search"]
MODULES = ["yaml", "jwt", "toml", "orjson", "boto3", "redis"]


def corpus(sessions: int = 4, prefix: str = "s", start: int = 0) -> list[memory_pb2.NewEvent]:
    """`sessions` coding sessions, each the same workflow, error + fix and statement."""
    events = []
    for s in range(sessions):
        for i, (etype, outcome, text) in enumerate(EPISODE):
            content = text.format(f=NAMES[s % 6], n=3 + s + i, m=MODULES[s % 6])
            events.append(
                memory_pb2.NewEvent(
                    session_id=f"{prefix}{s}",
                    type=etype,
                    outcome=outcome,
                    content=content,
                    occur_time=Timestamp(seconds=BASE + start + s * 3600 + i * 20),
                    context=memory_pb2.EventContext(task=f"task-{s}"),
                )
            )
    return events


async def seed(memory, events, project: str = "") -> list[str]:
    metadata = (("x-athena-project", project),) if project else None
    reply = await memory.RecordEvents(
        memory_pb2.RecordEventsRequest(events=events), metadata=metadata
    )
    return [e.id for e in reply.events]


@pytest.fixture
def cons(channel) -> consolidation_pb2_grpc.ConsolidationServiceStub:
    return consolidation_pb2_grpc.ConsolidationServiceStub(channel)


@pytest.fixture
def facts(channel) -> semantic_pb2_grpc.SemanticMemoryServiceStub:
    return semantic_pb2_grpc.SemanticMemoryServiceStub(channel)


async def consolidate(cons, request_id: str = "", project: str = ""):
    metadata = (("x-athena-project", project),) if project else None
    call = cons.Consolidate(pb.ConsolidateRequest(request_id=request_id), metadata=metadata)
    return [m async for m in call]


async def wait_run(cons, run_id: str, metadata=None) -> pb.ConsolidationRun:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = (
            await cons.GetConsolidationRun(
                pb.GetConsolidationRunRequest(id=run_id), metadata=metadata
            )
        ).run
        if run.state != pb.CONSOLIDATION_RUN_STATE_RUNNING:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("run did not finish")


async def test_consolidate_streams_progress_then_a_summary(memory, cons, facts) -> None:
    ids = await seed(memory, corpus())
    messages = await consolidate(cons)
    progress = [m.progress for m in messages[:-1]]
    assert all(m.WhichOneof("message") == "progress" for m in messages[:-1])
    phases = [p.phase for p in progress]
    # Phases only move forward and each one is reported.
    assert phases == sorted(phases)
    assert set(phases) == {
        pb.CONSOLIDATION_PHASE_PRIORITISE, pb.CONSOLIDATION_PHASE_CLUSTER,
        pb.CONSOLIDATION_PHASE_EXTRACT, pb.CONSOLIDATION_PHASE_WRITE, pb.CONSOLIDATION_PHASE_MARK,
    }  # fmt: skip
    assert all(0 <= p.items_done <= p.items_total or p.items_total == 0 for p in progress)
    last_mark = [p for p in progress if p.phase == pb.CONSOLIDATION_PHASE_MARK][-1]
    assert last_mark.items_done == last_mark.items_total == len(ids)

    summary = messages[-1].summary
    assert summary.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    assert summary.phase == pb.CONSOLIDATION_PHASE_DONE
    assert summary.trigger == pb.CONSOLIDATION_TRIGGER_STREAM
    assert summary.id == progress[0].run_id
    m = summary.metrics
    assert m.events_considered == len(ids)
    assert m.clusters == 4
    # The workflow, the error with its fix, and the statement.
    assert m.patterns == 3 and m.procedure_candidates == 1
    assert m.facts_created == 2 and m.facts_superseded == 0
    assert summary.end_time.seconds >= summary.start_time.seconds
    assert m.duration.ToMilliseconds() >= 0

    listed = await memory.ListEvents(
        memory_pb2.ListEventsRequest(
            filter=memory_pb2.EventFilter(
                consolidation_status=memory_pb2.CONSOLIDATION_STATUS_PENDING
            )
        )
    )
    assert list(listed.events) == []

    current = (await facts.ListFacts(semantic_pb2.ListFactsRequest())).facts
    by_subject = {f.subject: f for f in current}
    assert by_subject["api server"].predicate == "listens on"
    assert by_subject["api server"].content == "port 8080"
    statement_ids = {ids[s * len(EPISODE) + 2] for s in range(4)}
    assert set(by_subject["api server"].source_event_ids) == statement_ids
    fix = by_subject["error: modulenotfounderror no module named <str>"]
    assert fix.predicate == "fixed_by"
    assert fix.content == "installed the package with pip install <ref>"
    assert "consolidated" in fix.tags


async def test_patterns_and_procedure_candidates_are_listed(memory, cons) -> None:
    ids = await seed(memory, corpus())
    await consolidate(cons)
    patterns = (
        await cons.ListConsolidationPatterns(pb.ListConsolidationPatternsRequest())
    ).patterns
    kinds = sorted(p.kind for p in patterns)
    assert kinds == [
        pb.CONSOLIDATION_PATTERN_KIND_ACTION_SEQUENCE, pb.CONSOLIDATION_PATTERN_KIND_ERROR_FIX,
        pb.CONSOLIDATION_PATTERN_KIND_STABLE_FACT,
    ]  # fmt: skip
    assert all(p.occurrences == 4 and 0 < p.confidence <= 1 for p in patterns)
    sequence = next(p for p in patterns if p.kind == pb.CONSOLIDATION_PATTERN_KIND_ACTION_SEQUENCE)
    assert list(sequence.steps) == [
        "ran ruff check on <path> # issues", "ran pytest <path> # passed",
        "committed changes with message <str>",
    ]  # fmt: skip
    assert sequence.fact_id == ""
    assert all(p.fact_id for p in patterns if p.kind != sequence.kind)

    only = await cons.ListConsolidationPatterns(
        pb.ListConsolidationPatternsRequest(kind=pb.CONSOLIDATION_PATTERN_KIND_ERROR_FIX)
    )
    assert [p.kind for p in only.patterns] == [pb.CONSOLIDATION_PATTERN_KIND_ERROR_FIX]

    candidates = (
        await cons.ListProcedureCandidates(pb.ListProcedureCandidatesRequest())
    ).candidates
    assert len(candidates) == 1
    candidate = candidates[0]
    assert candidate.pattern_id == sequence.id
    assert list(candidate.steps) == list(sequence.steps)
    # The event sequence of its latest occurrence: the last session's three workflow steps.
    last = 3 * len(EPISODE)
    assert list(candidate.event_sequence) == [ids[last], ids[last + 1], ids[last + 3]]


async def test_pages_of_patterns_runs_and_candidates(memory, cons) -> None:
    await seed(memory, corpus())
    await consolidate(cons)
    await consolidate(cons)
    seen, token = [], ""
    while True:
        page = await cons.ListConsolidationPatterns(
            pb.ListConsolidationPatternsRequest(page_size=2, page_token=token)
        )
        seen.extend(p.id for p in page.patterns)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 3
    first = await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest(page_size=1))
    second = await cons.ListConsolidationRuns(
        pb.ListConsolidationRunsRequest(page_size=1, page_token=first.next_page_token)
    )
    assert first.runs[0].id > second.runs[0].id and second.next_page_token == ""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cons.ListConsolidationRuns(
            pb.ListConsolidationRunsRequest(
                page_token=first.next_page_token, states=[pb.CONSOLIDATION_RUN_STATE_FAILED]
            )
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in violations(err.value)
    failed = await cons.ListConsolidationRuns(
        pb.ListConsolidationRunsRequest(states=[pb.CONSOLIDATION_RUN_STATE_FAILED])
    )
    assert list(failed.runs) == []
    page = await cons.ListProcedureCandidates(pb.ListProcedureCandidatesRequest(page_size=1))
    assert len(page.candidates) == 1 and page.next_page_token == ""


async def test_start_runs_in_the_background_and_replays_its_request_id(memory, cons) -> None:
    await seed(memory, corpus())
    started = await cons.StartConsolidation(pb.StartConsolidationRequest(request_id="r-1"))
    assert started.run.state == pb.CONSOLIDATION_RUN_STATE_RUNNING and not started.replayed
    assert started.run.trigger == pb.CONSOLIDATION_TRIGGER_BACKGROUND
    run = await wait_run(cons, started.run.id)
    assert run.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    assert run.metrics.facts_created == 2 and run.request_id == "r-1"

    again = await cons.StartConsolidation(pb.StartConsolidationRequest(request_id="r-1"))
    assert again.replayed and again.run.id == run.id
    assert again.run.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    streamed = await consolidate(cons, request_id="r-1")
    assert [m.summary.id for m in streamed] == [run.id]
    runs = (await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest())).runs
    assert [r.id for r in runs] == [run.id]


async def test_a_second_run_of_a_project_is_refused_while_one_runs(server, memory, cons) -> None:
    await seed(memory, corpus())
    consolidator = server[0].components["consolidation"].domain["consolidator"]
    lease, run = await consolidator.begin("default", Trigger.BACKGROUND)
    try:
        for call in (
            cons.StartConsolidation(pb.StartConsolidationRequest()),
            consolidate(cons),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert error_info(err.value).reason == "CONSOLIDATION_RUNNING"
        # Another project is not blocked.
        other = await consolidate(cons, project="other")
        assert other[-1].summary.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    finally:
        await consolidator.execute(lease)
    assert (await consolidate(cons))[-1].summary.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    listed = (await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest())).runs
    assert [r.id for r in listed][-1] == str(run.id)


async def test_bad_input_and_not_found(cons) -> None:
    cases = [
        (cons.GetConsolidationRun(pb.GetConsolidationRunRequest(id="nope")), "id"),
        (
            cons.SetConsolidationSchedule(
                pb.SetConsolidationScheduleRequest(interval=Duration(seconds=59))
            ),
            "interval",
        ),
        (
            cons.SetConsolidationSchedule(
                pb.SetConsolidationScheduleRequest(interval=Duration(seconds=120, nanos=5))
            ),
            "interval",
        ),
        (cons.ListConsolidationPatterns(pb.ListConsolidationPatternsRequest(kind=42)), "kind"),
        (
            cons.ListProcedureCandidates(pb.ListProcedureCandidatesRequest(page_token="zz")),
            "page_token",
        ),
        (cons.StartConsolidation(pb.StartConsolidationRequest(request_id="x" * 129)), "request_id"),
    ]
    for call, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cons.GetConsolidationRun(
            pb.GetConsolidationRunRequest(id="0190d3a1-0000-7000-8000-000000000000")
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(err.value).metadata["resource"] == "consolidation_run"


async def test_projects_are_isolated(memory, cons, facts) -> None:
    await seed(memory, corpus(), project="alpha")
    await seed(memory, corpus(sessions=2), project="beta")
    alpha = (await consolidate(cons, project="alpha"))[-1].summary
    assert alpha.metrics.events_considered == 4 * len(EPISODE)
    beta_meta = (("x-athena-project", "beta"),)
    # beta's events are untouched, and beta sees none of alpha's runs, patterns or facts.
    assert (
        await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest(), metadata=beta_meta)
    ).runs == []
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await cons.GetConsolidationRun(
            pb.GetConsolidationRunRequest(id=alpha.id), metadata=beta_meta
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    patterns = await cons.ListConsolidationPatterns(
        pb.ListConsolidationPatternsRequest(), metadata=beta_meta
    )
    assert list(patterns.patterns) == []
    assert (
        list((await facts.ListFacts(semantic_pb2.ListFactsRequest(), metadata=beta_meta)).facts)
        == []
    )
    beta = (await consolidate(cons, project="beta"))[-1].summary
    # Two sessions are below the three occurrences a new pattern needs.
    assert beta.metrics.events_considered == 2 * len(EPISODE) and beta.metrics.patterns == 0


async def test_schedule_set_get_and_off(cons) -> None:
    empty = await cons.GetConsolidationSchedule(pb.GetConsolidationScheduleRequest())
    assert not empty.HasField("schedule")
    before = time.time()
    reply = await cons.SetConsolidationSchedule(
        pb.SetConsolidationScheduleRequest(interval=Duration(seconds=3600))
    )
    assert reply.schedule.interval.seconds == 3600
    assert reply.schedule.next_run_time.seconds >= int(before) + 3590
    got = await cons.GetConsolidationSchedule(pb.GetConsolidationScheduleRequest())
    assert got.schedule == reply.schedule
    off = await cons.SetConsolidationSchedule(
        pb.SetConsolidationScheduleRequest(interval=Duration(seconds=0))
    )
    assert not off.HasField("schedule")
    assert not (await cons.GetConsolidationSchedule(pb.GetConsolidationScheduleRequest())).HasField(
        "schedule"
    )
