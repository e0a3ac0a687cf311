"""The Python client (athena_client) against a real server: results, pagination, errors, project
isolation, idempotent retries, and the blocking client."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from athena.server import AthenaServer, create_server
from athena.v1 import memory_pb2 as pb
from athena_client import (
    AlreadyExistsError,
    AsyncAthenaClient,
    AthenaClient,
    AthenaError,
    InvalidArgumentError,
    NotFoundError,
    UnauthenticatedError,
    UnavailableError,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def target(server: tuple[AthenaServer, int]) -> str:
    return f"127.0.0.1:{server[1]}"


@pytest.fixture
async def client(server: tuple[AthenaServer, int]) -> AsyncIterator[AsyncAthenaClient]:
    async with AsyncAthenaClient(target(server), project="p1") as c:
        yield c


def action(session_id: str, content: str, **fields: Any) -> dict[str, Any]:
    return {"session_id": session_id, "type": "action", "content": content, **fields}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Counts attempts per method; optionally drops the first response of `lose_first` after the
    server has handled it, as a broken connection would."""

    def __init__(self, lose_first: str | None = None) -> None:
        self.calls: dict[str, int] = {}
        self.lose_first = lose_first

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        name = method.rsplit("/", 1)[-1]
        self.calls[name] = self.calls.get(name, 0) + 1
        call = await continuation(details, request)
        if name == self.lose_first and self.calls[name] == 1:
            await call  # the server stored it; the client never hears back
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE,
                grpc.aio.Metadata(),
                grpc.aio.Metadata(),
                details="connection reset (simulated)",
            )
        return call


async def test_record_get_and_enum_names(client: AsyncAthenaClient) -> None:
    event = await client.record_event(
        "s1",
        "tool_call",
        "ran pytest on the parser",
        occur_time=T0,
        actor="coder",
        outcome="success",
        context={"cwd": "/repo", "files": ["parser.py"], "branch": "main"},
        importance=0.8,
        tags=["Tests", "parser"],
        attributes={"ticket": "T-1"},
    )
    uuid.UUID(event.id)
    assert event.type == pb.EVENT_TYPE_TOOL_CALL
    assert event.outcome == pb.OUTCOME_SUCCESS
    assert event.occur_time.ToDatetime(tzinfo=UTC) == T0
    assert list(event.context.files) == ["parser.py"]
    assert event.importance == pytest.approx(0.8)
    assert list(event.tags) == ["tests", "parser"]
    assert dict(event.attributes) == {"ticket": "T-1"}
    assert await client.get_event(event.id) == event

    other = await client.record_event("s1", pb.EVENT_TYPE_OBSERVATION, "saw a failure")
    assert other.type == pb.EVENT_TYPE_OBSERVATION
    assert other.importance == pytest.approx(0.5)


async def test_record_events_accepts_messages_and_dicts(client: AsyncAthenaClient) -> None:
    events = await client.record_events(
        [
            pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content="first"),
            {"session_id": "s", "type": "decision", "content": "second", "outcome": "partial"},
            {"session_id": "s", "type": "Error", "content": "third", "occur_time": T0},
        ]
    )
    assert [e.content for e in events] == ["first", "second", "third"]
    assert [e.type for e in events] == [
        pb.EVENT_TYPE_ACTION,
        pb.EVENT_TYPE_DECISION,
        pb.EVENT_TYPE_ERROR,
    ]
    assert events[1].outcome == pb.OUTCOME_PARTIAL
    stats = await client.get_event_stats()
    assert stats.total_count == 3
    assert stats.project.id == "p1"
    assert stats.count_by_type["EVENT_TYPE_DECISION"] == 1


async def test_unknown_enum_name_is_refused_locally(client: AsyncAthenaClient) -> None:
    with pytest.raises(ValueError, match="unknown event type 'actoin'"):
        await client.record_event("s", "actoin", "x")
    with pytest.raises(ValueError, match="outcome"):
        await client.record_event("s", "action", "x", outcome="great")


async def test_iter_events_follows_every_page_in_order(client: AsyncAthenaClient) -> None:
    recorded = await client.record_events(
        [action("s", f"step {i}", occur_time=T0 + timedelta(seconds=i)) for i in range(23)]
    )
    await client.record_event("other", "action", "not in the filter")
    ids = [e.id for e in recorded]

    seen = [
        e.id
        async for e in client.iter_events(
            {"session_id": "s"}, order_by="occur_time", order="ascending", page_size=5
        )
    ]
    assert seen == ids

    newest_first = [e.id async for e in client.iter_events({"session_id": "s"}, page_size=7)]
    assert newest_first == ids[::-1]

    first = await client.list_events({"session_id": "s"}, order="asc", page_size=20)
    assert len(first.events) == 20 and first.next_page_token
    rest = await client.list_events(
        {"session_id": "s"}, order="asc", page_size=20, page_token=first.next_page_token
    )
    assert [e.id for e in [*first.events, *rest.events]] == ids
    assert rest.next_page_token == ""


async def test_list_filters_accept_names_and_times(client: AsyncAthenaClient) -> None:
    await client.record_events(
        [
            {"session_id": "s", "type": "action", "content": "early", "occur_time": T0},
            {"session_id": "s", "type": "error", "content": "late error",
             "occur_time": T0 + timedelta(hours=2)},
            {"session_id": "s", "type": "action", "content": "late action",
             "occur_time": T0 + timedelta(hours=2), "tags": ["keep"]},
        ]
    )  # fmt: skip
    late = await client.list_events({"time_range": (T0 + timedelta(hours=1), None)})
    assert sorted(e.content for e in late.events) == ["late action", "late error"]
    errors = await client.list_events({"types": ["error"]})
    assert [e.content for e in errors.events] == ["late error"]
    tagged = await client.list_events(pb.EventFilter(tags=["keep"]))
    assert [e.content for e in tagged.events] == ["late action"]
    pending = await client.get_event_stats({"consolidation_status": "pending"})
    assert pending.total_count == 3


async def test_search_events(client: AsyncAthenaClient) -> None:
    await client.record_events(
        [
            {"session_id": "s", "type": "action", "content": "applied the database migration"},
            {"session_id": "s", "type": "observation", "content": "the coffee machine is broken"},
            {"session_id": "s", "type": "message", "content": "user asked about the weather"},
        ]
    )
    for mode in ("hybrid", "full_text", pb.SEARCH_MODE_VECTOR):
        hits = await client.search_events("database migration", top_k=2, mode=mode)
        assert hits, mode
        assert isinstance(hits[0], pb.ScoredEvent)
        assert hits[0].event.content == "applied the database migration", mode
        assert len(hits) <= 2
    only_messages = await client.search_events("database migration", filter={"types": ["message"]})
    assert all(h.event.type == pb.EVENT_TYPE_MESSAGE for h in only_messages)


async def test_delete_event_and_delete_events(client: AsyncAthenaClient) -> None:
    kept = await client.record_event("keep", "action", "stays")
    doomed = await client.record_events(
        [{"session_id": "drop", "type": "action", "content": f"goes {i}"} for i in range(4)]
    )
    await client.delete_event(doomed[0].id, reason="test")
    with pytest.raises(NotFoundError):
        await client.get_event(doomed[0].id)
    assert await client.delete_events({"session_id": "drop"}, validate_only=True) == 3
    assert await client.delete_events({"session_id": "drop"}, reason="cleanup") == 3
    assert (await client.get_event_stats()).total_count == 1
    with pytest.raises(InvalidArgumentError):
        await client.delete_events(None)
    assert await client.delete_events(None, allow_all=True) == 1
    with pytest.raises(NotFoundError):
        await client.get_event(kept.id)


async def test_invalid_argument_carries_reason_violations_and_request_id(
    client: AsyncAthenaClient,
) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        await client.record_event("s1", "action", "")
    error = err.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_ARGUMENT"
    assert error.domain == "athena.dev"
    assert "event.content" in error.field_violations
    assert error.request_id
    assert "INVALID_ARGUMENT" in str(error)

    with pytest.raises(InvalidArgumentError) as err:
        await client.record_events(
            [{"session_id": "s", "type": "action", "content": ""}, {"session_id": "s"}]
        )
    assert "events[0].content" in err.value.field_violations
    assert "events[1].type" in err.value.field_violations
    assert "events[1].content" in err.value.field_violations

    with pytest.raises(InvalidArgumentError) as err:
        await client.get_event("not-a-uuid")
    assert "id" in err.value.field_violations
    assert (await client.get_event_stats()).total_count == 0


async def test_not_found_for_a_random_id(client: AsyncAthenaClient) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError) as err:
        await client.get_event(missing)
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    assert err.value.reason == "NOT_FOUND"
    assert err.value.metadata.get("id") == missing
    assert err.value.field_violations == {}
    assert err.value.request_id
    with pytest.raises(NotFoundError):
        await client.delete_event(missing)
    assert isinstance(err.value, AthenaError)


async def test_bad_page_token_and_bad_project(
    client: AsyncAthenaClient, server: tuple[AthenaServer, int]
) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        await client.list_events(page_token="garbage")
    assert err.value.reason == "INVALID_PAGE_TOKEN"
    assert "page_token" in err.value.field_violations

    async with AsyncAthenaClient(target(server), project="Not A Project!") as bad:
        with pytest.raises(InvalidArgumentError) as err:
            await bad.get_event_stats()
    assert "x-athena-project" in err.value.field_violations


async def test_projects_are_isolated(server: tuple[AthenaServer, int]) -> None:
    async with (
        AsyncAthenaClient(target(server), project="a") as a,
        AsyncAthenaClient(target(server), project="b") as b,
    ):
        secret = await b.record_event("s", "observation", "project b secret plan")
        with pytest.raises(NotFoundError):
            await a.get_event(secret.id)
        with pytest.raises(NotFoundError):
            await a.delete_event(secret.id)
        assert (await a.list_events()).events == []
        assert await a.search_events("secret plan") == []
        assert (await a.get_event_stats()).total_count == 0
        assert await a.delete_events(None, allow_all=True) == 0
        assert await b.get_event(secret.id) == secret


async def test_request_id_replay_returns_the_same_ids(client: AsyncAthenaClient) -> None:
    batch = [{"session_id": "s", "type": "action", "content": c} for c in ("a", "b", "c")]
    first = await client.record_events(batch, request_id="batch-1")
    again = await client.record_events(batch, request_id="batch-1")
    assert [e.id for e in again] == [e.id for e in first]

    one = await client.record_event("s", "action", "single", request_id="single-1")
    assert (await client.record_event("s", "action", "single", request_id="single-1")).id == one.id
    assert (await client.get_event_stats()).total_count == 4

    with pytest.raises(AlreadyExistsError) as err:
        await client.record_event("s", "action", "different", request_id="single-1")
    assert err.value.reason == "REQUEST_ID_REUSED"

    # Without a request_id each call gets a fresh one: equal payloads are two events.
    x = await client.record_event("s", "action", "same")
    y = await client.record_event("s", "action", "same")
    assert x.id != y.id
    assert (await client.get_event_stats()).total_count == 6


async def test_lost_response_is_retried_with_the_generated_request_id(
    server: tuple[AthenaServer, int],
) -> None:
    for rpc in ("RecordEvent", "RecordEvents"):
        counter = CountingInterceptor(lose_first=rpc)
        async with grpc.aio.insecure_channel(target(server), interceptors=[counter]) as channel:
            client = AsyncAthenaClient(channel=channel, project=rpc.lower())
            if rpc == "RecordEvent":
                ids = [(await client.record_event("s", "action", "once")).id]
            else:
                batch = [{"session_id": "s", "type": "action", "content": "once"}] * 2
                ids = [e.id for e in await client.record_events(batch)]
            assert counter.calls[rpc] == 2
            listed = [e.id async for e in client.iter_events()]
            assert sorted(listed) == sorted(ids)  # stored once, not twice
            await client.close()  # does not close a channel it was given
            assert (await client.get_event_stats()).total_count == len(ids)


async def test_unavailable_is_retried_for_reads_only() -> None:
    counter = CountingInterceptor()
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{free_port()}", interceptors=[counter]
    ) as channel:
        client = AsyncAthenaClient(channel=channel, timeout=5)
        with pytest.raises(UnavailableError) as err:
            await client.get_event(str(uuid.uuid4()))
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
        assert err.value.reason == ""  # a transport failure, not an Athena status
        assert counter.calls["GetEvent"] == 3
        with pytest.raises(UnavailableError):
            await client.record_event("s", "action", "x")
        assert counter.calls["RecordEvent"] == 3
        with pytest.raises(UnavailableError):
            await client.delete_event(str(uuid.uuid4()))
        assert counter.calls["DeleteEvent"] == 1
        with pytest.raises(UnavailableError):
            await client.delete_events({"session_id": "s"})
        assert counter.calls["DeleteEvents"] == 1


async def test_api_key(make_config: Any) -> None:
    srv, port = await create_server(make_config(api_keys=("sekret-key",)))
    await srv.start()
    try:
        async with AsyncAthenaClient(f"127.0.0.1:{port}") as anonymous:
            with pytest.raises(UnauthenticatedError) as err:
                await anonymous.get_event_stats()
            assert err.value.reason == "UNAUTHENTICATED"
        async with AsyncAthenaClient(f"127.0.0.1:{port}", api_key="wrong") as wrong:
            with pytest.raises(UnauthenticatedError):
                await wrong.record_event("s", "action", "x")
        async with AsyncAthenaClient(f"127.0.0.1:{port}", api_key="sekret-key") as good:
            assert (await good.get_event_stats()).total_count == 0
    finally:
        await srv.stop(grace=0)


def sync_scenario(address: str) -> dict[str, Any]:
    """Everything the blocking client does, run in a worker thread."""
    with AthenaClient(address, project="sync") as client:
        batch = [
            action("s", f"sync step {i}", occur_time=T0 + timedelta(minutes=i)) for i in range(12)
        ]
        recorded = client.record_events(batch, request_id="sync-batch")
        replayed = client.record_events(batch, request_id="sync-batch")
        single = client.record_event("s", "reflection", "remember the parser bug", outcome=1)
        result: dict[str, Any] = {
            "recorded": [e.id for e in recorded],
            "replayed": [e.id for e in replayed],
            "got": client.get_event(single.id) == single,
            "iterated": [e.id for e in client.iter_events(order="ascending", page_size=5)],
            "page": len(client.list_events(page_size=4).events),
            "search": [h.event.id for h in client.search_events("parser bug", top_k=1)],
            "stats": client.get_event_stats().total_count,
        }
        try:
            client.get_event(str(uuid.uuid4()))
        except NotFoundError as exc:
            result["not_found"] = (exc.reason, bool(exc.request_id))
        try:
            client.record_event("s", "action", "")
        except InvalidArgumentError as exc:
            result["invalid"] = sorted(exc.field_violations)
        client.delete_event(single.id)
        result["deleted"] = client.delete_events({"session_id": "s"})
    return result | {"single": single.id}


async def test_sync_client(server: tuple[AthenaServer, int]) -> None:
    result = await asyncio.to_thread(sync_scenario, target(server))
    assert len(result["recorded"]) == 12
    assert result["replayed"] == result["recorded"]
    assert result["got"] is True
    assert result["iterated"] == [*result["recorded"], result["single"]]
    assert result["page"] == 4
    assert result["search"] == [result["single"]]
    assert result["stats"] == 13
    assert result["not_found"] == ("NOT_FOUND", True)
    assert result["invalid"] == ["event.content"]
    assert result["deleted"] == 12
    async with AsyncAthenaClient(target(server), project="sync") as check:
        assert (await check.get_event_stats()).total_count == 0


def sync_unavailable(address: str) -> tuple[type[BaseException], grpc.StatusCode]:
    with AthenaClient(address, timeout=5) as client:
        try:
            client.get_event_stats()
        except AthenaError as exc:
            return type(exc), exc.code
    raise AssertionError("expected an error")


async def test_sync_client_unavailable() -> None:
    kind, code = await asyncio.to_thread(sync_unavailable, f"127.0.0.1:{free_port()}")
    assert kind is UnavailableError
    assert code == grpc.StatusCode.UNAVAILABLE
