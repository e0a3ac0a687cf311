"""Effort estimates from samples and the replacement steps of a replan (pure functions)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from athena.planning.estimate import NO_HISTORY, from_samples
from athena.planning.history import Sample
from athena.planning.models import LlmUsage, Plan, PlanStatus, Step, StepStatus
from athena.planning.replan import replacement_steps


def sample(seconds: float, similarity: float = 1.0) -> Sample:
    return Sample("task", "x", seconds, similarity)


def test_no_samples_is_an_honest_zero() -> None:
    assert from_samples([]) == NO_HISTORY and NO_HISTORY.confidence == 0


def test_quantiles_and_confidence() -> None:
    found = from_samples([sample(s) for s in (100, 200, 300, 400, 500)])
    assert (found.low_seconds, found.expected_seconds, found.high_seconds) == (100, 300, 400)
    assert found.sample_count == 5 and found.confidence == round(5 / 8, 4)
    # Less similar samples weigh less and lower the confidence.
    weighted = from_samples([sample(100, 1.0), sample(100, 1.0), sample(1000, 0.3)])
    assert weighted.expected_seconds == 100 and weighted.confidence < 0.5


def step(key: str, *deps: str, status: StepStatus = StepStatus.PENDING) -> Step:
    return Step(key, 0, f"do {key}", "", deps, status, "caller", 0.0, None)


def plan(*steps: Step) -> Plan:
    now = datetime.now(UTC)
    return Plan(
        uuid.uuid4(), "p", "", PlanStatus.ACTIVE, "", None, "", None, 1, LlmUsage(), now, now,
        tuple(steps),
    )  # fmt: skip


def test_replacement_drops_done_and_rewires_dependants() -> None:
    original = plan(
        step("a", status=StepStatus.DONE),
        step("b", "a"),
        step("c", "b"),
        step("d", "a"),
    )
    specs = replacement_steps(original, original.steps[1], ["fix it", "redo b"])
    assert [(s.key, s.depends_on, s.source) for s in specs] == [
        ("b-alt1", (), "replan"),
        ("b-alt2", ("b-alt1",), "replan"),
        ("c", ("b-alt2",), "caller"),
        ("d", (), "caller"),
    ]


def test_replacement_keys_do_not_collide() -> None:
    original = plan(step("a"), step("a-alt1"))
    specs = replacement_steps(original, original.steps[0], ["retry"])
    assert [s.key for s in specs] == ["a-alt1-2", "a-alt1"]
