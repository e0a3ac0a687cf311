"""ExecuteCode / Execute end to end: a real server, the real sandbox, the real database."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from athena.v1 import execution_pb2 as pb
from athena.v1 import execution_pb2_grpc, memory_pb2

from tests.security.sandbox_helpers import PROJECT, limits, run
from tests.support import violations


@pytest.fixture
def execution(channel: grpc.aio.Channel) -> execution_pb2_grpc.ExecutionServiceStub:
    return execution_pb2_grpc.ExecutionServiceStub(channel)


async def test_print_streams_stdout_and_ends_ok(execution) -> None:
    got = await run(execution, "print(1)\nprint('two')")
    assert got.out == "1\ntwo\n"
    assert got.termination == "OK"
    assert got.result.exit_code == 0
    assert len(got.result.code_sha256) == 64
    assert got.result.usage.output_bytes == len(b"1\ntwo\n")
    assert got.result.usage.peak_memory_bytes > 0


async def test_input_result_and_error_traceback(execution) -> None:
    got = await run(
        execution,
        "import athena\nathena.set_result({'sum': sum(athena.input['xs'])})\n",
        input={"xs": [1, 2, 3]},
    )
    assert got.value == {"sum": 6.0}
    failed = await run(execution, "def f():\n    return 1/0\nf()")
    assert failed.termination == "ERROR"
    assert failed.result.error.type == "ZeroDivisionError"
    assert "line 2, in f" in failed.result.error.traceback
    assert b"ZeroDivisionError" in failed.stderr
    assert failed.result.exit_code == 1


async def test_unary_execute_collects_everything(execution) -> None:
    response = await execution.Execute(
        pb.ExecuteRequest(code="import sys\nprint('out')\nprint('err', file=sys.stderr)"),
        metadata=PROJECT,
    )
    assert response.stdout == b"out\n"
    assert response.stderr == b"err\n"
    assert response.result.termination == pb.TERMINATION_REASON_OK


async def test_each_run_is_recorded_as_an_episodic_event(execution, memory) -> None:
    got = await run(execution, "print('hi')", session_id="s-exec")
    # Recorded just after the result is sent: poll for it with a deadline.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    request = memory_pb2.ListEventsRequest(filter=memory_pb2.EventFilter(session_id="s-exec"))
    while not (listed := await memory.ListEvents(request, metadata=PROJECT)).events:
        assert loop.time() < deadline, "the run was never recorded"
        await asyncio.sleep(0.02)
    [event] = listed.events
    assert event.actor == "athena.execution"
    assert event.attributes["run_id"] == got.result.run_id
    assert event.attributes["code_sha256"] == got.result.code_sha256
    assert event.attributes["termination"] == "ok"
    assert event.outcome == memory_pb2.OUTCOME_SUCCESS
    assert "execution" in event.tags


async def test_no_state_survives_between_runs(execution) -> None:
    await run(execution, "import builtins\nbuiltins.LEAK = 1\nopen('left.txt','w').write('x')")
    got = await run(
        execution, "import builtins, os\nprint(hasattr(builtins,'LEAK'), os.listdir('.'))"
    )
    assert got.out == "False []\n"


async def test_files_in_and_out(execution) -> None:
    got = await run(
        execution,
        "data = open('in/a.txt').read()\nopen('out.txt', 'w').write(data.upper())",
        files=[pb.ExecutionFile(path="in/a.txt", content=b"hello")],
    )
    assert got.termination == "OK"
    assert [(f.path, f.content) for f in got.result.files] == [("out.txt", b"HELLO")]


async def test_limits_above_the_maximum_are_invalid(execution) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await run(execution, "print(1)", limits=limits(wall_time_ms=10_000_000))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "limits.wall_time_ms" in violations(caught.value)


async def test_empty_code_and_bad_paths_are_invalid(execution) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await run(execution, "")
    assert "code" in violations(caught.value)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await run(execution, "pass", files=[pb.ExecutionFile(path="../x", content=b"")])
    assert "files[0].path" in violations(caught.value)
