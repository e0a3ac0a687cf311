"""Domain exceptions. One root, subclasses named for the condition.

Domain code raises these; `athena.api.errors` is the one place that maps them to gRPC status
codes, so nothing below the API layer knows about gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One invalid input field: a dotted path (`events[3].content`) and what is wrong with it."""

    field: str
    description: str


class AthenaError(Exception):
    """Root of every error Athena reports to callers on purpose."""

    reason = "INTERNAL"

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}


class InvalidArgument(AthenaError):
    """Input broke a rule; `violations` names each offending field."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation], message: str | None = None) -> None:
        text = message or "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(text)
        self.violations = violations


class InvalidPageToken(InvalidArgument):
    """A page token that is malformed or belongs to another query."""

    reason = "INVALID_PAGE_TOKEN"

    def __init__(self, description: str) -> None:
        super().__init__([FieldViolation("page_token", description)])


class NotFound(AthenaError):
    """A named resource does not exist in the caller's project."""

    reason = "NOT_FOUND"


class EventNotFound(NotFound):
    """No episodic event with that id in the project."""

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event {event_id} not found", resource="event", id=event_id)


class FactNotFound(NotFound):
    """No fact version with that id in the project."""

    def __init__(self, fact_id: str) -> None:
        super().__init__(f"fact {fact_id} not found", resource="fact", id=fact_id)


class EntityNotFound(NotFound):
    """No knowledge-graph entity with that id in the project."""

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"entity {entity_id} not found", resource="entity", id=entity_id)


class RelationNotFound(NotFound):
    """No knowledge-graph relation with that id in the project."""

    def __init__(self, relation_id: str) -> None:
        super().__init__(f"relation {relation_id} not found", resource="relation", id=relation_id)


class CommunityNotFound(NotFound):
    """No stored community with that id in the project."""

    def __init__(self, community_id: str) -> None:
        super().__init__(
            f"community {community_id} not found", resource="community", id=community_id
        )


class FailedPrecondition(AthenaError):
    """The request is valid but the resource is not in a state that allows it."""

    reason = "FAILED_PRECONDITION"


class FactSuperseded(FailedPrecondition):
    """An update named a fact version that a newer version has replaced."""

    reason = "FACT_SUPERSEDED"

    def __init__(self, fact_id: str, current_id: str) -> None:
        super().__init__(
            f"fact {fact_id} was superseded; update the current version {current_id}",
            id=fact_id,
            current_id=current_id,
        )


class TaskNotFound(NotFound):
    """No orchestration task with that id in the project."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"task {task_id} not found", resource="task", id=task_id)


class AgentNotFound(NotFound):
    """No agent registered under that id in the project."""

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id!r} is not registered", resource="agent", id=agent_id)


class WorkflowNotFound(NotFound):
    """No workflow with that id in the project."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__(f"workflow {workflow_id} not found", resource="workflow", id=workflow_id)


class LeaseLost(FailedPrecondition):
    """An agent reported on a task attempt it no longer holds (expired, cancelled, re-leased)."""

    reason = "LEASE_LOST"

    def __init__(self, task_id: str, agent_id: str, attempt: int) -> None:
        super().__init__(
            f"agent {agent_id!r} does not hold attempt {attempt} of task {task_id}",
            task_id=task_id,
            agent_id=agent_id,
            attempt=str(attempt),
        )


class GoalNotFound(NotFound):
    """No prospective goal with that id in the project."""

    def __init__(self, goal_id: str) -> None:
        super().__init__(f"goal {goal_id} not found", resource="goal", id=goal_id)


class ProspectiveTaskNotFound(NotFound):
    """No prospective task (an agent's own to-do) with that id in the project."""

    def __init__(self, task_id: str) -> None:
        super().__init__(
            f"prospective task {task_id} not found", resource="prospective_task", id=task_id
        )


class TriggerNotFound(NotFound):
    """No prospective trigger with that id in the project."""

    def __init__(self, trigger_id: str) -> None:
        super().__init__(f"trigger {trigger_id} not found", resource="trigger", id=trigger_id)


class MemoryItemNotFound(NotFound):
    """A meta-memory reference names a memory that does not exist in the project."""

    def __init__(self, layer: str, item_id: str) -> None:
        super().__init__(f"{layer} {item_id} not found", resource=layer, id=item_id)


class IllegalStatusTransition(FailedPrecondition):
    """A prospective task status change its status machine does not allow."""

    reason = "ILLEGAL_STATUS_TRANSITION"

    def __init__(self, task_id: str, current: str, requested: str) -> None:
        super().__init__(
            f"task {task_id} cannot go from {current} to {requested}",
            id=task_id,
            current_status=current,
            requested_status=requested,
        )


class DependenciesNotDone(FailedPrecondition):
    """A task cannot become active while tasks it depends on are not done."""

    reason = "DEPENDENCIES_NOT_DONE"

    def __init__(self, task_id: str, open_ids: list[str]) -> None:
        super().__init__(
            f"task {task_id} waits for {len(open_ids)} unfinished dependencies",
            id=task_id,
            open_dependency_ids=",".join(open_ids),
        )


class HierarchyCycle(FailedPrecondition):
    """A parent or dependency link that would make an item its own ancestor."""

    reason = "CYCLE"


class TaskFinished(FailedPrecondition):
    """A change that needs an open task was asked of a done, failed or cancelled one."""

    reason = "TASK_FINISHED"


class ConsolidationRunNotFound(NotFound):
    """No consolidation run with that id in the project."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"consolidation run {run_id} not found", resource="consolidation_run", id=run_id
        )


class ConsolidationRunning(FailedPrecondition):
    """A consolidation run of the project is already in progress."""

    reason = "CONSOLIDATION_RUNNING"

    def __init__(self, project: str) -> None:
        super().__init__(
            f"a consolidation run of project {project!r} is in progress; retry when it ends",
            project=project,
        )


class RequestIdReused(AthenaError):
    """An idempotency key was sent again with a different payload."""

    reason = "REQUEST_ID_REUSED"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"request_id {request_id!r} was already used with a different payload",
            request_id=request_id,
        )


class EmbeddingMismatch(AthenaError):
    """The project's stored embedding configuration differs from the server's embedder."""

    reason = "EMBEDDING_MISMATCH"


class Unauthenticated(AthenaError):
    """Missing or invalid credentials."""

    reason = "UNAUTHENTICATED"


class StorageUnavailable(AthenaError):
    """The database cannot be reached or refused the work for a transient reason."""

    reason = "STORAGE_UNAVAILABLE"


class SandboxUnavailable(AthenaError):
    """The code sandbox cannot run anything: runtime not installed, or the server is stopping."""

    reason = "SANDBOX_UNAVAILABLE"


class LLMError(AthenaError):
    """A language-model call failed; callers fall back to their heuristics."""

    reason = "LLM_FAILED"


class LLMUnavailable(LLMError):
    """No model is configured, or it did not answer (timeouts, transport errors) after retries."""

    reason = "LLM_UNAVAILABLE"


class LLMRejected(LLMError):
    """The model provider refused the request (bad key, unknown model, bad parameters)."""

    reason = "LLM_REJECTED"


class LLMMalformedReply(LLMError):
    """The model's reply broke the wire format or the structure the caller asked for."""

    reason = "LLM_MALFORMED_REPLY"


class PlanNotFound(NotFound):
    """No plan with that id in the project."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"plan {plan_id} not found", resource="plan", id=plan_id)


class PlanStepNotFound(NotFound):
    """A plan has no step with that key."""

    def __init__(self, plan_id: str, step_key: str) -> None:
        super().__init__(
            f"plan {plan_id} has no step {step_key!r}", resource="plan_step", id=step_key
        )


class IllegalPlanTransition(FailedPrecondition):
    """A plan status change its status machine does not allow."""

    reason = "ILLEGAL_PLAN_TRANSITION"

    def __init__(self, plan_id: str, current: str, requested: str) -> None:
        super().__init__(
            f"plan {plan_id} cannot go from {current} to {requested}",
            id=plan_id,
            current_status=current,
            requested_status=requested,
        )


class PlanHasErrors(FailedPrecondition):
    """A plan with error findings (cycles, missing dependencies) cannot be activated."""

    reason = "PLAN_INVALID"


class StorageError(AthenaError):
    """The database rejected a statement for a reason that is our bug, not the caller's."""

    reason = "INTERNAL"


class MigrationError(AthenaError):
    """The schema cannot be brought up to date (for example a landed migration was edited)."""

    reason = "INTERNAL"
