"""Facts over time: validity windows, as-of (belief time) queries, and contradiction checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
import pytest
from athena.v1 import semantic_pb2 as pb
from athena.v1 import semantic_pb2_grpc
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import violations

BASE = 1_700_000_000


def at(offset: int) -> Timestamp:
    return Timestamp(seconds=BASE + offset)


def now() -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(UTC))
    return ts


@pytest.fixture
def facts(channel) -> semantic_pb2_grpc.SemanticMemoryServiceStub:
    return semantic_pb2_grpc.SemanticMemoryServiceStub(channel)


async def create(facts, **fields) -> pb.CreateFactResponse:
    return await facts.CreateFact(pb.CreateFactRequest(fact=pb.NewFact(**fields)))


async def listed(facts, **filter_fields) -> list[str]:
    response = await facts.ListFacts(pb.ListFactsRequest(filter=pb.FactFilter(**filter_fields)))
    return [f.content for f in response.facts]


async def later_than(ts: Timestamp) -> Timestamp:
    """A timestamp strictly after `ts` by the server's clock (polls instead of sleeping blind)."""
    deadline = asyncio.get_running_loop().time() + 10
    while asyncio.get_running_loop().time() < deadline:
        current = now()
        if current.ToNanoseconds() > ts.ToNanoseconds():
            return current
        await asyncio.sleep(0.001)
    raise AssertionError("clock did not advance")


async def test_valid_at_selects_by_world_time(facts) -> None:
    await create(facts, subject="ceo", content="ann runs the company", valid_from=at(0),
                 valid_to=at(100))  # fmt: skip
    await create(facts, subject="ceo", content="bob runs the company", valid_from=at(100))
    assert await listed(facts, valid_at=at(50)) == ["ann runs the company"]
    assert await listed(facts, valid_at=at(100)) == ["bob runs the company"]
    assert await listed(facts, valid_at=at(-1)) == []


async def test_as_of_time_returns_what_was_believed_then(facts) -> None:
    v1 = (await create(facts, subject="db", predicate="version", content="postgres 16")).fact
    believed_v1 = await later_than(v1.create_time)
    update = pb.UpdateFactRequest(
        id=v1.id, fact=pb.Fact(content="postgres 18"), update_mask=FieldMask(paths=["content"])
    )
    v2 = (await facts.UpdateFact(update)).fact
    assert await listed(facts) == ["postgres 18"]
    assert await listed(facts, as_of_time=believed_v1) == ["postgres 16"]
    assert await listed(facts, as_of_time=v2.create_time) == ["postgres 18"]
    before_anything = Timestamp(seconds=v1.create_time.seconds - 3600)
    assert await listed(facts, as_of_time=before_anything) == []
    hits = await facts.SearchFacts(
        pb.SearchFactsRequest(query="postgres", filter=pb.FactFilter(as_of_time=believed_v1))
    )
    assert [h.fact.content for h in hits.results] == ["postgres 16"]


async def test_same_predicate_different_value_conflicts(facts) -> None:
    first = (await create(facts, subject="Alice", predicate="role", content="team lead")).fact
    response = await create(facts, subject="alice", predicate="role", content="intern")
    assert [c.id for c in response.conflicts] == [first.id]
    # Both are stored: the caller decides what to do about the conflict.
    assert set(await listed(facts)) == {"team lead", "intern"}
    same = await create(facts, subject="alice", predicate="role", content="Team lead.")
    assert {c.content for c in same.conflicts} == {"intern"}


async def test_negated_statement_conflicts(facts) -> None:
    first = (await create(facts, subject="api", content="The API uses TLS")).fact
    response = await create(facts, subject="api", content="the api does not use TLS")
    assert [c.id for c in response.conflicts] == [first.id]
    unrelated = await create(facts, subject="api", content="the api is not written in go")
    assert list(unrelated.conflicts) == []
    other_subject = await create(facts, subject="web", content="the web tier does not use TLS")
    assert list(other_subject.conflicts) == []


async def test_disjoint_validity_windows_do_not_conflict(facts) -> None:
    await create(facts, subject="cto", predicate="name", content="ann", valid_from=at(0),
                 valid_to=at(100))  # fmt: skip
    response = await create(facts, subject="cto", predicate="name", content="bob",
                            valid_from=at(100))  # fmt: skip
    assert list(response.conflicts) == []


async def test_validate_only_reports_conflicts_and_stores_nothing(facts) -> None:
    first = (await create(facts, subject="port", predicate="value", content="8080")).fact
    request = pb.CreateFactRequest(
        fact=pb.NewFact(subject="port", predicate="value", content="9090"), validate_only=True
    )
    response = await facts.CreateFact(request)
    assert not response.HasField("fact") and [c.id for c in response.conflicts] == [first.id]
    assert await listed(facts) == ["8080"]


async def test_update_reports_conflicts_but_not_with_its_own_history(facts) -> None:
    other = (await create(facts, subject="x", predicate="color", content="red")).fact
    mine = (await create(facts, subject="x", predicate="size", content="big")).fact
    response = await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=mine.id,
            fact=pb.Fact(predicate="color", content="blue"),
            update_mask=FieldMask(paths=["predicate", "content"]),
        )
    )
    assert response.superseded and [c.id for c in response.conflicts] == [other.id]
    again = await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=response.fact.id,
            fact=pb.Fact(content="green"),
            update_mask=FieldMask(paths=["content"]),
        )
    )
    assert [c.id for c in again.conflicts] == [other.id]


async def test_validity_update_supersedes(facts) -> None:
    f = (await create(facts, subject="s", content="c", valid_from=at(0))).fact
    response = await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=f.id, fact=pb.Fact(valid_to=at(50)), update_mask=FieldMask(paths=["valid_to"])
        )
    )
    assert response.superseded and response.fact.valid_to == at(50)
    assert response.fact.valid_from == at(0)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await facts.UpdateFact(
            pb.UpdateFactRequest(
                id=response.fact.id,
                fact=pb.Fact(valid_from=at(60)),
                update_mask=FieldMask(paths=["valid_from"]),
            )
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "fact.valid_to" in violations(err.value)
