"""Build the configured provider."""

from __future__ import annotations

from collections.abc import Mapping

from athena.config import Config
from athena.llm.anthropic import AnthropicMessages
from athena.llm.base import LLMProvider
from athena.llm.none import NoLLM
from athena.llm.openai import OpenAIChat
from athena.llm.settings import LLMSettings


def build_provider(config: Config, environ: Mapping[str, str] | None = None) -> LLMProvider:
    """The provider `config` names; ValueError on a misconfiguration (fail at start-up)."""
    settings = LLMSettings.from_config(config, environ)
    return provider_from_settings(settings)


def provider_from_settings(settings: LLMSettings) -> LLMProvider:
    if settings.provider == "openai":
        return OpenAIChat(settings)
    if settings.provider == "anthropic":
        return AnthropicMessages(settings)
    return NoLLM()
