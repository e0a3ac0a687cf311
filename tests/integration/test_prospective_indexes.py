"""EXPLAIN evidence that the hot paths of prospective and meta-memory use their composite and
partial indexes (the named queries themselves, with realistic parameters, on 10k-row tables
where most rows belong to another project or are finished)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from athena.storage import load_queries
from athena.storage.database import SERVER_SETTINGS

SETUP = """
INSERT INTO projects VALUES ('p', 'hash-ngram-v1', 384), ('q', 'hash-ngram-v1', 384);
INSERT INTO prospective_tasks (id, project_id, title, status, priority, due_time)
SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN 'p' ELSE 'q' END, 'task ' || g,
    (ARRAY['pending', 'active', 'blocked', 'done', 'done', 'done', 'failed', 'cancelled'])
        [g % 8 + 1],
    g % 101, CASE WHEN g % 3 = 0 THEN NULL ELSE now() + (g % 200 - 100) * interval '1 hour' END
FROM generate_series(1, 10000) g;
INSERT INTO prospective_triggers (id, project_id, task_id, kind, armed, fire_time, match_actor,
    file_glob, file_regex)
SELECT gen_random_uuid(), t.project_id, t.id, k.kind, (row_number() OVER ()) % 20 = 0,
    CASE WHEN k.kind = 'time' THEN now() + interval '1 day' END,
    CASE WHEN k.kind = 'event' THEN 'ci' END,
    CASE WHEN k.kind = 'file' THEN '*.py' END, CASE WHEN k.kind = 'file' THEN '^x$' END
FROM prospective_tasks t
CROSS JOIN (VALUES ('time'), ('event'), ('file')) AS k (kind);
INSERT INTO prospective_trigger_firings (project_id, trigger_id, task_id, kind, fire_time)
SELECT project_id, id, task_id, kind, now() FROM prospective_triggers;
INSERT INTO memory_item_stats (project_id, layer, item_id, task_id, access_count, access_score,
    score_time, last_access_time)
SELECT project_id, 'task', id::text, id, 1, 1, now(), now() FROM prospective_tasks;
INSERT INTO memory_session_activity (project_id, session_id, layer, item_id, activation,
    score_time, last_access_time)
SELECT project_id, 's' || (row_number() OVER () % 500), layer, item_id, 1, now(), now()
FROM memory_item_stats;
ANALYZE prospective_tasks, prospective_triggers, prospective_trigger_firings, memory_item_stats,
    memory_session_activity;
"""


async def plan(conn: asyncpg.Connection, sql: str, *args: object) -> str:
    return "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))


async def test_hot_path_queries_use_their_indexes(database_url: str) -> None:
    q = load_queries()
    conn = await asyncpg.connect(database_url, server_settings=SERVER_SETTINGS)
    try:
        await conn.execute(SETUP)
        ids = [r["item_id"] for r in await conn.fetch(
            "SELECT item_id FROM memory_item_stats WHERE project_id = 'p' LIMIT 20"
        )]  # fmt: skip
        now = datetime.now(UTC)
        cases = {
            "prospective_tasks_overdue_idx": (
                q.list_overdue_tasks.sql, "p", now, None, None, None, 51,
            ),
            "prospective_tasks_active_idx": (q.list_active_tasks.sql, "p", None, None, None, 51),
            "prospective_triggers_due_idx": (q.next_time_trigger.sql,),
            "prospective_triggers_event_idx": (
                "SELECT id FROM prospective_triggers WHERE project_id = $1 AND armed "
                "AND kind IN ('event', 'context', 'file')",
                "p",
            ),
            "prospective_trigger_firings_project_seq_idx": (
                q.list_firings_after.sql, "p", 100, None, None, 100,
            ),
            "memory_item_stats_pkey": (
                q.memory_item_stats_for.sql, "p", ["task"] * len(ids), ids,
            ),
            "memory_session_activity_pkey": (
                "SELECT item_id FROM memory_session_activity WHERE project_id = $1 "
                "AND session_id = $2",
                "p",
                "s7",
            ),
        }  # fmt: skip
        for index, (sql, *args) in cases.items():
            text = await plan(conn, sql, *args)
            assert index in text, f"{index} not used:\n{text}"
    finally:
        await conn.close()
