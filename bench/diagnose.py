"""Where the time goes: search broken down by SQL statement, EXPLAIN ANALYZE of the search SQL,
a few alternative formulations, and the cost of each part of recording a batch.

Used by `python -m bench.events --diagnose` after the measurements, against the benchmark's own
database and connection pool (so with the server's session settings). Everything here runs the
server's own SQL from athena/storage/sql/events.sql; the "alternatives" are experiments for
comparison only, and index drops happen inside transactions that are rolled back.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

PROJECT = "default"
# _filter_args() of an empty EventFilter: project, then eight NULL filters.
NO_FILTER: tuple[Any, ...] = (PROJECT, None, None, None, None, None, None, None, None)
CANDIDATES = 40  # max(top_k * 4, 40) for the default top_k of 10
REPS = 7


def say(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def summary(samples: Sequence[float]) -> dict[str, float]:
    if len(samples) < 2:
        return {"p50": samples[0], "p95": samples[0], "mean": samples[0], "n": len(samples)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(samples), 3),
        "p95": round(cuts[94], 3),
        "mean": round(statistics.fmean(samples), 3),
        "n": len(samples),
    }


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = await fn()
    return (time.perf_counter() - t0) * 1000, value


def line(label: str, s: dict[str, float], extra: str = "") -> None:
    say(f"  {label:<58} p50 {s['p50']:8.2f} ms  p95 {s['p95']:8.2f} ms  {extra}")


# -- search ------------------------------------------------------------------------------------


async def search_breakdown(conn: Any, queries: Sequence[str]) -> dict[str, Any]:
    """Each step of EpisodicMemory.search, timed separately, over the benchmark's queries."""
    from athena.embeddings import create_embedder
    from athena.memory.episodic import text_query
    from athena.storage import load_queries

    q = load_queries()
    embedder = create_embedder("hash-ngram-v1")
    steps: dict[str, list[float]] = {"text_sql": [], "embed": [], "vector_sql": [], "by_ids": []}
    matches: list[int] = []
    per_query: list[tuple[float, int, str]] = []
    for query in queries:
        tsquery = text_query(query)
        ms, rows = await timed(
            lambda tsquery=tsquery: conn.fetch(
                q.search_events_text.sql, *NO_FILTER, tsquery, CANDIDATES
            )  # fmt: skip
        )
        steps["text_sql"].append(ms)
        text_ids = [r["id"] for r in rows]
        count = await conn.fetchval(
            "SELECT count(*) FROM events WHERE project_id = $1 "
            "AND search_tsv @@ to_tsquery('english', $2)",
            PROJECT,
            tsquery,
        )
        matches.append(count)
        per_query.append((ms, count, query))
        t0 = time.perf_counter()
        vector = embedder.embed([query])[0]
        steps["embed"].append((time.perf_counter() - t0) * 1000)
        ms, rows = await timed(
            lambda vector=vector: conn.fetch(
                q.search_events_vector.sql, *NO_FILTER, vector, CANDIDATES
            )  # fmt: skip
        )
        steps["vector_sql"].append(ms)
        ids = list(dict.fromkeys(text_ids[:5] + [r["id"] for r in rows][:5]))
        ms, _ = await timed(lambda ids=ids: conn.fetch(q.get_events_by_ids.sql, PROJECT, ids))
        steps["by_ids"].append(ms)

    total = await conn.fetchval("SELECT count(*) FROM events WHERE project_id = $1", PROJECT)
    say(f"\n== search, step by step ({len(queries)} queries, {total:,} events) ==")
    out: dict[str, Any] = {"events": total, "steps": {}}
    for name, samples in steps.items():
        out["steps"][name] = summary(samples)
        line(name, out["steps"][name])
    share = [m / total for m in matches]
    out["text_matches"] = {
        "p50_rows": statistics.median(matches),
        "p95_rows": statistics.quantiles(matches, n=100, method="inclusive")[94],
        "p50_share": round(statistics.median(share), 4),
    }
    say(
        f"  OR-tsquery matches per query: p50 {statistics.median(matches):,.0f} rows "
        f"({statistics.median(share):.1%} of events), p95 {out['text_matches']['p95_rows']:,.0f}"
    )
    # Text SQL time against the number of rows it had to rank.
    per_query.sort(key=lambda t: t[1])
    buckets = [per_query[i : i + max(1, len(per_query) // 4)] for i in range(0, len(per_query),
                                                                          max(1, len(per_query) // 4))]  # fmt: skip
    out["text_sql_by_matches"] = []
    for bucket in buckets:
        lo, hi = bucket[0][1], bucket[-1][1]
        p50 = statistics.median(t[0] for t in bucket)
        out["text_sql_by_matches"].append({"rows_from": lo, "rows_to": hi, "p50_ms": round(p50, 2)})
        say(f"    matching {lo:>6,}-{hi:<6,} rows: text SQL p50 {p50:7.2f} ms")
    out["median_text_query"] = sorted(per_query)[len(per_query) // 2][2]
    out["slowest_text_query"] = max(per_query)[2]
    return out


async def explain(conn: Any, sql: str, *args: Any) -> list[str]:
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", *args)
    return [r[0] for r in rows]


async def explain_search(conn: Any, breakdown: dict[str, Any]) -> dict[str, Any]:
    from athena.embeddings import create_embedder
    from athena.memory.episodic import text_query
    from athena.storage import load_queries

    q = load_queries()
    embedder = create_embedder("hash-ngram-v1")
    out: dict[str, Any] = {}
    for label in ("median_text_query", "slowest_text_query"):
        query = breakdown[label]
        tsquery = text_query(query)
        await conn.fetch(q.search_events_text.sql, *NO_FILTER, tsquery, CANDIDATES)  # warm
        plan = await explain(conn, q.search_events_text.sql, *NO_FILTER, tsquery, CANDIDATES)
        out[f"text:{label}"] = {"query": query, "plan": plan}
        say(f"\n== EXPLAIN ANALYZE search_events_text, {label.replace('_', ' ')}: {query!r} ==")
        for row in plan:
            say("  " + row)
    query = breakdown["median_text_query"]
    vector = embedder.embed([query])[0]
    plan = await explain(conn, q.search_events_vector.sql, *NO_FILTER, vector, CANDIDATES)
    out["vector"] = {"query": query, "plan": plan}
    say(f"\n== EXPLAIN ANALYZE search_events_vector: {query!r} ==")
    for row in plan:
        say("  " + row)
    return out


async def text_alternatives(conn: Any, queries: Sequence[str]) -> dict[str, Any]:
    """Other ways to get 40 full-text candidates, for comparison with the server's SQL."""
    from athena.memory.episodic import text_query
    from athena.storage import load_queries

    q = load_queries()
    base = (
        "SELECT id, {rank} AS score FROM events, to_tsquery('english', $2) AS query "
        "WHERE project_id = $1 AND search_tsv @@ query ORDER BY score DESC, occur_time DESC "
        "LIMIT $3"
    )
    variants: dict[str, Callable[[str], Awaitable[list[Any]]]] = {
        "server: OR query, ts_rank_cd": lambda qs: conn.fetch(
            q.search_events_text.sql, *NO_FILTER, text_query(qs), CANDIDATES
        ),
        "OR query, ts_rank (not _cd)": lambda qs: conn.fetch(
            base.format(rank="ts_rank(search_tsv, query)"), PROJECT, text_query(qs), CANDIDATES
        ),
        "OR query, no ranking (index order)": lambda qs: conn.fetch(
            "SELECT id FROM events WHERE project_id = $1 AND search_tsv @@ to_tsquery('english', "
            "$2) LIMIT $3",
            PROJECT,
            text_query(qs),
            CANDIDATES,
        ),
        "AND query (all words), ts_rank_cd": lambda qs: conn.fetch(
            base.format(rank="ts_rank_cd(search_tsv, query, 1)"),
            PROJECT,
            (text_query(qs) or "").replace(" | ", " & "),
            CANDIDATES,
        ),
        "AND first, OR only if < 40 AND hits": lambda qs: _and_then_or(conn, base, qs),
    }
    say(f"\n== full-text alternatives ({len(queries)} queries; experiments, not server code) ==")
    out: dict[str, Any] = {}
    for name, run in variants.items():
        times, hits = [], []
        for query in queries:
            ms, rows = await timed(lambda query=query: run(query))
            times.append(ms)
            hits.append(len(rows))
        out[name] = {**summary(times), "mean_candidates": round(statistics.fmean(hits), 1)}
        line(name, out[name], f"mean candidates {out[name]['mean_candidates']:.1f}")
    return out


async def _and_then_or(conn: Any, base: str, query: str) -> list[Any]:
    from athena.memory.episodic import text_query

    tsq = text_query(query) or ""
    rank = "ts_rank_cd(search_tsv, query, 1)"
    rows = await conn.fetch(base.format(rank=rank), PROJECT, tsq.replace(" | ", " & "), CANDIDATES)
    if len(rows) < CANDIDATES:
        more = await conn.fetch(base.format(rank=rank), PROJECT, tsq, CANDIDATES)
        seen = {r["id"] for r in rows}
        rows = list(rows) + [r for r in more if r["id"] not in seen][: CANDIDATES - len(rows)]
    return rows


async def vector_alternatives(conn: Any, queries: Sequence[str]) -> dict[str, Any]:
    """The server's vector SQL at several hnsw.ef_search values, and exact search for recall."""
    from athena.embeddings import create_embedder
    from athena.storage import load_queries

    q = load_queries()
    embedder = create_embedder("hash-ngram-v1")
    vectors = [embedder.embed([query])[0] for query in queries]
    say(f"\n== vector search: hnsw.ef_search and recall@40 vs exact ({len(queries)} queries) ==")
    exact: list[set[Any]] = []
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_indexscan = off")
        times = []
        for v in vectors:
            ms, rows = await timed(
                lambda v=v: conn.fetch(q.search_events_vector.sql, *NO_FILTER, v, CANDIDATES)
            )
            times.append(ms)
            exact.append({r["id"] for r in rows})
    out: dict[str, Any] = {"exact (seq scan)": summary(times)}
    line("exact (no index, sequential scan)", out["exact (seq scan)"])
    for ef in (40, 100, 200):
        async with conn.transaction():
            await conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
            times, recall = [], []
            for v, truth in zip(vectors, exact, strict=True):
                ms, rows = await timed(
                    lambda v=v: conn.fetch(q.search_events_vector.sql, *NO_FILTER, v, CANDIDATES)
                )
                times.append(ms)
                recall.append(len({r["id"] for r in rows} & truth) / max(1, len(truth)))
        name = f"hnsw ef_search={ef}" + (" (default)" if ef == 40 else "")
        out[name] = {**summary(times), "recall_at_40": round(statistics.fmean(recall), 3)}
        line(name, out[name], f"recall@40 {out[name]['recall_at_40']:.2f}")
    return out


# -- recording ---------------------------------------------------------------------------------


async def record_breakdown(conn: Any, seed: int = 4242) -> dict[str, Any]:
    """The parts of recording one batch of 100 events, each timed on its own."""
    import protovalidate

    from athena.api import convert
    from athena.api.interceptors import _nul_violations
    from athena.embeddings import create_embedder
    from athena.memory.episodic import _COPY_COLUMNS, _row_to_event, normalise_tags
    from athena.v1 import memory_pb2
    from bench.corpus import Corpus
    from bench.events import to_pb

    embedder = create_embedder("hash-ngram-v1")
    validator = protovalidate.Validator()
    pending = list(Corpus(seed).events(100 * REPS))
    batches = [
        memory_pb2.RecordEventsRequest(events=[to_pb(e) for e in pending[i : i + 100]])
        for i in range(0, len(pending), 100)
    ]
    python: dict[str, list[float]] = {
        "decode request (ParseFromString)": [],
        "protovalidate": [],
        "NUL scan": [],
        "proto -> domain": [],
        "embed 100 texts": [],
        "build rows": [],
        "rows -> Event -> proto + encode response": [],
    }
    copies: list[list[tuple[Any, ...]]] = []
    for request in batches:
        wire = request.SerializeToString()

        def clock(name: str, fn: Callable[[], Any]) -> Any:
            t0 = time.perf_counter()
            value = fn()
            python[name].append((time.perf_counter() - t0) * 1000)
            return value

        clock("decode request (ParseFromString)", lambda w=wire: memory_pb2.RecordEventsRequest
              .FromString(w))  # fmt: skip
        clock("protovalidate", lambda r=request: list(validator.collect_violations(r)))
        clock("NUL scan", lambda r=request: _nul_violations(r))
        events = clock(
            "proto -> domain", lambda r=request: [convert.new_event(e) for e in r.events]
        )
        texts = [" ".join(filter(None, (e.actor, e.content, e.context.task))) for e in events]
        vectors = clock("embed 100 texts", lambda t=texts: embedder.embed(t))
        now = datetime.now(UTC)

        def rows(events: Any = events, vectors: Any = vectors, now: datetime = now) -> list[Any]:
            return [
                (
                    uuid.uuid4(), PROJECT, e.session_id, e.occur_time or now, e.type.value,
                    e.actor, e.content, e.outcome.value, e.context.cwd, list(e.context.files),
                    e.context.task, e.context.phase, e.context.branch, e.importance,
                    e.confidence, list(normalise_tags(e.tags)), json.dumps(dict(e.attributes)),
                    "pending", v, now,
                )
                for e, v in zip(events, vectors, strict=True)
            ]  # fmt: skip

        built = clock("build rows", rows)
        copies.append(built)
        clock(
            "rows -> Event -> proto + encode response",
            lambda b=built: memory_pb2.RecordEventsResponse(
                events=[
                    convert.event(_row_to_event(dict(zip(_COPY_COLUMNS, r, strict=True))))
                    for r in b
                ]  # fmt: skip
            ).SerializeToString(),
        )
    say(f"\n== recording a batch of 100: Python work in the server ({REPS} batches) ==")
    out: dict[str, Any] = {"python": {}, "copy": {}}
    for name, samples in python.items():
        out["python"][name] = summary(samples)
        line(name, out["python"][name])

    say("\n== recording a batch of 100: COPY into events (rolled back; indexes dropped in-txn) ==")
    indexes = [
        r["indexname"]
        for r in await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'events' AND indexname <> "
            "'events_pkey' ORDER BY indexname"
        )
    ]
    variants: dict[str, list[str]] = {
        "all indexes (as the server does)": [],
        "without the HNSW index": ["DROP INDEX events_embedding_idx"],
        "without HNSW and GIN(search_tsv)": [
            "DROP INDEX events_embedding_idx",
            "DROP INDEX events_search_tsv_idx",
        ],
        "without HNSW, and no tsvector column at all": [
            "DROP INDEX events_embedding_idx",
            "ALTER TABLE events DROP COLUMN search_tsv",
        ],
        "primary key only": [f"DROP INDEX {name}" for name in indexes]
        + ["ALTER TABLE events DROP COLUMN search_tsv"],
    }
    for name, ddl in variants.items():
        times = []
        for batch in copies:
            tr = conn.transaction()
            await tr.start()
            try:
                for statement in ddl:
                    await conn.execute(statement)
                ms, _ = await timed(
                    lambda b=batch: conn.copy_records_to_table(
                        "events", records=b, columns=list(_COPY_COLUMNS)
                    )
                )
                times.append(ms)
            finally:
                await tr.rollback()
        out["copy"][name] = summary(times)
        line(name, out["copy"][name])
    # The commit's WAL flush, measured on a real commit of one more batch (then deleted).
    batch = [(uuid.uuid4(), *r[1:]) for r in copies[0]]
    tr = conn.transaction()
    await tr.start()
    await conn.copy_records_to_table("events", records=batch, columns=list(_COPY_COLUMNS))
    ms, _ = await timed(tr.commit)
    await conn.execute("DELETE FROM events WHERE id = ANY($1::uuid[])", [r[0] for r in batch])
    out["commit_ms"] = round(ms, 2)
    say(f"  {'COMMIT of one 100-event COPY (WAL flush)':<58} {ms:8.2f} ms")
    return out


async def sizes(conn: Any) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT c.relname, pg_relation_size(c.oid) AS bytes FROM pg_class c "
        "WHERE c.relname LIKE 'events%' AND c.relkind IN ('r', 'i') ORDER BY bytes DESC"
    )
    toast = await conn.fetchval(
        "SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'events'"
    )
    out = {r["relname"]: r["bytes"] for r in rows}
    out["events (TOAST)"] = toast
    say("\n== relation sizes ==")
    for name, size in out.items():
        say(f"  {name:<45} {size / 2**20:8.1f} MiB")
    return out


async def run(pool: Any, queries: Sequence[str]) -> dict[str, Any]:
    say("\n######## diagnosis ########")
    async with pool.acquire() as conn:
        breakdown = await search_breakdown(conn, queries)
        return {
            "search": breakdown,
            "explain": await explain_search(conn, breakdown),
            "text_alternatives": await text_alternatives(conn, queries),
            "vector": await vector_alternatives(conn, queries),
            "record": await record_breakdown(conn),
            "sizes": await sizes(conn),
        }
