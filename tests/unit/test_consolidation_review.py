"""Dual process: the confidence band, the LLM's verdicts, and falling back to heuristics."""

from __future__ import annotations

import uuid

import pytest
from athena.consolidation.models import Candidate, FactStatement, Metrics, PatternKind
from athena.consolidation.review import Band, Reviewer, parse_verdict
from athena.errors import LLMUnavailable
from athena.llm import Completion, NoLLM

BAND = Band(low=0.3, high=0.7, accept_at=0.5)


def candidate(confidence: float) -> Candidate:
    return Candidate(
        kind=PatternKind.STABLE_FACT,
        signature="api server listens on port 8080",
        description="stated 3 times",
        confidence=confidence,
        instances=[(uuid.uuid4(),)],
        fact=FactStatement("api server", "listens on", "port 8080"),
    )


class Fake:
    name = "fake"
    model = "fake-1"
    enabled = True

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.calls = 0

    async def complete(self, messages, **kwargs) -> Completion:
        self.calls += 1
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return Completion(text=reply, model=self.model, input_tokens=3, output_tokens=2)


async def test_without_an_llm_the_heuristic_threshold_decides() -> None:
    for provider in (None, NoLLM()):
        reviewer = Reviewer(provider, BAND)
        assert not reviewer.has_llm
        metrics = Metrics()
        assert await reviewer.decide(candidate(0.2), [], metrics) is None
        assert await reviewer.decide(candidate(0.45), [], metrics) is None
        assert await reviewer.decide(candidate(0.55), [], metrics) is not None
        assert await reviewer.decide(candidate(0.9), [], metrics) is not None
        assert metrics.llm_reviews == 0


async def test_only_the_uncertain_band_goes_to_the_llm() -> None:
    fake = Fake('{"verdict": "accept"}')
    reviewer = Reviewer(fake, BAND)
    metrics = Metrics()
    assert await reviewer.decide(candidate(0.1), ["e"], metrics) is None
    assert (await reviewer.decide(candidate(0.8), ["e"], metrics)).reviewed_by == "heuristic"
    assert fake.calls == 0
    # 0.4 is below the heuristic threshold, but the model accepts it.
    accepted = await reviewer.decide(candidate(0.4), ["e"], metrics)
    assert accepted is not None and accepted.reviewed_by == "llm" and accepted.confidence == 0.4
    assert fake.calls == 1 and metrics.llm_reviews == 1


async def test_rewrite_and_reject() -> None:
    fake = Fake(
        '```json\n{"verdict": "rewrite", "fact_content": "port 8443", "confidence": 0.8}\n```',
        '{"verdict": "reject"}',
    )
    reviewer = Reviewer(fake, BAND)
    metrics = Metrics()
    original = candidate(0.5)
    rewritten = await reviewer.decide(original, [], metrics)
    assert rewritten is not None and rewritten.fact is not None
    assert rewritten.fact.content == "port 8443" and rewritten.confidence == 0.8
    assert original.fact is not None and original.fact.content == "port 8080"  # not mutated
    assert await reviewer.decide(candidate(0.5), [], metrics) is None
    assert (metrics.llm_rewrites, metrics.llm_rejections) == (1, 1)


@pytest.mark.parametrize(
    "replies",
    [
        ("not json", '{"verdict": "maybe"}'),
        ('{"verdict": "accept", "confidence": 7}', '{"verdict": "rewrite"}'),
        (LLMUnavailable("timed out"),),
    ],
)
async def test_failures_fall_back_to_the_heuristic(replies) -> None:
    metrics = Metrics()
    low = await Reviewer(Fake(*replies), BAND).decide(candidate(0.45), [], metrics)
    high = await Reviewer(Fake(*replies), BAND).decide(candidate(0.55), [], metrics)
    assert low is None and high is not None and high.reviewed_by == "heuristic"
    assert metrics.llm_failures == 2


@pytest.mark.parametrize(
    "data",
    [[], {"verdict": 1}, {"verdict": "accept", "confidence": True},
     {"verdict": "accept", "description": "x" * 501}, {"verdict": "rewrite", "description": " "}],
)  # fmt: skip
def test_malformed_verdicts_are_rejected(data) -> None:
    with pytest.raises((ValueError, TypeError, KeyError)):
        parse_verdict(data)
