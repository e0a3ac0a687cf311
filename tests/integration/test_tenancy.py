"""Projects are isolated: no rpc reads, lists, searches, counts or deletes across projects."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import memory_pb2 as pb
from athena.v1 import memory_pb2_grpc

from tests.support import violations


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


async def record(memory, name: str, content: str) -> pb.Event:
    request = pb.RecordEventRequest(
        event=pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=content)
    )
    return (await memory.RecordEvent(request, metadata=project(name))).event


async def test_projects_do_not_see_each_other(memory) -> None:
    a = await record(memory, "alpha", "alpha secret launch codes")
    b = await record(memory, "beta", "beta grocery list")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.GetEvent(pb.GetEventRequest(id=a.id), metadata=project("beta"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await memory.ListEvents(pb.ListEventsRequest(), metadata=project("beta"))
    assert [e.id for e in listed.events] == [b.id]
    hits = await memory.SearchEvents(
        pb.SearchEventsRequest(query="secret launch codes"), metadata=project("beta")
    )
    assert [h.event.id for h in hits.results] == [b.id] or not hits.results
    assert a.id not in {h.event.id for h in hits.results}
    stats = await memory.GetEventStats(pb.GetEventStatsRequest(), metadata=project("beta"))
    assert stats.total_count == 1 and stats.project.id == "beta"
    default = await memory.ListEvents(pb.ListEventsRequest())
    assert list(default.events) == []


async def test_deletes_stay_inside_the_project(memory) -> None:
    a = await record(memory, "alpha", "keep me")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvent(pb.DeleteEventRequest(id=a.id), metadata=project("beta"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    wiped = await memory.DeleteEvents(
        pb.DeleteEventsRequest(allow_all=True), metadata=project("beta")
    )
    assert wiped.deleted_count == 0
    still = await memory.GetEvent(pb.GetEventRequest(id=a.id), metadata=project("alpha"))
    assert still.event.content == "keep me"


async def test_request_ids_are_per_project(memory) -> None:
    request = pb.RecordEventRequest(
        event=pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content="same"),
        request_id="shared-key",
    )
    first = await memory.RecordEvent(request, metadata=project("alpha"))
    second = await memory.RecordEvent(request, metadata=project("beta"))
    assert not first.replayed and not second.replayed
    assert first.event.id != second.event.id


@pytest.mark.parametrize("bad", ["", "UPPER", "-leading", "has space", "x" * 64, "a/b"])
async def test_malformed_project_header(memory, bad) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.ListEvents(pb.ListEventsRequest(), metadata=project(bad))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-athena-project" in violations(err.value)


async def test_default_project_is_configurable(make_config) -> None:
    from athena.server import create_server

    srv, port = await create_server(make_config(default_project="team-x"))
    await srv.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = memory_pb2_grpc.MemoryServiceStub(channel)
            stats = await stub.GetEventStats(pb.GetEventStatsRequest())
            assert stats.project.id == "team-x"
    finally:
        await srv.stop(grace=0)
