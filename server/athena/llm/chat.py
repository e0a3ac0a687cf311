"""What the HTTP providers share: timeouts, retries with backoff, usage accounting."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from athena.errors import LLMMalformedReply, LLMRejected, LLMUnavailable
from athena.llm.http import HttpError, HttpReply, post_json
from athena.llm.models import Completion, Message, Usage
from athena.llm.settings import LLMSettings

log = logging.getLogger(__name__)

# Rate limits, timeouts, overload (Anthropic's 529) and server faults are worth another try;
# any other 4xx means the request itself is wrong and will fail the same way again.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


class HttpChatProvider:
    """Base of the OpenAI-compatible and Anthropic providers; subclasses speak the wire format."""

    name = "http"
    enabled = True

    def __init__(
        self,
        settings: LLMSettings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.model = settings.model
        self._sleep = sleep

    # -- wire format, per provider ------------------------------------------------------------
    def _url(self) -> str:
        raise NotImplementedError

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _payload(
        self,
        messages: Sequence[Message],
        system: str,
        max_tokens: int,
        temperature: float,
        json_mode: bool,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _parse(self, body: Any) -> tuple[str, str, int, int, str]:
        """(text, model, input tokens, output tokens, stop reason) from a 200 reply body."""
        raise NotImplementedError

    # -- shared behaviour ---------------------------------------------------------------------
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
        if not messages:
            raise ValueError("complete() needs at least one message")
        payload = self._payload(
            messages, system, max_tokens or self.settings.max_tokens, temperature, json_mode
        )
        attempts = self.settings.max_retries + 1
        problem = ""
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                async with asyncio.timeout(self.settings.timeout_seconds):
                    reply = await post_json(self._url(), self._headers(), payload)
            except TimeoutError:
                problem = f"no reply within {self.settings.timeout_seconds:g}s"
            except HttpError as exc:
                problem = str(exc)
            else:
                if reply.status == 200:
                    completion = self._completion(reply)
                    if usage is not None:
                        usage.add(completion)
                    return completion
                problem = f"HTTP {reply.status}: {_error_text(reply)}"
                if reply.status not in RETRYABLE_STATUS:
                    if usage is not None:
                        usage.failed_calls += 1
                    raise LLMRejected(f"{self.name} refused the request: {problem}")
                retry_after = _retry_after(reply)
            if attempt + 1 < attempts:
                delay = self._backoff(attempt, retry_after)
                log.warning(
                    "llm call failed, retrying",
                    extra={"provider": self.name, "problem": problem, "delay": delay},
                )
                if usage is not None:
                    usage.retries += 1
                await self._sleep(delay)
        if usage is not None:
            usage.failed_calls += 1
        raise LLMUnavailable(f"{self.name} failed after {attempts} attempts: {problem}")

    def _completion(self, reply: HttpReply) -> Completion:
        try:
            text, model, tokens_in, tokens_out, stop = self._parse(reply.json())
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise LLMMalformedReply(f"{self.name} reply does not follow its format: {exc}") from exc
        if not isinstance(text, str):
            raise LLMMalformedReply(f"{self.name} reply has no text content")
        cost = (
            tokens_in * self.settings.input_cost_per_mtok
            + tokens_out * self.settings.output_cost_per_mtok
        ) / 1_000_000
        return Completion(text, model or self.model, tokens_in, tokens_out, cost, stop)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.settings.max_backoff_seconds)
        base = self.settings.backoff_seconds * (2**attempt)
        # Full jitter keeps many callers from retrying in lockstep after a shared outage.
        return min(self.settings.max_backoff_seconds, base * (0.5 + random.random() / 2))


def _retry_after(reply: HttpReply) -> float | None:
    value = reply.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_text(reply: HttpReply) -> str:
    try:
        body = reply.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else None
        return str(message or error)[:300]
    except (ValueError, UnicodeDecodeError):
        return reply.body[:300].decode("utf-8", "replace")


def int_field(value: Any) -> int:
    """Token counts: absent or null count as zero, anything else must be an integer."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"token count {value!r} is not an integer")
    return value
