from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from athena.errors import InvalidPageToken
from athena.ids import uuid7
from athena.memory import paging
from athena.memory.episodic import normalise_tags
from athena.memory.fusion import rrf
from athena.memory.term_stats import choose, tsquery_or


def test_page_token_round_trip() -> None:
    cursor = paging.Cursor(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), uuid.uuid4(), 0.25)
    token = paging.encode(cursor, "q1")
    assert paging.decode(token, "q1") == cursor


def test_page_token_bound_to_query() -> None:
    token = paging.encode(paging.Cursor(datetime.now(UTC), uuid.uuid4(), 0.5), "q1")
    with pytest.raises(InvalidPageToken, match="different filter"):
        paging.decode(token, "q2")


@pytest.mark.parametrize("token", ["", "!!!", "e30", "eyJ0IjogMX0"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(InvalidPageToken):
        paging.decode(token, "q")


def test_rrf_rewards_agreement() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fused = rrf([(a, 3.0), (b, 2.0)], [(b, 0.9), (c, 0.8)])
    assert [f.id for f in fused] == [b, a, c]
    top = fused[0]
    assert (top.text_rank, top.vector_rank) == (2, 1)
    assert top.score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[2].text_rank == 0 and fused[2].text_score == 0


def test_uuid7_is_monotonic_and_versioned() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}


def test_tsquery_or_quotes_every_lexeme() -> None:
    assert tsquery_or(("deploy", "it's")) == "'deploy' | 'it''s'"


def test_choose_gathers_rare_lexemes_within_budget() -> None:
    frequency = {"error": 0.30, "test": 0.10, "deploy": 0.002}
    # 100k rows: deploy ~200 matches, unknown words rarer still; test (10k) and error blow it.
    picked = choose(["error", "deploy", "kafka", "test"], frequency, rare=0.0001, rows=100_000)
    assert picked.gather == "'kafka' | 'deploy'"
    assert picked.rank == ("kafka", "deploy", "test", "error")


def test_choose_requires_common_lexemes_together() -> None:
    frequency = {"error": 0.3, "test": 0.1, "fail": 0.05, "build": 0.02}
    picked = choose(["error", "test", "fail"], frequency, rare=0.0, rows=100_000)
    # 5,000 x 0.1 = 500, x 0.3 = 150: still above the 100 aimed for, so all three.
    assert picked.gather == "'fail' & 'test' & 'error'"
    two = choose(["test", "build", "fail"], frequency, rare=0.0, rows=100_000)
    # 2,000 x 0.05 = 100 reaches the aim.
    assert two.gather == "'build' & 'fail'"


def test_choose_without_statistics_gathers_everything() -> None:
    picked = choose(["b", "a", "a"], {}, rare=0.0, rows=0)
    assert picked.gather == "'a' | 'b'"
    assert choose([], {}, rare=0.0, rows=0).gather == ""


def test_normalise_tags() -> None:
    assert normalise_tags(["B", " a ", "b", "", "  "]) == ("b", "a")
