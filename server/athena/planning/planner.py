"""The planning domain: create, validate, estimate, activate and replan plans."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from athena.errors import (
    FieldViolation,
    IllegalPlanTransition,
    InvalidArgument,
    LLMError,
    PlanHasErrors,
    PlanNotFound,
    PlanStepNotFound,
    RequestIdReused,
)
from athena.ids import uuid7
from athena.llm import LLMProvider, Message, Usage, complete_json
from athena.planning import estimate as estimates
from athena.planning.decompose import (
    DEFAULT_MAX_STEPS,
    SYSTEM_PROMPT,
    Decomposer,
    parse_llm_steps,
)
from athena.planning.history import History
from athena.planning.models import (
    OPEN_PLAN_STATUSES,
    SEVERITY_ORDER,
    TRANSITIONS,
    Estimate,
    Finding,
    LlmUsage,
    NewPlan,
    Plan,
    PlanEstimate,
    PlanStatus,
    Severity,
    Step,
    StepSpec,
    StepStatus,
)
from athena.planning.procedures import ProcedureCandidates, overlap
from athena.planning.replan import replacement_steps, replan_prompt
from athena.planning.structure import critical_path, execution_order, structural_findings
from athena.planning.tracking import TaskTracker
from athena.projects import Projects
from athena.prospective import Goals, Tasks, common
from athena.storage import Database, Queries

# A kind of work is risky when at least this many similar attempts finished and this share failed.
MIN_OUTCOME_SAMPLES = 3
WARN_FAILURE_RATE = 0.5
INFO_FAILURE_RATE = 0.25


def row_to_step(row: asyncpg.Record) -> Step:
    return Step(
        key=row["key"],
        position=row["position"],
        title=row["title"],
        description=row["description"],
        depends_on=tuple(row["depends_on"]),
        status=StepStatus(row["status"]),
        source=row["source"],
        estimate_seconds=row["estimate_seconds"],
        task_id=row["task_id"],
    )


def row_to_plan(row: asyncpg.Record, steps: Sequence[Step] = ()) -> Plan:
    return Plan(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        status=PlanStatus(row["status"]),
        status_reason=row["status_reason"],
        goal_id=row["goal_id"],
        strategy=row["strategy"],
        replaces_plan_id=row["replaces_plan_id"],
        revision=row["revision"],
        llm_usage=LlmUsage(
            row["llm_model"],
            row["llm_calls"],
            row["llm_failed_calls"],
            row["llm_input_tokens"],
            row["llm_output_tokens"],
            row["llm_cost_usd"],
        ),
        create_time=row["create_time"],
        update_time=row["update_time"],
        steps=tuple(steps),
    )


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def check_specs(steps: Sequence[StepSpec], field: str) -> list[StepSpec]:
    """Give unnamed steps positional keys (`s1`...); duplicates are a caller error."""
    named = [
        StepSpec(s.key or f"s{i + 1}", s.title, s.description, s.depends_on, s.source)
        for i, s in enumerate(steps)
    ]
    seen: set[str] = set()
    for i, step in enumerate(named):
        if step.key in seen:
            raise InvalidArgument(
                [FieldViolation(f"{field}[{i}].key", f"key {step.key!r} is used twice")]
            )
        seen.add(step.key)
    return named


class Planner:
    """Plans of a project; activation and replanning go through prospective goals and tasks."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        goals: Goals,
        tasks: Tasks,
        llm: LLMProvider,
        candidates: ProcedureCandidates | None = None,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._goals = goals
        self._tasks = tasks
        self._tracker = TaskTracker(goals, tasks)
        self._llm = llm
        self._history = History(db, queries)
        self._candidates = candidates or ProcedureCandidates({})
        self._decomposer = Decomposer(self._history, self._candidates, llm)

    # -- create -------------------------------------------------------------------------------
    async def create(
        self, project: str, new: NewPlan, request_id: str = ""
    ) -> tuple[Plan, list[Finding], bool]:
        """Decompose (unless steps are given), store a DRAFT plan, and validate it."""
        prior = await self._replayed(project, request_id, "create_plan", new)
        if prior is not None:
            plan = await self.get(project, prior)
            return plan, await self.findings(project, plan_specs(plan)), True
        if new.goal_id is not None:
            await self._goals.get(project, new.goal_id)
        max_steps = new.max_steps or DEFAULT_MAX_STEPS
        usage = Usage()
        if new.steps:
            specs = check_specs(new.steps, "steps")
            strategy = "caller: steps supplied with the request"
        else:
            found = await self._decomposer.decompose(
                project, new.title, new.description, max_steps, not new.disable_llm, usage
            )
            specs, strategy = list(found.steps), found.strategy
        plan, replayed = await self._store(
            project,
            new.title,
            new.description,
            new.goal_id,
            specs,
            strategy,
            usage,
            request_id,
            "create_plan",
            new,
        )
        return plan, await self.findings(project, plan_specs(plan)), replayed

    async def _store(
        self,
        project: str,
        title: str,
        description: str,
        goal_id: uuid.UUID | None,
        specs: Sequence[StepSpec],
        strategy: str,
        usage: Usage,
        request_id: str,
        operation: str,
        payload: object,
        replaces: Plan | None = None,
    ) -> tuple[Plan, bool]:
        await self._projects.ensure(project)
        ordered = execution_order(specs)
        estimated = await self._estimate_titles(project, [s.title for s in ordered])
        seconds = {s.key: e for s, e in zip(ordered, estimated, strict=True)}
        plan_id = uuid7()
        rows = [
            {
                "key": s.key,
                "position": i,
                "title": s.title,
                "description": s.description,
                "depends_on": list(s.depends_on),
                "source": s.source,
                "estimate_seconds": seconds[s.key].expected_seconds,
            }
            for i, s in enumerate(ordered)
        ]
        model = f"{self._llm.name}/{self._llm.model}" if usage.calls or usage.failed_calls else ""
        async with self._db.transaction() as conn:
            prior = await common.claim_request(
                conn, self._q, project, request_id, operation, payload, [plan_id]
            )
            if prior is not None:
                return await self._get(conn, project, prior[0]), True
            await conn.fetchrow(
                self._q.plan_insert,
                plan_id,
                project,
                title,
                description,
                goal_id,
                strategy,
                replaces.id if replaces else None,
                replaces.revision + 1 if replaces else 1,
                model,
                usage.calls + usage.failed_calls,
                usage.failed_calls + usage.malformed_replies,
                usage.input_tokens,
                usage.output_tokens,
                usage.cost_usd,
                datetime.now(UTC),
            )
            await conn.execute(self._q.plan_insert_steps, project, plan_id, json.dumps(rows))
            return await self._get(conn, project, plan_id), False

    # -- read ---------------------------------------------------------------------------------
    async def _get(self, conn: Any, project: str, plan_id: uuid.UUID) -> Plan:
        row = await conn.fetchrow(self._q.plan_get, project, plan_id)
        if row is None:
            raise PlanNotFound(str(plan_id))
        steps = await conn.fetch(self._q.plan_steps_of, project, [plan_id])
        return row_to_plan(row, [row_to_step(s) for s in steps])

    async def get(self, project: str, plan_id: uuid.UUID) -> Plan:
        async with self._db.connection() as conn:
            return await self._get(conn, project, plan_id)

    async def list(
        self,
        project: str,
        statuses: Sequence[PlanStatus] = (),
        goal_id: uuid.UUID | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Plan], str]:
        size = common.page_size(page_size)
        wanted = sorted({s.value for s in statuses}) or None
        query = common.fingerprint("plans", project, wanted, goal_id)
        after = None
        if page_token:
            after = common.token_uuid(common.decode_token(page_token, query)[0])
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.plan_list, project, wanted, goal_id, after, size + 1)
            page = rows[:size]
            step_rows = await conn.fetch(self._q.plan_steps_of, project, [r["id"] for r in page])
        by_plan: dict[uuid.UUID, list[Step]] = {}
        for s in step_rows:
            by_plan.setdefault(s["plan_id"], []).append(row_to_step(s))
        plans = [row_to_plan(r, by_plan.get(r["id"], [])) for r in page]
        token = common.encode_token([str(plans[-1].id)], query) if len(rows) > size else ""
        return plans, token

    # -- validate -----------------------------------------------------------------------------
    async def validate(
        self, project: str, plan_id: uuid.UUID | None, steps: Sequence[StepSpec]
    ) -> list[Finding]:
        if (plan_id is None) == (not steps):
            raise InvalidArgument(
                [FieldViolation("plan_id", "set exactly one of plan_id and steps")]
            )
        if plan_id is not None:
            specs = plan_specs(await self.get(project, plan_id))
        else:
            specs = [
                StepSpec(s.key or f"s{i + 1}", s.title, s.description, s.depends_on, s.source)
                for i, s in enumerate(steps)
            ]
        return await self.findings(project, specs)

    async def findings(self, project: str, specs: Sequence[StepSpec]) -> list[Finding]:
        """Structural errors, then feasibility against the project's history."""
        found = structural_findings(specs)
        candidate_steps = [step for c in await self._candidates.all(project) for step in c.steps]
        outcomes = await self._history.outcomes(project, [s.title for s in specs])
        for spec, samples in zip(specs, outcomes, strict=True):
            failures = sum(1 for s in samples if s.value < 0.5)
            known = any(overlap(spec.title, step) >= 0.5 for step in candidate_steps)
            if not known and (not samples or failures == len(samples)):
                found.append(
                    Finding(
                        Severity.INFO,
                        "unknown_procedure",
                        "nothing similar has succeeded in this project before",
                        spec.key,
                    )
                )
            if len(samples) >= MIN_OUTCOME_SAMPLES:
                rate = failures / len(samples)
                severity = (
                    Severity.WARNING
                    if rate >= WARN_FAILURE_RATE
                    else Severity.INFO
                    if rate >= INFO_FAILURE_RATE
                    else None
                )
                if severity is not None:
                    found.append(
                        Finding(
                            severity,
                            "high_failure_rate",
                            f"{failures} of {len(samples)} similar attempts failed ({rate:.0%})",
                            spec.key,
                        )
                    )
        return sorted_findings(found)

    # -- estimate -----------------------------------------------------------------------------
    async def _estimate_titles(self, project: str, titles: list[str]) -> list[Estimate]:
        if not titles:
            return []
        per_title = await self._history.durations(project, titles)
        return [estimates.from_samples(samples) for samples in per_title]

    async def estimate(
        self, project: str, plan_id: uuid.UUID | None, description: str
    ) -> PlanEstimate:
        if (plan_id is None) == (not description.strip()):
            raise InvalidArgument(
                [FieldViolation("plan_id", "set exactly one of plan_id and description")]
            )
        if plan_id is None:
            return PlanEstimate((await self._estimate_titles(project, [description]))[0])
        plan = await self.get(project, plan_id)
        specs = plan_specs(plan)
        estimated = await self._estimate_titles(project, [s.title for s in specs])
        per_step = [(s.key, e) for s, e in zip(specs, estimated, strict=True)]
        by_key = dict(per_step)
        known = [e for _, e in per_step if e.sample_count]
        if not known:
            return PlanEstimate(estimates.NO_HISTORY, tuple(per_step))
        coverage = len(known) / len(per_step)
        total = Estimate(
            expected_seconds=critical_path(
                specs, {k: e.expected_seconds for k, e in by_key.items()}
            ),
            low_seconds=critical_path(specs, {k: e.low_seconds for k, e in by_key.items()}),
            high_seconds=critical_path(specs, {k: e.high_seconds for k, e in by_key.items()}),
            confidence=round(sum(e.confidence for e in known) / len(known) * coverage, 4),
            sample_count=sum(e.sample_count for e in known),
            basis=f"critical path over {len(per_step)} steps; {len(known)} with history",
        )
        return PlanEstimate(total, tuple(per_step))

    # -- status -------------------------------------------------------------------------------
    async def update_status(
        self, project: str, plan_id: uuid.UUID, status: PlanStatus, reason: str
    ) -> Plan:
        plan = await self.get(project, plan_id)
        if plan.status == status and status == PlanStatus.ACTIVE:
            return plan  # A retried activation: the tasks are already linked.
        if status not in TRANSITIONS.get(plan.status, frozenset()):
            raise IllegalPlanTransition(str(plan_id), plan.status.value, status.value)
        goal_id, links = plan.goal_id, []
        if status == PlanStatus.ACTIVE:
            errors = [
                f for f in structural_findings(plan_specs(plan)) if f.severity is Severity.ERROR
            ]
            if errors:
                raise PlanHasErrors(
                    f"plan {plan_id} has {len(errors)} error finding(s); first: "
                    f"{errors[0].message}",
                    id=str(plan_id),
                )
            goal_id, links = await self._tracker.materialise(project, plan)
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(self._q.plan_get_for_update, project, plan_id)
            if row is None:
                raise PlanNotFound(str(plan_id))
            current = PlanStatus(row["status"])
            if current == status == PlanStatus.ACTIVE:
                return await self._get(conn, project, plan_id)
            if status not in TRANSITIONS.get(current, frozenset()):
                lost = IllegalPlanTransition(str(plan_id), current.value, status.value)
            else:
                lost = None
                updated = await self._apply_status(
                    conn, project, plan_id, status, reason, goal_id, links
                )
        if lost is not None:
            # Another request changed the plan while its tasks were being created.
            if links:
                await self._tracker.cancel_tasks(
                    project, [t for _, t in links], "plan changed during activation"
                )
            raise lost
        if status == PlanStatus.CANCELLED:
            await self._tracker.close_open_tasks(project, updated, f"plan cancelled: {reason}")
        return updated

    async def _apply_status(
        self,
        conn: Any,
        project: str,
        plan_id: uuid.UUID,
        status: PlanStatus,
        reason: str,
        goal_id: uuid.UUID | None,
        links: list[tuple[str, uuid.UUID]],
    ) -> Plan:
        now = datetime.now(UTC)
        if status == PlanStatus.ACTIVE:
            await conn.execute(self._q.plan_set_goal, project, plan_id, goal_id, now)
            await conn.execute(
                self._q.plan_link_step_tasks,
                project,
                plan_id,
                [k for k, _ in links],
                [t for _, t in links],
            )
        await conn.fetchrow(self._q.plan_set_status, project, plan_id, status.value, reason, now)
        return await self._get(conn, project, plan_id)

    # -- replan -------------------------------------------------------------------------------
    async def replan(
        self, project: str, plan_id: uuid.UUID, step_key: str, reason: str, request_id: str = ""
    ) -> tuple[Plan, list[Finding], bool]:
        payload = (plan_id, step_key, reason)
        prior = await self._replayed(project, request_id, "replan_plan", payload)
        if prior is not None:
            new_plan = await self.get(project, prior)
            return new_plan, await self.findings(project, plan_specs(new_plan)), True
        plan = await self.get(project, plan_id)
        failed = next((s for s in plan.steps if s.key == step_key), None)
        if failed is None:
            raise PlanStepNotFound(str(plan_id), step_key)
        if plan.status not in (*OPEN_PLAN_STATUSES, PlanStatus.FAILED):
            raise IllegalPlanTransition(str(plan_id), plan.status.value, "replanned")
        usage = Usage()
        alternative, how = await self._alternative(project, plan, failed, reason, usage)
        specs = replacement_steps(plan, failed, alternative)
        new_plan, replayed = await self._store(
            project,
            plan.title,
            plan.description,
            plan.goal_id,
            specs,
            f"replan of {plan.id} after step {step_key!r} failed: {how}",
            usage,
            request_id,
            "replan_plan",
            payload,
            replaces=plan,
        )
        if not replayed:
            async with self._db.transaction() as conn:
                await conn.execute(
                    self._q.plan_set_step_status, project, plan_id, step_key, "failed"
                )
                row = await conn.fetchrow(self._q.plan_get_for_update, project, plan_id)
                if row is not None and PlanStatus(row["status"]) in OPEN_PLAN_STATUSES:
                    await conn.fetchrow(
                        self._q.plan_set_status,
                        project,
                        plan_id,
                        PlanStatus.REPLANNED.value,
                        f"step {step_key} failed: {reason}"[:1024],
                        datetime.now(UTC),
                    )
            await self._tracker.close_open_tasks(
                project, await self.get(project, plan_id), f"replanned as plan {new_plan.id}"
            )
        return new_plan, await self.findings(project, plan_specs(new_plan)), replayed

    async def _replayed(
        self, project: str, request_id: str, operation: str, payload: object
    ) -> uuid.UUID | None:
        """The plan a retried request created, checked before state checks that it changed."""
        if not request_id:
            return None
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.get_request_id, project, request_id)
        if row is None:
            return None
        if row["operation"] != operation or bytes(row["payload_hash"]) != common.payload_hash(
            operation, payload
        ):
            raise RequestIdReused(request_id)
        return row["result_ids"][0]

    async def _alternative(
        self, project: str, plan: Plan, failed: Step, reason: str, usage: Usage
    ) -> tuple[list[str], str]:
        """Steps to do instead of the failed one: a known fix, the model's idea, or a retry."""
        for fix in await self._history.fixes(project, f"{failed.title} {reason}"):
            return list(fix.steps[:6]), f"a fix that followed a similar failure ({fix.failure!r})"
        note = ""
        if self._llm.enabled:
            try:
                steps = await complete_json(
                    self._llm,
                    [Message("user", replan_prompt(plan, failed, reason))],
                    lambda value: parse_llm_steps(value, 6),
                    system=SYSTEM_PROMPT,
                    usage=usage,
                )
                return [s.title for s in steps], f"llm: {self._llm.name}/{self._llm.model}"
            except LLMError as exc:
                note = f"llm failed ({exc.reason}); "
        why = f": {reason}" if reason else ""
        return (
            [
                f"Diagnose why '{failed.title}' failed{why}"[:512],
                f"Retry '{failed.title}' with a different approach"[:512],
            ],
            f"{note}no known fix; diagnose and retry",
        )


def plan_specs(plan: Plan) -> list[StepSpec]:
    return [StepSpec(s.key, s.title, s.description, s.depends_on, s.source) for s in plan.steps]
