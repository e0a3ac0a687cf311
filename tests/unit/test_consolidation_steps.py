"""Each consolidation step on its own: signatures, prioritise, cluster, extract patterns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from athena.consolidation.cluster import ClusterSettings, cluster
from athena.consolidation.models import Item, PatternKind, Scored, Weights
from athena.consolidation.patterns import (
    PatternSettings,
    action_sequences,
    error_fixes,
    stable_facts,
    statements,
)
from athena.consolidation.prioritise import prioritise, relevance, surprise
from athena.consolidation.signatures import signature, words
from athena.memory import ConsolidationStatus, Event, EventContext, EventType, Outcome

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
_ids = iter(range(1, 1_000_000))


def item(
    content: str,
    type: EventType = EventType.ACTION,
    outcome: Outcome = Outcome.SUCCESS,
    session: str = "s",
    at: float = 0,
    task: str = "",
    importance: float = 0.5,
    vector: list[float] | None = None,
    entities: frozenset[str] = frozenset(),
) -> Item:
    event = Event(
        id=uuid.UUID(int=next(_ids)), session_id=session, occur_time=T0 + timedelta(seconds=at),
        type=type, actor="", content=content, outcome=outcome, context=EventContext(task=task),
        importance=importance, confidence=1.0, tags=(), attributes={},
        consolidation_status=ConsolidationStatus.PENDING, create_time=T0,
    )  # fmt: skip
    embedding = np.array(vector, dtype=np.float32) if vector is not None else None
    return Item(event, embedding, signature(content), entities)


def scored(items: list[Item]) -> list[Scored]:
    return [Scored(i, 0.5, 0, 0, 0) for i in items]


# --- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Ran pytest tests/test_api.py: 3 failed in 2.1s",
            "Ran pytest tests/x/test_db.py: 12 failed in 0.4s",
        ),
        ("Tagged release v1.2.3", "Tagged release v0.10.0"),
        ("Read the log for request 9f2c41aa01bc", "Read the log for request 0be1ff22aa90"),
        ("Upgraded 'requests' to 2.31", 'Upgraded "httpx" to 0.27'),
        ("Opened app.py", "Opened models.toml"),
    ],
)
def test_particulars_are_normalised_away(a: str, b: str) -> None:
    assert signature(a) == signature(b)


def test_different_actions_keep_different_signatures() -> None:
    assert signature("Ran pytest tests/test_api.py") != signature(
        "Ran ruff check tests/test_api.py"
    )
    assert len(signature(" ".join(["word"] * 50)).split()) == 10
    assert words("The cache eviction and the retries") == {"cache", "eviction", "retries"}


# --- prioritise ---------------------------------------------------------------------------


def test_surprise_is_the_improbability_of_the_outcome() -> None:
    assert surprise(0, 0, this_failed=True) == 0.5
    # An action that always worked failing is surprising; a flaky one failing again is not.
    assert surprise(0, 20, this_failed=True) > 0.9
    assert surprise(20, 0, this_failed=True) < 0.1
    assert surprise(0, 20, this_failed=False) < 0.1


def test_prioritise_scores_surprise_from_history_and_earlier_events() -> None:
    deploy = [item("Deployed the api", outcome=Outcome.SUCCESS, at=i) for i in range(5)]
    broken = item("Deployed the api", outcome=Outcome.FAILURE, at=10)
    chatter = item("Thinking about lunch", type=EventType.OBSERVATION, outcome=Outcome.UNSPECIFIED)
    out = prioritise([*deploy, broken, chatter], {}, [], Weights(1, 0, 0))
    assert out[0].surprise == 0.5  # nothing known yet
    assert out[4].surprise < out[0].surprise  # success after four successes: expected
    assert out[5].surprise > 0.8  # failure after five successes
    assert out[6].priority == 0.0  # no outcome, no surprise
    # Persisted history counts too: many past failures make this failure unsurprising.
    again = prioritise([broken], {broken.signature: (0, 30)}, [], Weights(1, 0, 0))
    assert again[0].surprise < 0.05


def test_prioritise_utility_and_goal_relevance_follow_their_weights() -> None:
    important = item("Fixed the billing export", importance=0.9)
    minor = item("Renamed a variable", importance=0.1, outcome=Outcome.UNSPECIFIED)
    goals = [words("Ship the billing export feature")]
    by_utility = prioritise([important, minor], {}, goals, Weights(0, 1, 0))
    assert by_utility[0].priority > by_utility[1].priority
    by_relevance = prioritise([important, minor], {}, goals, Weights(0, 0, 1))
    assert by_relevance[0].relevance == pytest.approx(
        relevance(words(important.event.content), goals)
    )
    assert by_relevance[0].relevance == 0.5 and by_relevance[1].relevance == 0
    assert prioritise([important], {}, [], Weights(0, 0, 1))[0].priority == 0


# --- cluster ------------------------------------------------------------------------------


def test_clusters_split_on_sessions_gaps_and_task_changes() -> None:
    s = ClusterSettings(max_gap_seconds=600, min_similarity=0.0)
    items = [
        item("a", session="one", at=0), item("b", session="one", at=60),
        item("c", session="one", at=60 + 601),  # pause
        item("d", session="two", at=30),  # other session
        item("e", session="one", at=700, task="t1"), item("f", session="one", at=710, task="t2"),
    ]  # fmt: skip
    groups = [[s_.item.event.content for s_ in c.items] for c in cluster(scored(items), s)]
    assert groups == [["a", "b"], ["d"], ["c", "e"], ["f"]]


def test_unlike_events_split_unless_they_share_an_entity() -> None:
    s = ClusterSettings(min_similarity=0.5)
    x, y = [1.0, 0.0], [0.0, 1.0]
    file = frozenset({"file:src/app.py"})
    items = [
        item("a", at=0, vector=x, entities=file), item("b", at=10, vector=y, entities=file),
        item("c", at=20, vector=y), item("d", at=30, vector=[0.0, 1.0]),
    ]  # fmt: skip
    groups = [[s_.item.event.content for s_ in c.items] for c in cluster(scored(items), s)]
    # b is unlike a but shares its file; c and d are like the episode's centroid (a + b).
    assert groups == [["a", "b", "c", "d"]]
    far = [item("a", at=0, vector=x), item("b", at=10, vector=y)]
    assert len(cluster(scored(far), s)) == 2
    big = [item(str(i), at=i) for i in range(5)]
    assert [len(c.items) for c in cluster(scored(big), ClusterSettings(max_size=2))] == [2, 2, 1]


# --- extract ------------------------------------------------------------------------------


WORKFLOW = ["Ran ruff check on src/a.py", "Ran pytest tests/test_a.py: 3 passed", "Pushed branch"]


def episodes(n: int, steps: list[str], noise: bool = True) -> list:
    out = []
    for e in range(n):
        items = [item(text, session=f"s{e}", at=i) for i, text in enumerate(steps)]
        if noise:
            items.insert(1, item("Looks fine", type=EventType.OBSERVATION, session=f"s{e}", at=0.5))
        out.extend(cluster(scored(items), ClusterSettings()))
    return out


def test_repeated_action_sequences_are_found_whole_with_their_events() -> None:
    clusters = episodes(4, WORKFLOW)
    found = action_sequences(clusters, PatternSettings())
    assert len(found) == 1
    (pattern,) = found
    assert pattern.kind is PatternKind.ACTION_SEQUENCE
    assert pattern.steps == tuple(signature(s) for s in WORKFLOW)
    assert len(pattern.instances) == 4 and all(len(i) == 3 for i in pattern.instances)
    assert pattern.confidence == pytest.approx(4 / 6, abs=1e-4)
    assert action_sequences(episodes(2, WORKFLOW), PatternSettings()) == []
    # Known signatures count with a single occurrence.
    known = {pattern.signature}
    assert len(action_sequences(episodes(1, WORKFLOW), PatternSettings(), known)) == 1


def test_a_sequence_that_only_sometimes_follows_another_has_low_confidence() -> None:
    tail = ["Opened the dashboard", "Closed the dashboard"]
    clusters = episodes(3, [*WORKFLOW, *tail]) + episodes(9, WORKFLOW)
    found = {p.steps: p for p in action_sequences(clusters, PatternSettings())}
    whole = found[tuple(signature(s) for s in WORKFLOW)]
    longer = found[tuple(signature(s) for s in [*WORKFLOW, *tail])]
    assert whole.confidence > 0.8 and longer.confidence < whole.confidence
    # Sub-sequences of a kept sequence are not reported separately.
    assert len(found) == 2


def test_a_variant_missing_a_step_is_weighed_against_the_full_sequence() -> None:
    four = [*WORKFLOW, "Opened a pull request"]
    variant = [WORKFLOW[0], WORKFLOW[2], four[3]]
    clusters = episodes(12, four) + episodes(3, variant)
    found = {p.steps: p for p in action_sequences(clusters, PatternSettings())}
    full = found[tuple(signature(s) for s in four)]
    rare = found[tuple(signature(s) for s in variant)]
    assert full.confidence > 0.8
    # Its last two steps are common (cohesion 3/15), and it is rare beside the full one.
    assert rare.confidence == pytest.approx(3 / 15 * 3 / 12 * 3 / 5, abs=1e-4)


def test_recurring_errors_are_paired_with_their_usual_fix() -> None:
    clusters = []
    for n, module in enumerate(["yaml", "jwt", "toml", "redis"]):
        items = [
            item(f"ModuleNotFoundError: No module named '{module}'", EventType.ERROR,
                 Outcome.FAILURE, session=f"s{n}", at=0),
            item("Retried", outcome=Outcome.FAILURE, session=f"s{n}", at=1),
            item(f"pip install {module}", session=f"s{n}", at=2),
            item("Ran pytest: 3 passed", EventType.TEST_RUN, session=f"s{n}", at=3),
        ]  # fmt: skip
        if n == 3:
            items[2] = item("Gave up", outcome=Outcome.FAILURE, session=f"s{n}", at=2)
            items[3] = item("Went home", outcome=Outcome.UNSPECIFIED, session=f"s{n}", at=3)
        clusters.extend(cluster(scored(items), ClusterSettings()))
    (found,) = error_fixes(clusters, PatternSettings())
    assert found.signature == "modulenotfounderror no module named <str>"
    assert found.fact is not None and found.fact.content == "pip install <ref>"
    assert found.fact.predicate == "fixed_by"
    assert len(found.instances) == 4
    # Fixed 3 of 4 times.
    assert found.confidence == pytest.approx(3 / 4 * 3 / 5, abs=1e-4)


def test_statements_are_parsed_from_plain_sentences() -> None:
    got = statements("Note: the API server listens on port 8080. It is fine; we use fly.io")
    assert [(s.subject, s.predicate, s.content) for s in got] == [
        ("api server", "listens on", "port 8080")
    ]
    assert statements("The build is not green") == []


def test_stable_facts_need_several_statements_and_prefer_the_latest_value() -> None:
    said = [("postgres 15", 0), ("postgres 15", 1), ("postgres 15", 2), ("postgres 16", 3),
            ("postgres 16", 4), ("postgres 16", 5), ("mysql", 6)]  # fmt: skip
    items = [
        item(f"The database is {value}.", EventType.OBSERVATION, Outcome.UNSPECIFIED,
             session=f"s{at}", at=at)
        for value, at in said
    ]  # fmt: skip
    clusters = cluster(scored(items), ClusterSettings())
    (fact,) = stable_facts(clusters, PatternSettings())
    assert fact.fact is not None and fact.fact.content == "postgres 16"
    assert len(fact.instances) == 3
    assert fact.confidence == pytest.approx(3 / 5 * (0.5 + 0.5 * 3 / 7), abs=1e-4)
    assert stable_facts(clusters[:2], PatternSettings()) == []
