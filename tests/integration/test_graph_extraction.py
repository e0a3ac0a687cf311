"""Episodic -> graph: recorded events link to the entities they mention and to likely causes."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from athena.server import create_server
from athena.v1 import graph_pb2 as pb
from athena.v1 import graph_pb2_grpc, memory_pb2, memory_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

BASE = 1_700_000_000


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


@pytest.fixture
def graph(channel) -> graph_pb2_grpc.KnowledgeGraphServiceStub:
    return graph_pb2_grpc.KnowledgeGraphServiceStub(channel)


def new_event(content: str, kind=memory_pb2.EVENT_TYPE_ACTION, at: int = 0, session="s1", **kw):
    return memory_pb2.NewEvent(
        session_id=session, type=kind, content=content, occur_time=Timestamp(seconds=BASE + at),
        **kw,
    )  # fmt: skip


@pytest.fixture
def linker(server):
    return server[0].components["graph"].domain["linker"]


async def record(memory, linker, *events, metadata=()) -> list[memory_pb2.Event]:
    """Record events and wait (bounded) until the background worker has linked them."""
    response = await memory.RecordEvents(
        memory_pb2.RecordEventsRequest(events=list(events)), metadata=metadata
    )
    if linker is not None:
        async with asyncio.timeout(60):
            await linker.drain()
    return list(response.events)


async def names_of(graph, event_id: str, metadata=()) -> list[tuple[str, str]]:
    response = await graph.ListEventEntities(
        pb.ListEventEntitiesRequest(event_id=event_id), metadata=metadata
    )
    return [(e.name, e.type) for e in response.entities]


async def links(graph, event_id: str, successors: bool = False) -> list[tuple[str, str]]:
    direction = (
        pb.EVENT_LINK_DIRECTION_SUCCESSORS if successors else pb.EVENT_LINK_DIRECTION_PREDECESSORS
    )
    response = await graph.ListEventLinks(
        pb.ListEventLinksRequest(event_id=event_id, direction=direction)
    )
    return [(link.type, link.event_id if successors else link.predecessor_id) for link in
            response.links]  # fmt: skip


async def test_recording_links_events_to_entities_and_causes(graph, memory, linker) -> None:
    edit, note, run, fail = await record(
        memory,
        linker,
        new_event("changed retry logic in parse_config()", memory_pb2.EVENT_TYPE_FILE_CHANGE,
                  at=0, actor="coder", context=memory_pb2.EventContext(files=["src/config.py"])),
        new_event("lunch break", memory_pb2.EVENT_TYPE_REFLECTION, at=10),
        new_event("run the suite", memory_pb2.EVENT_TYPE_TOOL_CALL, at=20, actor="pytest"),
        new_event("src/config.py: parse_config() raised KeyError", memory_pb2.EVENT_TYPE_ERROR,
                  at=30),
    )  # fmt: skip
    assert await names_of(graph, edit.id) == [
        ("coder", "agent"), ("parse_config", "function"), ("src/config.py", "file"),
    ]  # fmt: skip
    assert await names_of(graph, note.id) == []
    # Every event follows the previous one of its session; the error was caused by the edit
    # that touched the same file and function, not by the unrelated tool call just before it.
    assert await links(graph, edit.id) == []
    assert await links(graph, note.id) == [("FOLLOWS", edit.id)]
    assert await links(graph, fail.id) == [("CAUSED_BY", edit.id), ("FOLLOWS", run.id)]
    assert await links(graph, edit.id, successors=True) == [
        ("CAUSED_BY", fail.id), ("FOLLOWS", note.id),
    ]  # fmt: skip
    # Entities mentioned together are tied by a CO_OCCURS relation weighted by events.
    hits = await graph.SearchEntities(pb.SearchEntitiesRequest(query="src/config.py"))
    config_file = hits.results[0].entity
    events = await graph.ListEntityEvents(pb.ListEntityEventsRequest(entity_id=config_file.id))
    assert list(events.event_ids) == [fail.id, edit.id]
    reached = await graph.GetNeighbors(pb.GetNeighborsRequest(entity_id=config_file.id))
    assert {n.entity.name for n in reached.neighbors} == {"parse_config", "coder"}
    assert {r.type for r in reached.relations} == {"CO_OCCURS"}
    assert sorted(r.weight for r in reached.relations) == [1.0, 2.0]


async def test_sessions_are_separate_and_later_batches_link_back(graph, memory, linker) -> None:
    (first,) = await record(memory, linker, new_event("call deploy()", at=0, session="a"))
    (other,) = await record(memory, linker, new_event("call deploy()", at=5, session="b"))
    (second,) = await record(
        memory,
        linker,
        new_event("deploy() failed", memory_pb2.EVENT_TYPE_ERROR, at=10, session="a"),
    )
    assert await links(graph, second.id) == [("CAUSED_BY", first.id), ("FOLLOWS", first.id)]
    assert await links(graph, other.id) == []


async def test_deleting_an_event_removes_its_links_not_its_entities(graph, memory, linker) -> None:
    cause, effect = await record(
        memory,
        linker,
        new_event("edit util.py", memory_pb2.EVENT_TYPE_FILE_CHANGE, at=0),
        new_event("util.py broke", memory_pb2.EVENT_TYPE_ERROR, at=1),
    )
    await memory.DeleteEvent(memory_pb2.DeleteEventRequest(id=cause.id))
    assert await links(graph, effect.id) == []
    hits = await graph.SearchEntities(pb.SearchEntitiesRequest(query="util.py"))
    entity = hits.results[0].entity
    remaining = await graph.ListEntityEvents(pb.ListEntityEventsRequest(entity_id=entity.id))
    assert list(remaining.event_ids) == [effect.id]


async def test_large_batches_extract_in_one_go(graph, memory, linker) -> None:
    batch = [
        new_event(f"step {i} touches module_{i % 7}.py", memory_pb2.EVENT_TYPE_ACTION, at=i)
        for i in range(500)
    ]
    stored = await record(memory, linker, *batch)
    listed = await graph.ListEntities(pb.ListEntitiesRequest(types=["file"], page_size=100))
    assert sorted(e.name for e in listed.entities) == [f"module_{i}.py" for i in range(7)]
    assert await links(graph, stored[-1].id) == [("FOLLOWS", stored[-2].id)]
    entity = listed.entities[0]
    page = await graph.ListEntityEvents(
        pb.ListEntityEventsRequest(entity_id=entity.id, page_size=50)
    )
    seen = list(page.event_ids)
    while page.next_page_token:
        page = await graph.ListEntityEvents(
            pb.ListEntityEventsRequest(
                entity_id=entity.id, page_size=50, page_token=page.next_page_token
            )
        )
        seen += page.event_ids
    assert len(seen) == len(set(seen)) == 72  # module_0.py: steps 0, 7, ..., 497


async def test_event_reads_errors_and_isolation(graph, memory, linker) -> None:
    (mine,) = await record(memory, linker, new_event("touch a.py", at=0), metadata=project("alpha"))
    assert await names_of(graph, mine.id, project("alpha")) == [("a.py", "file")]
    for call in (
        graph.ListEventEntities(
            pb.ListEventEntitiesRequest(event_id=mine.id), metadata=project("beta")
        ),
        graph.ListEventLinks(pb.ListEventLinksRequest(event_id=mine.id), metadata=project("beta")),
        graph.ListEventEntities(pb.ListEventEntitiesRequest(event_id=str(uuid.uuid4()))),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await graph.ListEventLinks(pb.ListEventLinksRequest(event_id="nope"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    listed = await graph.ListEntities(pb.ListEntitiesRequest(), metadata=project("beta"))
    assert list(listed.entities) == []


async def test_extraction_can_be_switched_off(make_config) -> None:
    srv, port = await create_server(make_config(graph_extractor="none"))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            memory = memory_pb2_grpc.MemoryServiceStub(ch)
            graph = graph_pb2_grpc.KnowledgeGraphServiceStub(ch)
            _first, second = await record(
                memory, None, new_event("edit a.py", at=0), new_event("a.py broke", at=1)
            )
            linker = srv.components["graph"].domain["linker"]
            await linker.drain()
            assert await linker.backlog() == 0  # the queue is emptied, not left to grow
            assert await names_of(graph, second.id) == []
            assert await links(graph, second.id) == []
    finally:
        await srv.stop(grace=0)


async def test_events_deleted_before_linking_are_skipped(graph, memory, linker, caplog) -> None:
    kept, gone = await record(
        memory, None, new_event("touch kept.py", at=0), new_event("touch gone.py", at=1)
    )
    await memory.DeleteEvent(memory_pb2.DeleteEventRequest(id=gone.id))
    async with asyncio.timeout(60):
        await linker.drain()
    assert await names_of(graph, kept.id) == [("kept.py", "file")]
    assert not [r for r in caplog.records if "linking events to the graph failed" in r.getMessage()]
