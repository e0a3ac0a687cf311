from __future__ import annotations

import re
from pathlib import Path

import pytest
from athena.storage.queries import load_queries, parse


def test_all_shipped_queries_load_with_descriptions() -> None:
    queries = load_queries()
    assert "get_event" in queries.names()
    for name in queries.names():
        query = getattr(queries, name)
        assert query.description, name
        assert "{{" not in query.sql, name


def test_fragments_are_expanded(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text(
        "-- fragment: cols\n-- two columns\na, b\n\n-- name: q\n-- Read.\nSELECT {{cols}} FROM t;\n"
    )
    assert load_queries(tmp_path).q.sql == "SELECT a, b FROM t"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- name: q\nSELECT 1;\n", "no description"),
        ("-- name: q\n-- d\nSELECT 1;\n-- name: q\n-- d\nSELECT 2;\n", "duplicate"),
    ],
)
def test_bad_files(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_unknown_fragment(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: q\n-- d\nSELECT {{nope}};\n")
    with pytest.raises(ValueError, match="unknown fragment"):
        load_queries(tmp_path)


def test_missing_query_name_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no SQL query named"):
        _ = load_queries().no_such_query


def test_plan_and_session_options_follow_the_description() -> None:
    queries, _ = parse(
        "-- name: hot\n-- A hot write.\n-- plan: generic\nINSERT INTO t VALUES ($1);\n"
        "-- name: lock\n-- Locks.\n-- session: stateful\n-- plan: any\n"
        "SELECT pg_advisory_lock(1);\n"
        "-- name: search\n-- A filtered read.\n-- more words\nSELECT 1;\n"
    )
    assert (queries["hot"].plan, queries["hot"].stateful) == ("generic", False)
    assert queries["hot"].sql == "INSERT INTO t VALUES ($1)"
    assert (queries["lock"].plan, queries["lock"].stateful) == ("any", True)
    assert (queries["search"].plan, queries["search"].stateful) == ("custom", False)
    assert queries["search"].sql == "-- more words\nSELECT 1"


@pytest.mark.parametrize(
    "option", ["-- plan: fast", "-- session: sticky", "-- plan: generic\n-- plan: any"]
)
def test_unknown_or_repeated_options_are_refused(option: str) -> None:
    with pytest.raises(ValueError, match="bad option"):
        parse(f"-- name: q\n-- d\n{option}\nSELECT 1;\n")


def test_shipped_generic_statements_are_the_fixed_shape_hot_paths() -> None:
    queries = load_queries()
    generic = {n for n in queries.names() if getattr(queries, n).plan == "generic"}
    assert {"orch_create_tasks", "orch_complete_tasks", "match_event_triggers"} <= generic
    # Filtered reads fold their `$n IS NULL OR ...` conditions only in custom plans.
    assert queries.list_events_time_desc.plan == "custom"
    assert queries.cons_try_lock.stateful


def test_generic_plans_with_a_parameterised_limit_are_the_measured_ones() -> None:
    # A generic plan is made once, blind to the limit and to later table growth; the recall
    # statements below were checked at 100k events and on small projects (docs/recall.md); the
    # neighbours' plan also by tests/integration/test_recall_generic_plans.py, and the planning
    # layer's reads every task and goal of the project whatever the limit.
    queries = load_queries()
    limited = {
        n
        for n in queries.names()
        if getattr(queries, n).plan == "generic"
        and re.search(r"LIMIT \$\d", getattr(queries, n).sql)
    }
    assert limited <= {
        "recall_entities",
        "recall_event_neighbours",
        "recall_graph",
        "recall_named_entities",
        "recall_planning",
        "recall_relations",
    }
