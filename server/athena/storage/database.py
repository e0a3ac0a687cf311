"""The asyncpg pool behind a small facade that translates driver errors into ours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import asyncpg
from pgvector.asyncpg import register_vector

from athena.errors import StorageError, StorageUnavailable
from athena.storage.queries import Query

P = ParamSpec("P")
T = TypeVar("T")

CUSTOM_PLAN = "force_custom_plan"
GENERIC_PLAN = "force_generic_plan"

# Custom plans let `($n IS NULL OR col = $n)` filters fold away, so one static statement serves
# every filter combination with a plan fitted to it; JIT only adds latency at our query sizes.
# Iterative HNSW scans keep returning neighbours until filtered queries have enough rows.
# ef_search stays at pgvector's default 40: at 100k events 100 doubled the vector query's median
# (4.3 -> 8.8 ms) for recall@10 0.73 -> 0.88 against exact search (measured on 20k).
SERVER_SETTINGS = {
    "plan_cache_mode": CUSTOM_PLAN,
    "jit": "off",
    "hnsw.iterative_scan": "relaxed_order",
}

_TRANSIENT_TYPES = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
    TimeoutError,
)
# SQLSTATE classes and codes worth retrying: connection exceptions (08), insufficient resources
# (53), operator intervention such as shutdown or "cannot connect now" (57), serialization
# failures and deadlocks (40001, 40P01), lock not available (55P03), query cancelled (57014).
_TRANSIENT_CLASSES = ("08", "53", "57")
_TRANSIENT_STATES = {"40001", "40P01", "55P03"}


# InternalClientError is not an InterfaceError: asyncpg raises it when a connection whose backend
# was just terminated is used before the pool noticed (the rpc failed INTERNAL, not UNAVAILABLE).
_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    state = getattr(exc, "sqlstate", None) or ""
    return state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_STATES


def translate(exc: BaseException) -> Exception:
    """Map a driver exception to StorageUnavailable (retryable) or StorageError (a bug)."""
    if is_transient(exc):
        return StorageUnavailable(f"database unavailable: {type(exc).__name__}")
    return StorageError(f"database error: {type(exc).__name__}: {exc}")


def _translated(fn: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    @wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except _DRIVER_ERRORS as exc:
            raise translate(exc) from exc

    return wrapper


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pool connection that knows its plan cache mode and whether a release must reset it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The mode its pool opens it in, which a reset returns it to.
        self.default_plan_mode = CUSTOM_PLAN
        # None: unknown (a rolled-back transaction may have undone a SET).
        self.plan_mode: str | None = CUSTOM_PLAN
        self.dirty = False

    # Methods rather than attribute writes: the pool hands out a proxy that forwards reads and
    # calls to this connection but cannot take attributes.
    def open_in(self, mode: str) -> None:
        self.default_plan_mode = self.plan_mode = mode

    async def use_plan_mode(self, mode: str) -> None:
        if self.plan_mode != mode:
            await self.execute(f"SET plan_cache_mode = {mode}")
            self.plan_mode = mode

    def forget_plan_mode(self) -> None:
        self.plan_mode = None

    def mark_dirty(self) -> None:
        self.dirty = True

    def reset_done(self) -> None:
        self.dirty = False
        self.plan_mode = self.default_plan_mode


async def _reset_on_release(conn: PooledConnection) -> None:
    """The pool has already ended any transaction and dropped listener callbacks; the reset query
    (advisory locks, cursors, LISTEN, settings) only runs when something may have left such state,
    which saves a round trip on nearly every release. The plan mode needs no reset: every named
    query sets the one it needs."""
    if conn.dirty:
        await conn.execute(conn.get_reset_query())
        conn.reset_done()


class Connection:
    """One connection (inside a transaction or not) running named queries.

    The pool connection is taken at the first statement, from the pool whose connections are
    already in that statement's plan mode: a use of generic statements (the hot writes, the graph
    lookups) and one of custom ones (filtered reads) then rarely need a `SET` round trip to switch
    the mode first. With one pool, connections handed out in turn alternated modes: a recall
    switched four times. Outside a transaction a statement of the other mode moves the use to a
    connection of the other pool; only a transaction (or session state) switches with a `SET`.
    A transaction begins at its first statement too."""

    def __init__(self, db: Database, transactional: bool = False) -> None:
        self._db = db
        self._transactional = transactional
        self._conn: PooledConnection | None = None
        self._pool: asyncpg.Pool | None = None
        self._transaction: Any = None

    async def _connection(self, mode: str = CUSTOM_PLAN) -> PooledConnection:
        if self._conn is None:
            pool = self._db.generic_pool if mode == GENERIC_PLAN else self._db.pool
            conn = await self._db._acquire(pool)
            self._conn, self._pool = conn, pool
            if self._transactional:
                self._transaction = conn.transaction()
                await self._transaction.start()
        return self._conn

    async def raw(self) -> asyncpg.Connection:
        """The driver connection, for what named queries cannot do (listeners); whatever it is
        used for, the pool resets the connection on release."""
        conn = await self._connection()
        conn.mark_dirty()
        return conn

    async def _prepare(self, query: Query) -> PooledConnection:
        mode = GENERIC_PLAN if query.plan == "generic" else CUSTOM_PLAN
        held = self._conn
        if (
            held is not None
            and query.plan != "any"
            and held.plan_mode != mode
            and not self._transactional
            and not held.dirty
            and self._db.generic_pool is not self._db.pool
        ):
            # Outside a transaction, with no session state to keep, the statement may as well
            # run on a connection of the other pool, already in its mode: handing one back and
            # taking another costs no round trip, where a SET costs one (and a switch back).
            await self._finish(failed=False)
        conn = await self._connection(mode)
        if query.stateful:
            conn.mark_dirty()
        if query.plan != "any":
            await conn.use_plan_mode(mode)
        return conn

    @_translated
    async def fetch(self, query: Query, *args: Any) -> list[asyncpg.Record]:
        return await (await self._prepare(query)).fetch(query.sql, *args)

    @_translated
    async def fetchrow(self, query: Query, *args: Any) -> asyncpg.Record | None:
        return await (await self._prepare(query)).fetchrow(query.sql, *args)

    @_translated
    async def fetchval(self, query: Query, *args: Any) -> Any:
        return await (await self._prepare(query)).fetchval(query.sql, *args)

    @_translated
    async def execute(self, query: Query, *args: Any) -> str:
        return await (await self._prepare(query)).execute(query.sql, *args)

    @_translated
    async def copy_records(
        self, table: str, columns: Sequence[str], records: list[tuple[Any, ...]]
    ) -> None:
        """Bulk insert with COPY: the fastest path for batches of new rows."""
        conn = await self._connection()
        await conn.copy_records_to_table(table, records=records, columns=list(columns))

    async def _finish(self, failed: bool) -> None:
        """End the transaction (if one began) and hand the connection back."""
        conn, pool, self._conn = self._conn, self._pool, None
        if conn is None or pool is None:
            return
        try:
            if self._transaction is not None and not conn.is_closed():
                if failed:
                    # A rollback undoes a SET made inside the transaction.
                    conn.forget_plan_mode()
                    await self._transaction.rollback()
                else:
                    await self._transaction.commit()
        finally:
            await pool.release(conn)


class Database:
    """Owns the pools. `async with db.transaction() as conn:` for atomic work."""

    def __init__(self, pool: asyncpg.Pool, generic_pool: asyncpg.Pool | None = None) -> None:
        # Connections opened in custom-plan mode (the default), and in generic-plan mode.
        self.pool = pool
        self.generic_pool = generic_pool or pool

    async def _acquire(self, pool: asyncpg.Pool) -> PooledConnection:
        try:
            return await pool.acquire()
        except _DRIVER_ERRORS as exc:
            # Whatever stops us getting a connection (server down, database closed to
            # connections, too many clients) is a condition to retry, not a bug.
            raise StorageUnavailable(f"database unavailable: {type(exc).__name__}") from exc

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        conn = Connection(self)
        try:
            yield conn
        except _DRIVER_ERRORS as exc:
            raise translate(exc) from exc
        finally:
            await conn._finish(failed=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        conn = Connection(self, transactional=True)
        failed = True
        try:
            yield conn
            failed = False
        except _DRIVER_ERRORS as exc:
            raise translate(exc) from exc
        finally:
            try:
                await conn._finish(failed)
            except _DRIVER_ERRORS as exc:
                if not failed:
                    raise translate(exc) from exc

    async def close(self) -> None:
        await self.pool.close()
        if self.generic_pool is not self.pool:
            await self.generic_pool.close()


async def _init_custom(conn: PooledConnection) -> None:
    await register_vector(conn)


async def _init_generic(conn: PooledConnection) -> None:
    conn.open_in(GENERIC_PLAN)
    await register_vector(conn)


async def connect(dsn: str, min_size: int = 2, max_size: int = 10) -> Database:
    """Open the two pools (custom- and generic-plan connections, each up to `max_size`); every
    connection knows the pgvector type."""

    async def pool(mode: str, init: Callable[[PooledConnection], Coroutine[Any, Any, None]]) -> Any:
        return await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            init=init,
            reset=_reset_on_release,
            connection_class=PooledConnection,
            server_settings={**SERVER_SETTINGS, "plan_cache_mode": mode},
        )

    try:
        custom = await pool(CUSTOM_PLAN, _init_custom)
        try:
            generic = await pool(GENERIC_PLAN, _init_generic)
        except BaseException:
            await custom.close()
            raise
    except _DRIVER_ERRORS as exc:
        raise translate(exc) from exc
    assert custom is not None and generic is not None
    return Database(custom, generic)
