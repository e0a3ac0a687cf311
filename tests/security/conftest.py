"""One server for the whole security suite: attacks run against the same long-lived process, so
a scenario that damaged the host would show up in every later one. During every run another
service must answer (ProbingStub), and after each scenario it must still answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from athena.config import Config
from athena.server import create_server
from athena.v1 import memory_pb2, memory_pb2_grpc

from tests.conftest import clone_database, drop_database
from tests.security.sandbox_helpers import PROJECT, ProbingStub


@pytest.fixture(scope="session")
def security_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the suite's work dirs live, beside a host file no run may read."""
    root = tmp_path_factory.mktemp("sandbox-runs")
    (root / "host-secret.txt").write_text("TOPSECRET")
    return root


@pytest.fixture(scope="session")
async def security_channel(
    pg_url: str, template_url: str, security_root: Path
) -> AsyncIterator[grpc.aio.Channel]:
    name = "security_suite"
    url = await clone_database(pg_url, name)
    config = Config(
        host="127.0.0.1",
        port=0,
        database_url=url,
        migrate_on_start=False,
        pool_min_size=1,
        pool_max_size=6,
        grace_seconds=0.5,
        sandbox_work_root=str(security_root),
        sandbox_prewarm=True,
    )
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(grace=0)
        await drop_database(pg_url, name)


@pytest.fixture
def sandbox(security_channel: grpc.aio.Channel) -> ProbingStub:
    """ExecuteCode with a concurrent probe of another service during every run."""
    return ProbingStub(security_channel)


@pytest.fixture
def memory_stub(security_channel: grpc.aio.Channel) -> memory_pb2_grpc.MemoryServiceStub:
    return memory_pb2_grpc.MemoryServiceStub(security_channel)


@pytest.fixture(autouse=True)
async def server_still_serves(security_channel: grpc.aio.Channel) -> AsyncIterator[None]:
    """Every scenario ends with the server answering another service's rpc promptly."""
    yield
    stub = memory_pb2_grpc.MemoryServiceStub(security_channel)
    await stub.GetEventStats(memory_pb2.GetEventStatsRequest(), metadata=PROJECT, timeout=10)
