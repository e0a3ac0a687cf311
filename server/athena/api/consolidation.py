"""ConsolidationService: validate (done by the interceptor) -> call the domain -> map the result."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
from google.protobuf import duration_pb2

from athena.api.convert import timestamp
from athena.api.interceptors import current_project
from athena.consolidation import (
    Consolidator,
    Metrics,
    PatternKind,
    Phase,
    ProcedureCandidate,
    Progress,
    Run,
    RunState,
    Schedule,
    StoredPattern,
    Trigger,
)
from athena.consolidation.background import Background
from athena.errors import FieldViolation, InvalidArgument
from athena.v1 import consolidation_pb2 as pb
from athena.v1 import consolidation_pb2_grpc

_STATE = {s: getattr(pb, f"CONSOLIDATION_RUN_STATE_{s.name}") for s in RunState}
_STATE_FROM_PB = {v: k for k, v in _STATE.items()}
_PHASE = {p: getattr(pb, f"CONSOLIDATION_PHASE_{p.name}") for p in Phase}
_TRIGGER = {t: getattr(pb, f"CONSOLIDATION_TRIGGER_{t.name}") for t in Trigger}
_KIND = {k: getattr(pb, f"CONSOLIDATION_PATTERN_KIND_{k.name}") for k in PatternKind}
_KIND_FROM_PB = {v: k for k, v in _KIND.items()}


def _duration_ms(ms: int) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromMilliseconds(ms)
    return d


def _metrics(m: Metrics) -> pb.ConsolidationMetrics:
    counts = {k: v for k, v in m.as_dict().items() if k != "duration_ms"}
    return pb.ConsolidationMetrics(**counts, duration=_duration_ms(m.duration_ms))


def run_to_pb(r: Run) -> pb.ConsolidationRun:
    return pb.ConsolidationRun(
        id=str(r.id),
        request_id=r.request_id,
        trigger=_TRIGGER[r.trigger],
        state=_STATE[r.state],
        phase=_PHASE[r.phase],
        items_done=r.items_done,
        items_total=r.items_total,
        metrics=_metrics(r.metrics),
        error=r.error,
        start_time=timestamp(r.start_time),
        end_time=timestamp(r.end_time),
    )


def _progress(p: Progress) -> pb.ConsolidationProgress:
    return pb.ConsolidationProgress(
        run_id=str(p.run_id), phase=_PHASE[p.phase], items_done=p.items_done,
        items_total=p.items_total,
    )  # fmt: skip


def _schedule(s: Schedule | None) -> pb.ConsolidationSchedule | None:
    if s is None:
        return None
    return pb.ConsolidationSchedule(
        interval=duration_pb2.Duration(seconds=s.interval_seconds),
        next_run_time=timestamp(s.next_run_time),
    )


def _pattern(p: StoredPattern) -> pb.ConsolidationPattern:
    return pb.ConsolidationPattern(
        id=str(p.id),
        kind=_KIND[p.kind],
        signature=p.signature,
        description=p.description,
        steps=list(p.steps),
        confidence=p.confidence,
        reviewed_by=p.reviewed_by,
        fact_id=str(p.fact_id) if p.fact_id else "",
        occurrences=p.occurrences,
        create_time=timestamp(p.create_time),
        update_time=timestamp(p.update_time),
    )


def _candidate(c: ProcedureCandidate) -> pb.ProcedureCandidate:
    return pb.ProcedureCandidate(
        id=str(c.id),
        pattern_id=str(c.pattern_id),
        name=c.name,
        steps=list(c.steps),
        event_sequence=[str(e) for e in c.event_sequence],
        confidence=c.confidence,
        occurrences=c.occurrences,
        create_time=timestamp(c.create_time),
        update_time=timestamp(c.update_time),
    )


class ConsolidationServicer(consolidation_pb2_grpc.ConsolidationServiceServicer):
    """Thin adapter over the Consolidator; background runs are handed to `Background`."""

    def __init__(self, consolidator: Consolidator, background: Background) -> None:
        self._c = consolidator
        self._background = background

    async def Consolidate(
        self, request: pb.ConsolidateRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ConsolidateResponse]:
        async for item in self._c.stream(current_project(), request.request_id):
            if isinstance(item, Progress):
                yield pb.ConsolidateResponse(progress=_progress(item))
            else:
                yield pb.ConsolidateResponse(summary=run_to_pb(item))

    async def StartConsolidation(
        self, request: pb.StartConsolidationRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartConsolidationResponse:
        lease, run = await self._c.begin(current_project(), Trigger.BACKGROUND, request.request_id)
        if lease is None:
            run = await self._c.get_run(run.project, run.id)
            return pb.StartConsolidationResponse(run=run_to_pb(run), replayed=True)
        self._background.start(lease)
        return pb.StartConsolidationResponse(run=run_to_pb(run))

    async def GetConsolidationRun(
        self, request: pb.GetConsolidationRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsolidationRunResponse:
        run = await self._c.get_run(current_project(), uuid.UUID(request.id))
        return pb.GetConsolidationRunResponse(run=run_to_pb(run))

    async def ListConsolidationRuns(
        self, request: pb.ListConsolidationRunsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConsolidationRunsResponse:
        states = tuple(_STATE_FROM_PB[s] for s in request.states)
        runs, token = await self._c.list_runs(
            current_project(), states, request.page_size, request.page_token
        )
        return pb.ListConsolidationRunsResponse(
            runs=[run_to_pb(r) for r in runs], next_page_token=token
        )

    async def SetConsolidationSchedule(
        self, request: pb.SetConsolidationScheduleRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetConsolidationScheduleResponse:
        if request.interval.nanos:
            raise InvalidArgument([FieldViolation("interval", "must be whole seconds")])
        schedule = await self._c.set_schedule(current_project(), request.interval.seconds)
        return pb.SetConsolidationScheduleResponse(schedule=_schedule(schedule))

    async def GetConsolidationSchedule(
        self, request: pb.GetConsolidationScheduleRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsolidationScheduleResponse:
        schedule = await self._c.get_schedule(current_project())
        return pb.GetConsolidationScheduleResponse(schedule=_schedule(schedule))

    async def ListConsolidationPatterns(
        self, request: pb.ListConsolidationPatternsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConsolidationPatternsResponse:
        patterns, token = await self._c.list_patterns(
            current_project(), _KIND_FROM_PB.get(request.kind), request.page_size,
            request.page_token,
        )  # fmt: skip
        return pb.ListConsolidationPatternsResponse(
            patterns=[_pattern(p) for p in patterns], next_page_token=token
        )

    async def ListProcedureCandidates(
        self, request: pb.ListProcedureCandidatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProcedureCandidatesResponse:
        candidates, token = await self._c.list_procedure_candidates(
            current_project(), request.page_size, request.page_token
        )
        return pb.ListProcedureCandidatesResponse(
            candidates=[_candidate(c) for c in candidates], next_page_token=token
        )
