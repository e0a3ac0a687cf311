"""The default provider: no language model at all."""

from __future__ import annotations

from collections.abc import Sequence

from athena.errors import LLMUnavailable
from athena.llm.models import Completion, Message, Usage


class NoLLM:
    """Reports itself disabled; every caller must work without a model."""

    name = "none"
    model = ""
    enabled = False

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        system: str = "",
        max_tokens: int | None = None,
        temperature: float = 0.0,
        json_mode: bool = False,
        usage: Usage | None = None,
    ) -> Completion:
        raise LLMUnavailable("no language model is configured (llm_provider = none)")
