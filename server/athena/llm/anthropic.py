"""Anthropic messages API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from athena.llm.chat import HttpChatProvider, int_field
from athena.llm.models import Message

API_VERSION = "2023-06-01"


class AnthropicMessages(HttpChatProvider):
    """POST {base_url}/v1/messages with x-api-key and anthropic-version headers."""

    name = "anthropic"

    def _url(self) -> str:
        return f"{self.settings.base_url}/v1/messages"

    def _headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if self.settings.api_key:
            headers["x-api-key"] = self.settings.api_key
        return headers

    def _payload(
        self,
        messages: Sequence[Message],
        system: str,
        max_tokens: int,
        temperature: float,
        json_mode: bool,
    ) -> dict[str, Any]:
        # The messages API has no JSON mode; structured callers say so in the prompt and the
        # reply is checked by athena.llm.structured either way.
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if system:
            payload["system"] = system
        return payload

    def _parse(self, body: Any) -> tuple[str, str, int, int, str]:
        if body.get("type") == "error":
            raise ValueError(f"error object in a 200 reply: {body.get('error')}")
        blocks = body["content"]
        texts = [b["text"] for b in blocks if b.get("type") == "text"]
        if not texts:
            raise ValueError("no text block in content")
        usage = body.get("usage") or {}
        return (
            "".join(texts),
            str(body.get("model") or ""),
            int_field(usage.get("input_tokens")),
            int_field(usage.get("output_tokens")),
            str(body.get("stop_reason") or ""),
        )
