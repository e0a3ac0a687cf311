"""LoCoMo evidence-retrieval benchmark for the semantic (facts) layer.

LoCoMo's conversations come with per-session observations: short statements about a speaker
("Caroline is a transgender woman"), each tied to the dialogue turn(s) it was drawn from. Each
conversation goes into a project of its own as facts through `SemanticMemoryService.CreateFact`
(the speaker as subject, the observation as content, the session's date as `valid_from`); then
every question of categories 1-4 (as in bench/locomo.py) is asked two ways, and we report the
share of questions with at least one evidence turn among the top k facts, R@5/10/20, overall and
per category, plus latency:

- `search`: `SearchFacts`, the semantic area's own hybrid (full text + vectors, RRF) search;
- `recall`: `Recall` restricted to the fact layer, with its boosts (recency, confidence, use).

Some questions' evidence is a turn no observation was drawn from; no fact can answer those, so
the share of questions with some reachable evidence is reported as the ceiling.

    python -m bench.locomo_facts                 # data in ../shared/data/locomo (from the repo)
    python -m bench.locomo_facts --data DIR --json out.json
    ATHENA_LOCOMO_DIR=DIR python -m bench.locomo_facts

The server runs in-process on the embedded default (its own PostgreSQL in a temporary data
directory, the default local embedder, no LLM, no network), like bench/locomo.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
from google.protobuf import timestamp_pb2

from bench import locomo
from bench.locomo import (
    _EVIDENCE,
    CATEGORIES,
    KS,
    Question,
    clean_evidence,
    parse_date,
    quantile,
    settle,
)

_OBSERVATION_KEY = re.compile(r"session_(\d+)_observation")
WAYS = ("search", "recall")


@dataclass(frozen=True)
class Observation:
    session: int
    time: datetime
    speaker: str
    text: str
    evidence: tuple[str, ...]


@dataclass
class Conversation:
    project: str
    questions: list[Question]
    # Fact id -> the dialogue turns its observation was drawn from.
    evidence: dict[str, tuple[str, ...]]
    conflicts: int = 0


def observation_evidence(raw: str | Sequence[str]) -> tuple[str, ...]:
    """An observation's source turns: usually one id, but some are lists and a string may hold
    several ("D8:24, D8:26"), so every id-shaped piece is taken."""
    labels = [raw] if isinstance(raw, str) else list(raw)
    found = (f"D{s}:{t}" for label in labels for s, t in _EVIDENCE.findall(str(label)))
    return tuple(dict.fromkeys(found))


def load_conversation(data: dict[str, Any]) -> tuple[list[Observation], list[Question]]:
    observations: list[Observation] = []
    # Keyed by the observation entries rather than counted up from 1: one file has dates for
    # sessions that have neither turns nor observations.
    sessions = sorted(
        int(m.group(1)) for key in data if (m := _OBSERVATION_KEY.fullmatch(key)) is not None
    )
    for session in sessions:
        start = parse_date(data[f"session_{session}_date_time"])
        for speaker, items in data[f"session_{session}_observation"].items():
            for text, raw in items:
                if text.strip():  # CreateFact rejects empty content
                    observations.append(
                        Observation(session, start, speaker, text, observation_evidence(raw))
                    )
    questions = []
    for q in data["qa"]:
        evidence = clean_evidence(q.get("evidence") or ())
        # Same selection as bench/locomo.py, so the two benchmarks count the same questions.
        if int(q["category"]) in CATEGORIES and evidence:
            questions.append(Question(q["question"], int(q["category"]), evidence))
    return observations, questions


async def ingest(
    channel: grpc.aio.Channel,
    project: str,
    observations: Sequence[Observation],
    questions: list[Question],
) -> Conversation:
    from athena.v1 import semantic_pb2, semantic_pb2_grpc

    facts = semantic_pb2_grpc.SemanticMemoryServiceStub(channel)
    metadata = (("x-athena-project", project),)
    conversation = Conversation(project, questions, {})
    for obs in observations:
        valid_from = timestamp_pb2.Timestamp()
        valid_from.FromDatetime(obs.time)
        request = semantic_pb2.CreateFactRequest(
            fact=semantic_pb2.NewFact(subject=obs.speaker, content=obs.text, valid_from=valid_from)
        )
        response = await facts.CreateFact(request, metadata=metadata)
        conversation.evidence[response.fact.id] = obs.evidence
        # Facts are stored even when they conflict; the count only tells how noisy the
        # contradiction check is on real statements.
        conversation.conflicts += bool(response.conflicts)
    return conversation


Ask = Callable[[str, tuple[tuple[str, str], ...]], Awaitable[list[str]]]


def askers(channel: grpc.aio.Channel) -> dict[str, Ask]:
    """One function per way of asking: query and metadata in, ranked fact ids out."""
    from athena.v1 import meta_pb2, recall_pb2, recall_pb2_grpc, semantic_pb2, semantic_pb2_grpc

    facts = semantic_pb2_grpc.SemanticMemoryServiceStub(channel)
    recall = recall_pb2_grpc.RecallServiceStub(channel)

    async def search(query: str, metadata: tuple[tuple[str, str], ...]) -> list[str]:
        request = semantic_pb2.SearchFactsRequest(query=query, top_k=max(KS))
        response = await facts.SearchFacts(request, metadata=metadata)
        return [hit.fact.id for hit in response.results]

    async def recall_facts(query: str, metadata: tuple[tuple[str, str], ...]) -> list[str]:
        request = recall_pb2.RecallRequest(
            query=query, k=max(KS), layers=[meta_pb2.MEMORY_LAYER_FACT]
        )
        response = await recall.Recall(request, metadata=metadata)
        return [r.id for r in response.results if r.layer == meta_pb2.MEMORY_LAYER_FACT]

    return {"search": search, "recall": recall_facts}


async def evaluate_way(ask: Ask, conversations: Sequence[Conversation]) -> dict[str, Any]:
    hits: dict[str, dict[int, list[float]]] = defaultdict(lambda: {k: [] for k in KS})
    latencies: list[float] = []
    for conv in conversations:
        metadata = (("x-athena-project", conv.project),)
        for q in conv.questions:
            t0 = time.perf_counter()
            ranked = await ask(q.text, metadata)
            latencies.append((time.perf_counter() - t0) * 1000)
            wanted = set(q.evidence)
            # Rank of the first fact drawn from an evidence turn; past every k when none is.
            first = next(
                (i for i, fid in enumerate(ranked) if wanted & set(conv.evidence.get(fid, ()))),
                max(KS),
            )
            for k in KS:
                hit = float(first < k)
                hits["all"][k].append(hit)
                hits[CATEGORIES[q.category]][k].append(hit)
    return {
        "questions": len(latencies),
        "recall": {
            group: {f"R@{k}": round(statistics.fmean(v[k]), 4) for k in KS}
            for group, v in hits.items()
        },
        "count": {group: len(v[KS[0]]) for group, v in hits.items()},
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2) if latencies else 0.0,
            "p95": round(quantile(latencies, 0.95), 2) if latencies else 0.0,
        },
    }


def reachable(conversations: Sequence[Conversation]) -> dict[str, float]:
    """Per group, the share of questions with an evidence turn some fact was drawn from: the
    best any ranking could score."""
    shares: dict[str, list[float]] = defaultdict(list)
    for conv in conversations:
        covered = {e for ids in conv.evidence.values() for e in ids}
        for q in conv.questions:
            ok = float(bool(covered & set(q.evidence)))
            shares["all"].append(ok)
            shares[CATEGORIES[q.category]].append(ok)
    return {group: round(statistics.fmean(v), 4) for group, v in shares.items()}


async def evaluate(
    channel: grpc.aio.Channel, conversations: Sequence[Conversation]
) -> dict[str, Any]:
    ways = askers(channel)
    return {
        "facts": sum(len(c.evidence) for c in conversations),
        "conflicting_creates": sum(c.conflicts for c in conversations),
        "reachable": reachable(conversations),
        "ways": {name: await evaluate_way(ways[name], conversations) for name in WAYS},
    }


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import athena.log
    from athena.config import Config
    from athena.server import create_server

    athena.log.configure("WARNING")
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no LoCoMo *.json files in {args.data}")
    config = Config(host="127.0.0.1", port=0, data_dir=data_dir, log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            conversations = []
            for path in files:
                observations, questions = load_conversation(json.loads(path.read_text()))
                conversations.append(
                    await ingest(channel, f"locomo-facts-{path.stem}", observations, questions)
                )
            await settle(server)
            print(
                f"  .. {sum(len(c.evidence) for c in conversations)} facts of {len(files)} "
                f"conversations created; {sum(len(c.questions) for c in conversations)} questions",
                file=sys.stderr,
            )
            return {"conversations": len(files), **await evaluate(channel, conversations)}
    finally:
        await server.stop(grace=1.0)


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nLoCoMo evidence retrieval over facts - {report['conversations']} conversations, "
        f"{report['facts']} facts (observations), {report['conflicting_creates']} created with "
        "conflicts"
    )
    print(
        "a question counts at k when one of the top k facts was drawn from an evidence turn; "
        "ceiling: share with any evidence turn behind some fact"
    )
    for name, result in report["ways"].items():
        print(
            f"\n{name}: {result['questions']} questions, latency p50 "
            f"{result['latency_ms']['p50']} ms, p95 {result['latency_ms']['p95']} ms"
        )
        print(
            f"  {'category':<12} {'n':>4} {'ceiling':>7} "
            + " ".join(f"{'R@' + str(k):>6}" for k in KS)
        )
        for group, values in result["recall"].items():
            n = result["count"][group]
            ceiling = report["reachable"].get(group, 0.0)
            print(
                f"  {group:<12} {n:>4} {ceiling:>7.3f} "
                + " ".join(f"{values[f'R@{k}']:>6.3f}" for k in KS)
            )


def main(argv: Sequence[str] | None = None) -> None:
    args = locomo.parse_args(argv, "python -m bench.locomo_facts", __doc__)
    locomo.run_benchmark(args, run, print_report)


if __name__ == "__main__":
    main()
