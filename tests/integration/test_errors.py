"""Errors are always deliberate: bad input never yields UNKNOWN or INTERNAL, internals never leak,
and an unreachable database is UNAVAILABLE."""

from __future__ import annotations

import asyncio
import logging
import uuid

import grpc
import pytest
from athena.v1 import memory_pb2 as pb
from athena.v1 import memory_pb2_grpc
from google.protobuf import descriptor as pd
from google.protobuf import timestamp_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import error_info, status_details, violations

FD = pd.FieldDescriptor
SERVICE = pb.DESCRIPTOR.services_by_name["MemoryService"]
FORBIDDEN = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}


@st.composite
def timestamps(draw: st.DrawFn) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(
        seconds=draw(st.one_of(st.integers(0, 4_000_000_000), st.integers(-(2**62), 2**62))),
        nanos=draw(st.one_of(st.just(0), st.integers(-(2**31), 2**31 - 1))),
    )


def scalar(field: pd.FieldDescriptor) -> st.SearchStrategy:
    kind = field.type
    if kind == FD.TYPE_STRING:
        text = st.text(max_size=40)
        if field.name in {"id", "page_token"}:
            return st.one_of(text, st.uuids().map(str))
        long = st.tuples(st.sampled_from("ab\x00é"), st.integers(60_000, 70_000)).map(
            lambda pair: pair[0] * pair[1]
        )
        return st.one_of(text, long)
    if kind == FD.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    if kind in (FD.TYPE_INT32, FD.TYPE_ENUM):
        return st.integers(-(2**31), 2**31 - 1) if kind == FD.TYPE_INT32 else st.integers(-2, 20)
    if kind == FD.TYPE_INT64:
        return st.integers(-(2**63), 2**63 - 1)
    if kind == FD.TYPE_BOOL:
        return st.booleans()
    raise AssertionError(f"no strategy for {field.full_name}")


@st.composite
def messages(draw: st.DrawFn, descriptor: pd.Descriptor, depth: int = 0):
    from google.protobuf import message_factory

    cls = message_factory.GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return draw(timestamps())
    msg = cls()
    for field in descriptor.fields:
        if not draw(st.booleans()):
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entries = draw(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))
            getattr(msg, field.name).update(entries)
        elif field.is_repeated:
            if field.message_type is not None:
                items = draw(st.lists(messages(field.message_type, depth + 1), max_size=3))
                getattr(msg, field.name).extend(items)
            else:
                getattr(msg, field.name).extend(draw(st.lists(scalar(field), max_size=4)))
        elif field.message_type is not None:
            if depth < 3:
                getattr(msg, field.name).CopyFrom(draw(messages(field.message_type, depth + 1)))
        else:
            setattr(msg, field.name, draw(scalar(field)))
    return msg


@pytest.mark.slow
@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_fuzzed_requests_never_fail_unexpectedly(server, method) -> None:
    """Random, mostly invalid requests get deliberate codes, never UNKNOWN or INTERNAL."""
    port = server[1]
    descriptor = SERVICE.methods_by_name[method].input_type
    seen: dict[grpc.StatusCode, int] = {}

    def run() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = getattr(memory_pb2_grpc.MemoryServiceStub(channel), method)

            @settings(
                max_examples=40,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(messages(descriptor))
            def check(request) -> None:
                try:
                    call(request, timeout=10)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as exc:
                    code = exc.code()
                    assert code not in FORBIDDEN, (request, exc.details())
                seen[code] = seen.get(code, 0) + 1

            check()

    await asyncio.to_thread(run)
    assert sum(seen.values()) >= 40
    assert grpc.StatusCode.INVALID_ARGUMENT in seen


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (
            pb.RecordEventRequest(
                event=pb.NewEvent(session_id="s", type=1, content="bad \x00 byte")
            ),
            "event.content",
        ),
        (
            pb.RecordEventRequest(
                event=pb.NewEvent(session_id="s", type=1, content="x", attributes={"k": "\x00"})
            ),
            "event.attributes['k']",
        ),
        (
            pb.RecordEventRequest(
                event=pb.NewEvent(session_id="s", type=1, content="x", tags=["a", "b\x00"])
            ),
            "event.tags[1]",
        ),
        (
            pb.RecordEventRequest(
                event=pb.NewEvent(
                    session_id="s",
                    type=1,
                    content="x",
                    occur_time=timestamp_pb2.Timestamp(seconds=1, nanos=-5),
                )
            ),
            "event.occur_time",
        ),
    ],
)
async def test_values_postgres_cannot_store_are_invalid_argument(memory, request_, field) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvent(request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)


async def test_unexpected_exception_is_internal_without_leaking(server, memory, caplog) -> None:
    from athena.memory.episodic import EpisodicMemory

    original = EpisodicMemory.get

    async def broken(self, project, event_id):
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    EpisodicMemory.get = broken  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.ERROR, logger="athena.rpc"):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await memory.GetEvent(
                    pb.GetEventRequest(id=str(uuid.uuid4())),
                    metadata=(("x-request-id", "trace-123"),),
                )
    finally:
        EpisodicMemory.get = original  # type: ignore[method-assign]
    assert err.value.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in err.value.details() and "secret" not in err.value.details()
    assert "trace-123" in err.value.details()
    assert error_info(err.value).reason == "INTERNAL"
    assert "hunter2" not in str(status_details(err.value))
    logged = [r for r in caplog.records if r.name == "athena.rpc" and r.levelno == logging.ERROR]
    assert logged and logged[0].request_id == "trace-123"
    assert "hunter2" in logged[0].exc_text or "hunter2" in str(logged[0].exc_info[1])


async def test_database_gone_is_unavailable(memory, pg_url, database_url) -> None:
    import asyncpg

    await memory.GetEventStats(pb.GetEventStatsRequest())
    from urllib.parse import urlsplit

    name = urlsplit(database_url).path.lstrip("/")
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await memory.GetEventStats(pb.GetEventStatsRequest())
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert error_info(err.value).reason == "STORAGE_UNAVAILABLE"
    finally:
        await conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await conn.close()
    stats = await memory.GetEventStats(pb.GetEventStatsRequest())
    assert stats.total_count == 0


async def test_project_written_by_another_embedder_is_failed_precondition(
    memory, database_url
) -> None:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO projects VALUES ('legacy', 'minilm-l6', 384)")
    finally:
        await conn.close()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.RecordEvent(
            pb.RecordEventRequest(event=pb.NewEvent(session_id="s", type=1, content="x")),
            metadata=(("x-athena-project", "legacy"),),
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(err.value)
    assert info.reason == "EMBEDDING_MISMATCH"
    assert info.metadata["project_embedder"] == "minilm-l6"
