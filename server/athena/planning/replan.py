"""Replanning after a failed step: the remaining work with the failed step swapped out."""

from __future__ import annotations

from athena.planning.decompose import sequential
from athena.planning.models import Plan, Step, StepSpec, StepStatus


def replan_prompt(plan: Plan, failed: Step, reason: str) -> str:
    lines = [f"Goal: {plan.title}", plan.description, "Plan:"]
    lines += [f"- {s.key}: {s.title} [{s.status.value}]" for s in plan.steps]
    lines += [
        f"Step {failed.key} ({failed.title}) failed: {reason or 'no reason given'}.",
        "Give the steps to do instead of that step, as a sequence (at most 6).",
    ]
    return "\n".join(line for line in lines if line)


def replacement_steps(plan: Plan, failed: Step, alternative: list[str]) -> list[StepSpec]:
    """The remaining work: done steps dropped, the failed step swapped for the alternative."""
    done = {s.key for s in plan.steps if s.status is StepStatus.DONE}
    keys = {s.key for s in plan.steps}
    alt_keys: list[str] = []
    for i in range(len(alternative)):
        key, n = f"{failed.key}-alt{i + 1}", 1
        while key in keys:
            n += 1
            key = f"{failed.key}-alt{i + 1}-{n}"
        alt_keys.append(key)
    alt = sequential(alternative, "replan")
    alt_specs = [
        StepSpec(
            alt_keys[i],
            spec.title,
            spec.description,
            (alt_keys[i - 1],) if i else tuple(d for d in failed.depends_on if d not in done),
            "replan",
        )
        for i, spec in enumerate(alt)
    ]
    out: list[StepSpec] = []
    for step in plan.steps:
        if step.key in done:
            continue
        if step.key == failed.key:
            out += alt_specs
            continue
        deps = []
        for d in step.depends_on:
            if d in done:
                continue
            deps.append(alt_keys[-1] if d == failed.key else d)
        out.append(StepSpec(step.key, step.title, step.description, tuple(deps), step.source))
    return out
