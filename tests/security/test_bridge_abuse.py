"""Host-bridge abuse: forged and malformed frames, quota floods, other projects' data."""

from __future__ import annotations

import pytest
from athena.v1 import execution_pb2 as pb
from athena.v1 import memory_pb2

from tests.security.sandbox_helpers import PROJECT, limits, run

FORGE = """
import os, struct, json, marshal
MAGIC = b"\\x1e\\x1fATHENA"
def frame(body, size=None):
    os.write(2, MAGIC + struct.pack(">I", len(body) if size is None else size) + body)
def reply():
    n = struct.unpack(">I", os.read(0, 4))[0]
    data = b""
    while len(data) < n:
        data += os.read(0, n - len(data))
    return marshal.loads(data)
"""

PROTOCOL_VIOLATIONS = {
    "declared length 4 GiB": "frame(b'{}', size=0xFFFFFFFF)",
    "declared length just over the frame cap": "frame(b'{}', size=4 * 1024 * 1024 + 1)",
    "body is not JSON": "frame(b'this is not json')",
    "body is a JSON array": "frame(b'[1, 2, 3]')",
    "object without an op": 'frame(b\'{"method": "memory.get_event"}\')',
    "op is not a string": "frame(b'{\"op\": 7}')",
    "JSON nested 100,000 deep": "frame(b'[' * 100000 + b']' * 100000)",
    "invalid UTF-8 body": 'frame(b\'{"op": "call", "method": "\\xff\\xfe"}\')',
}


@pytest.mark.parametrize(
    "forge", [pytest.param(c, id=name) for name, c in PROTOCOL_VIOLATIONS.items()]
)
async def test_protocol_violations_end_the_run(sandbox, forge: str) -> None:
    got = await run(sandbox, FORGE + forge + "\nimport time\ntime.sleep(5)\nprint('after')")
    assert got.termination == "HOST_LIMIT"
    assert "protocol violation" in got.result.detail
    assert "after" not in got.out


async def test_unknown_ops_and_a_late_ready_are_ignored(sandbox) -> None:
    got = await run(
        sandbox,
        FORGE + 'frame(b\'{"op": "teleport"}\')\nframe(b\'{"op": "ready"}\')\nprint(\'fine\')',
    )
    assert got.termination == "OK"
    assert got.out == "fine\n"


async def test_a_forged_result_frame_only_sets_the_runs_own_result(sandbox) -> None:
    got = await run(sandbox, FORGE + "frame(json.dumps({'op': 'result', 'value': 42}).encode())")
    assert got.termination == "OK"
    assert got.value == 42


async def test_a_marker_split_across_writes_still_makes_one_call(sandbox) -> None:
    code = FORGE + (
        "body = json.dumps({'op': 'call', 'method': 'memory.get_event_stats', 'params': {}})"
        ".encode()\n"
        "data = MAGIC + struct.pack('>I', len(body)) + body\n"
        "for i in range(0, len(data), 3):\n"
        "    os.write(2, data[i:i + 3])\n"
        "print(reply()['ok'])"
    )
    got = await run(sandbox, code)
    assert got.out == "True\n"
    assert [c.method for c in got.host_calls] == ["memory.get_event_stats"]


async def test_a_truncated_frame_at_exit_is_harmless(sandbox) -> None:
    got = await run(sandbox, FORGE + "os.write(2, MAGIC + struct.pack('>I', 100) + b'{\"op')")
    assert got.termination == "OK"


async def test_method_names_that_are_not_strings_are_refused(sandbox) -> None:
    code = FORGE + (
        "frame(json.dumps({'op': 'call', 'method': 12, 'params': {}}).encode())\n"
        "print(reply()['error']['reason'])"
    )
    got = await run(sandbox, code)
    assert got.out == "NOT_FOUND\n"


async def test_call_flood_without_reading_replies_hits_the_call_quota(sandbox) -> None:
    code = FORGE + (
        "body = json.dumps({'op': 'call', 'method': 'memory.get_event_stats', 'params': {}})"
        ".encode()\n"
        "for _ in range(10000):\n"
        "    frame(body)\n"
        "import time\ntime.sleep(5)"
    )
    got = await run(sandbox, code, limits=limits(max_host_calls=20))
    assert got.termination == "HOST_LIMIT"
    assert "more than 20 host calls" in got.result.detail


async def test_calls_in_a_loop_hit_the_call_quota(sandbox) -> None:
    code = "import athena\nwhile True:\n    athena.memory.get_event_stats()"
    got = await run(sandbox, code, limits=limits(max_host_calls=15))
    assert got.termination == "HOST_LIMIT"
    assert len(got.host_calls) == 15


async def test_a_huge_request_payload_hits_the_byte_quota(sandbox) -> None:
    code = "import athena\nathena.memory.search_events('q' * 3_000_000)"
    got = await run(sandbox, code, limits=limits(max_host_bytes=1_000_000))
    assert got.termination == "HOST_LIMIT"
    assert got.host_calls == []


async def test_large_replies_count_against_the_byte_quota(sandbox, memory_stub) -> None:
    for _ in range(3):
        await memory_stub.RecordEvent(
            memory_pb2.RecordEventRequest(
                event=memory_pb2.NewEvent(
                    session_id="bulk",
                    type=memory_pb2.EVENT_TYPE_OBSERVATION,
                    content="b" * 60_000,
                )
            ),
            metadata=(("x-athena-project", "sec-bytes"),),
        )
    got = await run(
        sandbox,
        "import athena\nwhile True:\n    athena.memory.list_events(session_id='bulk')",
        metadata=(("x-athena-project", "sec-bytes"),),
        limits=limits(max_host_bytes=500_000),
    )
    assert got.termination == "HOST_LIMIT"
    assert "bytes" in got.result.detail


async def test_naming_another_project_in_params_is_rejected(sandbox) -> None:
    code = (
        "import athena\n"
        "for params in ({'project': 'other'}, {'project_id': 'other'},"
        " {'filter': {'project': 'x'}}):\n"
        "    try:\n"
        "        athena.call('memory.list_events', **params)\n"
        "        print('ok')\n"
        "    except athena.HostError as e:\n"
        "        print(e.reason)"
    )
    got = await run(sandbox, code)
    assert got.out.split() == ["INVALID_ARGUMENT"] * 3


async def test_nul_characters_in_params_are_rejected(sandbox) -> None:
    code = (
        "import athena\ntry:\n    athena.memory.search_events('a\\x00b')\n"
        "except athena.HostError as e:\n    print(e.reason)"
    )
    got = await run(sandbox, code)
    assert got.out == "INVALID_ARGUMENT\n"


async def test_oversized_event_content_is_rejected_like_the_rpc(sandbox) -> None:
    code = (
        "import athena\ntry:\n    athena.memory.record_event('c' * 70000)\n"
        "except athena.HostError as e:\n    print(e.reason, e.message)"
    )
    got = await run(sandbox, code, memory_access=pb.MEMORY_ACCESS_READ_WRITE)
    assert got.out.startswith("INVALID_ARGUMENT event.content")


async def test_events_of_another_project_cannot_be_read_by_id(sandbox, memory_stub) -> None:
    recorded = await memory_stub.RecordEvent(
        memory_pb2.RecordEventRequest(
            event=memory_pb2.NewEvent(
                session_id="s", type=memory_pb2.EVENT_TYPE_OBSERVATION, content="their secret"
            )
        ),
        metadata=(("x-athena-project", "sec-other"),),
    )
    code = (
        "import athena\ntry:\n    print(athena.memory.get_event(athena.input)['content'])\n"
        "except athena.HostError as e:\n    print(e.reason)\n"
        "print(athena.memory.get_event_stats()['total_count'] if False else 'done')"
    )
    got = await run(sandbox, code, input=recorded.event.id, metadata=PROJECT)
    assert got.out == "NOT_FOUND\ndone\n"


async def test_memory_access_none_refuses_every_call(sandbox) -> None:
    code = (
        "import athena\nfor f in (athena.memory.get_event_stats, athena.memory.list_events):\n"
        "    try:\n        f()\n    except athena.HostError as e:\n        print(e.reason)"
    )
    got = await run(sandbox, code, memory_access=pb.MEMORY_ACCESS_NONE)
    assert got.out.split() == ["PERMISSION_DENIED"] * 2
