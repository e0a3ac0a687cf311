"""Structured (JSON) replies: extract, parse, validate, or reject without side effects.

Callers pass a `parse` function that turns the decoded JSON into their own typed value and
raises ValueError/TypeError/KeyError when it does not fit. Nothing is returned (so nothing can
be written) unless the whole reply parsed; one corrective re-ask is made on a malformed reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from athena.errors import LLMMalformedReply
from athena.llm.base import LLMProvider
from athena.llm.models import Message, Usage

T = TypeVar("T")

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The first JSON object or array in `text` (fenced or bare); ValueError if there is none."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start, char in enumerate(candidate):
            if char in "{[":
                try:
                    value, _ = decoder.raw_decode(candidate, start)
                except json.JSONDecodeError:
                    continue
                return value
    raise ValueError("no JSON object in the reply")


async def complete_json(
    provider: LLMProvider,
    messages: Sequence[Message],
    parse: Callable[[Any], T],
    *,
    system: str = "",
    max_tokens: int | None = None,
    usage: Usage | None = None,
    attempts: int = 2,
) -> T:
    """Ask for JSON and return `parse(decoded)`; raises LLMMalformedReply after `attempts`."""
    turns = list(messages)
    problem = ""
    for _ in range(max(1, attempts)):
        completion = await provider.complete(
            turns, system=system, max_tokens=max_tokens, json_mode=True, usage=usage
        )
        try:
            return parse(extract_json(completion.text))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            problem = str(exc) or type(exc).__name__
            if usage is not None:
                usage.malformed_replies += 1
            turns = [
                *turns,
                Message("assistant", completion.text),
                Message(
                    "user",
                    f"That reply was not valid: {problem}. Answer again with only the JSON.",
                ),
            ]
    raise LLMMalformedReply(f"{provider.name} gave no valid JSON: {problem}")
