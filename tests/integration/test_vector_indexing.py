"""Vectors are searchable at once (queued) and after background indexing (HNSW), never lost."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from athena.v1 import memory_pb2 as pb

TEXTS = [
    "the kafka consumer lagged behind after the broker restart",
    "renamed the billing module and updated every import",
    "profiling showed the json serializer dominating request time",
    "certificate rotation failed because the vault token expired",
]


async def counts(database_url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(database_url)
    try:
        queued = await conn.fetchval("SELECT count(*) FROM event_vector_queue")
        indexed = await conn.fetchval("SELECT count(*) FROM event_vectors")
        return queued, indexed
    finally:
        await conn.close()


async def record_all(memory) -> list[pb.Event]:
    events = [pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=t) for t in TEXTS]
    return list((await memory.RecordEvents(pb.RecordEventsRequest(events=events))).events)


async def vector_top(memory, query: str) -> str:
    request = pb.SearchEventsRequest(query=query, mode=pb.SEARCH_MODE_VECTOR, top_k=1)
    return (await memory.SearchEvents(request)).results[0].event.id


@pytest.fixture
async def quiet_server(make_config):
    """A server whose indexer only runs when the test says so."""
    import grpc
    from athena.server import create_server
    from athena.v1 import memory_pb2_grpc

    srv, port = await create_server(make_config())
    await srv.start(background=False)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield srv, memory_pb2_grpc.MemoryServiceStub(channel)
    await srv.stop(grace=0)


async def test_queued_and_indexed_vectors_give_the_same_answer(quiet_server, database_url) -> None:
    srv, memory = quiet_server
    stored = await record_all(memory)
    assert await counts(database_url) == (4, 0)
    before = await vector_top(memory, "vault certificate token")
    assert before == stored[3].id
    assert await srv.indexer.drain() == 4
    assert await counts(database_url) == (0, 4)
    assert await vector_top(memory, "vault certificate token") == before


async def test_deleting_events_removes_their_vectors(quiet_server, database_url) -> None:
    srv, memory = quiet_server
    stored = await record_all(memory)
    await srv.indexer.index_batch()
    more = await record_all(memory)
    assert await counts(database_url) == (4, 4)
    await memory.DeleteEvent(pb.DeleteEventRequest(id=stored[0].id))
    await memory.DeleteEvent(pb.DeleteEventRequest(id=more[0].id))
    assert await counts(database_url) == (3, 3)
    await memory.DeleteEvents(pb.DeleteEventsRequest(allow_all=True))
    assert await counts(database_url) == (0, 0)


async def test_background_indexer_drains_the_queue(server, memory, database_url) -> None:
    await record_all(memory)
    for _ in range(100):
        if (await counts(database_url))[0] == 0:
            break
        await asyncio.sleep(0.1)
    assert await counts(database_url) == (0, 4)
    assert server[0].indexer.indexed_total == 4


async def test_vectors_stay_inside_their_project(quiet_server) -> None:
    srv, memory = quiet_server
    await record_all(memory)
    await srv.indexer.drain()
    other = (("x-athena-project", "other"),)
    request = pb.SearchEventsRequest(query="kafka broker", mode=pb.SEARCH_MODE_VECTOR)
    assert list((await memory.SearchEvents(request, metadata=other)).results) == []


async def run_indexer(srv, **settings):
    for name, value in settings.items():
        setattr(srv.indexer, name, value)
    return asyncio.create_task(srv.indexer.run())


async def stop_task(task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_indexing_waits_for_writes_to_pause(quiet_server, database_url) -> None:
    """While writes keep coming (no quiet period yet) vectors stay queued, still searchable."""
    srv, memory = quiet_server
    # Recorded first: an indexer already inside a batch when the write lands may take it.
    stored = await record_all(memory)
    task = await run_indexer(srv, quiet_seconds=30.0)
    try:
        await asyncio.sleep(0.5)
        assert await counts(database_url) == (4, 0)
        assert await vector_top(memory, "kafka broker restart") == stored[0].id
    finally:
        await stop_task(task)


async def test_indexing_runs_anyway_past_the_backlog_limit(quiet_server, database_url) -> None:
    srv, memory = quiet_server
    task = await run_indexer(srv, quiet_seconds=30.0, max_deferred=2)
    try:
        await record_all(memory)
        for _ in range(100):
            if (await counts(database_url))[0] == 0:
                break
            await asyncio.sleep(0.1)
        assert await counts(database_url) == (0, 4)
    finally:
        await stop_task(task)


async def test_exact_scan_of_the_queue_is_bounded(quiet_server, monkeypatch) -> None:
    """Past the limit, the newest queued events are scanned; older ones wait for the index."""
    from athena.memory import episodic

    srv, memory = quiet_server
    monkeypatch.setattr(episodic, "EXACT_SCAN_LIMIT", 2)
    stored = await record_all(memory)
    request = pb.SearchEventsRequest(query="anything", mode=pb.SEARCH_MODE_VECTOR, top_k=10)
    found = {r.event.id for r in (await memory.SearchEvents(request)).results}
    assert found == {stored[2].id, stored[3].id}
    await srv.indexer.drain()
    found = {r.event.id for r in (await memory.SearchEvents(request)).results}
    assert found == {e.id for e in stored}


async def test_queue_is_vacuumed_after_a_large_drain(
    quiet_server, database_url, monkeypatch
) -> None:
    from athena.memory import vector_indexer

    srv, memory = quiet_server
    monkeypatch.setattr(vector_indexer, "VACUUM_AFTER", 4)
    await record_all(memory)
    assert not await srv.indexer.vacuum_if_due()
    await srv.indexer.drain()
    conn = await asyncpg.connect(database_url)
    try:
        before = await conn.fetchval(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'event_vector_queue'"
        )
        assert await srv.indexer.vacuum_if_due()
        assert not await srv.indexer.vacuum_if_due()
        for _ in range(50):  # the statistics view is updated asynchronously
            after = await conn.fetchval(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'event_vector_queue'"
            )
            if after > before:
                break
            await asyncio.sleep(0.1)
        assert after == before + 1
    finally:
        await conn.close()


async def test_indexer_skips_events_a_delete_holds(quiet_server, database_url) -> None:
    """A delete locks the event, then cascades to the queue: the indexer must not wait on it.

    Waiting there while holding the queue row deadlocked with the delete's cascade (CI saw
    DeadlockDetectedError on DeleteEvent)."""
    srv, memory = quiet_server
    stored = await record_all(memory)
    held = stored[0].id
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT 1 FROM events WHERE id = $1 FOR UPDATE", uuid.UUID(held))
            moved = await asyncio.wait_for(srv.indexer.index_batch(), timeout=10)
            assert moved == 3
            await conn.execute("DELETE FROM events WHERE id = $1", uuid.UUID(held))
    finally:
        await conn.close()
    assert await counts(database_url) == (0, 3)


async def test_deferral_cap_comes_from_the_config(make_config) -> None:
    from athena.server import create_server

    srv, _ = await create_server(make_config(vector_index_max_deferred=7))
    try:
        assert srv.indexer.max_deferred == 7
    finally:
        await srv.stop(grace=0)


async def test_a_project_only_search_reads_the_vectors_alone_with_the_same_answer(
    quiet_server,
) -> None:
    from athena.memory.episodic import vector_search

    srv, memory = quiet_server
    await record_all(memory)
    await srv.indexer.drain()  # these four from the HNSW index,
    queued = [  # these four from the queue (worded apart: equal distances could come in any order)
        pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=f"{t} on the {n}th day")
        for n, t in enumerate(TEXTS, start=2)
    ]
    await memory.RecordEvents(pb.RecordEventsRequest(events=queued))
    other = (("x-athena-project", "other"),)  # and another project's, which must not show
    events = [pb.NewEvent(session_id="t", type=pb.EVENT_TYPE_ACTION, content=t) for t in TEXTS]
    await memory.RecordEvents(pb.RecordEventsRequest(events=events), metadata=other)
    episodic = srv.components["memory"].domain["episodic"]
    queries = episodic._q
    unfiltered = ("default",) + (None,) * 8
    by_session = ("default", "s") + (None,) * 7
    assert vector_search(queries, unfiltered, [0.0], 5)[0] is queries.search_project_vectors
    assert vector_search(queries, by_session, [0.0], 5)[0] is queries.search_events_vector
    async with srv.database.connection() as conn:
        for text in ("vault certificate token", "json profiling", "kafka lag"):
            vector = (await episodic._embed([text]))[0]
            # All eight of the project's: events at an equal distance (often 0) come in any
            # order, so a cut between them could differ; what is read must not.
            plain = await conn.fetch(queries.search_project_vectors, "default", vector, 8, 5000)
            full = await conn.fetch(queries.search_events_vector, *unfiltered, vector, 8, 5000)
            assert len(plain) == 8
            assert sorted(map(tuple, plain)) == sorted(map(tuple, full))
            assert [r["score"] for r in plain] == sorted((r["score"] for r in plain), reverse=True)
