"""SearchFacts and the domain search the recall layer calls; project isolation; index use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import grpc
import pytest
from athena.memory import SearchMode
from athena.semantic import FactFilter, NewFact
from athena.storage.queries import load_queries
from athena.v1 import semantic_pb2 as pb
from athena.v1 import semantic_pb2_grpc
from google.protobuf.field_mask_pb2 import FieldMask

from tests.support import violations


def project(name: str) -> tuple[tuple[str, str], ...]:
    return (("x-athena-project", name),)


@pytest.fixture
def facts(channel) -> semantic_pb2_grpc.SemanticMemoryServiceStub:
    return semantic_pb2_grpc.SemanticMemoryServiceStub(channel)


SEED = [
    ("deploy", "deployment", "production deploys run through the blue green pipeline"),
    ("database", "storage", "the primary database is postgres with pgvector"),
    ("alice", "people", "alice owns the billing service"),
    ("cache", "storage", "redis caches session tokens for one hour"),
]


async def seed(facts, metadata=()) -> dict[str, pb.Fact]:
    stored = {}
    for subject, domain, content in SEED:
        request = pb.CreateFactRequest(
            fact=pb.NewFact(subject=subject, domain=domain, content=content, tags=[domain])
        )
        stored[subject] = (await facts.CreateFact(request, metadata=metadata)).fact
    return stored


async def test_search_finds_by_words_and_reports_score_parts(facts) -> None:
    stored = await seed(facts)
    hits = (await facts.SearchFacts(pb.SearchFactsRequest(query="postgres database"))).results
    assert hits[0].fact.id == stored["database"].id
    assert hits[0].text_score > 0 and hits[0].vector_score > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


async def test_search_filters(facts) -> None:
    stored = await seed(facts)
    hits = await facts.SearchFacts(
        pb.SearchFactsRequest(query="service tokens", filter=pb.FactFilter(domain="storage"))
    )
    assert {h.fact.id for h in hits.results} <= {stored["database"].id, stored["cache"].id}
    assert stored["cache"].id in {h.fact.id for h in hits.results}
    top1 = await facts.SearchFacts(pb.SearchFactsRequest(query="alice billing", top_k=1))
    assert [h.fact.id for h in top1.results] == [stored["alice"].id]


async def test_search_sees_only_current_versions(facts) -> None:
    old = (await facts.CreateFact(pb.CreateFactRequest(
        fact=pb.NewFact(subject="queue", content="jobs go through rabbitmq")
    ))).fact  # fmt: skip
    await facts.UpdateFact(
        pb.UpdateFactRequest(
            id=old.id, fact=pb.Fact(content="jobs go through kafka"),
            update_mask=FieldMask(paths=["content"]),
        )
    )  # fmt: skip
    hits = await facts.SearchFacts(pb.SearchFactsRequest(query="rabbitmq jobs"))
    assert old.id not in {h.fact.id for h in hits.results}
    assert [h.fact.content for h in hits.results][:1] == ["jobs go through kafka"]


BAD_SEARCHES = [
    ({"query": ""}, "query"),
    ({"query": "x", "top_k": 500}, "top_k"),
    ({"query": "x", "filter": pb.FactFilter(min_confidence=3)}, "filter.min_confidence"),
    ({"query": "x", "filter": pb.FactFilter(source_event_id="bad")}, "filter.source_event_id"),
]


async def test_search_rejects_bad_input(facts) -> None:
    for request_fields, field in BAD_SEARCHES:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await facts.SearchFacts(pb.SearchFactsRequest(**request_fields))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, request_fields
        assert field in violations(err.value), request_fields


async def test_list_pages_and_rejects_foreign_tokens(facts) -> None:
    await seed(facts)
    first = await facts.ListFacts(pb.ListFactsRequest(page_size=3))
    second = await facts.ListFacts(
        pb.ListFactsRequest(page_size=3, page_token=first.next_page_token)
    )
    assert len(first.facts) == 3 and len(second.facts) == 1 and not second.next_page_token
    assert {f.subject for f in [*first.facts, *second.facts]} == {s for s, _, _ in SEED}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await facts.ListFacts(
            pb.ListFactsRequest(
                filter=pb.FactFilter(domain="storage"), page_token=first.next_page_token
            )
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in violations(err.value)
    tagged = await facts.ListFacts(pb.ListFactsRequest(filter=pb.FactFilter(tags=["STORAGE"])))
    assert {f.subject for f in tagged.facts} == {"database", "cache"}


async def test_projects_are_isolated(facts) -> None:
    mine = await seed(facts, project("alpha"))
    theirs = project("beta")
    fact_id = mine["alice"].id
    for call in (
        facts.GetFact(pb.GetFactRequest(id=fact_id), metadata=theirs),
        facts.ListFactVersions(pb.ListFactVersionsRequest(id=fact_id), metadata=theirs),
        facts.DeleteFact(pb.DeleteFactRequest(id=fact_id), metadata=theirs),
        facts.UpdateFact(
            pb.UpdateFactRequest(
                id=fact_id, fact=pb.Fact(domain="x"), update_mask=FieldMask(paths=["domain"])
            ),
            metadata=theirs,
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert list((await facts.ListFacts(pb.ListFactsRequest(), metadata=theirs)).facts) == []
    hits = await facts.SearchFacts(pb.SearchFactsRequest(query="alice billing"), metadata=theirs)
    assert list(hits.results) == []
    # Same subject in another project is no contradiction.
    other = await facts.CreateFact(
        pb.CreateFactRequest(
            fact=pb.NewFact(subject="alice", content="alice does not own the billing service")
        ),
        metadata=theirs,
    )
    assert list(other.conflicts) == []
    # And request ids are per project.
    request = pb.CreateFactRequest(fact=pb.NewFact(subject="k", content="v"), request_id="same")
    a = await facts.CreateFact(request, metadata=project("alpha"))
    b = await facts.CreateFact(request, metadata=theirs)
    assert not b.replayed and a.fact.id != b.fact.id


async def test_domain_search_for_recall(server, facts) -> None:
    stored = await seed(facts)
    domain = server[0].components["semantic"].domain["facts"]
    hits = await domain.search("default", "redis session tokens", k=2)
    assert hits[0].fact.id == uuid.UUID(stored["cache"].id)
    text_only = await domain.search(
        "default", "redis", k=5, fact_filter=FactFilter(domain="storage"),
        mode=SearchMode.FULL_TEXT,
    )  # fmt: skip
    assert [h.fact.subject for h in text_only] == ["cache"] and text_only[0].vector_score == 0
    created = await domain.create("default", NewFact(subject="cache", content="redis is gone"))
    assert created.fact is not None


async def test_hot_paths_use_their_indexes(database_url, server, facts) -> None:
    """EXPLAIN with sequential scans priced out (the table is tiny): the contradiction check reads
    one subject through its partial index, history one lineage through its index."""
    await seed(facts)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET enable_seqscan = off")
        queries = load_queries()
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN " + queries.facts_about_subject.sql,
                "default", "alice", datetime.now(UTC), None, None,
            )
        )  # fmt: skip
        assert "facts_project_subject_idx" in plan
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN " + queries.list_fact_versions.sql, "default", uuid.uuid4(), None, 10
            )
        )
        assert "facts_lineage_idx" in plan
    finally:
        await conn.close()
