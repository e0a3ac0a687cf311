"""`import athena` inside the sandbox: memory calls scoped to the caller's project."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import execution_pb2 as pb
from athena.v1 import execution_pb2_grpc, memory_pb2

from tests.security.sandbox_helpers import PROJECT, run

OTHER = (("x-athena-project", "other-team"),)


@pytest.fixture
def execution(channel: grpc.aio.Channel) -> execution_pb2_grpc.ExecutionServiceStub:
    return execution_pb2_grpc.ExecutionServiceStub(channel)


async def _record(memory, content: str, metadata=PROJECT, **fields) -> str:
    response = await memory.RecordEvent(
        memory_pb2.RecordEventRequest(
            event=memory_pb2.NewEvent(
                session_id="s1", type=memory_pb2.EVENT_TYPE_OBSERVATION, content=content, **fields
            )
        ),
        metadata=metadata,
    )
    return response.event.id


async def test_search_list_get_and_stats_from_the_sandbox(execution, memory) -> None:
    first = await _record(memory, "deploy failed on staging", tags=["deploy"])
    await _record(memory, "lunch was good")
    code = """
import athena
m = athena.memory
hits = m.search_events("deploy failed", top_k=5)
page = m.list_events(page_size=10)
one = m.get_event(athena.input["id"])
stats = m.get_event_stats()
tagged = list(m.iter_events(page_size=1, tags=["deploy"]))
athena.set_result({
    "top": hits[0]["event"]["content"],
    "listed": len(page["events"]),
    "got": one["content"],
    "total": stats["total_count"],
    "tagged": [e["id"] for e in tagged],
})
"""
    got = await run(execution, code, input={"id": first})
    assert got.termination == "OK", got.stderr
    assert got.value == {
        "top": "deploy failed on staging",
        "listed": 2.0,
        "got": "deploy failed on staging",
        "total": "2",  # int64 in proto JSON; the run itself is recorded only after it ends
        "tagged": [first],
    }
    assert [c.method for c in got.host_calls] == [
        "memory.search_events",
        "memory.list_events",
        "memory.get_event",
        "memory.get_event_stats",
        "memory.list_events",
    ]
    assert all(c.ok for c in got.host_calls)
    assert got.result.usage.host_calls == 5


async def test_filtering_in_the_sandbox_returns_a_few_bytes(execution, memory) -> None:
    for i in range(30):
        await _record(memory, f"build {i} " + ("failed" if i % 10 == 0 else "passed"))
    code = """
import athena
failed = [e["content"] for e in athena.memory.iter_events() if "failed" in e["content"]]
print(len(failed), sorted(failed))
"""
    got = await run(execution, code)
    assert got.out == "3 ['build 0 failed', 'build 10 failed', 'build 20 failed']\n"


async def test_other_projects_are_invisible(execution, memory) -> None:
    theirs = await _record(memory, "secret plan of the other team", metadata=OTHER)
    code = """
import athena
try:
    athena.memory.get_event(athena.input["id"])
    print("LEAK")
except athena.HostError as e:
    print(e.reason)
print(len(athena.memory.search_events("secret plan other team")))
print(len(athena.memory.list_events()["events"]))
"""
    got = await run(execution, code, input={"id": theirs})
    assert got.out == "NOT_FOUND\n0\n0\n"


async def test_recording_needs_read_write_access(execution, memory) -> None:
    code = """
import athena
try:
    e = athena.memory.record_event("found the bug", type="decision", tags=["sandbox"])
    print("recorded", e["session_id"], e["type"])
except athena.HostError as e:
    print(e.reason)
"""
    read_only = await run(execution, code)
    assert read_only.out == "PERMISSION_DENIED\n"
    assert read_only.host_calls[0].error_reason == "PERMISSION_DENIED"
    none = await run(execution, code, memory_access=pb.MEMORY_ACCESS_NONE)
    assert none.out == "PERMISSION_DENIED\n"
    written = await run(
        execution, code, memory_access=pb.MEMORY_ACCESS_READ_WRITE, session_id="agent-7"
    )
    assert written.out == "recorded agent-7 EVENT_TYPE_DECISION\n"
    listed = await memory.ListEvents(
        memory_pb2.ListEventsRequest(filter=memory_pb2.EventFilter(tags=["sandbox"])),
        metadata=PROJECT,
    )
    assert [e.content for e in listed.events] == ["found the bug"]


async def test_bad_calls_raise_host_errors_with_the_rpc_reasons(execution) -> None:
    code = """
import athena
for call in (
    lambda: athena.memory.get_event("not-a-uuid"),
    lambda: athena.memory.search_events("x", top_k=100000),
    lambda: athena.memory.search_events("   "),
    lambda: athena.call("memory.delete_everything"),
    lambda: athena.call("memory.list_events", project="someone-else"),
    lambda: athena.memory.get_event("00000000-0000-7000-8000-000000000000"),
):
    try:
        call()
        print("ok")
    except athena.HostError as e:
        print(e.reason)
"""
    got = await run(execution, code)
    assert got.out.split() == [
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "NOT_FOUND",
        "INVALID_ARGUMENT",
        "NOT_FOUND",
    ]
    assert got.termination == "OK"


async def test_a_reply_larger_than_the_pipe_buffer_does_not_deadlock(execution, memory) -> None:
    for _ in range(5):
        await _record(memory, "x" * 60_000)
    got = await run(
        execution,
        "import athena\n"
        "print(sum(len(e['content']) for e in athena.memory.list_events()['events']))",
    )
    assert got.out == "300000\n"
    assert got.host_calls[0].response_bytes > 300_000


async def test_recall_across_layers_from_the_sandbox(execution, memory) -> None:
    await _record(memory, "the deploy to staging failed on a missing secret")
    code = """
import athena
out = athena.memory.recall("staging deploy secret", k=3, layers=["event"])
print(out["results"][0]["event"]["content"])
try:
    athena.memory.recall("x", record_access=True)
except athena.HostError as e:
    print(e.reason)
"""
    got = await run(execution, code)
    assert got.out == "the deploy to staging failed on a missing secret\nPERMISSION_DENIED\n", (
        got.stderr
    )
