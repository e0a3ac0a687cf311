"""LoCoMo evidence-retrieval benchmark for Recall.

LoCoMo (Maharana et al., ACL 2024) holds long multi-session conversations and questions whose
answers are given as evidence turns. Each conversation is recorded as events of its own project
through the gRPC API (speaker as actor, the turn's text as content, the session's date as event
time, one session id per conversation session); then every question of categories 1-4 (multi-hop,
temporal, open-domain, single-hop; 5 is adversarial and has no evidence to find) goes through
`Recall`, and we report evidence recall@5/10/20 - the share of a question's evidence turns
among the top k results - overall and per category, plus recall latency.

    python -m bench.locomo                       # data in ../shared/data/locomo (from the repo)
    python -m bench.locomo --data DIR --json out.json
    ATHENA_LOCOMO_DIR=DIR python -m bench.locomo

The server runs in-process on the embedded default (its own PostgreSQL in a temporary data
directory, the default local embedder, no LLM, no network), like bench/events.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
from google.protobuf import timestamp_pb2

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo"
KS = (5, 10, 20)
# Category numbers as in the LoCoMo release (its paper lists them in another order).
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
TARGET_R10 = 0.75
BASELINE_BM25 = {"R@5": 0.52, "R@10": 0.59, "R@20": 0.64}
_EVIDENCE = re.compile(r"D:?(\d+):(\d+)")
_DATE = re.compile(r"(\d{1,2}):(\d{2})\s*(am|pm) on (\d{1,2}) (\w+),? (\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    dia_id: str
    session: int
    time: datetime
    speaker: str
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    category: int
    evidence: tuple[str, ...]


def parse_date(text: str) -> datetime:
    """LoCoMo's "1:56 pm on 8 May, 2023"."""
    match = _DATE.search(text)
    if match is None:
        raise ValueError(f"unrecognised session date {text!r}")
    hour, minute, half, day, month, year = match.groups()
    clock = datetime.strptime(f"{hour}:{minute} {half.upper()}", "%I:%M %p")
    date = datetime.strptime(f"{day} {month} {year}", "%d %B %Y")
    return date.replace(hour=clock.hour, minute=clock.minute, tzinfo=UTC)


def load(path: Path) -> tuple[list[Turn], list[Question]]:
    data = json.loads(path.read_text())
    turns: list[Turn] = []
    session = 1
    while f"session_{session}" in data:
        start = parse_date(data[f"session_{session}_date_time"])
        for i, raw in enumerate(data[f"session_{session}"]):
            text = raw["text"]
            if raw.get("blip_caption"):
                # The image a speaker shared is part of what the turn said.
                text += f" [shares an image: {raw['blip_caption']}]"
            # Turns keep their order within the session's date.
            turns.append(
                Turn(raw["dia_id"], session, start + timedelta(seconds=i), raw["speaker"], text)
            )
        session += 1
    questions = []
    for q in data["qa"]:
        evidence = clean_evidence(q.get("evidence") or ())
        # Two questions have no evidence at all: nothing to retrieve, so they are not counted.
        if int(q["category"]) in CATEGORIES and evidence:
            questions.append(Question(q["question"], int(q["category"]), evidence))
    return turns, questions


def clean_evidence(raw: Sequence[str]) -> tuple[str, ...]:
    """Turn ids as `D<session>:<turn>`; a few labels in the files are malformed ("D8:6; D9:17",
    "D:11:26", "D") and are split, repaired or dropped."""
    out: list[str] = []
    for label in raw:
        for part in label.split(";"):
            match = _EVIDENCE.fullmatch(part.strip())
            if match:
                out.append(f"D{match.group(1)}:{match.group(2)}")
    return tuple(dict.fromkeys(out))


def to_pb(turn: Turn) -> Any:
    from athena.v1 import memory_pb2

    occur = timestamp_pb2.Timestamp()
    occur.FromDatetime(turn.time)
    return memory_pb2.NewEvent(
        session_id=f"session-{turn.session}",
        occur_time=occur,
        type=memory_pb2.EVENT_TYPE_MESSAGE,
        actor=turn.speaker,
        content=turn.text,
        attributes={"dia_id": turn.dia_id},
    )


def quantile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def evaluate(
    recall_stub: Any, conversations: dict[str, list[Question]], fusion: int
) -> dict[str, Any]:
    from athena.v1 import meta_pb2, recall_pb2

    hits: dict[str, dict[int, list[float]]] = defaultdict(lambda: {k: [] for k in KS})
    latencies: list[float] = []
    for project, questions in conversations.items():
        metadata = (("x-athena-project", project),)
        for q in questions:
            request = recall_pb2.RecallRequest(
                query=q.text, k=max(KS), layers=[meta_pb2.MEMORY_LAYER_EVENT], fusion=fusion
            )
            t0 = time.perf_counter()
            response = await recall_stub.Recall(request, metadata=metadata)
            latencies.append((time.perf_counter() - t0) * 1000)
            ranked = [r.event.attributes.get("dia_id", "") for r in response.results]
            for k in KS:
                top = set(ranked[:k])
                share = sum(1 for e in q.evidence if e in top) / len(q.evidence)
                hits["all"][k].append(share)
                hits[CATEGORIES[q.category]][k].append(share)
    return {
        "questions": len(latencies),
        "recall": {
            group: {f"R@{k}": round(statistics.fmean(v[k]), 4) for k in KS}
            for group, v in hits.items()
        },
        "count": {group: len(v[KS[0]]) for group, v in hits.items()},
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(quantile(latencies, 0.95), 2),
        },
    }


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import athena.log
    from athena.config import Config
    from athena.server import create_server, settle_runtime
    from athena.v1 import memory_pb2_grpc, recall_pb2, recall_pb2_grpc

    athena.log.configure("WARNING")
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no LoCoMo *.json files in {args.data}")
    config = Config(host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            recall = recall_pb2_grpc.RecallServiceStub(channel)
            conversations: dict[str, list[Question]] = {}
            turns_total = 0
            for path in files:
                project = f"locomo-{path.stem}"
                turns, questions = load(path)
                metadata = (("x-athena-project", project),)
                for start in range(0, len(turns), 500):
                    batch = [to_pb(t) for t in turns[start : start + 500]]
                    await memory.RecordEvents(record_request(batch), metadata=metadata)
                conversations[project] = questions
                turns_total += len(turns)
            await settle(server)
            print(
                f"  .. {turns_total} turns of {len(files)} conversations recorded; "
                f"{sum(len(q) for q in conversations.values())} questions",
                file=sys.stderr,
            )
            settle_runtime()  # as `serve` runs the server, once start-up (and loading) is done
            results = {}
            for name, fusion in (
                ("weighted", recall_pb2.RECALL_FUSION_WEIGHTED),
                ("rrf", recall_pb2.RECALL_FUSION_RRF),
            ):
                results[name] = await evaluate(recall, conversations, fusion)
            return {"turns": turns_total, "conversations": len(files), "fusion": results}
    finally:
        await server.stop(grace=1.0)


async def settle(server: Any) -> None:
    """Let the background vector indexer finish and refresh planner statistics, so that no
    measurement shares the machine with that work (as bench/events.py does)."""
    for _ in range(3000):  # at most ten minutes
        if not await server.indexer.backlog():
            break
        await asyncio.sleep(0.2)
    async with server.database.pool.acquire() as conn:
        await conn.execute("VACUUM (ANALYZE)")


def record_request(events: list[Any]) -> Any:
    from athena.v1 import memory_pb2

    return memory_pb2.RecordEventsRequest(events=events)


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nLoCoMo evidence retrieval through Recall - {report['conversations']} conversations, "
        f"{report['turns']} turns"
    )
    baseline = " ".join(f"{k} {v:.2f}" for k, v in BASELINE_BM25.items())
    print(f"baseline (plain BM25 over turns): {baseline}; target R@10 >= {TARGET_R10}")
    for fusion, result in report["fusion"].items():
        print(
            f"\nfusion {fusion}: {result['questions']} questions, latency p50 "
            f"{result['latency_ms']['p50']} ms, p95 {result['latency_ms']['p95']} ms"
        )
        print(f"  {'category':<12} {'n':>4} " + " ".join(f"{'R@' + str(k):>6}" for k in KS))
        for group, values in result["recall"].items():
            n = result["count"][group]
            print(f"  {group:<12} {n:>4} " + " ".join(f"{values[f'R@{k}']:>6.3f}" for k in KS))
        r10 = result["recall"]["all"]["R@10"]
        print(f"  R@10 {r10:.3f}: {'PASS' if r10 >= TARGET_R10 else 'MISS'}")


def parse_args(
    argv: Sequence[str] | None = None, prog: str = "python -m bench.locomo", doc: str = __doc__
) -> argparse.Namespace:
    """The options of a LoCoMo benchmark (this one's, or another's over the same files)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("ATHENA_LOCOMO_DIR", DEFAULT_DATA)),
        help="folder of LoCoMo conversation files (default ../shared/data/locomo from the repo, "
        "or ATHENA_LOCOMO_DIR)",
    )
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    return parser.parse_args(argv)


def run_benchmark(
    args: argparse.Namespace,
    measure: Callable[[argparse.Namespace, Path], Awaitable[dict[str, Any]]],
    report: Callable[[dict[str, Any]], None],
) -> None:
    """Measure in a temporary data directory (its own embedded PostgreSQL), print, save JSON."""
    with tempfile.TemporaryDirectory(prefix="athena-locomo-") as tmp:
        results = asyncio.run(measure(args, Path(tmp)))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def main(argv: Sequence[str] | None = None) -> None:
    run_benchmark(parse_args(argv), run, print_report)


if __name__ == "__main__":
    main()
