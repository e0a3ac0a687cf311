"""The byte protocol between host and guest over the guest's standard streams.

CPython for WASI cannot call host functions, so the guest writes framed JSON requests to stderr and
reads length-prefixed replies from stdin (sandbox/guest/prelude.py is the other side).
Everything a guest sends is untrusted: frames are size-checked before they are buffered, and
anything malformed ends the run instead of reaching the domain.
"""

from __future__ import annotations

import json
import marshal
import struct
from dataclasses import dataclass
from typing import Any

MAGIC = b"\x1e\x1fATHENA"
_HEADER = len(MAGIC) + 4


class FrameError(Exception):
    """The guest broke the frame protocol (oversized, not JSON, not an object)."""


def encode_reply(message: Any) -> bytes:
    """Host -> guest: 4-byte big-endian length + marshal of a JSON-shaped value.

    marshal is built into the guest interpreter (importing json there costs ~50 ms of boot) and
    only the trusted host produces it; what the guest sends back is JSON, parsed defensively."""
    data = marshal.dumps(message, 4)
    return struct.pack(">I", len(data)) + data


@dataclass
class Parsed:
    """What one chunk of guest stderr held: plain text to pass on, and complete frames."""

    text: bytes
    frames: list[tuple[dict[str, Any], int]]  # (message, size of the frame in bytes)


class FrameParser:
    """Splits a guest's stderr stream into plain text and frames, across arbitrary chunking."""

    def __init__(self, max_frame_bytes: int) -> None:
        self._max = max_frame_bytes
        self._buf = b""

    def feed(self, chunk: bytes) -> Parsed:
        self._buf += chunk
        text = bytearray()
        frames: list[tuple[dict[str, Any], int]] = []
        while self._buf:
            at = self._buf.find(MAGIC)
            if at < 0:
                # Keep a tail that could be the start of a marker split across writes.
                keep = _partial_marker(self._buf)
                text += self._buf[: len(self._buf) - keep]
                self._buf = self._buf[len(self._buf) - keep :]
                break
            text += self._buf[:at]
            self._buf = self._buf[at:]
            if len(self._buf) < _HEADER:
                break
            (size,) = struct.unpack(">I", self._buf[len(MAGIC) : _HEADER])
            if size > self._max:
                raise FrameError(f"frame of {size} bytes exceeds the {self._max}-byte limit")
            if len(self._buf) < _HEADER + size:
                break
            body = self._buf[_HEADER : _HEADER + size]
            self._buf = self._buf[_HEADER + size :]
            try:
                message = json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise FrameError("frame is not valid JSON") from exc
            if not isinstance(message, dict) or not isinstance(message.get("op"), str):
                raise FrameError("frame is not an object with an 'op'")
            frames.append((message, _HEADER + size))
        return Parsed(bytes(text), frames)

    def pending(self) -> bytes:
        """Bytes held back at the end of the run (an unfinished marker is just text)."""
        rest, self._buf = self._buf, b""
        return rest


def _partial_marker(buf: bytes) -> int:
    for keep in range(min(len(MAGIC) - 1, len(buf)), 0, -1):
        if MAGIC.startswith(buf[-keep:]):
            return keep
    return 0
