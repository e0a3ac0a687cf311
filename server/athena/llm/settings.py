"""Provider settings resolved from the server configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from athena.config import Config

DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
PROVIDERS = ("none", "openai", "anthropic")


@dataclass(frozen=True)
class LLMSettings:
    provider: str = "none"
    base_url: str = ""
    model: str = ""
    # The key itself, read from the environment variable the configuration names.
    api_key: str = ""
    timeout_seconds: float = 60.0
    max_retries: int = 2
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0
    max_tokens: int = 1024
    input_cost_per_mtok: float = 0.0
    output_cost_per_mtok: float = 0.0

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str] | None = None) -> LLMSettings:
        """Settings for `config`; raises ValueError on a provider name, model or key problem."""
        env = os.environ if environ is None else environ
        provider = config.llm_provider.strip().lower()
        if provider not in PROVIDERS:
            raise ValueError(f"llm_provider must be one of {', '.join(PROVIDERS)}: {provider!r}")
        key = ""
        if config.llm_api_key_env:
            key = env.get(config.llm_api_key_env, "")
            if provider != "none" and not key:
                raise ValueError(
                    f"llm_api_key_env names {config.llm_api_key_env}, which is not set"
                )
        if provider != "none" and not config.llm_model:
            raise ValueError(f"llm_model is required with llm_provider = {provider}")
        return cls(
            provider=provider,
            base_url=(config.llm_base_url or DEFAULT_BASE_URLS.get(provider, "")).rstrip("/"),
            model=config.llm_model,
            api_key=key,
            timeout_seconds=config.llm_timeout_seconds,
            max_retries=config.llm_max_retries,
            backoff_seconds=config.llm_backoff_seconds,
            max_backoff_seconds=max(config.llm_backoff_seconds, 8.0),
            max_tokens=config.llm_max_tokens,
            input_cost_per_mtok=config.llm_input_cost_per_mtok,
            output_cost_per_mtok=config.llm_output_cost_per_mtok,
        )
