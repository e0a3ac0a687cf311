"""The `athena` command as a user runs it: serve on the embedded default, stop on a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import grpc
import pytest
from athena.config import Config
from athena.v1 import memory_pb2 as pb
from athena.v1 import memory_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ATHENA = str(Path(sys.executable).parent / "athena")


def env_without_athena() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ATHENA_")}


async def start(
    *args: str, env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        ATHENA, "serve", "--port", "0", "--log-format", "text", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env or env_without_athena(),
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=90)
    text = line.decode().strip()
    assert text.startswith("athena: serving on 127.0.0.1:"), text
    return proc, int(text.rsplit(":", 1)[1])


async def stop(proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    proc.send_signal(sig)
    return await asyncio.wait_for(proc.wait(), timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_serve_embedded_default_and_stop_cleanly(tmp_path: Path, sig: int) -> None:
    proc, port = await start("--data-dir", str(tmp_path))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="athena.v1.MemoryService")
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            await memory.RecordEvent(
                pb.RecordEventRequest(event=pb.NewEvent(session_id="s", type=1, content="hi"))
            )
    finally:
        code = await stop(proc, sig)
    assert code == 0
    assert (tmp_path / "pg" / "PG_VERSION").exists()
    assert not (tmp_path / "pg" / "postmaster.pid").exists(), "embedded PostgreSQL left running"

    # Data survives a restart on the same data directory.
    proc, port = await start("--data-dir", str(tmp_path))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            stats = await memory.GetEventStats(pb.GetEventStatsRequest())
            assert stats.total_count == 1
    finally:
        assert await stop(proc) == 0


async def test_serve_uses_database_url_from_environment(database_url: str, tmp_path: Path) -> None:
    env = env_without_athena() | {"ATHENA_DATABASE_URL": database_url}
    proc, port = await start("--data-dir", str(tmp_path / "unused"), env=env)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            assert (await memory.GetEventStats(pb.GetEventStatsRequest())).total_count == 0
    finally:
        assert await stop(proc) == 0
    assert not (tmp_path / "unused" / "pg").exists()


async def test_serve_help_documents_every_setting() -> None:
    proc = await asyncio.create_subprocess_exec(
        ATHENA, "serve", "--help", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    text = out.decode()
    from dataclasses import fields

    for f in fields(Config):
        assert "--" + f.name.replace("_", "-") in text
        assert "ATHENA_" + f.name.upper() in text
    assert "--config" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "abc"], "invalid configuration"),
        (["--migrate-on-start", "--pool-min-size", "x"], "invalid"),
    ],
)
async def test_bad_configuration_exits_with_a_message(args: list[str], message: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        ATHENA, "serve", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env_without_athena(),
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 2
    assert message in err.decode()


async def test_migrate_command(database_url: str) -> None:
    env = env_without_athena() | {"ATHENA_DATABASE_URL": database_url}
    proc = await asyncio.create_subprocess_exec(
        ATHENA, "migrate", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "athena: up to date"
