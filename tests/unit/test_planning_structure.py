"""Structural plan checks, ordering, critical path, clause splitting and model-reply parsing."""

from __future__ import annotations

import pytest
from athena.planning.decompose import from_text, parse_llm_steps
from athena.planning.models import StepSpec
from athena.planning.structure import critical_path, execution_order, structural_findings


def s(key: str, *deps: str) -> StepSpec:
    return StepSpec(key, f"step {key}", "", deps)


def codes(steps: list[StepSpec]) -> set[tuple[str, str]]:
    return {(f.code, f.step_key) for f in structural_findings(steps)}


def test_clean_plan_has_no_findings() -> None:
    assert structural_findings([s("a"), s("b", "a"), s("c", "a", "b")]) == []


def test_empty_duplicate_self_missing_cycle_unreachable() -> None:
    assert codes([]) == {("empty_plan", "")}
    assert ("duplicate_key", "a") in codes([s("a"), s("a")])
    assert ("self_dependency", "a") in codes([s("a", "a")])
    found = codes([s("a", "b"), s("b", "a"), s("c", "b"), s("d", "x"), s("e", "d"), s("f")])
    assert ("cycle", "a") in found and ("missing_dependency", "d") in found
    assert {("unreachable", "c"), ("unreachable", "e")} <= found
    assert not any(key == "f" for _, key in found)


def test_long_chain_does_not_hit_recursion_limit() -> None:
    chain = [s("k0")] + [s(f"k{i}", f"k{i - 1}") for i in range(1, 5000)]
    assert structural_findings(chain) == []
    ring = [s(f"k{i}", f"k{(i + 1) % 5000}") for i in range(5000)]
    assert [f.code for f in structural_findings(ring)] == ["cycle"]


def test_execution_order_is_stable_and_dependency_first() -> None:
    order = execution_order([s("c", "b"), s("a"), s("b", "a"), s("d")])
    assert [x.key for x in order] == ["a", "b", "d", "c"]


def test_critical_path_takes_longest_chain() -> None:
    steps = [s("a"), s("b", "a"), s("c", "a"), s("d", "b", "c")]
    assert critical_path(steps, {"a": 1, "b": 5, "c": 2, "d": 1}) == 7


def test_from_text_splits_clauses_or_falls_back() -> None:
    steps = from_text("x", "build it; test it, then ship it", 12)
    assert [x.title for x in steps] == ["build it", "test it", "ship it"]
    assert [x.depends_on for x in steps] == [(), ("s1",), ("s2",)]
    assert len(from_text("tidy up", "", 12)) == 3


def test_parse_llm_steps_accepts_well_formed() -> None:
    steps = parse_llm_steps(
        {"steps": [{"key": "a", "title": "one"}, {"title": "two", "depends_on": ["a"]}]}, 5
    )
    assert [(x.key, x.title, x.depends_on, x.source) for x in steps] == [
        ("a", "one", (), "llm"),
        ("s2", "two", ("a",), "llm"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"steps": []},
        {"steps": "do it"},
        {"steps": [{"title": ""}]},
        {"steps": [{"key": "a b", "title": "x"}]},
        {"steps": [{"key": "a", "title": "x"}, {"key": "a", "title": "y"}]},
        {"steps": [{"key": "a", "title": "x", "depends_on": ["ghost"]}]},
        {"steps": [{"key": "a", "title": "x", "depends_on": "b"}]},
        {"steps": [{"title": "x"}] * 6},
    ],
)
def test_parse_llm_steps_rejects_malformed(value: object) -> None:
    with pytest.raises((ValueError, TypeError, KeyError)):
        parse_llm_steps(value, 5)
