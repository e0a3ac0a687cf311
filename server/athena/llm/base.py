"""The provider protocol every language-model backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from athena.llm.models import Completion, Message, Usage


@runtime_checkable
class LLMProvider(Protocol):
    """Chat completion behind one small interface.

    `enabled` is False for the `none` provider: callers check it and keep to their heuristics
    instead of calling `complete`, which would raise LLMUnavailable.
    """

    name: str
    model: str
    enabled: bool

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
        """One reply. Raises LLMUnavailable (no provider, timeouts or transport failures after
        retries), LLMRejected (the provider refused the request: bad key, unknown model) or
        LLMMalformedReply (the reply does not follow the wire format)."""
        ...
