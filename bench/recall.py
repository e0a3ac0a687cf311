"""Recall latency at scale: 100k events + 10k facts + 10k entities on the embedded default.

Starts the server in-process on a fresh embedded PostgreSQL (as bench/events.py), loads the
synthetic agent corpus of bench/corpus.py through the gRPC API - events with RecordEvents,
facts with CreateFact, entities with UpsertEntity - lets background indexing finish, then times
Recall over every layer and over events only, and prints p50/p95.

    python -m bench.recall                   # 100k events, 10k facts, 10k entities
    python -m bench.recall --events 20000 --facts 2000 --entities 2000 --json out.json
    python -m bench.recall --data-dir /tmp/r100k      # keep the loaded data; a rerun only times

Loading 100k events takes 10-20 minutes on 2 cores; the timings need the machine to themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc

from bench.corpus import Corpus
from bench.events import to_pb

TARGET_P50_MS = 15.0
BATCH = 500
CONCURRENCY = 4


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def quantile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def in_parallel(calls: Sequence[Callable[[], Awaitable[Any]]], workers: int) -> None:
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(worker() for _ in range(workers)))


def fact_texts(corpus: Corpus, count: int) -> list[tuple[str, str]]:
    """(subject, statement) pairs in the corpus vocabulary: what consolidation would distil."""
    rng = random.Random(f"facts-{corpus.seed}")
    v = corpus.vocab
    out = []
    for i in range(count):
        subject = rng.choice(v.functions + v.classes + v.files)
        statement = rng.choice(
            (
                f"{subject} {rng.choice(v.verbs)}s the {rng.choice(v.nouns)} before "
                f"{rng.choice(v.functions)}",
                f"{subject} is {rng.choice(v.adjectives)} when the {rng.choice(v.nouns)} is "
                f"{rng.choice(v.adjectives)}",
                f"use {rng.choice(v.functions)} instead of {subject} for {rng.choice(v.nouns)}",
            )
        )
        out.append((f"{subject} #{i}", statement))
    return out


async def timed(calls: Sequence[Callable[[], Awaitable[Any]]]) -> list[float]:
    latencies = []
    for call in calls:
        t0 = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import athena.log
    from athena.config import Config
    from athena.server import create_server, settle_runtime
    from athena.v1 import (
        graph_pb2_grpc,
        memory_pb2_grpc,
        meta_pb2,
        recall_pb2,
        recall_pb2_grpc,
        semantic_pb2_grpc,
    )

    athena.log.configure("WARNING")
    corpus = Corpus(args.seed)
    queries = corpus.queries(args.queries, salt="recall")
    config = Config(host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            facts = semantic_pb2_grpc.SemanticMemoryServiceStub(channel)
            graph = graph_pb2_grpc.KnowledgeGraphServiceStub(channel)
            recall = recall_pb2_grpc.RecallServiceStub(channel)
            loaded = data_dir / "bench-recall-loaded"
            if not loaded.exists():
                # Generated only to load: a rerun on loaded data goes straight to the timings.
                progress(f"generating {args.events:,} events")
                events = [to_pb(e) for e in corpus.events(args.events)]
                await load(args, server, corpus, events, memory, facts, graph)
                del events
                loaded.write_text("ok\n")
            async with server.database.pool.acquire() as conn:
                counts = {
                    table: await conn.fetchval(f"SELECT count(*) FROM {table}")
                    for table in ("events", "facts", "entities", "relations", "event_vector_queue")
                }
            progress(f"stored: {counts}")
            settle_runtime()  # as `serve` runs the server, once start-up (and loading) is done
            rows = {}
            for label, layers in (
                ("Recall, all layers, k=10", []),
                ("Recall, events only, k=10", [meta_pb2.MEMORY_LAYER_EVENT]),
            ):
                calls = [
                    (
                        lambda q=q, layers=layers: recall.Recall(
                            recall_pb2.RecallRequest(query=q, k=10, layers=layers)
                        )
                    )
                    for q in queries
                ]
                await timed(calls[:20])  # warm-up
                latencies = await timed(calls)
                rows[label] = {
                    "n": len(latencies),
                    "p50_ms": round(statistics.median(latencies), 2),
                    "p95_ms": round(quantile(latencies, 0.95), 2),
                }
            return {"stored": counts, "load_average": os.getloadavg(), "results": rows}
    finally:
        await server.stop(grace=1.0)


async def load(
    args: argparse.Namespace,
    server: Any,
    corpus: Corpus,
    events: list[Any],
    memory: Any,
    facts: Any,
    graph: Any,
) -> None:
    """Loads events, facts and entities through the API, waits for indexing, VACUUM ANALYZE."""
    from athena.v1 import graph_pb2, memory_pb2, semantic_pb2

    t0 = time.perf_counter()
    # The first write creates the project; concurrent first writes to a new project
    # trip over each other (see the report), so it goes alone.
    await memory.RecordEvents(memory_pb2.RecordEventsRequest(events=events[:BATCH]))
    await in_parallel(
        [
            (
                lambda i=i: memory.RecordEvents(
                    memory_pb2.RecordEventsRequest(events=events[i : i + BATCH])
                )
            )
            for i in range(BATCH, len(events), BATCH)
        ],
        2,
    )
    progress(f"{len(events):,} events in {time.perf_counter() - t0:.0f}s")
    pairs = fact_texts(corpus, args.facts)
    t0 = time.perf_counter()
    await in_parallel(
        [
            (
                lambda s=s, c=c: facts.CreateFact(
                    semantic_pb2.CreateFactRequest(fact=semantic_pb2.NewFact(subject=s, content=c))
                )
            )
            for s, c in pairs
        ],
        CONCURRENCY,
    )
    progress(f"{len(pairs):,} facts in {time.perf_counter() - t0:.0f}s")
    names = corpus.vocab.functions + corpus.vocab.classes + corpus.vocab.files
    t0 = time.perf_counter()
    await in_parallel(
        [
            (
                lambda i=i: graph.UpsertEntity(
                    graph_pb2.UpsertEntityRequest(
                        entity=graph_pb2.NewEntity(
                            name=f"{names[i % len(names)]} {i // len(names)}",
                            type="symbol",
                            description=pairs[i % len(pairs)][1] if pairs else "",
                        )
                    )
                )
            )
            for i in range(args.entities)
        ],
        CONCURRENCY,
    )
    progress(f"{args.entities:,} entities in {time.perf_counter() - t0:.0f}s")
    progress("waiting for vector indexing and graph linking, then VACUUM ANALYZE")
    # Timings are of the steady state: every vector indexed (an unindexed one is found by an
    # exact scan of the queue, which costs more per vector) and every event linked.
    for _ in range(9000):  # at most 30 minutes
        if not await server.indexer.backlog():
            break
        await asyncio.sleep(0.2)
    linker = (
        server.components["graph"].domain.get("linker") if "graph" in server.components else None
    )
    if linker is not None:
        await linker.drain()
    async with server.database.pool.acquire() as conn:
        await conn.execute("VACUUM (ANALYZE)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recall",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the server's data here; a rerun on a loaded directory only times Recall",
    )
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.data_dir:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(run(args, args.data_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="athena-recall-") as tmp:
            report = asyncio.run(run(args, Path(tmp)))
    print(f"\nRecall latency - stored {report['stored']}, load average {report['load_average']}")
    for label, row in report["results"].items():
        verdict = "PASS" if row["p50_ms"] < TARGET_P50_MS else "MISS"
        print(
            f"  {label:<28} n {row['n']:>4}  p50 {row['p50_ms']:>7.2f} ms  "
            f"p95 {row['p95_ms']:>7.2f} ms  (target p50 < {TARGET_P50_MS:g} ms: {verdict})"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
