"""Optional language models: none (default), OpenAI-compatible chat, Anthropic messages.

Usage:
    provider = build_provider(config)
    if provider.enabled:
        usage = Usage()
        value = await complete_json(provider, [Message("user", prompt)], parse, usage=usage)
"""

from athena.errors import LLMError, LLMMalformedReply, LLMRejected, LLMUnavailable
from athena.llm.anthropic import AnthropicMessages
from athena.llm.base import LLMProvider
from athena.llm.factory import build_provider, provider_from_settings
from athena.llm.models import Completion, Message, Usage
from athena.llm.none import NoLLM
from athena.llm.openai import OpenAIChat
from athena.llm.settings import LLMSettings
from athena.llm.structured import complete_json, extract_json

__all__ = [
    "AnthropicMessages",
    "Completion",
    "LLMError",
    "LLMMalformedReply",
    "LLMProvider",
    "LLMRejected",
    "LLMSettings",
    "LLMUnavailable",
    "Message",
    "NoLLM",
    "OpenAIChat",
    "Usage",
    "build_provider",
    "complete_json",
    "extract_json",
    "provider_from_settings",
]
