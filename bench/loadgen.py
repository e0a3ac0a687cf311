"""Sends pre-serialized RecordEvents requests from its own process and reports the timings.

The benchmark's server runs in the parent process; generating load from a separate process keeps
the client's gRPC and protobuf work off the server's event loop, as with a real remote agent.
Requests are prepared (serialized) before the clock starts, so the load generator itself costs
little CPU on the shared two cores.

    python -m bench.loadgen PORT CONCURRENCY REQUESTS_FILE   (prints one JSON object)

REQUESTS_FILE holds length-prefixed (4-byte big-endian) serialized RecordEventsRequest messages.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import sys
import time
from pathlib import Path

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc

METHOD = "/athena.v1.MemoryService/RecordEvents"


def write_requests(path: Path, requests: list[bytes]) -> None:
    with path.open("wb") as fh:
        for data in requests:
            fh.write(struct.pack(">I", len(data)))
            fh.write(data)


def read_requests(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    out, offset = [], 0
    while offset < len(raw):
        (size,) = struct.unpack_from(">I", raw, offset)
        out.append(raw[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return out


async def send(port: int, concurrency: int, requests: list[bytes]) -> dict[str, object]:
    latencies: list[float] = [0.0] * len(requests)
    next_index = 0
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(METHOD)  # bytes in, bytes out: no client-side protobuf work

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(requests):
                index = next_index
                next_index += 1
                t0 = time.perf_counter()
                await call(requests[index])
                latencies[index] = time.perf_counter() - t0

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"latencies": latencies, "wall": wall}


def main() -> int:
    port, concurrency, path = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    result = asyncio.run(send(port, concurrency, read_requests(path)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
