"""Fixtures: one embedded PostgreSQL per test session, a migrated template database, and per test a
fresh clone of it behind a real server on a real socket."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

# As athena/__init__.py does, before grpc is imported here: the tests start PostgreSQL servers
# (initdb, pg_ctl) while gRPC's threads run.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import asyncpg
import grpc
import pytest
from athena.config import Config
from athena.server import AthenaServer, create_server
from athena.storage.embedded import EmbeddedPostgres
from athena.storage.migrate import apply_migrations
from athena.v1 import memory_pb2_grpc

from tests.support import with_database

TEMPLATE = "athena_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
async def pg_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Admin URL of the session's embedded PostgreSQL."""
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("pg"))
    dsn = await embedded.start()
    yield dsn
    await embedded.stop()


@pytest.fixture(scope="session")
async def template_url(pg_url: str) -> str:
    """A database with every migration applied, cloned by each test."""
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    url = with_database(pg_url, TEMPLATE)
    await apply_migrations(url)
    return url


async def clone_database(pg_url: str, name: str, template: str | None = TEMPLATE) -> str:
    """Create database `name` as a copy of `template` (None: an empty one); returns its URL."""
    copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}{copy}")
    finally:
        await conn.close()
    return with_database(pg_url, name)


async def drop_database(pg_url: str, name: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
async def database_url(pg_url: str, template_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    name = f"test_{next(_counter)}"
    url = await clone_database(pg_url, name)
    yield url
    await drop_database(pg_url, name)


@pytest.fixture
async def empty_url(pg_url: str) -> AsyncIterator[str]:
    """A database without any migration applied, for migration tests."""
    name = f"empty_{next(_counter)}"
    yield await clone_database(pg_url, name, template=None)
    await drop_database(pg_url, name)


@pytest.fixture
def config(database_url: str) -> Config:
    return Config(
        host="127.0.0.1",
        port=0,
        database_url=database_url,
        migrate_on_start=False,
        pool_min_size=1,
        pool_max_size=4,
        grace_seconds=0.5,
    )


@pytest.fixture
async def server(config: Config) -> AsyncIterator[tuple[AthenaServer, int]]:
    srv, port = await create_server(config)
    await srv.start()
    yield srv, port
    await srv.stop(grace=0)


@pytest.fixture
async def channel(server: tuple[AthenaServer, int]) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server[1]}") as ch:
        yield ch


@pytest.fixture
def memory(channel: grpc.aio.Channel) -> memory_pb2_grpc.MemoryServiceStub:
    return memory_pb2_grpc.MemoryServiceStub(channel)


@pytest.fixture
def make_config(config: Config) -> Iterator[object]:
    """Variant configs for tests that need their own server settings."""
    yield lambda **changes: replace(config, **changes)
