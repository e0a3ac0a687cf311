"""Normalised forms of event text, so that repetitions of one action compare equal.

"Ran pytest tests/test_api.py -k login: 3 failed in 2.1s" and "Ran pytest tests/test_db.py:
1 failed in 0.4s" are the same action with different particulars; the signature keeps the
words that name the action and replaces the particulars by placeholders.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*'|`[^`]*`)")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_HEX = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b")
_PATH = re.compile(
    r"(?<![\w])(?:[\w.-]+/)+[\w.-]+"
    r"|\b[\w-]+\.(?:py|ts|js|go|rs|md|toml|json|ya?ml|sql|txt|cfg|ini|sh)\b"
)
# Versions ("v1.2.3") and measurements ("2.1s", "30%") are particulars too.
_NUMBER = re.compile(r"\bv?\d+(?:[.,:]\d+)*(?:ms|s|kb|mb|gb|%)?\b")
_WORD = re.compile(r"<\w+>|#|[a-z_][a-z0-9_]*")
# Enough words to name an action; the rest of a long message is particulars.
MAX_WORDS = 10


def signature(text: str) -> str:
    """The action an event text describes, with volatile parts normalised away."""
    text = text.lower()
    text = _QUOTED.sub(" <str> ", text)
    text = _UUID.sub(" <id> ", text)
    text = _HEX.sub(" <id> ", text)
    text = _PATH.sub(" <path> ", text)
    text = _NUMBER.sub(" # ", text)
    words = _WORD.findall(text)
    # Repeated placeholders ("<path> <path>") say nothing more than one.
    out: list[str] = []
    for word in words:
        if out and word == out[-1] and word.startswith(("<", "#")):
            continue
        out.append(word)
    return " ".join(out[:MAX_WORDS])


def words(text: str) -> frozenset[str]:
    """Content words of a text (for overlap with goals)."""
    return frozenset(w for w in re.findall(r"[a-z][a-z0-9_]{2,}", text.lower()) if w not in _STOP)


_STOP = frozenset(
    {"the", "and", "for", "with", "that", "this", "from", "into", "was", "were", "are", "has",
     "have", "had", "not", "but", "all", "any", "can", "will", "should", "would", "could", "its",
     "our", "their", "then", "than", "when", "what", "which", "who", "how", "why", "use", "used"}
)  # fmt: skip
