"""Dual process: heuristics decide, and an LLM (System 2) looks at the uncertain middle.

A candidate below `band_low` is rejected and one at or above `band_high` accepted outright. In
between, with an LLM configured, the model sees the candidate with example events and answers
accept / reject / rewrite (a clearer description, or a corrected fact). Without an LLM, or when
the model fails or answers malformed JSON, the heuristic threshold `accept_at` decides, so
consolidation never depends on the model being there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from athena.consolidation.models import Candidate, FactStatement, Metrics
from athena.errors import LLMError
from athena.llm import LLMProvider, Message, Usage, complete_json

SYSTEM = (
    "You review patterns a memory system found in an AI agent's event log. Answer only JSON: "
    '{"verdict": "accept" | "reject" | "rewrite", "description": str, "fact_content": str, '
    '"confidence": number}. Accept real, reusable regularities; reject coincidences; rewrite '
    "when the pattern is real but its description or fact is unclear (give the better text)."
)


@dataclass(frozen=True)
class Band:
    low: float = 0.35
    high: float = 0.65
    accept_at: float = 0.5


@dataclass(frozen=True)
class Verdict:
    verdict: str
    description: str = ""
    fact_content: str = ""
    confidence: float | None = None


def parse_verdict(data: Any) -> Verdict:
    if not isinstance(data, dict):
        raise TypeError("expected a JSON object")
    verdict = data["verdict"]
    if verdict not in {"accept", "reject", "rewrite"}:
        raise ValueError(f"unknown verdict {verdict!r}")
    description = data.get("description") or ""
    fact_content = data.get("fact_content") or ""
    if not isinstance(description, str) or not isinstance(fact_content, str):
        raise TypeError("description and fact_content must be strings")
    if len(description) > 500 or len(fact_content) > 500:
        raise ValueError("description and fact_content must be at most 500 characters")
    confidence = data.get("confidence")
    if confidence is not None:
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise TypeError("confidence must be a number")
        if not 0 <= confidence <= 1:
            raise ValueError("confidence must be between 0 and 1")
        confidence = float(confidence)
    if verdict == "rewrite" and not (description.strip() or fact_content.strip()):
        raise ValueError("a rewrite needs a description or fact_content")
    return Verdict(verdict, description.strip(), fact_content.strip(), confidence)


def _prompt(candidate: Candidate, examples: list[str]) -> str:
    lines = [
        f"kind: {candidate.kind.value}",
        f"pattern: {candidate.signature}",
        f"description: {candidate.description}",
        f"heuristic confidence: {candidate.confidence:.2f}",
        f"occurrences: {len(candidate.instances)}",
    ]
    if candidate.fact is not None:
        f = candidate.fact
        lines.append(f"fact: subject={f.subject!r} predicate={f.predicate!r} content={f.content!r}")
    lines.append("example events:")
    lines.extend(f"- {text[:300]}" for text in examples[:8])
    return "\n".join(lines)


class Reviewer:
    """Decides on candidates; owns the run's LLM usage counter."""

    def __init__(self, provider: LLMProvider | None, band: Band) -> None:
        self._provider = provider if provider is not None and provider.enabled else None
        self._band = band
        self.usage = Usage()

    @property
    def has_llm(self) -> bool:
        return self._provider is not None

    def uncertain(self, candidate: Candidate) -> bool:
        return self._band.low <= candidate.confidence < self._band.high

    async def decide(
        self, candidate: Candidate, examples: list[str], metrics: Metrics
    ) -> Candidate | None:
        """The candidate to write (possibly rewritten), or None to drop it."""
        if candidate.confidence < self._band.low:
            return None
        if candidate.confidence >= self._band.high or self._provider is None:
            return candidate if candidate.confidence >= self._band.accept_at else None
        metrics.llm_reviews += 1
        try:
            verdict = await complete_json(
                self._provider,
                [Message("user", _prompt(candidate, examples))],
                parse_verdict,
                system=SYSTEM,
                usage=self.usage,
            )
        except LLMError:
            metrics.llm_failures += 1
            return candidate if candidate.confidence >= self._band.accept_at else None
        if verdict.verdict == "reject":
            metrics.llm_rejections += 1
            return None
        reviewed = replace(candidate, reviewed_by="llm")
        if verdict.confidence is not None:
            reviewed.confidence = verdict.confidence
        if verdict.verdict == "rewrite":
            metrics.llm_rewrites += 1
            if verdict.description:
                reviewed.description = verdict.description
            if verdict.fact_content and reviewed.fact is not None:
                reviewed.fact = FactStatement(
                    reviewed.fact.subject, reviewed.fact.predicate, verdict.fact_content
                )
        return reviewed
