"""ValidateCode, the runtime's availability, dedicated instances and the pool."""

from __future__ import annotations

import grpc
import pytest
from athena.server import create_server
from athena.v1 import execution_pb2 as pb
from athena.v1 import execution_pb2_grpc

from tests.security.sandbox_helpers import PROJECT, limits, run
from tests.support import error_info, violations


@pytest.fixture
def execution(channel: grpc.aio.Channel) -> execution_pb2_grpc.ExecutionServiceStub:
    return execution_pb2_grpc.ExecutionServiceStub(channel)


async def test_validate_reports_syntax_errors_with_position(execution) -> None:
    response = await execution.ValidateCode(
        pb.ValidateCodeRequest(code="x = 1\nif x\n    print(x)"), metadata=PROJECT
    )
    assert not response.valid
    [problem] = response.problems
    assert (problem.severity, problem.line) == ("error", 2)
    assert "SyntaxError" in problem.message


async def test_validate_accepts_3_12_syntax_and_warns_about_unusable_modules(execution) -> None:
    code = "import socket, subprocess\nname = 'x'\nprint(f\"{'nested' + f'{name}'}\")\n"
    response = await execution.ValidateCode(pb.ValidateCodeRequest(code=code), metadata=PROJECT)
    assert response.valid
    assert [(p.severity, p.line) for p in response.problems] == [("warning", 1), ("warning", 1)]
    assert "no network" in response.problems[0].message


async def test_validate_never_runs_the_code(execution) -> None:
    response = await execution.ValidateCode(
        pb.ValidateCodeRequest(code="while True:\n    pass"), metadata=PROJECT
    )
    assert response.valid and not response.problems


async def test_validate_rejects_empty_code(execution) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await execution.ValidateCode(pb.ValidateCodeRequest(code=""), metadata=PROJECT)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "code" in violations(caught.value)


async def test_a_non_default_memory_limit_gets_a_dedicated_instance(execution) -> None:
    got = await run(
        execution,
        "x = bytearray(200 * 1024 * 1024)\nprint(len(x))",
        limits=limits(memory_bytes=300 * 1024 * 1024),
    )
    assert got.termination == "OK", got.result.detail
    assert got.result.usage.peak_memory_bytes > 200 * 1024 * 1024


async def test_missing_runtime_makes_the_service_unavailable(make_config, tmp_path) -> None:
    config = make_config(sandbox_runtime=str(tmp_path / "absent.wasm"))
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = execution_pb2_grpc.ExecutionServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await run(stub, "print(1)")
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert error_info(caught.value).reason == "SANDBOX_UNAVAILABLE"
            assert "make setup" in caught.value.details()
    finally:
        await server.stop(grace=0)


async def test_a_runtime_that_is_not_the_pinned_build_is_refused(make_config, tmp_path) -> None:
    fake = tmp_path / "python.wasm"
    fake.write_bytes(b"\x00asm\x01\x00\x00\x00")
    server, port = await create_server(make_config(sandbox_runtime=str(fake)))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = execution_pb2_grpc.ExecutionServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ValidateCode(pb.ValidateCodeRequest(code="x"), metadata=PROJECT)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "pinned" in caught.value.details()
    finally:
        await server.stop(grace=0)


async def test_prewarm_fills_the_pool_and_runs_take_warm_instances(make_config) -> None:
    server, port = await create_server(make_config(sandbox_prewarm=True, sandbox_pool_size=2))
    await server.start()
    try:
        executor = server.components["execution"].domain["executor"]
        pool = await executor.pool()
        await pool.wait_filled()
        assert pool.ready_count == 2
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = execution_pb2_grpc.ExecutionServiceStub(channel)
            assert (await run(stub, "print('warm')")).out == "warm\n"
        await pool.wait_filled()  # refilled in the background after the hand-out
        assert pool.ready_count == 2
    finally:
        await server.stop(grace=0)


async def test_without_a_pool_each_run_boots_its_own_instance(make_config) -> None:
    server, port = await create_server(make_config(sandbox_pool_size=0))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = execution_pb2_grpc.ExecutionServiceStub(channel)
            assert (await run(stub, "print('cold')")).out == "cold\n"
        executor = server.components["execution"].domain["executor"]
        assert (await executor.pool()).ready_count == 0
    finally:
        await server.stop(grace=0)
