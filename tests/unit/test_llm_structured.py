"""JSON extraction from model replies, retry backoff bounds and provider settings."""

from __future__ import annotations

import pytest
from athena.config import Config
from athena.llm import LLMSettings, OpenAIChat, extract_json
from athena.llm.chat import RETRYABLE_STATUS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure! ```json\n{"a": [1, 2]}\n``` done', {"a": [1, 2]}),
        ("```\n[1, 2]\n```", [1, 2]),
        ('The plan is {"steps": []} as asked.', {"steps": []}),
        ('{broken {"ok": true}', {"ok": True}),
    ],
)
def test_extract_json(text: str, expected: object) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize("text", ["", "no json", "{not: json}", "```json\n{\n```"])
def test_extract_json_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        extract_json(text)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    provider = OpenAIChat(
        LLMSettings(provider="openai", model="m", backoff_seconds=1.0, max_backoff_seconds=8.0)
    )
    for attempt, (low, high) in enumerate([(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]):
        for _ in range(50):
            assert low <= provider._backoff(attempt, None) <= high
    assert provider._backoff(10, None) <= 8.0
    assert provider._backoff(0, 3.0) == 3.0 and provider._backoff(0, 60.0) == 8.0


def test_retryable_statuses() -> None:
    assert {429, 500, 503, 529} <= RETRYABLE_STATUS
    assert not {400, 401, 403, 404} & RETRYABLE_STATUS


def test_settings_defaults_and_base_url() -> None:
    settings = LLMSettings.from_config(
        Config(llm_provider="OpenAI", llm_model="gpt", llm_base_url="http://h:8000/v1/"), {}
    )
    assert settings.provider == "openai" and settings.base_url == "http://h:8000/v1"
    assert settings.api_key == ""  # a local server needs no key
    assert LLMSettings.from_config(Config(), {}).provider == "none"
