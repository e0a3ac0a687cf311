"""Crash attempts against the host, and interference between concurrent runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
import pytest
from athena.v1 import execution_pb2 as pb
from athena.v1 import memory_pb2

from tests.security.sandbox_helpers import PROJECT, limits, run


@dataclass(frozen=True)
class Crash:
    code: str
    termination: str
    exit_code: int | None = None


CRASHES = {
    "os.abort": Crash("import os\nos.abort()", "ERROR", -1),
    "segfault via faulthandler": Crash("import faulthandler\nfaulthandler._sigsegv()", "ERROR", -1),
    "raise SIGKILL": Crash("import signal\nsignal.raise_signal(signal.SIGKILL)", "ERROR", -1),
    "os._exit with a status": Crash("import os\nos._exit(7)", "ERROR", 7),
    "os._exit(0) skips the prelude": Crash("import os\nos._exit(0)", "OK", 0),
    "sys.exit with a message": Crash("import sys\nsys.exit('bye')", "ERROR", 1),
    "close stdout, then print": Crash("import os\nos.close(1)\nprint('x')", "ERROR", 1),
    "close stderr, then raise": Crash("import os\nos.close(2)\nraise ValueError('x')", "ERROR"),
    "close stdin, then call the host": Crash(
        "import os, athena\nos.close(0)\nathena.memory.get_event_stats()", "ERROR"
    ),
    "sys.stdout replaced by None": Crash("import sys\nsys.stdout = None\nprint('x')", "OK", 0),
    "lone surrogate printed": Crash("print('\\ud800')", "ERROR", 1),
    "exception whose str() raises": Crash(
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()",
        "ERROR",
    ),
    "result that cannot be encoded as JSON (deep)": Crash(
        "import athena\nx = []\nfor _ in range(100000):\n    x = [x]\nathena.set_result(x)",
        "ERROR",
    ),
    "prelude functions overwritten": Crash(
        "import builtins, sys\nbuiltins.print = None\nsys.exit = None\nraise SystemExit(3)",
        "ERROR",
        3,
    ),
    "unicode and NUL output": Crash("print('caf\\u00e9 \\x00 \\U0001F600')", "OK", 0),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=n) for n, c in CRASHES.items()])
async def test_guest_crashes_stay_inside_the_guest(sandbox, case: Crash) -> None:
    got = await run(sandbox, case.code)
    assert got.termination == case.termination, (got.result.detail, got.stderr[-300:])
    if case.exit_code is not None:
        assert got.result.exit_code == case.exit_code


async def test_invalid_utf8_output_is_passed_through_as_bytes(sandbox) -> None:
    got = await run(
        sandbox, "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe')\nsys.stdout.flush()"
    )
    assert got.stdout == b"\xff\xfe"


async def test_a_result_too_deep_for_protobuf_is_reported_not_fatal(sandbox) -> None:
    got = await run(
        sandbox, "import athena\nx = 1\nfor _ in range(150):\n    x = [x]\nathena.set_result(x)"
    )
    assert got.termination == "OK"
    assert not got.result.HasField("result")
    assert "cannot be represented" in got.result.detail


async def test_concurrent_runs_do_not_see_each_other(sandbox) -> None:
    writer = run(
        sandbox,
        "import builtins, time\nbuiltins.SHARED = 'leak'\nopen('mine.txt', 'w').write('w')\n"
        "time.sleep(1)\nprint('writer done')",
    )
    reader = run(
        sandbox,
        "import builtins, os, time\ntime.sleep(0.3)\n"
        "print(hasattr(builtins, 'SHARED'), os.listdir('.'))",
    )
    wrote, read = await asyncio.gather(writer, reader)
    assert wrote.out == "writer done\n", (wrote.result, wrote.stderr)
    assert read.out == "False []\n"


async def test_outputs_of_parallel_runs_never_mix(sandbox) -> None:
    runs = [
        run(sandbox, f"for i in range(200):\n    print('run{n}', i)", limits=limits())
        for n in range(6)
    ]
    results = await asyncio.gather(*runs)
    for n, got in enumerate(results):
        assert got.out == "".join(f"run{n} {i}\n" for i in range(200))


async def test_the_server_keeps_serving_while_cpu_and_memory_attacks_run(sandbox, memory_stub):
    hog = asyncio.ensure_future(
        run(sandbox, "while True:\n    pass", limits=limits(cpu_time_ms=4000, wall_time_ms=40000))
    )
    bomb = asyncio.ensure_future(
        run(sandbox, "xs = []\nwhile True:\n    xs.append(bytearray(10**6))")
    )
    for _ in range(3):
        quick = await run(sandbox, "print(2 + 2)")
        assert quick.out == "4\n"
        await memory_stub.GetEventStats(memory_pb2.GetEventStatsRequest(), metadata=PROJECT)
    assert not hog.done()  # the quick runs finished while the CPU hog was still running
    assert (await hog).termination == "CPU_LIMIT"
    assert (await bomb).termination == "MEMORY_LIMIT"


async def test_cancelling_the_call_stops_the_run_and_records_it(sandbox, memory_stub) -> None:
    metadata = (("x-athena-project", "sec-cancel"),)
    call = sandbox.ExecuteCode(
        pb.ExecuteCodeRequest(
            code="import time\nprint('started', flush=True)\ntime.sleep(60)",
            session_id="cancel-me",
        ),
        metadata=metadata,
    )
    async for message in call:
        assert message.output.data == b"started\n"
        break
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call.read()
    # The host records the cancelled run once the guest is gone; poll for it with a deadline.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        listed = await memory_stub.ListEvents(
            memory_pb2.ListEventsRequest(filter=memory_pb2.EventFilter(session_id="cancel-me")),
            metadata=metadata,
        )
        if listed.events:
            break
        assert loop.time() < deadline, "the cancelled run was never recorded"
        await asyncio.sleep(0.05)
    assert listed.events[0].attributes["termination"] == "cancelled"
    assert (await run(sandbox, "print('next')")).out == "next\n"


async def test_a_client_deadline_cancels_the_run(sandbox) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await run(sandbox, "import time\ntime.sleep(60)", deadline=1.0)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert (await run(sandbox, "print('still fine')")).out == "still fine\n"


async def test_sleeps_last_as_long_as_asked(sandbox) -> None:
    got = await run(
        sandbox,
        "import time\nt = time.monotonic()\ntime.sleep(0.3)\nprint(time.monotonic() - t >= 0.3)",
        limits=limits(wall_time_ms=20_000),
    )
    assert got.out == "True\n"
    assert got.termination == "OK"
