"""Pure pieces: cycle detection, backoff, topic matching, routing rank."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from athena.errors import InvalidArgument
from athena.orchestration.bus import compile_patterns
from athena.orchestration.models import (
    Agent,
    AgentState,
    NewTask,
    NewWorkflowTask,
    PatternKind,
    TopicPattern,
)
from athena.orchestration.queue import backoff_delay_ms
from athena.orchestration.workflows import find_cycle, validate

from tests.orchestration.values import a_task


def node(key: str, *deps: str) -> NewWorkflowTask:
    return NewWorkflowTask(key, NewTask(), deps)


def test_find_cycle_names_the_path() -> None:
    assert find_cycle([node("a"), node("b", "a"), node("c", "a", "b")]) is None
    assert find_cycle([node("a", "c"), node("b", "a"), node("c", "b")]) == ["a", "c", "b", "a"]
    with pytest.raises(InvalidArgument) as err:
        validate([node("x"), node("a", "b"), node("b", "a")])
    assert err.value.violations[0].field == "tasks[1].depends_on"
    with pytest.raises(InvalidArgument):
        validate([node("a"), node("a")])


def test_backoff_doubles_per_attempt_up_to_the_cap() -> None:
    task = a_task(backoff_ms=1000, max_backoff_ms=5000)
    assert [backoff_delay_ms(replace(task, attempt=n)) for n in range(1, 6)] == [
        1000,
        2000,
        4000,
        5000,
        5000,
    ]


def test_topic_matching() -> None:
    match = compile_patterns(
        [
            TopicPattern(PatternKind.EXACT, "a.b"),
            TopicPattern(PatternKind.PREFIX, "task."),
            TopicPattern(PatternKind.REGEX, r"x\.\d+"),
        ]
    )
    assert match("a.b") and match("task.created") and match("x.12")
    assert not match("a.bc") and not match("x.12.y") and not match("tasks")
    with pytest.raises(InvalidArgument) as err:
        compile_patterns([TopicPattern(PatternKind.REGEX, "(")])
    assert err.value.violations[0].field == "patterns[0].regex"


def test_rank_prefers_less_loaded_then_reliable_then_fast() -> None:
    now = datetime.now(UTC)
    base = Agent("a", {}, 10, {}, AgentState.HEALTHY, now, now, 10, 0, 50.0, 0)
    agents = [
        replace(base, id="busy", leased=5),
        replace(base, id="flaky", failed_count=10),
        replace(base, id="slow", mean_run_ms=500.0),
        replace(base, id="best"),
    ]
    assert [a.id for a in sorted(agents, key=Agent.rank_key)] == ["best", "slow", "flaky", "busy"]
