"""OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp server, Ollama's /v1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from athena.llm.chat import HttpChatProvider, int_field
from athena.llm.models import Message


class OpenAIChat(HttpChatProvider):
    """POST {base_url}/chat/completions; base_url includes the `/v1` prefix."""

    name = "openai"

    def _url(self) -> str:
        return f"{self.settings.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        if not self.settings.api_key:
            return {}
        return {"Authorization": f"Bearer {self.settings.api_key}"}

    def _payload(
        self,
        messages: Sequence[Message],
        system: str,
        max_tokens: int,
        temperature: float,
        json_mode: bool,
    ) -> dict[str, Any]:
        turns = [{"role": "system", "content": system}] if system else []
        turns += [{"role": m.role, "content": m.content} for m in messages]
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "messages": turns,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if json_mode:
            payload["response_format"] = {"type": "json_object"}
        return payload

    def _parse(self, body: Any) -> tuple[str, str, int, int, str]:
        choice = body["choices"][0]
        text = choice["message"]["content"]
        usage = body.get("usage") or {}
        return (
            text,
            str(body.get("model") or ""),
            int_field(usage.get("prompt_tokens")),
            int_field(usage.get("completion_tokens")),
            str(choice.get("finish_reason") or ""),
        )
