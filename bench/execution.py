"""Execution-service benchmark: warm-pool overhead, first byte, throughput, cold start, tokens.

Starts the server in-process on the embedded default (a fresh temporary data directory), talks
to it over a real gRPC socket, and prints a table of medians / p95s.

    python -m bench.execution            # ~1-2 minutes on 2 cores
    python -m bench.execution --quick    # fewer samples
    python -m bench.execution --json out.json

Client and server share one process (as in the tests), so figures include the client's own
gRPC work. Throughput is bounded by booting a fresh interpreter per run (no reuse, by design).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc

TARGET_OVERHEAD_P50_MS = 15.0
TARGET_FIRST_BYTE_MS = 5.0
TARGET_TOKEN_REDUCTION = 0.90

FILTER_CODE = """
import athena
hits = [e for e in athena.memory.iter_events(page_size=1000) if "timeout" in e["content"]]
by_service = {}
for e in hits:
    service = e["content"].split()[1]
    by_service[service] = by_service.get(service, 0) + 1
athena.set_result({"timeouts": len(hits), "by_service": by_service})
"""

COLD_START = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {server!r})
import asyncio
from pathlib import Path
from athena.execution.runtime import DEFAULT_RUNTIME, PINNED_SHA256, get_runtime
from athena.execution.instance import Instance, Run
from athena.execution.models import Limits
t_import = time.perf_counter()
rt = get_runtime(DEFAULT_RUNTIME, PINNED_SHA256, DEFAULT_RUNTIME.parent / "cache")
t_runtime = time.perf_counter()

async def main():
    loop = asyncio.get_running_loop()
    inst = Instance(rt, loop, Limits().memory_bytes, None)
    inst.boot()
    await inst.ready.wait()
    t_boot = time.perf_counter()
    run = Run(loop, Limits())
    inst.start(run, {{"code": "print(1)"}})
    await inst.finished.wait()
    await inst.wait_finished()
    inst.remove_workdir()
    return t_boot, time.perf_counter()

t_boot, t_done = asyncio.run(main())
print(t_import - t0, t_runtime - t_import, t_boot - t_runtime, t_done - t_boot)
"""


def q(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def overhead(stub: Any, pool: Any, n: int) -> dict[str, float]:
    from athena.v1 import execution_pb2 as pb

    warm, back_to_back = [], []
    for i in range(n * 2):
        if i < n:
            await pool.wait_filled()  # a warm instance is waiting, as between agent requests
        started = time.perf_counter()
        async for message in stub.ExecuteCode(pb.ExecuteCodeRequest(code="print(1)")):
            if message.HasField("result"):
                assert message.result.termination == pb.TERMINATION_REASON_OK
        (warm if i < n else back_to_back).append((time.perf_counter() - started) * 1000)
    w50, w95 = q(warm)
    b50, b95 = q(back_to_back)
    return {"warm_p50_ms": w50, "warm_p95_ms": w95, "b2b_p50_ms": b50, "b2b_p95_ms": b95}


async def first_byte(stub: Any, pool: Any, n: int) -> dict[str, float]:
    from athena.v1 import execution_pb2 as pb

    code = "import time\nprint(time.time_ns())\ntime.sleep(0.02)\nprint('end')"
    after_print, after_request = [], []
    for _ in range(n):
        await pool.wait_filled()
        sent = time.perf_counter()
        got_first = False
        async for message in stub.ExecuteCode(pb.ExecuteCodeRequest(code=code)):
            if message.HasField("output") and not got_first:
                now = time.time_ns()
                got_first = True
                after_print.append((now - int(message.output.data.split()[0])) / 1e6)
                after_request.append((time.perf_counter() - sent) * 1000)
    p50, p95 = q(after_print)
    r50, r95 = q(after_request)
    return {"print_to_client_p50_ms": p50, "print_to_client_p95_ms": p95, "request_p50_ms": r50,
            "request_p95_ms": r95}  # fmt: skip


async def throughput(stub: Any, seconds: float, clients: int = 4) -> dict[str, float]:
    from athena.v1 import execution_pb2 as pb

    done = 0
    end = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < end:
            async for _ in stub.ExecuteCode(pb.ExecuteCodeRequest(code="print(sum(range(100)))")):
                pass
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return {"runs_per_s": done / (time.perf_counter() - started), "clients": clients}


async def tokens(memory: Any, execution: Any) -> dict[str, float]:
    from athena.v1 import execution_pb2 as pb
    from athena.v1 import memory_pb2

    services = ["api", "billing", "search", "auth", "worker"]
    batch = []
    for i in range(1000):
        outcome = "timeout after 30s" if i % 10 == 0 else "completed in 120ms"
        content = (
            f"service {services[i % 5]} handled request {i} from agent-{i % 7}: {outcome}; "
            "payload summary: user asked for the quarterly report, cache warmed, 3 retries"
        )
        batch.append(
            memory_pb2.NewEvent(
                session_id=f"s{i % 20}", type=memory_pb2.EVENT_TYPE_OBSERVATION, content=content,
                tags=["bench", services[i % 5]],
            )
        )  # fmt: skip
        if len(batch) == 100:
            await memory.RecordEvents(memory_pb2.RecordEventsRequest(events=batch))
            batch = []
    pulled = 0
    token = ""
    matched = 0
    while True:
        page = await memory.ListEvents(
            memory_pb2.ListEventsRequest(page_size=1000, page_token=token)
        )
        pulled += page.ByteSize()
        matched += sum("timeout" in e.content for e in page.events)
        token = page.next_page_token
        if not token:
            break
    sandboxed = 0
    result = None
    async for message in execution.ExecuteCode(pb.ExecuteCodeRequest(code=FILTER_CODE)):
        sandboxed += message.ByteSize()
        if message.HasField("result"):
            result = message.result
    assert result is not None and result.termination == pb.TERMINATION_REASON_OK, result
    return {
        "events": 1000,
        "matched": matched,
        "pulled_bytes": pulled,
        "sandbox_bytes": sandboxed,
        "reduction": 1 - sandboxed / pulled,
    }


def cold_start(repeats: int) -> dict[str, float]:
    server_dir = str(Path(__file__).resolve().parents[1] / "server")
    rows = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", COLD_START.format(server=server_dir)],
            check=True, capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        rows.append([float(x) * 1000 for x in out])
    cols = list(zip(*rows, strict=True))
    return {
        "import_ms": statistics.median(cols[0]),
        "runtime_from_cache_ms": statistics.median(cols[1]),
        "first_boot_ms": statistics.median(cols[2]),
        "first_run_ms": statistics.median(cols[3]),
        "total_ms": statistics.median([sum(r) for r in rows]),
    }


async def main_async(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import athena.log
    from athena.config import Config
    from athena.server import create_server
    from athena.v1 import execution_pb2_grpc, memory_pb2_grpc

    athena.log.configure("WARNING")
    config = Config(
        host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING", grace_seconds=1.0,
        sandbox_prewarm=True, sandbox_pool_size=args.pool,
    )  # fmt: skip
    server, port = await create_server(config)
    await server.start()
    try:
        executor = server.components["execution"].domain["executor"]
        pool = await executor.pool()
        await pool.wait_filled()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            execution = execution_pb2_grpc.ExecutionServiceStub(channel)
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            n = 30 if args.quick else 100
            results = {
                "overhead": await overhead(execution, pool, n),
                "first_byte": await first_byte(execution, pool, n),
                "throughput": await throughput(execution, 5.0 if args.quick else 15.0),
                "tokens": await tokens(memory, execution),
            }
    finally:
        await server.stop(grace=0)
    results["cold_start"] = cold_start(3 if args.quick else 5)
    results["environment"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "pool_size": args.pool,
    }
    return results


def print_table(r: dict[str, Any]) -> None:
    o, f, t, k, c = r["overhead"], r["first_byte"], r["throughput"], r["tokens"], r["cold_start"]

    def mark(ok: bool) -> str:
        return "meets target" if ok else "MISSES target"

    print()
    print(f"{'measure':58s} {'p50':>9s} {'p95':>9s}")
    print(
        f"{'print(1) request -> result, warm pool (ms)':58s} {o['warm_p50_ms']:9.2f} "
        f"{o['warm_p95_ms']:9.2f}  {mark(o['warm_p50_ms'] < TARGET_OVERHEAD_P50_MS)}"
    )
    print(
        f"{'print(1) back to back, pool refilling (ms)':58s} {o['b2b_p50_ms']:9.2f} "
        f"{o['b2b_p95_ms']:9.2f}"
    )
    print(
        f"{'first byte: guest print -> client (ms)':58s} {f['print_to_client_p50_ms']:9.2f} "
        f"{f['print_to_client_p95_ms']:9.2f}  "
        f"{mark(f['print_to_client_p50_ms'] < TARGET_FIRST_BYTE_MS)}"
    )
    print(
        f"{'first byte: request -> client (ms)':58s} {f['request_p50_ms']:9.2f} "
        f"{f['request_p95_ms']:9.2f}"
    )
    print(f"{'runs/s, 4 concurrent clients':58s} {t['runs_per_s']:9.1f}")
    print(
        f"{'cold start: import + runtime from cache + boot + run (ms)':58s} {c['total_ms']:9.1f}"
        f"  (runtime {c['runtime_from_cache_ms']:.1f}, boot {c['first_boot_ms']:.1f}, "
        f"run {c['first_run_ms']:.1f})"
    )
    print(
        f"{'token reduction, 1,000 events (pulled vs sandboxed bytes)':58s} "
        f"{k['reduction'] * 100:8.1f}%  ({k['pulled_bytes']:,} vs {k['sandbox_bytes']:,} B) "
        f"{mark(k['reduction'] >= TARGET_TOKEN_REDUCTION)}"
    )
    print(f"load average at the end: {r['environment']['loadavg']}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--pool", type=int, default=2, help="warm pool size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="athena-bench-exec-") as tmp:
        results = asyncio.run(main_async(args, Path(tmp)))
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
