"""Facts: create, read, list, update (in place and superseding), delete, history, errors."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.v1 import memory_pb2, semantic_pb2_grpc
from athena.v1 import semantic_pb2 as pb
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import error_info, violations

BASE = 1_700_000_000


def at(offset: int) -> Timestamp:
    return Timestamp(seconds=BASE + offset)


@pytest.fixture
def facts(channel) -> semantic_pb2_grpc.SemanticMemoryServiceStub:
    return semantic_pb2_grpc.SemanticMemoryServiceStub(channel)


async def create(facts, **fields) -> pb.CreateFactResponse:
    fields.setdefault("subject", "api")
    fields.setdefault("content", "the api listens on port 8080")
    return await facts.CreateFact(pb.CreateFactRequest(fact=pb.NewFact(**fields)))


async def record(memory, content: str) -> str:
    request = memory_pb2.RecordEventRequest(
        event=memory_pb2.NewEvent(
            session_id="s", type=memory_pb2.EVENT_TYPE_OBSERVATION, content=content
        )
    )
    return (await memory.RecordEvent(request)).event.id


async def test_create_and_get_round_trip(facts, memory) -> None:
    source = await record(memory, "saw the api config: port 8080")
    created = await create(
        facts,
        predicate="port",
        domain="Deployment",
        tags=["Net", "net", "config"],
        confidence=0.8,
        usefulness=0.7,
        source_event_ids=[source],
        valid_from=at(0),
    )
    f = created.fact
    assert f.version == 1 and f.lineage_id == f.id and not f.supersedes_id
    assert list(f.tags) == ["net", "config"]
    assert f.confidence == pytest.approx(0.8) and f.usefulness == pytest.approx(0.7)
    assert list(f.source_event_ids) == [source]
    assert f.valid_from == at(0) and not f.HasField("valid_to")
    assert not f.HasField("superseded_time") and list(created.conflicts) == []
    fetched = (await facts.GetFact(pb.GetFactRequest(id=f.id))).fact
    assert fetched == f


async def test_defaults(facts) -> None:
    f = (await create(facts)).fact
    assert f.confidence == 1.0 and f.usefulness == 0.5 and f.predicate == ""
    assert f.valid_from == f.create_time


BAD_CREATES = [
    ({"subject": ""}, "fact.subject"),
    ({"content": ""}, "fact.content"),
    ({"confidence": 1.5}, "fact.confidence"),
    ({"tags": [""]}, "fact.tags[0]"),
    ({"source_event_ids": ["nope"]}, "fact.source_event_ids[0]"),
    ({"valid_from": at(10), "valid_to": at(5)}, "fact.valid_to"),
    ({"source_event_ids": [str(uuid.uuid4())]}, "fact.source_event_ids[0]"),
]


async def test_create_rejects_bad_input_and_writes_nothing(facts) -> None:
    for fields, field in BAD_CREATES:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await create(facts, **fields)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert field in violations(err.value), fields
    assert list((await facts.ListFacts(pb.ListFactsRequest())).facts) == []


async def test_request_id_replays_and_detects_reuse(facts) -> None:
    request = pb.CreateFactRequest(
        fact=pb.NewFact(subject="db", content="postgres 18"), request_id="k1"
    )
    first = await facts.CreateFact(request)
    again = await facts.CreateFact(request)
    assert again.replayed and again.fact.id == first.fact.id
    request.fact.content = "postgres 17"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await facts.CreateFact(request)
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS


BY_ID = [
    lambda s, i: s.GetFact(pb.GetFactRequest(id=i)),
    lambda s, i: s.DeleteFact(pb.DeleteFactRequest(id=i)),
    lambda s, i: s.ListFactVersions(pb.ListFactVersionsRequest(id=i)),
    lambda s, i: s.UpdateFact(
        pb.UpdateFactRequest(
            id=i, fact=pb.Fact(domain="x"), update_mask=FieldMask(paths=["domain"])
        )
    ),
]


async def test_unknown_ids_are_not_found_and_bad_ids_invalid(facts) -> None:
    missing = str(uuid.uuid4())
    for call in BY_ID:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(facts, missing)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert error_info(err.value).metadata["id"] == missing
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(facts, "not-a-uuid")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "id" in violations(err.value)


async def test_metadata_update_is_in_place(facts) -> None:
    f = (await create(facts, tags=["a"])).fact
    response = await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=f.id,
            fact=pb.Fact(tags=["b", "C"], confidence=0.3, content="ignored: not in the mask"),
            update_mask=FieldMask(paths=["tags", "confidence"]),
        )
    )
    assert not response.superseded
    u = response.fact
    assert u.id == f.id and u.version == 1 and list(u.tags) == ["b", "c"]
    assert u.confidence == pytest.approx(0.3) and u.content == f.content
    assert u.update_time.ToDatetime() >= f.update_time.ToDatetime()


async def test_content_update_supersedes_and_keeps_history(facts, memory) -> None:
    source = await record(memory, "port is 8080")
    v1 = (await create(facts, source_event_ids=[source])).fact
    response = await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=v1.id,
            fact=pb.Fact(content="the api listens on port 9090"),
            update_mask=FieldMask(paths=["content"]),
        )
    )
    v2 = response.fact
    assert response.superseded and v2.id != v1.id
    assert v2.version == 2 and v2.lineage_id == v1.id and v2.supersedes_id == v1.id
    assert list(v2.source_event_ids) == [source]
    old = (await facts.GetFact(pb.GetFactRequest(id=v1.id))).fact
    assert old.content == v1.content and old.HasField("superseded_time")
    # Only the current version is listed by default; history lists both, newest first.
    listed = (await facts.ListFacts(pb.ListFactsRequest())).facts
    assert [f.id for f in listed] == [v2.id]
    history = (await facts.ListFactVersions(pb.ListFactVersionsRequest(id=v1.id))).facts
    assert [f.version for f in history] == [2, 1]
    everything = await facts.ListFacts(
        pb.ListFactsRequest(filter=pb.FactFilter(include_superseded=True))
    )
    assert {f.id for f in everything.facts} == {v1.id, v2.id}
    # A superseded version cannot be updated: the error names the current one.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await facts.UpdateFact(
            pb.UpdateFactRequest(
                id=v1.id, fact=pb.Fact(content="x"), update_mask=FieldMask(paths=["content"])
            )
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err.value).metadata["current_id"] == v2.id


async def test_version_history_pages(facts) -> None:
    current = (await create(facts, content="v1")).fact
    for n in range(2, 6):
        current = (
            await facts.UpdateFact(
                pb.UpdateFactRequest(
                    id=current.id,
                    fact=pb.Fact(content=f"v{n}"),
                    update_mask=FieldMask(paths=["content"]),
                )
            )
        ).fact
    seen: list[int] = []
    token = ""
    while True:
        page = await facts.ListFactVersions(
            pb.ListFactVersionsRequest(id=current.id, page_size=2, page_token=token)
        )
        seen += [f.version for f in page.facts]
        token = page.next_page_token
        if not token:
            break
    assert seen == [5, 4, 3, 2, 1]


BAD_UPDATES = [
    ([], pb.Fact(), "update_mask"),
    (["id"], pb.Fact(), "update_mask"),
    (["content"], pb.Fact(content=""), "fact.content"),
    (["confidence"], pb.Fact(confidence=2), "fact.confidence"),
    (["valid_to"], pb.Fact(valid_to=at(-(10**6))), "fact.valid_to"),
    (["source_event_ids"], pb.Fact(source_event_ids=["bad"]), "fact.source_event_ids[0]"),
]


async def test_update_rejects_bad_input(facts) -> None:
    f = (await create(facts, valid_from=at(0))).fact
    for paths, fact, field in BAD_UPDATES:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await facts.UpdateFact(
                pb.UpdateFactRequest(id=f.id, fact=fact, update_mask=FieldMask(paths=paths))
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, paths
        assert field in violations(err.value), paths
    assert (await facts.GetFact(pb.GetFactRequest(id=f.id))).fact == f


async def test_delete_removes_every_version(facts) -> None:
    v1 = (await create(facts)).fact
    v2 = (
        await facts.UpdateFact(
            pb.UpdateFactRequest(
                id=v1.id, fact=pb.Fact(content="changed"), update_mask=FieldMask(paths=["content"])
            )
        )
    ).fact
    deleted = await facts.DeleteFact(pb.DeleteFactRequest(id=v2.id, reason="wrong"))
    assert deleted.lineage_id == v1.id and deleted.deleted_versions == 2
    for fid in (v1.id, v2.id):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await facts.GetFact(pb.GetFactRequest(id=fid))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_deleting_a_source_event_drops_only_the_provenance(facts, memory) -> None:
    keep, drop = await record(memory, "one"), await record(memory, "two")
    f = (await create(facts, source_event_ids=[keep, drop])).fact
    await memory.DeleteEvent(memory_pb2.DeleteEventRequest(id=drop))
    fetched = (await facts.GetFact(pb.GetFactRequest(id=f.id))).fact
    assert list(fetched.source_event_ids) == [keep]
    by_source = await facts.ListFacts(
        pb.ListFactsRequest(filter=pb.FactFilter(source_event_id=keep))
    )
    assert [x.id for x in by_source.facts] == [f.id]
