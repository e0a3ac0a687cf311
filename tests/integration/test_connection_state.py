"""Pool connections: each named query runs in its plan mode, and a release resets only what
may carry state past the connection's use."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from athena.errors import StorageError
from athena.storage import connect, load_queries

SQL = """
-- name: mode_generic
-- The plan mode a generic statement runs in.
-- plan: generic
SELECT current_setting('plan_cache_mode')

-- name: mode_custom
-- The plan mode a default statement runs in.
SELECT current_setting('plan_cache_mode')

-- name: take_lock
-- A session advisory lock that outlives the statement.
-- session: stateful
SELECT pg_advisory_lock(4242)

-- name: fail
-- Fails inside a transaction.
-- plan: any
SELECT 1 / 0
"""


@pytest.fixture
def queries(tmp_path: Path):
    (tmp_path / "t.sql").write_text(SQL)
    return load_queries(tmp_path)


@pytest.fixture
async def db(database_url):
    """Pools of one connection each, so consecutive uses in one mode share one session."""
    pool = await connect(database_url, 1, 1)
    yield pool
    await pool.close()


async def _lock_holders(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"
            )
        )
    finally:
        await conn.close()


SESSION_DEFAULT = "SELECT reset_val FROM pg_settings WHERE name = 'plan_cache_mode'"
BACKEND = "SELECT pg_backend_pid()"


async def _session(conn) -> tuple[int, str]:
    """The backend a use is on and the plan mode that backend was opened in."""
    raw = await conn.raw()
    return await raw.fetchval(BACKEND), await raw.fetchval(SESSION_DEFAULT)


async def test_outside_a_transaction_each_mode_runs_on_a_connection_opened_in_it(db, queries):
    async with db.connection() as conn:
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"
        custom = await (await conn.raw()).fetchval(BACKEND)
        # raw() marked that connection as holding session state; a fresh use can move.
    async with db.connection() as conn:
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"
        assert await conn.fetchval(queries.mode_generic) == "force_generic_plan"
        # Moved to the generic pool's connection, opened in its mode: no SET was made.
        pid, default = await _session(conn)
        assert pid != custom and default == "force_generic_plan"
    async with db.connection() as conn:
        assert await conn.fetchval(queries.mode_generic) == "force_generic_plan"
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"
        assert await _session(conn) == (custom, "force_custom_plan")


async def test_a_transaction_switches_its_one_connection(db, queries):
    async with db.transaction() as conn:
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"
        before = await (await conn.raw()).fetchval(BACKEND)
        assert await conn.fetchval(queries.mode_generic) == "force_generic_plan"
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"
        assert await (await conn.raw()).fetchval(BACKEND) == before


async def test_session_state_keeps_a_use_on_its_connection(db, queries):
    async with db.connection() as conn:
        await conn.fetchval(queries.take_lock)
        # The lock lives in this session: the generic statement must not move away from it.
        assert await conn.fetchval(queries.mode_generic) == "force_generic_plan"
        holds = await (await conn.raw()).fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"
            " AND pid = pg_backend_pid()"
        )
        assert holds == 1


@pytest.mark.parametrize("first", ["mode_generic", "mode_custom"])
async def test_the_first_statement_picks_a_connection_already_in_its_mode(db, queries, first):
    async with db.connection() as conn:
        await conn.fetchval(getattr(queries, first))
        # The session default is what the connection was opened with: no SET was needed.
        default = await (await conn.raw()).fetchval(SESSION_DEFAULT)
    assert default == ("force_generic_plan" if first == "mode_generic" else "force_custom_plan")


async def test_a_transaction_begins_at_its_first_statement_and_is_atomic(db, queries):
    async with db.connection() as conn:
        await (await conn.raw()).execute("CREATE TABLE lazy_tx (x int)")
    insert = "INSERT INTO lazy_tx VALUES (1)"
    with pytest.raises(StorageError):
        async with db.transaction() as conn:
            await (await conn.raw()).execute(insert)
            await conn.fetchval(queries.fail)
    async with db.transaction() as conn:
        await (await conn.raw()).execute(insert)
    async with db.transaction():
        pass  # no statement: no connection taken, nothing to commit
    with pytest.raises(RuntimeError):
        async with db.transaction():
            raise RuntimeError("before any statement")
    async with db.connection() as conn:
        assert await (await conn.raw()).fetchval("SELECT count(*) FROM lazy_tx") == 1


@pytest.mark.parametrize("how", ["stateful statement", "raw driver use"])
async def test_session_state_makes_the_release_reset_the_session(db, database_url, queries, how):
    async with db.connection() as conn:
        if how == "raw driver use":
            await (await conn.raw()).execute("SELECT pg_advisory_lock(4242)")
        else:
            await conn.fetchval(queries.take_lock)
        assert await _lock_holders(database_url) == 1
    assert await _lock_holders(database_url) == 0
    async with db.connection() as conn:
        # The reset restored the session default, and the connection knows it.
        assert await conn.fetchval(queries.mode_custom) == "force_custom_plan"


async def test_a_plain_statement_skips_the_reset(db, database_url, queries):
    async with db.connection() as conn:
        pid = await (await conn.raw()).fetchval("SELECT pg_backend_pid()")
    async with db.connection() as conn:
        await conn.fetchval(queries.mode_custom)
    # Only the reset of the first (raw) use ran: no RESET ALL after the named query.
    probe = await asyncpg.connect(database_url)
    try:
        last = await probe.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await probe.close()
    assert "RESET ALL" not in last
