"""LLM providers against a fake HTTP server in this process (real HTTP over a socket) that
speaks the OpenAI chat-completions and Anthropic messages wire formats, including malformed,
slow, rate-limited and failing replies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from athena.config import Config
from athena.errors import LLMMalformedReply, LLMRejected, LLMUnavailable
from athena.llm import (
    AnthropicMessages,
    LLMSettings,
    Message,
    NoLLM,
    OpenAIChat,
    Usage,
    build_provider,
    complete_json,
)

# (status, headers, body bytes, delay seconds, chunked); status 0 sends the body bytes raw
Reply = tuple[int, dict[str, str], bytes, float, bool]


@dataclass
class FakeLLMServer:
    """Answers each POST with the next scripted reply and records what it was sent."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    port: int = 0

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            request_line = (await reader.readuntil(b"\r\n")).decode().split(" ")
            headers: dict[str, str] = {}
            while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((request_line[1], headers, json.loads(body)))
            status, extra, payload, delay, chunked = self.replies.pop(0)
            if delay:
                await asyncio.sleep(delay)  # a slow model, not synchronisation
            head = [f"HTTP/1.1 {status} X", "Connection: close", *extra_lines(extra)]
            if status == 0:
                # Raw bytes as given: cut-short or non-HTTP replies.
                writer.write(payload)
                await writer.drain()
                return
            if chunked:
                head.append("Transfer-Encoding: chunked")
                half = len(payload) // 2
                data = (
                    b"".join(
                        f"{len(part):x}\r\n".encode() + part + b"\r\n"
                        for part in (payload[:half], payload[half:])
                        if part
                    )
                    + b"0\r\n\r\n"
                )
            else:
                head.append(f"Content-Length: {len(payload)}")
                data = payload
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.handlers.discard(task)
            writer.close()


def extra_lines(headers: dict[str, str]) -> list[str]:
    return [f"{k}: {v}" for k, v in headers.items()]


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLMServer]:
    server = FakeLLMServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    yield server
    listener.close()
    # Slow replies still sleeping after the client gave up are not waited for.
    for task in list(server.handlers):
        task.cancel()
    await asyncio.gather(*server.handlers, return_exceptions=True)
    await listener.wait_closed()


def openai_body(text: str, tokens_in: int = 11, tokens_out: int = 7) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "fake-gpt",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
            },
        }
    ).encode()


def anthropic_body(text: str) -> bytes:
    return json.dumps(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "fake-claude",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 20, "output_tokens": 5},
        }
    ).encode()


def ok(body: bytes, chunked: bool = False) -> Reply:
    return (200, {"Content-Type": "application/json"}, body, 0.0, chunked)


def settings(fake: FakeLLMServer, provider: str, **changes: Any) -> LLMSettings:
    base = f"http://127.0.0.1:{fake.port}" + ("/v1" if provider == "openai" else "")
    values: dict[str, Any] = {
        "provider": provider,
        "base_url": base,
        "model": "m1",
        "api_key": "test-key",
        "timeout_seconds": 5.0,
        "max_retries": 2,
        "backoff_seconds": 0.01,
        "input_cost_per_mtok": 1_000_000.0,
        "output_cost_per_mtok": 2_000_000.0,
    }
    values.update(changes)
    return LLMSettings(**values)


async def no_sleep(_: float) -> None:
    return None


def make(fake: FakeLLMServer, provider: str, **changes: Any) -> OpenAIChat | AnthropicMessages:
    kind: Callable[..., Any] = OpenAIChat if provider == "openai" else AnthropicMessages
    return kind(settings(fake, provider, **changes), sleep=no_sleep)


async def test_openai_wire_format_and_usage(fake: FakeLLMServer) -> None:
    fake.script(ok(openai_body("hello")))
    usage = Usage()
    reply = await make(fake, "openai").complete(
        [Message("user", "hi")], system="be brief", max_tokens=50, usage=usage
    )
    assert reply.text == "hello" and reply.model == "fake-gpt" and reply.stop_reason == "stop"
    path, headers, body = fake.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer test-key"
    assert body["model"] == "m1" and body["max_tokens"] == 50
    assert body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 11, 7)
    # 11 tokens at $1/token plus 7 at $2/token (prices scaled up to make the sum exact).
    assert usage.cost_usd == pytest.approx(25.0)


async def test_anthropic_wire_format_chunked_reply(fake: FakeLLMServer) -> None:
    fake.script(ok(anthropic_body("bonjour"), chunked=True))
    usage = Usage()
    reply = await make(fake, "anthropic").complete(
        [Message("user", "hi")], system="sys", usage=usage
    )
    assert reply.text == "bonjour" and reply.input_tokens == 20 and reply.output_tokens == 5
    path, headers, body = fake.requests[0]
    assert path == "/v1/messages"
    assert headers["x-api-key"] == "test-key" and headers["anthropic-version"] == "2023-06-01"
    assert body["system"] == "sys" and body["messages"] == [{"role": "user", "content": "hi"}]
    assert "authorization" not in headers
    assert usage.models == {"fake-claude"}


async def test_retries_on_429_and_5xx_then_succeeds(fake: FakeLLMServer) -> None:
    fake.script(
        (429, {"Retry-After": "0"}, b'{"error": {"message": "slow down"}}', 0.0, False),
        (529, {}, b'{"type": "error", "error": {"type": "overloaded_error"}}', 0.0, False),
        ok(anthropic_body("finally")),
    )
    usage = Usage()
    reply = await make(fake, "anthropic").complete([Message("user", "hi")], usage=usage)
    assert reply.text == "finally"
    assert len(fake.requests) == 3 and usage.retries == 2 and usage.calls == 1


async def test_gives_up_after_retries(fake: FakeLLMServer) -> None:
    fake.script(*[(503, {}, b"unavailable", 0.0, False)] * 3)
    usage = Usage()
    with pytest.raises(LLMUnavailable, match="3 attempts"):
        await make(fake, "openai").complete([Message("user", "hi")], usage=usage)
    assert usage.failed_calls == 1 and usage.calls == 0 and len(fake.requests) == 3


async def test_client_error_is_not_retried(fake: FakeLLMServer) -> None:
    fake.script((401, {}, b'{"error": {"message": "invalid api key"}}', 0.0, False))
    with pytest.raises(LLMRejected, match="invalid api key"):
        await make(fake, "openai").complete([Message("user", "hi")])
    assert len(fake.requests) == 1


async def test_slow_reply_times_out_and_is_retried(fake: FakeLLMServer) -> None:
    fake.script(
        (200, {}, openai_body("late"), 60.0, False),
        ok(openai_body("in time")),
    )
    # Generous against a loaded machine: the prompt reply must arrive within 2 s.
    reply = await make(fake, "openai", timeout_seconds=2.0).complete([Message("user", "hi")])
    assert reply.text == "in time" and len(fake.requests) == 2


async def test_slow_replies_exhaust_retries(fake: FakeLLMServer) -> None:
    fake.script(*[(200, {}, openai_body("late"), 60.0, False)] * 2)
    with pytest.raises(LLMUnavailable, match="no reply within"):
        await make(fake, "openai", timeout_seconds=0.5, max_retries=1).complete(
            [Message("user", "hi")]
        )


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"choices": []}',
        b'{"choices": [{"message": {"content": null}}]}',
        b'{"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "many"}}',
    ],
)
async def test_malformed_wire_reply_is_rejected(fake: FakeLLMServer, body: bytes) -> None:
    fake.script(ok(body))
    with pytest.raises(LLMMalformedReply):
        await make(fake, "openai").complete([Message("user", "hi")])


async def test_anthropic_error_object_in_200_is_malformed(fake: FakeLLMServer) -> None:
    fake.script(ok(b'{"type": "error", "error": {"type": "api_error"}}'))
    with pytest.raises(LLMMalformedReply):
        await make(fake, "anthropic").complete([Message("user", "hi")])


async def test_connection_refused_is_unavailable(fake: FakeLLMServer) -> None:
    provider = OpenAIChat(
        LLMSettings(provider="openai", base_url="http://127.0.0.1:1/v1", model="m", max_retries=1),
        sleep=no_sleep,
    )
    with pytest.raises(LLMUnavailable, match="cannot connect"):
        await provider.complete([Message("user", "hi")])


def parse_steps(value: Any) -> list[str]:
    steps = value["steps"]
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise TypeError("steps must be a list of strings")
    return steps


async def test_structured_output_fenced_json(fake: FakeLLMServer) -> None:
    fake.script(ok(openai_body('Here:\n```json\n{"steps": ["a", "b"]}\n```')))
    provider = make(fake, "openai")
    assert await complete_json(provider, [Message("user", "plan")], parse_steps) == ["a", "b"]
    assert fake.requests[0][2]["response_format"] == {"type": "json_object"}


async def test_structured_output_reasks_once_after_malformed(fake: FakeLLMServer) -> None:
    fake.script(ok(openai_body('{"steps": [1, 2]}')), ok(openai_body('{"steps": ["x"]}')))
    usage = Usage()
    result = await complete_json(
        make(fake, "openai"), [Message("user", "p")], parse_steps, usage=usage
    )
    assert result == ["x"] and usage.malformed_replies == 1 and usage.calls == 2
    second = fake.requests[1][2]["messages"]
    assert second[-2]["role"] == "assistant" and "not valid" in second[-1]["content"]


async def test_structured_output_gives_up_without_a_value(fake: FakeLLMServer) -> None:
    fake.script(ok(openai_body("no json here")), ok(openai_body('{"steps": "nope"}')))
    with pytest.raises(LLMMalformedReply):
        await complete_json(make(fake, "openai"), [Message("user", "p")], parse_steps)


async def test_none_provider_is_disabled() -> None:
    provider = build_provider(Config())
    assert isinstance(provider, NoLLM) and not provider.enabled
    with pytest.raises(LLMUnavailable):
        await provider.complete([Message("user", "hi")])


def test_build_provider_reads_key_from_named_env_var() -> None:
    config = Config(llm_provider="anthropic", llm_model="c", llm_api_key_env="MY_KEY")
    provider = build_provider(config, {"MY_KEY": "secret"})
    assert isinstance(provider, AnthropicMessages)
    assert provider.settings.api_key == "secret"
    assert provider.settings.base_url == "https://api.anthropic.com"
    with pytest.raises(ValueError, match="MY_KEY"):
        build_provider(config, {})
    with pytest.raises(ValueError, match="llm_provider"):
        build_provider(Config(llm_provider="gpt"), {})
    with pytest.raises(ValueError, match="llm_model"):
        build_provider(Config(llm_provider="openai"), {})


@pytest.mark.parametrize(
    "raw",
    [
        b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"choices": [',
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"",
    ],
)
async def test_cut_short_or_garbled_replies_are_retried(fake: FakeLLMServer, raw: bytes) -> None:
    fake.script((0, {}, raw, 0.0, False), ok(openai_body("recovered")))
    usage = Usage()
    reply = await make(fake, "openai").complete([Message("user", "hi")], usage=usage)
    assert reply.text == "recovered" and usage.retries == 1
