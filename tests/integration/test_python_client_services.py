"""`client.service(name)`: any service's rpcs with the client's project, errors and retries."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from athena.v1 import memory_pb2 as pb
from athena_client import AsyncAthenaClient, AthenaClient, InvalidArgumentError, NotFoundError
from athena_client._services import is_safe_to_retry, stub_class


def new_event(content: str) -> pb.NewEvent:
    return pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content=content)


async def test_async_service_is_scoped_and_translates_errors(server) -> None:
    target = f"127.0.0.1:{server[1]}"
    async with (
        AsyncAthenaClient(target, project="p1") as one,
        AsyncAthenaClient(target, project="p2") as two,
    ):
        memory = one.service("MemoryService")
        stored = await memory.RecordEvent(pb.RecordEventRequest(event=new_event("hello")))
        got = await memory.GetEvent(pb.GetEventRequest(id=stored.event.id))
        assert got.event.content == "hello"
        full_name = one.service("athena.v1.MemoryService")
        assert (await full_name.GetEventStats(pb.GetEventStatsRequest())).total_count == 1
        with pytest.raises(NotFoundError):
            await two.service("MemoryService").GetEvent(pb.GetEventRequest(id=stored.event.id))
        with pytest.raises(InvalidArgumentError) as caught:
            await memory.GetEvent(pb.GetEventRequest(id="not-a-uuid"))
        assert "id" in caught.value.field_violations
        with pytest.raises(NotFoundError):
            await memory.GetEvent(pb.GetEventRequest(id=str(uuid.uuid4())), deadline=5)


async def test_blocking_service(server) -> None:
    def run() -> str:
        with AthenaClient(f"127.0.0.1:{server[1]}", project="p1") as client:
            memory = client.service("MemoryService")
            stored = memory.RecordEvent(pb.RecordEventRequest(event=new_event("sync")))
            with pytest.raises(NotFoundError):
                memory.GetEvent(pb.GetEventRequest(id=str(uuid.uuid4())))
            return memory.GetEvent(pb.GetEventRequest(id=stored.event.id)).event.content

    assert await asyncio.to_thread(run) == "sync"


def test_unknown_service_and_retry_rules() -> None:
    with pytest.raises(ValueError, match="no Athena service"):
        stub_class("NoSuchService")
    assert is_safe_to_retry("GetEvent", pb.GetEventRequest())
    assert is_safe_to_retry("ListEvents", pb.ListEventsRequest())
    assert not is_safe_to_retry("DeleteEvent", pb.DeleteEventRequest())
    assert not is_safe_to_retry("RecordEvents", pb.RecordEventsRequest())
    assert is_safe_to_retry("RecordEvents", pb.RecordEventsRequest(request_id="r1"))
