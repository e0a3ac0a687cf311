"""PlanningService: validate (done by the interceptor) -> call the planner -> map back."""

from __future__ import annotations

import uuid

import grpc

from athena.api.convert import timestamp
from athena.api.interceptors import current_project
from athena.errors import FieldViolation, InvalidArgument
from athena.planning import (
    Estimate,
    Finding,
    NewPlan,
    Plan,
    Planner,
    PlanStatus,
    Severity,
    StepSpec,
    StepStatus,
)
from athena.v1 import planning_pb2, planning_pb2_grpc

pb = planning_pb2

# Enum values are mapped by name, so proto numbering and stored text stay independent.
_STATUS_TO_PB = {s: pb.PlanStatus.Value(f"PLAN_STATUS_{s.name}") for s in PlanStatus}
_STATUS_FROM_PB = {v: k for k, v in _STATUS_TO_PB.items()}
_STEP_STATUS_TO_PB = {s: pb.PlanStepStatus.Value(f"PLAN_STEP_STATUS_{s.name}") for s in StepStatus}
_SEVERITY_TO_PB = {
    s: pb.PlanFindingSeverity.Value(f"PLAN_FINDING_SEVERITY_{s.name}") for s in Severity
}


def _uuid(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidArgument([FieldViolation(field, "must be a UUID")]) from exc


def _required_uuid(value: str, field: str) -> uuid.UUID:
    found = _uuid(value, field)
    if found is None:
        raise InvalidArgument([FieldViolation(field, "is required")])
    return found


def _specs(steps: list[pb.PlanStepSpec]) -> tuple[StepSpec, ...]:
    return tuple(
        StepSpec(s.key, s.title, s.description, tuple(s.depends_on), "caller") for s in steps
    )


def _plan(plan: Plan) -> pb.Plan:
    usage = plan.llm_usage
    return pb.Plan(
        id=str(plan.id),
        title=plan.title,
        description=plan.description,
        status=_STATUS_TO_PB[plan.status],
        goal_id=str(plan.goal_id) if plan.goal_id else "",
        steps=[
            pb.PlanStep(
                key=s.key,
                title=s.title,
                description=s.description,
                depends_on=list(s.depends_on),
                status=_STEP_STATUS_TO_PB[s.status],
                source=s.source,
                task_id=str(s.task_id) if s.task_id else "",
                estimate_seconds=s.estimate_seconds,
            )
            for s in plan.steps
        ],
        strategy=plan.strategy,
        replaces_plan_id=str(plan.replaces_plan_id) if plan.replaces_plan_id else "",
        revision=plan.revision,
        status_reason=plan.status_reason,
        llm_usage=pb.PlanLlmUsage(
            model=usage.model,
            calls=usage.calls,
            failed_calls=usage.failed_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd,
        ),
        create_time=timestamp(plan.create_time),
        update_time=timestamp(plan.update_time),
    )


def _findings(findings: list[Finding]) -> list[pb.PlanFinding]:
    return [
        pb.PlanFinding(
            severity=_SEVERITY_TO_PB[f.severity],
            code=f.code,
            step_key=f.step_key,
            message=f.message,
        )
        for f in findings
    ]


def _estimate(e: Estimate) -> pb.EffortEstimate:
    return pb.EffortEstimate(
        expected_seconds=e.expected_seconds,
        low_seconds=e.low_seconds,
        high_seconds=e.high_seconds,
        confidence=e.confidence,
        sample_count=e.sample_count,
        basis=e.basis,
    )


class PlanningServicer(planning_pb2_grpc.PlanningServiceServicer):
    """Thin adapter over the planning domain."""

    def __init__(self, planner: Planner) -> None:
        self._planner = planner

    async def CreatePlan(
        self, request: pb.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePlanResponse:
        new = NewPlan(
            title=request.title,
            description=request.description,
            goal_id=_uuid(request.goal_id, "goal_id"),
            steps=_specs(list(request.steps)),
            max_steps=request.max_steps,
            disable_llm=request.disable_llm,
        )
        plan, findings, replayed = await self._planner.create(
            current_project(), new, request.request_id
        )
        return pb.CreatePlanResponse(
            plan=_plan(plan), findings=_findings(findings), replayed=replayed
        )

    async def ValidatePlan(
        self, request: pb.ValidatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.ValidatePlanResponse:
        findings = await self._planner.validate(
            current_project(), _uuid(request.plan_id, "plan_id"), _specs(list(request.steps))
        )
        return pb.ValidatePlanResponse(
            valid=not any(f.severity is Severity.ERROR for f in findings),
            findings=_findings(findings),
        )

    async def EstimateEffort(
        self, request: pb.EstimateEffortRequest, context: grpc.aio.ServicerContext
    ) -> pb.EstimateEffortResponse:
        found = await self._planner.estimate(
            current_project(), _uuid(request.plan_id, "plan_id"), request.description
        )
        return pb.EstimateEffortResponse(
            total=_estimate(found.total),
            steps=[
                pb.StepEffortEstimate(step_key=k, estimate=_estimate(e)) for k, e in found.steps
            ],
        )

    async def GetPlan(
        self, request: pb.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPlanResponse:
        plan = await self._planner.get(current_project(), _required_uuid(request.id, "id"))
        return pb.GetPlanResponse(plan=_plan(plan))

    async def ListPlans(
        self, request: pb.ListPlansRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPlansResponse:
        plans, token = await self._planner.list(
            current_project(),
            [_STATUS_FROM_PB[s] for s in request.statuses],
            _uuid(request.goal_id, "goal_id"),
            request.page_size,
            request.page_token,
        )
        return pb.ListPlansResponse(plans=[_plan(p) for p in plans], next_page_token=token)

    async def UpdatePlanStatus(
        self, request: pb.UpdatePlanStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdatePlanStatusResponse:
        plan = await self._planner.update_status(
            current_project(),
            _required_uuid(request.id, "id"),
            _STATUS_FROM_PB[request.status],
            request.reason,
        )
        return pb.UpdatePlanStatusResponse(plan=_plan(plan))

    async def ReplanOnFailure(
        self, request: pb.ReplanOnFailureRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReplanOnFailureResponse:
        plan, findings, replayed = await self._planner.replan(
            current_project(),
            _required_uuid(request.plan_id, "plan_id"),
            request.step_key,
            request.failure_reason,
            request.request_id,
        )
        return pb.ReplanOnFailureResponse(
            plan=_plan(plan), findings=_findings(findings), replayed=replayed
        )
