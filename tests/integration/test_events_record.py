"""RecordEvent / RecordEvents: storing, defaults, batches, idempotent retries, bad input."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import memory_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import error_info, violations


def new_event(content: str = "ran the unit tests", **fields: object) -> pb.NewEvent:
    fields.setdefault("session_id", "s1")
    fields.setdefault("type", pb.EVENT_TYPE_ACTION)
    return pb.NewEvent(content=content, **fields)


async def count(memory, **filter_fields: object) -> int:
    stats = await memory.GetEventStats(
        pb.GetEventStatsRequest(filter=pb.EventFilter(**filter_fields))
    )
    return stats.total_count


async def test_record_event_returns_stored_event_with_defaults(memory) -> None:
    response = await memory.RecordEvent(pb.RecordEventRequest(event=new_event()))
    event = response.event
    uuid.UUID(event.id)
    assert event.content == "ran the unit tests"
    assert event.importance == pytest.approx(0.5)
    assert event.confidence == pytest.approx(1.0)
    assert event.consolidation_status == pb.CONSOLIDATION_STATUS_PENDING
    assert event.occur_time.seconds > 0
    assert not response.replayed
    fetched = await memory.GetEvent(pb.GetEventRequest(id=event.id))
    assert fetched.event == event


async def test_record_event_keeps_every_field(memory) -> None:
    when = Timestamp(seconds=1_700_000_000, nanos=123_000)
    sent = new_event(
        "fixed the flaky test in parser_test.py",
        occur_time=when,
        actor="coder-agent",
        outcome=pb.OUTCOME_SUCCESS,
        context=pb.EventContext(
            cwd="/repo", files=["parser.py", "parser_test.py"], task="T-12", phase="test",
            branch="fix/flaky",
        ),
        importance=0.9,
        confidence=0.7,
        tags=["Flaky", "tests", "flaky "],
        attributes={"ticket": "T-12"},
    )  # fmt: skip
    stored = (await memory.RecordEvent(pb.RecordEventRequest(event=sent))).event
    assert stored.occur_time == when
    assert stored.actor == "coder-agent"
    assert stored.outcome == pb.OUTCOME_SUCCESS
    assert list(stored.context.files) == ["parser.py", "parser_test.py"]
    assert stored.context.branch == "fix/flaky"
    assert stored.importance == pytest.approx(0.9)
    assert stored.confidence == pytest.approx(0.7)
    assert list(stored.tags) == ["flaky", "tests"]
    assert dict(stored.attributes) == {"ticket": "T-12"}
    assert (await memory.GetEvent(pb.GetEventRequest(id=stored.id))).event == stored


async def test_record_events_batch_in_order(memory) -> None:
    batch = [new_event(f"step {i}") for i in range(250)]
    response = await memory.RecordEvents(pb.RecordEventsRequest(events=batch))
    assert [e.content for e in response.events] == [f"step {i}" for i in range(250)]
    assert len({e.id for e in response.events}) == 250
    assert await count(memory) == 250


async def test_record_events_is_all_or_nothing(memory) -> None:
    batch = [new_event("fine"), new_event(""), new_event("also fine")]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvents(pb.RecordEventsRequest(events=batch))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "events[1].content" in violations(err.value)
    assert await count(memory) == 0


async def test_record_events_rejects_empty_and_oversized_batches(memory) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvents(pb.RecordEventsRequest(events=[]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "events" in violations(err.value)
    too_many = [new_event(f"e{i}") for i in range(1001)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvents(pb.RecordEventsRequest(events=too_many))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "events" in violations(err.value)
    assert await count(memory) == 0


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (pb.NewEvent(type=pb.EVENT_TYPE_ACTION, content="x"), "event.session_id"),
        (pb.NewEvent(session_id="s", content="x"), "event.type"),
        (pb.NewEvent(session_id="s", type=99, content="x"), "event.type"),
        (pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION), "event.content"),
        (new_event(importance=1.5), "event.importance"),
        (new_event(confidence=-0.1), "event.confidence"),
        (new_event(outcome=42), "event.outcome"),
        (new_event(tags=[""]), "event.tags[0]"),
        (new_event(tags=[f"t{i}" for i in range(33)]), "event.tags"),
        (new_event(attributes={"": "v"}), "event.attributes[''] (key)"),
        (new_event("x" * 65537), "event.content"),
        (new_event(session_id="s" * 257), "event.session_id"),
        (new_event(context=pb.EventContext(files=[""])), "event.context.files[0]"),
        (new_event(occur_time=Timestamp(seconds=-(10**12))), "event.occur_time"),
    ],
)
async def test_record_event_bad_input_names_the_field(memory, event, field) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvent(pb.RecordEventRequest(event=event))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)
    assert error_info(err.value).reason == "INVALID_ARGUMENT"
    assert await count(memory) == 0


async def test_record_event_requires_an_event(memory) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvent(pb.RecordEventRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "event" in violations(err.value)


async def test_retry_with_request_id_is_replayed_not_duplicated(memory) -> None:
    request = pb.RecordEventsRequest(events=[new_event("a"), new_event("b")], request_id="req-42")
    first = await memory.RecordEvents(request)
    second = await memory.RecordEvents(request)
    assert not first.replayed and second.replayed
    assert [e.id for e in second.events] == [e.id for e in first.events]
    assert await count(memory) == 2


async def test_single_record_retry_is_replayed(memory) -> None:
    request = pb.RecordEventRequest(event=new_event("once"), request_id="r-1")
    first = await memory.RecordEvent(request)
    second = await memory.RecordEvent(request)
    assert second.replayed and second.event.id == first.event.id
    assert await count(memory) == 1


async def test_request_id_reused_with_other_payload_is_refused(memory) -> None:
    await memory.RecordEvent(pb.RecordEventRequest(event=new_event("one"), request_id="k"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvent(pb.RecordEventRequest(event=new_event("two"), request_id="k"))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(err.value).reason == "REQUEST_ID_REUSED"
    assert await count(memory) == 1


async def test_concurrent_retries_store_once(memory) -> None:
    import asyncio

    request = pb.RecordEventsRequest(events=[new_event("x")] * 5, request_id="burst")
    results = await asyncio.gather(*(memory.RecordEvents(request) for _ in range(6)))
    assert len({tuple(e.id for e in r.events) for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await count(memory) == 5
