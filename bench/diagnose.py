"""Where the time of an rpc goes: every SQL statement the server runs is timed, rpc by rpc, and
the search statements of a typical and a slow query get EXPLAIN ANALYZE.

Used by `python -m bench.events --diagnose` after its measurements, or on its own against a data
directory kept by `python -m bench.events --keep`:

    python -m bench.diagnose /tmp/athena-bench-XXXX

It follows whatever SQL the server currently runs: statements are captured by wrapping the
server's storage `Connection` methods for the duration of the diagnosis (a benchmark-only
instrument; the server itself is not changed). Statements run by the background vector indexer
are left out, so each rpc's figures are its own.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD_BATCHES = 10
EXPLAIN_PREFIXES = ("SELECT", "WITH")


def say(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def summary(samples: Sequence[float]) -> dict[str, float]:
    if len(samples) == 1:
        return {"p50": round(samples[0], 3), "p95": round(samples[0], 3), "n": 1}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(samples), 3),
        "p95": round(cuts[94], 3),
        "n": len(samples),
    }


@dataclass
class Statement:
    name: str
    ms: float
    sql: str
    args: tuple[Any, ...]
    end: float = 0.0  # perf_counter() when it finished; start = end - ms / 1000


@dataclass
class Trace:
    """Statements captured during one rpc."""

    rpc_ms: float = 0.0
    statements: list[Statement] = field(default_factory=list)


class Tracer:
    """Times every statement run through athena.storage.database.Connection."""

    METHODS = ("fetch", "fetchrow", "fetchval", "execute", "copy_records")

    def __init__(self) -> None:
        self.current: Trace | None = None

    @contextmanager
    def installed(self) -> Iterator[Tracer]:
        from athena.storage import database

        originals = {m: getattr(database.Connection, m) for m in self.METHODS}
        tracer = self

        def wrap(method: str, original: Any) -> Any:
            async def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return await original(self, *args, **kwargs)
                finally:
                    ms = (time.perf_counter() - t0) * 1000
                    task = asyncio.current_task()
                    if tracer.current is not None and (
                        task is None or task.get_name() != "indexer"
                    ):
                        statement = describe(method, args, ms)
                        statement.end = time.perf_counter()
                        tracer.current.statements.append(statement)

            return traced

        for method, original in originals.items():
            setattr(database.Connection, method, wrap(method, original))
        try:
            yield self
        finally:
            for method, original in originals.items():
                setattr(database.Connection, method, original)


def describe(method: str, args: tuple[Any, ...], ms: float) -> Statement:
    if method == "copy_records":
        table = args[0] if args else "?"
        return Statement(f"COPY {table}", ms, "", ())
    query, params = (args[0], tuple(args[1:])) if args else (None, ())
    name = getattr(query, "name", None) or str(query)[:40]
    sql = getattr(query, "sql", None) or str(query)
    return Statement(name, ms, sql, params)


async def traced_rpcs(tracer: Tracer, calls: Sequence[Any]) -> list[Trace]:
    from bench.events import STOP

    traces = []
    for call in calls:
        STOP.check()
        tracer.current = trace = Trace()
        t0 = time.perf_counter()
        await call()
        trace.rpc_ms = (time.perf_counter() - t0) * 1000
        tracer.current = None
        traces.append(trace)
    return traces


def busy_ms(statements: Sequence[Statement]) -> float:
    """Wall time covered by at least one statement (statements of one rpc may overlap)."""
    spans = sorted((s.end - s.ms / 1000, s.end) for s in statements)
    total, current_start, current_end = 0.0, None, None
    for start, end in spans:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total * 1000


def breakdown(title: str, traces: Sequence[Trace]) -> dict[str, Any]:
    """Per statement name: time per rpc (summed over repeats) and calls per rpc."""
    per_name: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    outside: list[float] = []
    for trace in traces:
        sums: dict[str, float] = defaultdict(float)
        for s in trace.statements:
            sums[s.name] += s.ms
            calls[s.name] += 1
        for name, ms in sums.items():
            per_name[name].append(ms)
        outside.append(trace.rpc_ms - busy_ms(trace.statements))
    rpc = summary([t.rpc_ms for t in traces])
    say(f"\n== {title}: {len(traces)} rpcs, p50 {rpc['p50']:.2f} ms, p95 {rpc['p95']:.2f} ms ==")
    out: dict[str, Any] = {"rpc": rpc, "statements": {}, "outside_sql": summary(outside)}
    for name, samples in sorted(per_name.items(), key=lambda kv: -statistics.median(kv[1])):
        s = summary(samples)
        s["calls_per_rpc"] = round(calls[name] / len(traces), 2)
        out["statements"][name] = s
        say(
            f"  {name:<36} p50 {s['p50']:8.2f} ms  p95 {s['p95']:8.2f} ms  "
            f"({s['calls_per_rpc']:g} per rpc)"
        )
    o = out["outside_sql"]
    say(
        f"  {'(no statement running: Python, gRPC)':<36} "
        f"p50 {o['p50']:8.2f} ms  p95 {o['p95']:8.2f} ms"
    )
    return out


async def explain(conn: Any, trace: Trace, label: str) -> list[dict[str, Any]]:
    plans = []
    for s in trace.statements:
        code = "\n".join(x for x in s.sql.splitlines() if not x.lstrip().startswith("--"))
        if not code.lstrip().upper().startswith(EXPLAIN_PREFIXES) or "pg_stats" in code:
            continue
        try:
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {s.sql}", *s.args)
        except Exception as exc:  # a diagnosis must not die on one statement
            plans.append({"statement": s.name, "error": repr(exc)})
            say(f"\n-- EXPLAIN {s.name} failed: {exc!r}")
            continue
        plan = [r[0] for r in rows]
        plans.append({"statement": s.name, "plan": plan})
        say(f"\n-- EXPLAIN ANALYZE {s.name} ({label})")
        for line in plan:
            say("   " + (line if len(line) < 200 else line[:200] + " ..."))
    return plans


async def relation_sizes(conn: Any) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') "
        "ORDER BY bytes DESC LIMIT 14"
    )
    say("\n== largest relations (heap + TOAST + indexes) ==")
    for r in rows:
        say(f"  {r['relname']:<45} {r['bytes'] / 2**20:8.1f} MiB")
    return {r["relname"]: r["bytes"] for r in rows}


async def floors(tracer: Tracer, channel: Any, stub: Any, calls: int = 200) -> dict[str, Any]:
    """What any rpc costs here: a health check (gRPC alone, no interceptors of ours, nothing in
    the database) and GetEvent (our interceptors, one primary-key lookup, one event back)."""
    from athena.v1 import memory_pb2
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(channel)
    check = health_pb2.HealthCheckRequest()
    out = {}
    traces = await traced_rpcs(tracer, [lambda: health.Check(check)] * calls)
    out["Health/Check"] = breakdown("grpc.health.v1.Health/Check (gRPC floor)", traces)
    page = await stub.ListEvents(memory_pb2.ListEventsRequest(page_size=calls))
    requests = [memory_pb2.GetEventRequest(id=e.id) for e in page.events]
    traces = await traced_rpcs(tracer, [lambda r=r: stub.GetEvent(r) for r in requests])
    out["GetEvent"] = breakdown("GetEvent (interceptors + one lookup)", traces)
    return out


async def run(
    channel: Any, server: Any, queries: Sequence[str], seed: int = 4242
) -> dict[str, Any]:
    """Trace search and record rpcs against a running benchmark server."""
    from athena.v1 import memory_pb2, memory_pb2_grpc

    from bench.corpus import Corpus
    from bench.events import to_pb

    say("\n######## diagnosis ########")
    stub = memory_pb2_grpc.MemoryServiceStub(channel)
    tracer = Tracer()
    out: dict[str, Any] = {}
    with tracer.installed():
        out["floors"] = await floors(tracer, channel, stub)
        modes = {
            "SearchEvents hybrid": memory_pb2.SEARCH_MODE_UNSPECIFIED,
            "SearchEvents full-text only": memory_pb2.SEARCH_MODE_FULL_TEXT,
            "SearchEvents vector only": memory_pb2.SEARCH_MODE_VECTOR,
        }
        hybrid: list[Trace] = []
        for title, mode in modes.items():
            calls = [
                (
                    lambda q=q, m=mode: stub.SearchEvents(
                        memory_pb2.SearchEventsRequest(query=q, mode=m)
                    )
                )
                for q in queries
            ]
            traces = await traced_rpcs(tracer, calls)
            hybrid = hybrid or traces
            out[title] = breakdown(title, traces)
        fresh = [to_pb(e) for e in Corpus(seed).events(100 * RECORD_BATCHES)]
        batches = [
            memory_pb2.RecordEventsRequest(events=fresh[i : i + 100])
            for i in range(0, len(fresh), 100)
        ]
        traces = await traced_rpcs(tracer, [lambda b=b: stub.RecordEvents(b) for b in batches])
        out["RecordEvents x100"] = breakdown("RecordEvents x100 (1 task)", traces)

    indexer = getattr(server, "indexer", None)
    while indexer is not None:  # let the indexer go quiet before EXPLAIN
        if not await indexer.backlog():
            break
        await asyncio.sleep(0.2)
    ranked = sorted(hybrid, key=lambda t: t.rpc_ms)
    async with server.database.pool.acquire() as conn:
        out["explain_median"] = await explain(conn, ranked[len(ranked) // 2], "median hybrid rpc")
        out["explain_p95"] = await explain(
            conn, ranked[min(len(ranked) - 1, int(len(ranked) * 0.95))], "p95 hybrid rpc"
        )
        out["relation_sizes"] = await relation_sizes(conn)
    return out


async def _standalone(data_dir: Path, seed: int, count: int) -> dict[str, Any]:
    """Start a server on a data directory kept by `bench.events --keep` and diagnose it."""
    import athena.log
    import grpc
    from athena.config import Config
    from athena.server import create_server
    from athena.v1 import memory_pb2_grpc

    from bench.corpus import Corpus

    athena.log.configure("WARNING")
    config = Config(
        host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING", grace_seconds=1.0
    )
    server, port = await create_server(config)
    try:
        await server.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = memory_pb2_grpc.MemoryServiceStub(channel)
            queries = Corpus(seed).queries(count)
            for q in queries[:20]:  # warm-up
                from athena.v1 import memory_pb2

                await stub.SearchEvents(memory_pb2.SearchEventsRequest(query=q))
            return await run(channel, server, queries)
    finally:
        await server.stop(grace=0)


if __name__ == "__main__":
    import argparse
    import os
    import warnings

    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    parser = argparse.ArgumentParser(
        prog="python -m bench.diagnose",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data_dir", type=Path, help="a data directory kept by bench.events --keep")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed of the benchmark (42)")
    parser.add_argument("--queries", type=int, default=150, help="queries per mode (150)")
    parser.add_argument("--json", type=Path, help="write the diagnosis to this JSON file")
    options = parser.parse_args()
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    report = asyncio.run(_standalone(options.data_dir, options.seed, options.queries))
    if options.json:
        options.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
