"""Recall statements that run with a cached generic plan (`-- plan: generic`) keep using their
indexes: a generic plan does not see the parameters, so it must not need them to pick an index.
Each plan is made first on an empty table, as a pool connection of a new server would make it,
and then again after the table has grown and been analysed: a cached plan is replaced when its
tables' statistics change."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from athena.storage.queries import load_queries

QUERIES = load_queries()
ANCHORS = [uuid.uuid4() for _ in range(20)]


def _args(name: str) -> tuple:
    no_filter = ("p", None, None, None, None, None, None, None, None)
    return {
        "recall_event_neighbours": (*no_filter, ANCHORS, 2, None),
        "memory_item_stats_for": ("p", ["event"] * 3, [str(a) for a in ANCHORS[:3]]),
        "recall_events_by_ids": ("p", ANCHORS[:10]),
    }[name]


INDEXES = {
    "recall_event_neighbours": ("events_pkey", "events_project_session_time_idx"),
    "memory_item_stats_for": ("memory_item_stats_pkey",),
    "recall_events_by_ids": ("events_pkey", "memory_item_stats_pkey"),
}


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "'{" + ",".join(str(v) for v in value) + "}'"
    return "'" + str(value).replace("'", "''") + "'"


async def _execute(conn: asyncpg.Connection, name: str) -> str:
    """Runs the prepared statement a few times (past the point where a plan choice would
    settle) and returns its cached plan, shown by EXPLAIN EXECUTE: an EXPLAIN of the statement
    itself would be planned with its parameters' values."""
    execute = f"EXECUTE {name} ({', '.join(map(_literal, _args(name)))})"
    for _ in range(6):
        await conn.fetch(execute)
    return "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + execute))


@pytest.mark.parametrize("name", sorted(INDEXES))
async def test_generic_plans_use_their_indexes_before_and_after_growth(database_url, name):
    query = getattr(QUERIES, name)
    assert query.plan == "generic", f"{name} is not marked generic"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        await conn.execute(
            "INSERT INTO projects VALUES ('p', 'hash-ngram-v1', 384), ('q', 'hash-ngram-v1', 384)"
        )
        await conn.execute("ANALYZE")
        # Planned on empty tables, as a new server's pool connections plan it.
        await conn.execute(f"PREPARE {name} AS {query.sql}")
        await _execute(conn, name)
        await conn.execute(
            """
            INSERT INTO events (id, project_id, session_id, occur_time, type, content)
            SELECT CASE WHEN g <= 20 THEN ($1::uuid[])[g] ELSE gen_random_uuid() END,
                   CASE WHEN g % 10 = 0 THEN 'q' ELSE 'p' END,
                   's' || (g % 500), now() - g * interval '1 minute', 'action',
                   'event number ' || g
            FROM generate_series(1, 20000) g
            """,
            ANCHORS,
        )
        await conn.execute(
            """
            INSERT INTO memory_item_stats (project_id, layer, item_id, event_id)
            SELECT e.project_id, 'event', e.id::text, e.id FROM events e
            """
        )
        # Autovacuum's ANALYZE as the tables grow: new statistics invalidate the cached plan.
        await conn.execute("ANALYZE")
        plan = await _execute(conn, name)
        assert "$1" in plan, f"not a generic plan:\n{plan}"
        for index in INDEXES[name]:
            assert index in plan, f"{index} not used by {name}:\n{plan}"
    finally:
        await conn.close()
