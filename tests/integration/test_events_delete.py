"""DeleteEvent / DeleteEvents and the audit trail they leave."""

from __future__ import annotations

import json
import uuid

import asyncpg
import grpc
import pytest
from athena.v1 import memory_pb2 as pb

from tests.support import violations


async def seed(memory, n: int = 6) -> list[pb.Event]:
    events = [
        pb.NewEvent(
            session_id="keep" if i % 2 else "drop",
            type=pb.EVENT_TYPE_ACTION,
            content=f"event {i}",
            tags=["t"] if i < 2 else [],
        )
        for i in range(n)
    ]
    return list((await memory.RecordEvents(pb.RecordEventsRequest(events=events))).events)


async def total(memory) -> int:
    return (await memory.GetEventStats(pb.GetEventStatsRequest())).total_count


async def audit_rows(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch("SELECT * FROM audit_log ORDER BY id")
    finally:
        await conn.close()


async def test_delete_event_removes_it_and_audits(memory, database_url) -> None:
    stored = await seed(memory)
    target = stored[0].id
    response = await memory.DeleteEvent(pb.DeleteEventRequest(id=target, reason="pii"))
    assert response.id == target
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.GetEvent(pb.GetEventRequest(id=target))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert await total(memory) == 5
    rows = await audit_rows(database_url)
    assert [r["action"] for r in rows] == ["delete_event"]
    details = json.loads(rows[0]["details"])
    assert details == {"event_id": target, "reason": "pii"}
    assert rows[0]["project_id"] == "default" and rows[0]["request_id"]


async def test_delete_event_twice_is_not_found(memory) -> None:
    stored = await seed(memory)
    await memory.DeleteEvent(pb.DeleteEventRequest(id=stored[0].id))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvent(pb.DeleteEventRequest(id=stored[0].id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_delete_unknown_and_malformed_ids(memory, database_url) -> None:
    await seed(memory)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvent(pb.DeleteEventRequest(id=str(uuid.uuid4())))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvent(pb.DeleteEventRequest(id="nope"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "id" in violations(err.value)
    assert await total(memory) == 6
    assert await audit_rows(database_url) == []


async def test_delete_events_by_filter_returns_count(memory, database_url) -> None:
    await seed(memory)
    request = pb.DeleteEventsRequest(filter=pb.EventFilter(session_id="drop"), reason="cleanup")
    response = await memory.DeleteEvents(request)
    assert response.deleted_count == 3
    assert await total(memory) == 3
    listed = (await memory.ListEvents(pb.ListEventsRequest())).events
    assert {e.session_id for e in listed} == {"keep"}
    rows = await audit_rows(database_url)
    assert [r["action"] for r in rows] == ["delete_events"]
    assert json.loads(rows[0]["details"])["deleted_count"] == 3


async def test_delete_events_validate_only_counts_without_deleting(memory, database_url) -> None:
    await seed(memory)
    request = pb.DeleteEventsRequest(filter=pb.EventFilter(tags=["t"]), validate_only=True)
    assert (await memory.DeleteEvents(request)).deleted_count == 2
    assert await total(memory) == 6
    assert await audit_rows(database_url) == []


async def test_delete_events_refuses_empty_filter_without_allow_all(memory) -> None:
    await seed(memory)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvents(pb.DeleteEventsRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter" in violations(err.value)
    assert await total(memory) == 6
    everything = await memory.DeleteEvents(pb.DeleteEventsRequest(allow_all=True))
    assert everything.deleted_count == 6
    assert await total(memory) == 0


async def test_delete_events_bad_filter(memory) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.DeleteEvents(
            pb.DeleteEventsRequest(filter=pb.EventFilter(types=[77]), allow_all=True)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter.types[0]" in violations(err.value)
