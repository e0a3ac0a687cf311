"""A minimal HTTP/1.1 JSON POST over asyncio streams.

The LLM providers make one request per call and wait seconds for the answer, so connection reuse
buys nothing; stdlib streams keep the server free of an HTTP client dependency. Only what the
chat APIs need is supported: one POST with a JSON body, a reply framed by Content-Length,
chunked transfer encoding or connection close.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# A chat reply is a few kilobytes; anything far larger is a misbehaving server.
MAX_REPLY_BYTES = 8 * 1024 * 1024


class HttpError(Exception):
    """The exchange failed below HTTP semantics: refused, reset, cut short or unparsable."""


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


async def post_json(url: str, headers: dict[str, str], payload: Any) -> HttpReply:
    """POST `payload` as JSON to `url`; the caller bounds the time with asyncio.timeout."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise HttpError(f"unsupported URL {url!r}")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(payload).encode("utf-8")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {host_header}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    try:
        reader, writer = await asyncio.open_connection(
            parts.hostname, port, ssl=ssl.create_default_context() if secure else None
        )
    except OSError as exc:
        raise HttpError(f"cannot connect to {parts.hostname}:{port}: {exc}") from exc
    try:
        writer.write(head + body)
        await writer.drain()
        return await _read_reply(reader)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise HttpError(f"bad HTTP exchange with {parts.hostname}:{port}: {exc}") from exc
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _read_reply(reader: asyncio.StreamReader) -> HttpReply:
    status_line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
    pieces = status_line.split(" ", 2)
    if len(pieces) < 2 or not pieces[0].startswith("HTTP/"):
        raise HttpError(f"not an HTTP reply: {status_line[:80]!r}")
    status = int(pieces[1])
    headers: dict[str, str] = {}
    while True:
        line = (await reader.readuntil(b"\r\n")).decode("latin-1")
        if line == "\r\n":
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if length > MAX_REPLY_BYTES:
            raise HttpError(f"reply of {length} bytes is too large")
        body = await reader.readexactly(length)
    else:
        body = await reader.read(MAX_REPLY_BYTES + 1)
        if len(body) > MAX_REPLY_BYTES:
            raise HttpError("reply is too large")
    return HttpReply(status, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size_line = (await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip()
        size = int(size_line, 16)
        if size == 0:
            # Trailers, if any, end with an empty line.
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(out)
        if len(out) + size > MAX_REPLY_BYTES:
            raise HttpError("reply is too large")
        out += await reader.readexactly(size)
        await reader.readexactly(2)
