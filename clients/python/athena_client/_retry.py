"""When and how long the clients wait before retrying a call."""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for UNAVAILABLE, used only on calls that are safe to repeat:
    reads, and writes carrying a `request_id` (which the server replays instead of repeating)."""

    max_attempts: int = 3
    initial_backoff: float = 0.1
    multiplier: float = 2.0
    max_backoff: float = 2.0

    def should_retry(self, code: grpc.StatusCode | None, attempt: int) -> bool:
        """Whether to try again after `attempt` (1-based) failed with `code`."""
        return attempt < self.max_attempts and code in RETRYABLE_CODES

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based): jittered within [d/2, d]."""
        delay = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)


DEFAULT_RETRY = RetryPolicy()
