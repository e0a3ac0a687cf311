"""Recall latency, this checkout against another revision, query by query on the same data.

`bench.recall` times one version at a time, and on a small shared machine its p50 moves by
a third between runs minutes apart: a change worth a few percent disappears in that drift.
This runs two servers side by side on one PostgreSQL (the data directory `bench.recall`
loaded): A from a git worktree of --base, B from this checkout. Each query goes to both, A
first on even queries and B first on odd ones, so whatever the machine does meanwhile falls on
both alike; it reports each side's p50/p95 and the ratio B/A per recall mode.

    python -m bench.recall --data-dir /tmp/r100k            # load once (10-20 minutes)
    python -m bench.recall_ab --data-dir /tmp/r100k --base HEAD~3 --rounds 3

The servers run in their own processes with the client in this one, unlike bench.recall's
in-process client, so absolute figures differ a little from it; the ratio is the point.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc

from bench.corpus import Corpus
from bench.recall import quantile

ROOT = Path(__file__).resolve().parent.parent
# Run in each server's process, with its tree first on the path: it serves that tree's code.
SERVER = """
import asyncio, pathlib, sys
import athena.log
import athena.server
from athena.config import Config
from athena.server import create_server

async def main():
    athena.log.configure("WARNING")
    config = Config(host="127.0.0.1", port=0, database_url=sys.argv[1],
                    data_dir=pathlib.Path(sys.argv[2]), migrate_on_start=sys.argv[3] == "1",
                    log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    # As `serve` runs the server, in revisions that have it.
    getattr(athena.server, "settle_runtime", lambda: None)()
    print(port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""
MODES = (("Recall, all layers, k=10", []), ("Recall, events only, k=10", ["event"]))


def worktree(base: str, into: Path) -> Path:
    """A detached checkout of `base` (any git revision) under `into`."""
    path = into / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), base],
        check=True,
    )
    return path


def start_server(
    tree: Path, dsn: str, scratch: Path, migrate: bool
) -> tuple[subprocess.Popen[bytes], int]:
    env = dict(os.environ, PYTHONPATH=f"{tree / 'server'}{os.pathsep}{tree}")
    scratch.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, dsn, str(scratch), "1" if migrate else "0"],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        stop_server(proc)
        raise RuntimeError(f"the server from {tree} did not start (exit {proc.returncode})")
    return proc, int(line)


async def compare(args: argparse.Namespace, ports: tuple[int, int]) -> dict[str, Any]:
    from athena.v1 import meta_pb2, recall_pb2, recall_pb2_grpc

    queries = Corpus(args.seed).queries(args.queries, salt="recall")
    layers = {"event": meta_pb2.MEMORY_LAYER_EVENT}
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for port in ports]
    stubs = [recall_pb2_grpc.RecallServiceStub(c) for c in channels]
    results: dict[str, Any] = {}
    try:
        for label, names in MODES:
            timings: list[list[float]] = [[], []]
            per_round = []
            for round_ in range(args.rounds + 1):  # round 0 warms both up
                this_round: list[list[float]] = [[], []]
                for n, text in enumerate(queries):
                    request = recall_pb2.RecallRequest(
                        query=text, k=10, layers=[layers[x] for x in names]
                    )
                    for side in (0, 1) if (n + round_) % 2 == 0 else (1, 0):
                        t0 = time.perf_counter()
                        await stubs[side].Recall(request)
                        this_round[side].append((time.perf_counter() - t0) * 1000)
                if round_:
                    timings[0] += this_round[0]
                    timings[1] += this_round[1]
                    per_round.append(
                        statistics.median(this_round[1]) / statistics.median(this_round[0])
                    )
            a, b = (statistics.median(t) for t in timings)
            results[label] = {
                "n": len(timings[0]),
                "a_p50_ms": round(a, 2),
                "a_p95_ms": round(quantile(timings[0], 0.95), 2),
                "b_p50_ms": round(b, 2),
                "b_p95_ms": round(quantile(timings[1], 0.95), 2),
                "ratio_b_a": round(b / a, 3),
                "ratio_per_round": [round(r, 3) for r in per_round],
            }
    finally:
        for channel in channels:
            await channel.close()
    return results


async def run(args: argparse.Namespace, base: Path, scratch: Path) -> dict[str, Any]:
    from athena.storage.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(args.data_dir)
    dsn = await embedded.start()
    servers: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        # B (this checkout) applies any migration it adds; A runs on the schema as it is.
        servers.append(start_server(base, dsn, scratch / "a", migrate=False))
        servers.append(start_server(ROOT, dsn, scratch / "b", migrate=True))
        return await compare(args, (servers[0][1], servers[1][1]))
    finally:
        for proc, _ in servers:
            stop_server(proc)
        await embedded.stop()


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recall_ab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="loaded by bench.recall")
    parser.add_argument("--base", default="HEAD", help="git revision for side A")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the queries")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.queries < 1:
        parser.error("--rounds and --queries must be at least 1")
    if not (args.data_dir / "bench-recall-loaded").exists():
        raise SystemExit(f"{args.data_dir} is not loaded: run python -m bench.recall first")
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "--verify", f"{args.base}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode:
        raise SystemExit(f"--base {args.base!r} is not a revision of this repository")
    revision = found.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="athena-recall-ab-") as tmp:
        scratch = Path(tmp)
        base = worktree(args.base, scratch)
        try:
            results = asyncio.run(run(args, base, scratch))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                check=False,
            )
    report = {
        "a": f"{args.base} ({revision})",
        "b": "this checkout",
        "load_average": os.getloadavg(),
        "results": results,
    }
    print(f"\nRecall A/B - A = {report['a']}, B = {report['b']}, load {report['load_average']}")
    for label, row in report["results"].items():
        print(
            f"  {label:<28} n {row['n']:>4}  A p50 {row['a_p50_ms']:>7.2f} ms  "
            f"B p50 {row['b_p50_ms']:>7.2f} ms  B/A {row['ratio_b_a']:.3f}  "
            f"(per round {', '.join(f'{r:.3f}' for r in row['ratio_per_round'])})"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
