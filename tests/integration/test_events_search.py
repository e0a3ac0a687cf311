"""SearchEvents: hybrid ranking, modes, filters, score parts, bad input."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import memory_pb2 as pb

from tests.support import violations

CORPUS = [
    "deployed the payments service to the staging cluster",
    "the database migration failed with a lock timeout on the orders table",
    "wrote unit tests for the invoice parser",
    "refactored the authentication middleware to use JWT tokens",
    "kubernetes pod crashed with OOMKilled during the nightly batch job",
    "reviewed the pull request that adds rate limiting to the public API",
    "upgraded the PostgreSQL driver and reran the integration suite",
    "the frontend build broke because of a missing webpack loader",
]


async def seed(memory, session: str = "s1") -> list[pb.Event]:
    events = [
        pb.NewEvent(session_id=session, type=pb.EVENT_TYPE_ACTION, content=text) for text in CORPUS
    ]
    return list((await memory.RecordEvents(pb.RecordEventsRequest(events=events))).events)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("database migration lock timeout", 1),
        ("which pod ran out of memory? OOMKilled", 4),
        ("JWT authentication", 3),
        ("deploy payments to staging", 0),
        ("webpack build", 7),
    ],
)
async def test_hybrid_search_ranks_the_relevant_event_first(memory, query, expected) -> None:
    stored = await seed(memory)
    results = (await memory.SearchEvents(pb.SearchEventsRequest(query=query))).results
    assert results[0].event.id == stored[expected].id
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


async def test_score_parts_are_reported(memory) -> None:
    await seed(memory)
    top = (await memory.SearchEvents(pb.SearchEventsRequest(query="invoice parser"))).results[0]
    assert top.text_rank == 1 and top.vector_rank >= 1
    assert top.text_score > 0 and 0 < top.vector_score <= 1
    assert top.score == pytest.approx(1 / 61 + 1 / (60 + top.vector_rank))


async def test_vector_mode_finds_morphological_variants(memory) -> None:
    stored = await seed(memory)
    request = pb.SearchEventsRequest(query="deployment", mode=pb.SEARCH_MODE_VECTOR, top_k=3)
    results = (await memory.SearchEvents(request)).results
    assert stored[0].id in [r.event.id for r in results]
    assert all(r.text_rank == 0 for r in results)


async def test_full_text_mode_returns_only_word_matches(memory) -> None:
    await seed(memory)
    request = pb.SearchEventsRequest(query="kubernetes", mode=pb.SEARCH_MODE_FULL_TEXT)
    results = (await memory.SearchEvents(request)).results
    assert [r.event.content for r in results] == [CORPUS[4]]


async def test_top_k_and_filters_apply(memory) -> None:
    await seed(memory, "s1")
    other = await seed(memory, "s2")
    request = pb.SearchEventsRequest(
        query="database migration", top_k=2, filter=pb.EventFilter(session_id="s2")
    )
    results = (await memory.SearchEvents(request)).results
    assert len(results) == 2
    assert {r.event.session_id for r in results} == {"s2"}
    assert results[0].event.id == other[1].id


async def test_search_on_empty_project_returns_nothing(memory) -> None:
    results = (await memory.SearchEvents(pb.SearchEventsRequest(query="anything"))).results
    assert list(results) == []


async def test_punctuation_only_query_still_works(memory) -> None:
    await seed(memory)
    results = (await memory.SearchEvents(pb.SearchEventsRequest(query="?!"))).results
    assert all(r.text_rank == 0 for r in results)


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 4097}, "query"),
        ({"query": "x", "top_k": 101}, "top_k"),
        ({"query": "x", "top_k": -1}, "top_k"),
        ({"query": "x", "mode": 12}, "mode"),
        ({"query": "x", "filter": pb.EventFilter(session_id="s" * 300)}, "filter.session_id"),
    ],
)
async def test_search_bad_input(memory, request_fields, field) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.SearchEvents(pb.SearchEventsRequest(**request_fields))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)
