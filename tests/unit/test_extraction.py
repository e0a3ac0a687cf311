"""The deterministic entity extractor and the batch plan the linker writes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from athena.graph.extraction import (
    DefaultExtractor,
    EntityExtractor,
    Mention,
    NoExtractor,
    create_extractor,
)
from athena.graph.linker import plan
from athena.memory import ConsolidationStatus, Event, EventContext, EventType, Outcome


def event(content: str, kind: EventType = EventType.ACTION, **fields) -> Event:
    values = dict(
        id=uuid.uuid4(), session_id="s", occur_time=datetime.now(UTC), type=kind, actor="",
        content=content, outcome=Outcome.UNSPECIFIED, context=EventContext(), importance=0.5,
        confidence=1.0, tags=(), attributes={}, consolidation_status=ConsolidationStatus.PENDING,
        create_time=datetime.now(UTC),
    )  # fmt: skip
    values.update(fields)
    return Event(**values)


def mentions(e: Event) -> list[tuple[str, str]]:
    return [(m.name, m.type) for m in DefaultExtractor().extract(e)]


def test_files_from_context_and_text() -> None:
    e = event(
        "edited server/app.py and README.md, not example.com or v1.2",
        context=EventContext(files=("src/main.ts",)),
    )
    assert mentions(e) == [
        ("src/main.ts", "file"),
        ("server/app.py", "file"),
        ("README.md", "file"),
    ]


def test_functions_from_calls_and_definitions() -> None:
    e = event("def load_queries fails when parse_config() or Client.connect(url) runs; if (x) ok")
    assert mentions(e) == [
        ("load_queries", "function"), ("parse_config", "function"), ("Client.connect", "function"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (EventType.TOOL_CALL, "tool"),
        (EventType.TOOL_RESULT, "tool"),
        (EventType.MESSAGE, "person"),
        (EventType.ACTION, "agent"),
    ],
)
def test_actor_type_follows_the_event_type(kind, expected) -> None:
    assert mentions(event("ran", kind, actor="pytest")) == [("pytest", expected)]


def test_people_projects_tools_and_concepts() -> None:
    e = event(
        "ask @alice about #Caching",
        attributes={"project": "athena", "tool": "ruff", "other": "x"},
        tags=("perf",),
    )
    assert mentions(e) == [
        ("ruff", "tool"), ("athena", "project"), ("alice", "person"), ("caching", "concept"),
        ("perf", "concept"),
    ]  # fmt: skip


def test_plain_prose_yields_nothing() -> None:
    assert mentions(event("the build was slow today, e.g. (twice)")) == []
    assert mentions(event("a function when called twice; the class of errors")) == []


def test_plan_dedupes_by_key_and_pairs_each_event_once() -> None:
    a = event("x", context=EventContext(files=("A.py", "b.py")), tags=("perf",))
    b = event("x", context=EventContext(files=("a.py",)), tags=("PERF",))
    batch = plan(DefaultExtractor(), [a, b])
    assert batch.entity_keys == ["a.py", "b.py", "perf"]
    assert batch.entity_names == ["A.py", "b.py", "perf"]
    assert batch.mention_keys == ["a.py", "b.py", "perf", "a.py", "perf"]
    assert batch.mention_events == [a.id, a.id, a.id, b.id, b.id]
    assert batch.pairs == {("a.py", "b.py"): 1, ("a.py", "perf"): 2, ("b.py", "perf"): 1}


class Upper:
    def extract(self, e: Event) -> list[Mention]:
        return [Mention(e.content.upper(), "thing")]


def make_upper() -> Upper:
    return Upper()


def test_extractors_are_pluggable() -> None:
    assert isinstance(create_extractor("builtin"), DefaultExtractor)
    assert isinstance(create_extractor("none"), NoExtractor)
    custom = create_extractor(f"{__name__}:make_upper")
    assert isinstance(custom, EntityExtractor)
    assert custom.extract(event("hi")) == [Mention("HI", "thing")]
    with pytest.raises(ValueError):
        create_extractor("nonsense")
