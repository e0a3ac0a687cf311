"""The guest -> host frame parser: any chunking, size checks before buffering, bad frames."""

from __future__ import annotations

import json
import marshal
import struct

import pytest
from athena.execution.frames import MAGIC, FrameError, FrameParser, encode_reply


def frame(message: object) -> bytes:
    body = json.dumps(message).encode()
    return MAGIC + struct.pack(">I", len(body)) + body


def test_text_and_frames_are_separated_across_any_chunking() -> None:
    stream = b"hello " + frame({"op": "call", "n": 1}) + b"world\n" + frame({"op": "result"})
    for step in (1, 2, 3, 7, len(stream)):
        parser = FrameParser(1024)
        text, frames = b"", []
        for i in range(0, len(stream), step):
            parsed = parser.feed(stream[i : i + step])
            text += parsed.text
            frames += parsed.frames
        assert text == b"hello world\n"
        assert [f for f, _ in frames] == [{"op": "call", "n": 1}, {"op": "result"}]
        assert [size for _, size in frames] == [
            len(frame({"op": "call", "n": 1})),
            len(frame({"op": "result"})),
        ]


def test_a_partial_marker_is_held_back_then_released_as_text() -> None:
    parser = FrameParser(1024)
    assert parser.feed(b"abc" + MAGIC[:3]).text == b"abc"
    assert parser.feed(b"xyz").text == MAGIC[:3] + b"xyz"


@pytest.mark.parametrize(
    "data",
    [
        MAGIC + struct.pack(">I", 2 * 1024 * 1024) + b"{}",
        MAGIC + struct.pack(">I", 5) + b"nope!",
        frame([1, 2]),
        frame({"no": "op"}),
        frame({"op": 3}),
        MAGIC + struct.pack(">I", 200_000) + b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["too large", "not json", "array", "no op", "op not a string", "deep nesting"],
)
def test_bad_frames_raise(data: bytes) -> None:
    with pytest.raises(FrameError):
        FrameParser(1024 * 1024).feed(data)


def test_a_declared_size_is_refused_before_the_body_arrives() -> None:
    with pytest.raises(FrameError):
        FrameParser(1024).feed(MAGIC + struct.pack(">I", 0xFFFFFFFF))


def test_replies_are_length_prefixed_marshal() -> None:
    reply = {"ok": True, "value": ["é", 1, 2.5, None, {"n": 2**70}]}
    data = encode_reply(reply)
    (size,) = struct.unpack(">I", data[:4])
    assert len(data) == 4 + size
    assert marshal.loads(data[4:]) == reply
