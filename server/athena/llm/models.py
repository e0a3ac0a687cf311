"""Values exchanged with a language-model provider, and the per-run usage counter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Message:
    """One chat turn. The system prompt is passed separately (Anthropic keeps it apart)."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Completion:
    """A model's reply with what it cost."""

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    # Provider's reason for stopping (`stop`, `end_turn`, `length`, `max_tokens`, ...).
    stop_reason: str = ""


@dataclass
class Usage:
    """Tokens and cost of the calls made for one run (a plan, a consolidation run).

    Pass the same instance to every call of a run; providers add to it, successes and failures.
    """

    calls: int = 0
    failed_calls: int = 0
    retries: int = 0
    malformed_replies: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    models: set[str] = field(default_factory=set)

    def add(self, completion: Completion) -> None:
        self.calls += 1
        self.input_tokens += completion.input_tokens
        self.output_tokens += completion.output_tokens
        self.cost_usd += completion.cost_usd
        if completion.model:
            self.models.add(completion.model)
