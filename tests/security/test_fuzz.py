"""Property: whatever program arrives, the run ends with a result within its limits and the host
stays healthy. Programs are random mixes of ordinary and hostile statements, plus random text."""

from __future__ import annotations

from athena.v1 import execution_pb2 as pb
from athena.v1 import memory_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.sandbox_helpers import PROJECT, limits, run

LIMITS = limits(cpu_time_ms=400, wall_time_ms=3000, output_bytes=20_000, max_files=30)
_words = st.text(alphabet="abcxyz _-/.'\"\\0", max_size=12)
_small = st.integers(min_value=0, max_value=2000)

STATEMENTS = st.one_of(
    _words.map(lambda w: f"print({w!r})"),
    _small.map(lambda n: f"x = [i * i for i in range({n})]"),
    _words.map(lambda w: f"raise ValueError({w!r})"),
    st.tuples(_words, _small).map(
        lambda t: f"open({('f' + t[0])[:20]!r}, 'w').write('z' * {t[1]})"
    ),
    st.sampled_from([".", "..", "/", "/etc", "/proc", "/work", "../.."]).map(
        lambda p: f"import os\ntry:\n    os.listdir({p!r})\nexcept OSError:\n    pass"
    ),
    st.floats(min_value=0, max_value=0.05).map(lambda s: f"import time\ntime.sleep({s})"),
    st.sampled_from(
        [
            "while True:\n    pass",
            "x = bytearray(10**9)",
            "while True:\n    print('flood' * 50)",
            "def f():\n    return f()\nf()",
            "import athena\nathena.memory.get_event_stats()",
            "import athena\nathena.memory.search_events('fuzz', top_k=3)",
            "import athena\nathena.set_result({'k': [1, 2.5, None, 'v']})",
            "import os\nos.write(2, b'\\x1e\\x1fATHENA\\xff\\xff\\xff\\xff')",
            "import sys\nsys.exit(3)",
            "import socket\nsocket.socket()",
            "import os\nos.read(0, 10)",
        ]
    ),
)
PROGRAMS = st.one_of(
    st.lists(STATEMENTS, min_size=1, max_size=6).map(
        lambda body: "\n".join(
            "try:\n" + "\n".join("    " + ln for ln in stmt.splitlines()) + "\nexcept Exception:\n"
            "    pass"
            if i % 2
            else stmt
            for i, stmt in enumerate(body)
        )
    ),
    st.text(min_size=1, max_size=200).filter(lambda t: "\x00" not in t and t.strip()),
)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(code=PROGRAMS)
async def test_random_programs_leave_the_host_healthy(sandbox, memory_stub, code: str) -> None:
    got = await run(sandbox, code, limits=LIMITS)
    assert got.result.termination != pb.TERMINATION_REASON_UNSPECIFIED
    assert len(got.stdout) + len(got.stderr) <= 20_000
    assert got.result.usage.output_bytes <= 20_000
    assert got.result.usage.cpu_time_ms < 5_000
    assert len(got.result.files) <= 30
    # The host answers another service right after every program.
    await memory_stub.GetEventStats(memory_pb2.GetEventStatsRequest(), metadata=PROJECT, timeout=10)
