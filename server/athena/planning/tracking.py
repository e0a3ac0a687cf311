"""Plans as tracked prospective work: a goal and a task per step, closed when the plan ends."""

from __future__ import annotations

import uuid

from athena.errors import IllegalStatusTransition, ProspectiveTaskNotFound
from athena.planning.models import Plan, StepStatus
from athena.prospective import Goals, Tasks
from athena.prospective.models import OPEN_STATUSES as OPEN_TASK_STATUSES
from athena.prospective.models import NewGoal, NewTask, TaskStatus


class TaskTracker:
    def __init__(self, goals: Goals, tasks: Tasks) -> None:
        self._goals = goals
        self._tasks = tasks

    async def close_open_tasks(self, project: str, plan: Plan, reason: str) -> None:
        """Close the tracked tasks of a plan that will not run any more.

        After the plan's own change committed: a task finished or deleted meanwhile is skipped.
        """
        for step in plan.steps:
            if step.task_id is None or step.status is StepStatus.DONE:
                continue
            # The failed step's task fails too when its status machine allows it (it was
            # started); otherwise it, like every other open task, is cancelled.
            targets = [TaskStatus.CANCELLED]
            if step.status is StepStatus.FAILED:
                targets.insert(0, TaskStatus.FAILED)
            try:
                task = await self._tasks.get(project, step.task_id)
            except ProspectiveTaskNotFound:
                continue
            if task.status not in OPEN_TASK_STATUSES:
                continue
            for target in targets:
                try:
                    await self._tasks.update(
                        project, step.task_id, {"status": target, "status_reason": reason[:1024]}
                    )
                    break
                except IllegalStatusTransition:
                    continue
                except ProspectiveTaskNotFound:
                    break

    async def materialise(
        self, project: str, plan: Plan
    ) -> tuple[uuid.UUID, list[tuple[str, uuid.UUID]]]:
        """Create the goal and one task per step; request ids make a retry link the same ones."""
        goal_id = plan.goal_id
        if goal_id is None:
            goal, _ = await self._goals.create(
                project,
                NewGoal(title=plan.title, description=plan.description, tags=("plan",)),
                request_id=f"plan:{plan.id}:goal",
            )
            goal_id = goal.id
        task_ids: dict[str, uuid.UUID] = {}
        for step in plan.steps:  # stored in execution order: dependencies come first
            if step.status is not StepStatus.PENDING:
                continue
            task, _ = await self._tasks.create(
                project,
                NewTask(
                    title=step.title,
                    description=step.description,
                    goal_id=goal_id,
                    tags=("plan",),
                    dependency_ids=tuple(task_ids[d] for d in step.depends_on if d in task_ids),
                ),
                request_id=f"plan:{plan.id}:step:{step.key}",
            )
            task_ids[step.key] = task.id
        return goal_id, list(task_ids.items())

    async def cancel_tasks(self, project: str, task_ids: list[uuid.UUID], reason: str) -> None:
        """Cancel the given tasks where still open (a rollback of an activation that lost)."""
        for task_id in task_ids:
            try:
                await self._tasks.update(
                    project, task_id, {"status": TaskStatus.CANCELLED, "status_reason": reason}
                )
            except (ProspectiveTaskNotFound, IllegalStatusTransition):
                continue
