"""The durable graph-link queue: recorded events are linked even across a restart, linking waits
while events keep arriving (up to a cap), and it neither waits on nor loses what a delete holds."""

from __future__ import annotations

import asyncio
import logging
import uuid

import asyncpg
import grpc
import pytest
from athena.errors import StorageUnavailable
from athena.graph.extraction import DefaultExtractor
from athena.server import create_server
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc, memory_pb2, memory_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

BASE = 1_700_000_000
# Long enough that the background worker never finds a quiet moment during a test.
NEVER = 3600.0


def hold_back(linker) -> None:
    """Keep the background worker from linking: no quiet moment from now on. A write is noted
    now because until the first one the worker counts as quiet, and a test's first batch would
    race its own wake-up (the worker could link it between the commit and the listener)."""
    linker.quiet_seconds = NEVER
    linker.wake(0)


def new_event(content: str, at: int = 0) -> memory_pb2.NewEvent:
    return memory_pb2.NewEvent(
        session_id="s1", type=memory_pb2.EVENT_TYPE_ACTION, content=content,
        occur_time=Timestamp(seconds=BASE + at),
    )  # fmt: skip


async def record(port: int, *contents: str) -> list[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        response = await memory_pb2_grpc.MemoryServiceStub(ch).RecordEvents(
            memory_pb2.RecordEventsRequest(
                events=[new_event(c, at=i) for i, c in enumerate(contents)]
            )
        )
    return [e.id for e in response.events]


async def mentioned(port: int, event_id: str) -> list[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        response = await graph_pb2_grpc.KnowledgeGraphServiceStub(ch).ListEventEntities(
            pb.ListEventEntitiesRequest(event_id=event_id)
        )
    return [e.name for e in response.entities]


async def queued(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM graph_link_queue"))
    finally:
        await conn.close()


async def until_empty(database_url: str, seconds: float = 30.0) -> None:
    """Wait for the server's own background worker to empty the queue."""
    deadline = asyncio.get_running_loop().time() + seconds
    while await queued(database_url):
        assert asyncio.get_running_loop().time() < deadline, "the queue was not emptied"
        await asyncio.sleep(0.05)


@pytest.fixture
async def held_back(make_config):
    """A server whose linker only links when a test drains it."""
    srv, port = await create_server(make_config())
    hold_back(srv.components["graph"].domain["linker"])
    await srv.start()
    yield srv, port, srv.components["graph"].domain["linker"]
    await srv.stop(grace=0)


async def test_events_queued_before_a_stop_are_linked_after_the_restart(
    make_config, database_url
) -> None:
    first, port = await create_server(make_config())
    hold_back(first.components["graph"].domain["linker"])
    await first.start()
    try:
        ids = await record(port, "edit parser.py", "run check_parser() again")
    finally:
        await first.stop(grace=0)
    assert await queued(database_url) == 2

    second, port = await create_server(make_config())
    await second.start()
    try:
        # The new server's background worker finds the backlog on its own.
        await until_empty(database_url)
        assert await mentioned(port, ids[0]) == ["parser.py"]
        assert await mentioned(port, ids[1]) == ["check_parser"]
    finally:
        await second.stop(grace=0)


async def test_linking_waits_while_events_arrive(held_back, database_url) -> None:
    _srv, port, linker = held_back
    ids = await record(port, "edit a.py", "edit b.py")
    await asyncio.sleep(1.5)  # several idle rounds of the worker
    assert await queued(database_url) == 2
    assert await mentioned(port, ids[0]) == []
    async with asyncio.timeout(30):
        assert await linker.drain() == 2
    assert await queued(database_url) == 0
    assert await mentioned(port, ids[0]) == ["a.py"]


async def test_a_backlog_past_the_cap_is_linked_while_events_arrive(
    make_config, database_url
) -> None:
    srv, port = await create_server(make_config(graph_link_max_deferred=3))
    linker = srv.components["graph"].domain["linker"]
    hold_back(linker)
    assert linker.max_deferred == 3
    await srv.start()
    try:
        ids = await record(port, *(f"edit f{i}.py" for i in range(5)))
        await until_empty(database_url)
        assert await mentioned(port, ids[4]) == ["f4.py"]
    finally:
        await srv.stop(grace=0)


async def test_a_held_event_is_skipped_and_dropped_once_deleted(held_back, database_url) -> None:
    _srv, port, linker = held_back
    kept, deleted = await record(port, "edit k.py", "edit d.py")
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            # A delete in progress: the linker must neither wait for it nor lose the event.
            await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", uuid.UUID(deleted))
            assert await asyncio.wait_for(linker.link_batch(), timeout=10) == 1
            assert await queued(database_url) == 1
            await conn.execute("DELETE FROM events WHERE id = $1", uuid.UUID(deleted))
    finally:
        await conn.close()
    async with asyncio.timeout(30):
        assert await linker.drain() == 1
    assert await queued(database_url) == 0
    assert await mentioned(port, kept) == ["k.py"]


async def test_a_held_predecessor_makes_the_chunk_retry_later(held_back, database_url) -> None:
    _srv, port, linker = held_back
    first, held, last = await record(port, "edit a.py", "edit b.py", "edit c.py")
    conn = await asyncpg.connect(database_url)
    try:
        # A delete in progress that will roll back holds the event the last one FOLLOWS.
        tx = conn.transaction()
        await tx.start()
        await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", uuid.UUID(held))
        with pytest.raises(StorageUnavailable):
            await asyncio.wait_for(linker.link_batch(), timeout=10)
        assert await queued(database_url) == 3  # nothing half-linked
        await tx.rollback()
    finally:
        await conn.close()
    async with asyncio.timeout(30):
        assert await linker.drain() == 3
    assert [await mentioned(port, i) for i in (first, held, last)] == [["a.py"], ["b.py"], ["c.py"]]


async def test_a_chunk_that_cannot_be_linked_is_dropped_and_the_rest_goes_on(
    held_back, database_url, caplog
) -> None:
    _srv, port, linker = held_back

    class Failing(DefaultExtractor):
        def extract(self, event):  # type: ignore[no-untyped-def]
            if "boom" in event.content:
                raise ValueError("extractor bug")
            return super().extract(event)

    linker._extractor = Failing()
    await record(port, "boom in x.py")
    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(30):
            assert await linker.drain() == 1
    assert any("chunk stays unlinked" in r.getMessage() for r in caplog.records)
    (later,) = await record(port, "edit y.py")
    async with asyncio.timeout(30):
        assert await linker.drain() == 1
    assert await mentioned(port, later) == ["y.py"]
    assert await queued(database_url) == 0
