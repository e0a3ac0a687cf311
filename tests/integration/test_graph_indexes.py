"""EXPLAIN the graph's hot paths: each hop of a walk, mention lookups and the linker's
per-event predecessor search must run through their composite indexes.

Sequential scans are priced out because the test tables are tiny (a planner would rightly scan
them); the assertions check that the index exists in a usable form for the query as written.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
from athena.storage.queries import load_queries
from athena.v1 import memory_pb2


async def plan(conn: asyncpg.Connection, sql: str, *args: object) -> str:
    return "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))


async def test_hot_paths_use_composite_indexes(database_url, memory) -> None:
    # Many sessions, so that a session's timeline is the selective way into the events.
    await memory.RecordEvents(
        memory_pb2.RecordEventsRequest(
            events=[
                memory_pb2.NewEvent(
                    session_id=f"s{i % 40}", type=memory_pb2.EVENT_TYPE_ACTION, content=f"e{i}"
                )
                for i in range(800)
            ]
        )
    )
    q = load_queries()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("ANALYZE events")
        await conn.execute("SET enable_seqscan = off")
        step = await plan(
            conn, q.graph_step.sql, "p", [uuid.uuid4()], "both", ["CALLS"], None, 0.0, None,
            None, 100,
        )  # fmt: skip
        assert "relations_project_id_source_id_target_id_type_key" in step  # outgoing edges
        assert "relations_target_idx" in step  # incoming edges
        events = await plan(conn, q.list_entity_events.sql, "p", uuid.uuid4(), None, 50)
        assert "event_entities_entity_idx" in events
        mentions = await plan(conn, q.list_event_entities.sql, "p", uuid.uuid4(), None, None, 50)
        assert "event_entities_pkey" in mentions
        follows = await plan(
            conn,
            q.link_session_followers.sql,
            "default",
            [uuid.uuid4()],
            ["s1"],
            [datetime.now(UTC)],
        )
        # The predecessor's instant is found in the session's timeline; the probe for the event
        # at that exact instant may use either time index (an equality, so never a long scan).
        assert "events_project_session_time_idx" in follows
        causes = await plan(
            conn, q.link_likely_causes.sql, "default", [uuid.uuid4()], ["s1"],
            [datetime.now(UTC)], ["action"], 20,
        )  # fmt: skip
        assert "events_project_session_time_idx" in causes
        assert "events_project_time_idx" not in causes
        upsert_keys = await plan(conn, q.insert_event_mentions.sql, "p", [uuid.uuid4()], ["a.py"])
        assert "entities_project_id_name_key_key" in upsert_keys
    finally:
        await conn.close()
