"""Token estimates and fitting results into a budget."""

from __future__ import annotations

import math

from athena.recall.models import RecallItem

# About four characters per token for English text with common BPE vocabularies; an estimate
# that needs no tokenizer download and errs on the generous side for short words.
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN)) if text else 0


def pack(items: list[RecallItem], max_tokens: int) -> tuple[list[RecallItem], str, int, bool]:
    """Best first while they fit: (kept items, context, context tokens, whether any was left out).

    An item too large for what is left of the budget is skipped and the next one tried, so one
    long memory does not crowd out every shorter relevant one. Each line's newline counts as part
    of its item. `max_tokens` 0 means no budget."""
    kept: list[RecallItem] = []
    used = 0
    truncated = False
    for item in items:
        item.tokens = estimate_tokens(item.text)
        cost = item.tokens + (1 if kept else 0)
        if max_tokens and used + cost > max_tokens:
            truncated = True
            continue
        kept.append(item)
        used += cost
    context = "\n".join(item.text for item in kept)
    return kept, context, estimate_tokens(context), truncated
