"""Resource exhaustion: each attack ends with the specific limit the host enforces, quickly."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from athena.v1 import execution_pb2 as pb

from tests.security.sandbox_helpers import limits, run


@dataclass(frozen=True)
class Exhaust:
    code: str
    termination: str
    limits: pb.ExecutionLimits


CPU = limits(cpu_time_ms=500, wall_time_ms=20_000)
WALL = limits(wall_time_ms=800, cpu_time_ms=5000)
SMALL_OUT = limits(output_bytes=10_000)
SMALL_FILES = limits(files_bytes=100_000, max_files=20)

SCENARIOS = {
    "busy loop": Exhaust("while True:\n    pass", "CPU_LIMIT", CPU),
    "busy loop that swallows every exception": Exhaust(
        "while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass",
        "CPU_LIMIT",
        CPU,
    ),
    "catastrophic regex backtracking": Exhaust(
        "import re\nre.match(r'(a+)+$', 'a' * 40 + 'b')", "CPU_LIMIT", CPU
    ),
    "huge integer power": Exhaust("x = 7 ** (7 ** 9)", "CPU_LIMIT", CPU),
    "sort a long list over and over": Exhaust(
        "xs = list(range(100000))\nwhile True:\n    xs.sort(reverse=True)", "CPU_LIMIT", CPU
    ),
    "one huge allocation": Exhaust("x = bytearray(10**9)", "MEMORY_LIMIT", limits()),
    "growing list of blocks": Exhaust(
        "xs = []\nwhile True:\n    xs.append(bytearray(10**6))", "MEMORY_LIMIT", limits()
    ),
    "string doubling": Exhaust("s = 'x'\nwhile True:\n    s += s", "MEMORY_LIMIT", limits()),
    "many small strings": Exhaust(
        "xs = []\nwhile True:\n    xs.append(str(len(xs)) * 50)", "MEMORY_LIMIT", limits()
    ),
    "memory limit set below the default": Exhaust(
        "x = bytearray(40 * 1024 * 1024)", "MEMORY_LIMIT", limits(memory_bytes=32 * 1024 * 1024)
    ),
    "deep recursion": Exhaust("def f(n):\n    return f(n + 1)\nf(0)", "ERROR", limits()),
    "print flood": Exhaust("while True:\n    print('x' * 100)", "OUTPUT_LIMIT", SMALL_OUT),
    "stderr flood": Exhaust(
        "import sys\nwhile True:\n    sys.stderr.write('e' * 100 + '\\n')",
        "OUTPUT_LIMIT",
        SMALL_OUT,
    ),
    "one giant write": Exhaust(
        "import sys\nsys.stdout.write('x' * 10**7)", "OUTPUT_LIMIT", SMALL_OUT
    ),
    "flood that ignores broken pipes": Exhaust(
        "while True:\n    try:\n        print('y' * 1000)\n    except BaseException:\n        pass",
        "OUTPUT_LIMIT",
        SMALL_OUT,
    ),
    "file count flood": Exhaust(
        "i = 0\nwhile True:\n    open(f'f{i}', 'w').close()\n    i += 1", "FILES_LIMIT", SMALL_FILES
    ),
    "directory flood": Exhaust(
        "import os\ni = 0\nwhile True:\n    os.mkdir(f'd{i}')\n    i += 1",
        "FILES_LIMIT",
        SMALL_FILES,
    ),
    "one big file": Exhaust(
        "with open('big', 'wb') as f:\n    while True:\n        f.write(b'z' * 65536)",
        "FILES_LIMIT",
        SMALL_FILES,
    ),
    "files just over the limit at exit": Exhaust(
        "open('a', 'wb').write(b'z' * 100_001)", "FILES_LIMIT", SMALL_FILES
    ),
    "long sleep": Exhaust("import time\ntime.sleep(3600)", "TIMEOUT", WALL),
    "sleep loop that swallows exceptions": Exhaust(
        "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n"
        "        pass",
        "TIMEOUT",
        WALL,
    ),
    "blocking read of stdin": Exhaust("import os\nos.read(0, 100)", "TIMEOUT", WALL),
    "select on stdin then read": Exhaust(
        "import os, select\nselect.select([0], [], [], 100)\nos.read(0, 1)", "TIMEOUT", WALL
    ),
    "many short sleeps": Exhaust(
        "import time\nwhile True:\n    time.sleep(0.001)", "TIMEOUT", WALL
    ),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=name) for name, c in SCENARIOS.items()])
async def test_exhaustion_is_stopped_by_its_limit(sandbox, case: Exhaust) -> None:
    started = time.monotonic()
    got = await run(sandbox, case.code, limits=case.limits)
    assert got.termination == case.termination, (got.result.detail, got.stderr[-500:])
    # Generous bound: the point is "stopped by the host", not a speed figure.
    assert time.monotonic() - started < 60
    assert got.result.usage.output_bytes <= (case.limits.output_bytes or 1024 * 1024)


async def test_input_returns_eof_instead_of_blocking(sandbox) -> None:
    got = await run(sandbox, "try:\n    input()\nexcept EOFError:\n    print('eof')", limits=WALL)
    assert got.out == "eof\n"
    assert got.termination == "OK"


async def test_output_is_cut_exactly_at_the_limit(sandbox) -> None:
    got = await run(sandbox, "print('a' * 50_000)", limits=SMALL_OUT)
    assert got.termination == "OUTPUT_LIMIT"
    assert len(got.stdout) == 10_000
    assert got.result.usage.output_bytes == 10_000


async def test_memory_error_that_is_caught_does_not_end_the_run(sandbox) -> None:
    got = await run(
        sandbox, "try:\n    x = bytearray(10**9)\nexcept MemoryError:\n    print('recovered')"
    )
    assert got.termination == "OK"
    assert got.out == "recovered\n"


async def test_recursion_past_the_interpreter_limit_is_contained(sandbox) -> None:
    got = await run(
        sandbox,
        "import sys\nsys.setrecursionlimit(10**9)\ndef f():\n    return f()\nf()",
        limits=CPU,
    )
    # Either the wasm stack or the CPU limit ends it; either way the host is unharmed.
    assert got.termination in {"ERROR", "CPU_LIMIT"}
