"""Migrations from an empty database: applied in order, recorded, idempotent, tamper-evident."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest
from athena.errors import MigrationError
from athena.storage.migrate import apply_migrations, default_migrations_dir, discover


async def test_all_migrations_apply_to_an_empty_database(empty_url: str) -> None:
    expected = [m.version for m in discover(default_migrations_dir())]
    assert await apply_migrations(empty_url) == expected
    assert await apply_migrations(empty_url) == []
    conn = await asyncpg.connect(empty_url)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        assert versions == expected
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
        assert {
            "projects", "events", "event_vectors", "event_vector_queue", "idempotency_keys",
            "audit_log",
        } <= tables  # fmt: skip
        indexes = {
            r["indexname"]: r["indexdef"]
            for r in await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename='events'"
            )
        }
        hnsw = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'event_vectors_embedding_idx'"
        )
        assert "hnsw" in hnsw and "vector_cosine_ops" in hnsw
        assert "gin" in indexes["events_search_tsv_idx"]
        assert "(project_id, occur_time DESC, id DESC)" in indexes["events_project_time_idx"]
        assert "session_id" in indexes["events_project_session_time_idx"]
        assert "consolidation_status" in indexes["events_project_consolidation_idx"]
        dim = await conn.fetchval(
            "SELECT array_agg(DISTINCT atttypmod) FROM pg_attribute WHERE attname = 'embedding' "
            "AND attrelid IN ('event_vectors'::regclass, 'event_vector_queue'::regclass)"
        )
        assert dim == [384]
    finally:
        await conn.close()


async def test_edited_migration_is_refused(empty_url: str, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(default_migrations_dir(), copy)
    await apply_migrations(empty_url, copy)
    first = sorted(copy.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(empty_url, copy)


async def test_failing_migration_rolls_back_and_is_not_recorded(
    empty_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(default_migrations_dir(), copy)
    n = len(list(copy.glob("*.sql"))) + 1
    (copy / f"{n:04d}_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    with pytest.raises(MigrationError):
        await apply_migrations(empty_url, copy)
    conn = await asyncpg.connect(empty_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == n - 1
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("files", "message"),
    [({"0001_a.sql": "", "0003_c.sql": ""}, "without gaps"), ({"1_bad.sql": ""}, "NNNN_name")],
)
def test_discover_rejects_bad_layouts(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


async def test_hot_path_queries_use_indexes(database_url: str) -> None:
    """EXPLAIN evidence for the composite indexes (documented in docs/operations.md)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO projects VALUES ('p', 'hash-ngram-v1', 384), ('q', 'hash-ngram-v1', 384)"
        )
        await conn.execute(
            """
            INSERT INTO events (id, project_id, session_id, occur_time, type, content)
            SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN 'p' ELSE 'q' END,
                   's' || (g % 500), now() - g * interval '1 minute', 'action',
                   'event number ' || g
            FROM generate_series(1, 20000) g
            """
        )
        await conn.execute("ANALYZE events")
        plans = {
            "events_project_time_idx": "SELECT id FROM events WHERE project_id = 'p' "
            "ORDER BY occur_time DESC, id DESC LIMIT 50",
            "events_project_session_time_idx": "SELECT id FROM events WHERE project_id = 'q' "
            "AND session_id = 's7' ORDER BY occur_time DESC LIMIT 50",
            "events_project_consolidation_idx": "SELECT id FROM events WHERE project_id = 'p' "
            "AND consolidation_status = 'skipped' ORDER BY occur_time LIMIT 50",
            "events_search_tsv_idx": "SELECT id FROM events WHERE project_id = 'q' AND "
            "search_tsv @@ to_tsquery('english', '1234')",
        }
        for index, sql in plans.items():
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql))
            assert index in plan, f"{index} not used:\n{plan}"
    finally:
        await conn.close()


async def test_embedded_postgres_runs_with_tuned_settings(pg_url: str) -> None:
    from athena.storage.embedded import SETTINGS

    conn = await asyncpg.connect(pg_url)
    try:
        for name, value in SETTINGS.items():
            assert await conn.fetchval(f"SHOW {name}") == value, name
    finally:
        await conn.close()


async def test_state_tables_keep_their_project_key_and_the_logs_do_not(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        keyed = {
            r["table"]
            for r in await conn.fetch(
                "SELECT conrelid::regclass::text AS table FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = 'projects'::regclass"
            )
        }
    finally:
        await conn.close()
    # The tables holding state keep their key to the project.
    assert {"orch_tasks", "orch_agents", "orch_workflows", "events", "facts"} <= keyed
    # Appended to on every create, completion and recorded batch, pruned by age (migration 0009).
    assert not {"orch_bus_events", "orch_attempts"} & keyed
