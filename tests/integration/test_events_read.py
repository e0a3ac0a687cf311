"""GetEvent and ListEvents: filters, ordering, pagination, bad tokens, not found."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import common_pb2
from athena.v1 import memory_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import error_info, violations

BASE = 1_700_000_000


def at(offset: int) -> Timestamp:
    return Timestamp(seconds=BASE + offset)


async def seed(memory) -> list[pb.Event]:
    events = [
        pb.NewEvent(
            session_id="s1" if i % 2 == 0 else "s2",
            type=pb.EVENT_TYPE_ERROR if i % 3 == 0 else pb.EVENT_TYPE_ACTION,
            content=f"event number {i}",
            occur_time=at(i * 60),
            actor="alice" if i < 5 else "bob",
            importance=(i % 5) / 4,
            tags=["even"] if i % 2 == 0 else ["odd", "x"],
        )
        for i in range(12)
    ]
    response = await memory.RecordEvents(pb.RecordEventsRequest(events=events))
    return list(response.events)


async def test_get_event_not_found(memory) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.GetEvent(pb.GetEventRequest(id=missing))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    info = error_info(err.value)
    assert info.reason == "NOT_FOUND" and info.metadata["id"] == missing


@pytest.mark.parametrize("bad_id", ["", "not-a-uuid", "1234"])
async def test_get_event_bad_id(memory, bad_id) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.GetEvent(pb.GetEventRequest(id=bad_id))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "id" in violations(err.value)


async def test_list_defaults_to_newest_first(memory) -> None:
    stored = await seed(memory)
    listed = (await memory.ListEvents(pb.ListEventsRequest())).events
    assert [e.id for e in listed] == [e.id for e in reversed(stored)]


async def test_list_ascending(memory) -> None:
    stored = await seed(memory)
    request = pb.ListEventsRequest(order=common_pb2.SORT_ORDER_ASCENDING)
    listed = (await memory.ListEvents(request)).events
    assert [e.id for e in listed] == [e.id for e in stored]


@pytest.mark.parametrize(
    ("filter_fields", "expected"),
    [
        ({"session_id": "s1"}, [i for i in range(12) if i % 2 == 0]),
        ({"types": [pb.EVENT_TYPE_ERROR]}, [i for i in range(12) if i % 3 == 0]),
        ({"tags": ["odd", "x"]}, [i for i in range(12) if i % 2 == 1]),
        ({"tags": ["ODD"]}, [i for i in range(12) if i % 2 == 1]),
        ({"min_importance": 0.75}, [i for i in range(12) if (i % 5) / 4 >= 0.75]),
        ({"actor": "alice"}, list(range(5))),
        (
            {"time_range": common_pb2.TimeRange(start_time=at(120), end_time=at(300))},
            [2, 3, 4],
        ),
        ({"session_id": "s1", "types": [pb.EVENT_TYPE_ERROR]}, [0, 6]),
        ({"consolidation_status": pb.CONSOLIDATION_STATUS_CONSOLIDATED}, []),
    ],
)
async def test_list_filters(memory, filter_fields, expected) -> None:
    stored = await seed(memory)
    request = pb.ListEventsRequest(
        filter=pb.EventFilter(**filter_fields), order=common_pb2.SORT_ORDER_ASCENDING
    )
    listed = (await memory.ListEvents(request)).events
    assert [e.id for e in listed] == [stored[i].id for i in expected]


async def test_pagination_visits_every_event_once(memory) -> None:
    stored = await seed(memory)
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        response = await memory.ListEvents(pb.ListEventsRequest(page_size=5, page_token=token))
        seen.extend(e.id for e in response.events)
        pages += 1
        token = response.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [e.id for e in reversed(stored)]


async def test_pagination_by_importance(memory) -> None:
    stored = await seed(memory)
    seen: list[pb.Event] = []
    token = ""
    while True:
        response = await memory.ListEvents(
            pb.ListEventsRequest(
                order_by=pb.EVENT_ORDER_BY_IMPORTANCE, page_size=4, page_token=token
            )
        )
        seen.extend(response.events)
        token = response.next_page_token
        if not token:
            break
    assert sorted(e.id for e in seen) == sorted(e.id for e in stored)
    keys = [(e.importance, e.occur_time.seconds) for e in seen]
    assert keys == sorted(keys, reverse=True)


async def test_page_token_from_another_filter_is_refused(memory) -> None:
    await seed(memory)
    first = await memory.ListEvents(pb.ListEventsRequest(page_size=2))
    request = pb.ListEventsRequest(
        page_size=2,
        page_token=first.next_page_token,
        filter=pb.EventFilter(session_id="s1"),
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.ListEvents(request)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err.value).reason == "INVALID_PAGE_TOKEN"
    assert "page_token" in violations(err.value)


@pytest.mark.parametrize("token", ["garbage", "eyJ0IjoxfQ", "%%%"])
async def test_malformed_page_token(memory, token) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.ListEvents(pb.ListEventsRequest(page_token=token))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in violations(err.value)


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"order": 7}, "order"),
        ({"order_by": 9}, "order_by"),
        ({"filter": pb.EventFilter(types=[0])}, "filter.types[0]"),
        ({"filter": pb.EventFilter(min_importance=2)}, "filter.min_importance"),
        ({"filter": pb.EventFilter(tags=[""])}, "filter.tags[0]"),
        (
            {
                "filter": pb.EventFilter(
                    time_range=common_pb2.TimeRange(start_time=at(10), end_time=at(5))
                )
            },
            "filter.time_range",
        ),
    ],
)
async def test_list_bad_input(memory, request_fields, field) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.ListEvents(pb.ListEventsRequest(**request_fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)
