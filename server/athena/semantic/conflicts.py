"""Which existing facts a new statement contradicts: deterministic, explainable rules.

Two current facts about the same subject conflict when their validity windows overlap and
either (a) both name the same predicate but state different things ("alice / role: lead" vs
"alice / role: intern"), or (b) they say nearly the same words with opposite polarity ("the api
uses TLS" vs "the api does not use TLS"). Anything subtler is left to the caller (or an LLM),
which gets the candidates to decide on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from athena.semantic.models import Fact

_WORD = re.compile(r"[a-z0-9_]+(?:'[a-z]+)?")
_NEGATIONS = frozenset(
    {
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "can't",
        "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "won't",
        "wouldn't", "shouldn't", "hasn't", "haven't", "hadn't", "without", "longer",
    }
)  # fmt: skip
# Function words carry no claim; dropping them lets "uses TLS" match "does not use TLS" after
# a light plural/tense trim.
_FILLER = frozenset(
    {"a", "an", "the", "is", "are", "was", "were", "be", "been", "do", "does", "did", "to", "of",
     "and", "or", "it", "its", "this", "that", "any", "anymore", "more", "in", "on", "at", "by"}
)  # fmt: skip
# Share of content words two statements must have in common to be "the same claim".
SIMILAR = 0.6


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _claim(text: str) -> tuple[frozenset[str], bool]:
    """The content words of a statement and whether it is negated."""
    words = _WORD.findall(text.lower())
    negated = sum(w in _NEGATIONS for w in words) % 2 == 1
    content = frozenset(_stem(w) for w in words if w not in _NEGATIONS and w not in _FILLER)
    return content, negated


def contradicts(predicate: str, content: str, other: Fact) -> bool:
    """Whether a statement (predicate, content) contradicts `other` (same subject assumed)."""
    if predicate and other.predicate:
        if predicate.casefold() != other.predicate.casefold():
            return False
        return normalise(content) != normalise(other.content)
    words, negated = _claim(content)
    other_words, other_negated = _claim(other.content)
    if negated == other_negated or not words or not other_words:
        return False
    overlap = len(words & other_words) / len(words | other_words)
    return overlap >= SIMILAR


def find_conflicts(predicate: str, content: str, candidates: Iterable[Fact]) -> list[Fact]:
    return [f for f in candidates if contradicts(predicate, content, f)]
