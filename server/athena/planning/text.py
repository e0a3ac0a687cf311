"""Word-level similarity between goals, steps and past work (no model needed)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about the kind of work; PostgreSQL drops its own stop words too.
_STOP = frozenset(
    "a an and are as at be by do for from has have in into is it its of on or so that the then "
    "this to was were will with we our my me i you it's all any can should must need".split()
)


def words(text: str) -> list[str]:
    """Lower-case content words of `text`, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in _STOP:
            seen.setdefault(word, None)
    return list(seen)


def stem(word: str) -> str:
    """A crude suffix strip so `tests`, `testing` and `tested` compare equal."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of stemmed content words, in [0, 1]."""
    left = {stem(w) for w in words(a)}
    right = {stem(w) for w in words(b)}
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def any_word_query(text: str, limit: int = 16) -> str | None:
    """A to_tsquery expression matching any content word of `text`; None if it has none.

    Only [a-z0-9] words reach the query, so no tsquery syntax can be injected.
    """
    found = words(text)[:limit]
    if not found:
        return None
    return " | ".join(found)
