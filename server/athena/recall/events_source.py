"""The episodic layer's recall source: BM25 over events with neighbour and session context,
fused with vector similarity."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from athena.embeddings import Embedder
from athena.memory.episodic import row_to_event, vector_search
from athena.memory.term_stats import tsquery_or
from athena.recall import bm25
from athena.recall.models import (
    Detail,
    Fusion,
    Provenance,
    RecallItem,
    RecallLayer,
    RecallQuery,
    ScoreParts,
)
from athena.recall.temporal import TIME_MENTION, is_temporal
from athena.storage import Database, Queries

# Candidates are gathered through the query's rarer lexemes while the project's events holding
# them add up to this many (common words would drag in a large share of the project); each is
# scored with BM25 against every query lexeme and the best TEXT_CANDIDATES are ranked further.
GATHER_BUDGET = 600
TEXT_CANDIDATES = 400
# Weighted fusion takes as many vector candidates as the HNSW search's ef_search (40,
# athena/storage/database.py): asking for more makes pgvector's iterative scan search the graph
# again (at 100k events 7-16 ms against 3-4 ms for 40), for neighbours far down the vector
# ranking whose 0.15 x cosine rarely moves an event into the results. RRF gives a vector rank as
# much say as a text rank, down to rank 100 (1/160 against 1/61 for the first): with 40 its
# LoCoMo R@10 fell from 0.54 to 0.43, so it keeps 100 (docs/recall.md).
VECTOR_CANDIDATES = 40
RRF_VECTOR_CANDIDATES = 100
# Events whose own score spreads to their neighbours; further down the list the share they pass
# on cannot lift a neighbour into the results.
NEIGHBOUR_ANCHORS = 20
# Lexeme document counts stop just past the gather budget: beyond it a word is too common to
# gather through and its idf barely moves, while every counted event costs a heap visit.
DOCUMENT_COUNT_CAP = GATHER_BUDGET + 1
CORPUS_SAMPLE = 1000
# Corpus size and mean length are cached per project; small projects are recounted every time
# (cheap, and their statistics move fastest).
CORPUS_REFRESH_SECONDS = 60.0
CORPUS_RECOUNT_BELOW = 5_000
# Bounds the per-project lexeme count cache: a cached lexeme is skipped only when it occurs in
# the lower-cased query (stems mostly do), a check that costs a pass over the cache.
CACHED_LEXEMES = 5_000
# A large project's cache starts with the lexemes ANALYZE's statistics show it surely holds more
# than DOCUMENT_COUNT_CAP times (bm25.surely_common): their count is the cap whatever a count
# would say, and counting them was most of a recall's query-term time (each of the first few
# hundred queries at 100k events brings new ones, ~1-2 ms each).
COMMON_MARGIN = 1.5
# A query naming an event's actor ("what did Alice say about ...") multiplies its relevance.
ACTOR_BOOST = 0.4
# A temporal question ("when did ...") multiplies the relevance of events that mention a time.
TIME_MENTION_BOOST = 0.2
# Weighted fusion: vector similarity is added with this weight to the normalised text relevance.
# The default embedder is lexical (hashed words and n-grams), so it mostly breaks ties and finds
# morphological variants; measured on LoCoMo in docs/recall.md.
VECTOR_WEIGHT = 0.15
RRF_K = 60


@dataclass
class _Corpus:
    documents: int
    average_length: float
    loaded_at: float
    # Lexeme document counts (capped) seen since loaded_at; they expire with the corpus.
    frequencies: dict[str, int] = field(default_factory=dict)


@dataclass
class _TextSide:
    own: dict[uuid.UUID, float] = field(default_factory=dict)
    context: dict[uuid.UUID, float] = field(default_factory=dict)
    # Each candidate's and neighbour's row (session_id, actor, mentions_time), kept as the
    # driver returns it: copying those out of hundreds of rows cost more than reading them.
    meta: dict[uuid.UUID, Any] = field(default_factory=dict)


def filter_args(project: str, query: RecallQuery) -> tuple[Any, ...]:
    """The `event_filter` SQL fragment's parameters for a recall."""
    return (project, query.session_id, query.start_time, query.end_time) + (None,) * 5


def _names_actor(query: str, actor: str) -> bool:
    return len(actor) > 1 and (
        re.search(rf"(?<!\w){re.escape(actor)}(?!\w)", query, re.IGNORECASE) is not None
    )


def render(event: Any) -> str:
    """An event as one context line, its date first: temporal questions are answered from it."""
    speaker = f"{event.actor}: " if event.actor else ""
    return f"[{event.occur_time:%Y-%m-%d %H:%M}] {speaker}{event.content}"


class EventsSource:
    """Recall over episodic events."""

    layers = (RecallLayer.EVENT,)

    def __init__(self, db: Database, queries: Queries, embedder: Embedder) -> None:
        self._db = db
        self._q = queries
        self._embedder = embedder
        self._corpora: dict[str, _Corpus] = {}

    def _cached_corpus(self, project: str) -> _Corpus | None:
        """The project's corpus statistics if still fresh; small projects are always recounted
        (cheap, and their statistics move fastest)."""
        cached = self._corpora.get(project)
        if (
            cached is None
            or cached.documents < CORPUS_RECOUNT_BELOW
            or time.monotonic() - cached.loaded_at > CORPUS_REFRESH_SECONDS
        ):
            return None
        return cached

    async def _text(self, args: tuple[Any, ...], query: RecallQuery) -> _TextSide:
        side = _TextSide()
        project = args[0]
        corpus = self._cached_corpus(project)
        lowered = query.text.lower()
        async with self._db.connection() as conn:
            terms = await conn.fetch(
                self._q.recall_query_terms,
                project,
                query.text,
                DOCUMENT_COUNT_CAP,
                corpus is None,
                CORPUS_SAMPLE,
                [lx for lx in corpus.frequencies if lx in lowered] if corpus else [],
            )
            if not terms:
                return side
            if corpus is None:
                corpus = _Corpus(
                    int(terms[0]["corpus_documents"] or 0),
                    float(terms[0]["average_length"] or 1.0),
                    time.monotonic(),
                )
                if corpus.documents >= CORPUS_RECOUNT_BELOW:
                    await self._seed_common(conn, corpus)
                self._corpora[project] = corpus
            frequencies = {
                r["lexeme"]: (
                    corpus.frequencies[r["lexeme"]]
                    if r["documents"] is None
                    else int(r["documents"])
                )
                for r in terms
            }
            if len(corpus.frequencies) < CACHED_LEXEMES:
                corpus.frequencies.update(frequencies)
            lexemes = [r["lexeme"] for r in terms]
            idfs = {lx: bm25.idf(corpus.documents, n) for lx, n in frequencies.items() if n}
            if not idfs:
                return side
            chosen, required = bm25.gather(corpus.documents, frequencies, GATHER_BUDGET)
            through = (
                " & ".join(tsquery_or((lx,)) for lx in chosen) if required else tsquery_or(chosen)
            )
            rows = await conn.fetch(
                self._q.recall_event_candidates,
                *args,
                through,
                [tsquery_or((lexeme,)) for lexeme in lexemes],
                [idfs.get(lexeme) for lexeme in lexemes],
                TEXT_CANDIDATES,
                self._time_pattern(query),
                bm25.K1,
                1.0 - bm25.B,
                bm25.B,
                bm25.K1 + 1.0,
                max(corpus.average_length, 1.0),
            )
            # Best first, each with its BM25 score (bm25.score's floats, computed by the
            # statement). A row unpacks faster than its columns are read by name.
            own, meta = side.own, side.meta
            for r in rows:
                i, _, _, score, _ = r
                own[i] = score
                meta[i] = r
            anchors = list(own)[:NEIGHBOUR_ANCHORS]  # the rows come best first
            neighbours = await conn.fetch(
                self._q.recall_event_neighbours,
                *args,
                anchors,
                max(bm25.NEIGHBOUR_WEIGHTS),
                self._time_pattern(query),
            )
        for r in neighbours:
            meta.setdefault(r["id"], r)
        borrowed = bm25.neighbour_support(
            own, ((r["anchor"], r["id"], int(r["distance"])) for r in neighbours)
        )
        # Each candidate's (session id, score), best first as the rows come.
        sessions = bm25.session_support((r[1], r[3]) for r in rows)
        # The best of own plus borrowed support over every event: a candidate not borrowing has
        # its own score, a neighbour borrowing nothing 0 (borrowing only adds).
        lent = (own.get(i, 0.0) + b for i, b in borrowed.items())
        best = max(max(own.values(), default=0.0), max(lent, default=0.0))
        context, weight = side.context, bm25.SESSION_WEIGHT
        for i, r in meta.items():
            context[i] = borrowed.get(i, 0.0) + weight * sessions.get(r["session_id"], 0.0) * best
        return side

    async def _seed_common(self, conn: Any, corpus: _Corpus) -> None:
        row = await conn.fetchrow(self._q.lexeme_frequencies)
        if row is None or not row["lexemes"] or not row["freqs"]:
            return
        # The shares array ends with the minimum, maximum and null share: zip stops before them.
        shares = dict(zip(row["lexemes"], row["freqs"], strict=False))
        common = bm25.surely_common(
            shares, int(row["rows"] or 0), corpus.documents, DOCUMENT_COUNT_CAP, COMMON_MARGIN
        )
        corpus.frequencies.update(dict.fromkeys(common[:CACHED_LEXEMES], DOCUMENT_COUNT_CAP))

    @staticmethod
    def _time_pattern(query: RecallQuery) -> str | None:
        return TIME_MENTION if is_temporal(query.text) else None

    async def _vector(self, args: tuple[Any, ...], query: RecallQuery) -> list[tuple[Any, float]]:
        vector = self._embedder.embed([query.text])[0]
        limit = RRF_VECTOR_CANDIDATES if query.fusion is Fusion.RRF else VECTOR_CANDIDATES
        statement, params = vector_search(self._q, args, vector, limit)
        async with self._db.connection() as conn:
            rows = await conn.fetch(statement, *params)
        return [(r["id"], float(r["score"])) for r in rows]

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        args = filter_args(project, query)
        # Text and vector candidates on two pooled connections at once; each holds one
        # connection at a time, so concurrent recalls cannot deadlock the pool.
        text, vector = await asyncio.gather(self._text(args, query), self._vector(args, query))
        chosen, relevance, parts = _rank(query, text, vector, limit)
        if not chosen:
            return []
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.recall_events_by_ids, project, chosen)
        found = {r["id"]: r for r in rows}
        items = []
        for i in chosen:
            row = found.get(i)
            if row is None:  # deleted since it was ranked
                continue
            items.append(
                RecallItem(
                    RecallLayer.EVENT,
                    str(i),
                    relevance[i],
                    parts[i],
                    partial(_detail, row),
                    time=row["occur_time"],
                    importance=float(row["importance"]),
                    usage=row,
                )
            )
        return items


def _detail(row: Any) -> Detail:
    event = row_to_event(row)
    provenance = Provenance(event.session_id, event.actor, (str(event.id),))
    return Detail(render(event), provenance, event)


def _rank(
    query: RecallQuery, text: _TextSide, vector: list[tuple[Any, float]], limit: int
) -> tuple[list[uuid.UUID], dict[uuid.UUID, float], dict[uuid.UUID, ScoreParts]]:
    """The best `limit` events by fused relevance, with their relevance and score parts."""
    # A recall fuses hundreds of candidates and returns a few dozen: plain floats for all of
    # them, score parts only for the events returned (recomputed as the floats were).
    boosts: dict[str, float] = {}  # per actor: ACTOR_BOOST if the query names it, else 0
    combined: dict[uuid.UUID, float] = {}
    own, context, metas = text.own, text.context, text.meta
    # Every event met has a context part (0 at least), in the order it was met.
    for i, part in context.items():
        base = own.get(i, 0.0) + part
        if base <= 0:
            continue
        meta = metas[i]
        boost = boosts.get(meta["actor"])
        if boost is None:
            actor = meta["actor"]
            boost = boosts[actor] = ACTOR_BOOST if _names_actor(query.text, actor) else 0.0
        timely = TIME_MENTION_BOOST if meta["mentions_time"] else 0.0
        # Most events have neither boost; multiplying by 1.0 twice would give base again.
        combined[i] = base * (1.0 + boost) * (1.0 + timely) if boost or timely else base
    best = max(combined.values(), default=0.0)
    # A reverse sort keeps ties in their order, as a sort by the negated score does.
    ordered = sorted(combined, key=combined.__getitem__, reverse=True)
    text_rank = {i: rank for rank, i in enumerate(ordered, start=1)}
    vector_rank = {i: (rank, cosine) for rank, (i, cosine) in enumerate(vector, start=1)}
    relevance = _fuse(query.fusion, combined, best, text_rank, vector_rank)
    chosen = _best(relevance, limit)
    parts: dict[uuid.UUID, ScoreParts] = {}
    for i in chosen:
        p = parts[i] = ScoreParts()
        if i in combined:
            meta = metas[i]
            text_own = own.get(i, 0.0)
            base = text_own + context[i]
            boost = boosts[meta["actor"]]
            timely = TIME_MENTION_BOOST if meta["mentions_time"] else 0.0
            p.text = text_own / best
            p.context = context[i] / best
            p.actor = base * boost / best
            p.temporal = base * (1.0 + boost) * timely / best
            p.text_rank = text_rank[i]
        if i in vector_rank:
            p.vector_rank, p.vector = vector_rank[i]
    return chosen, relevance, parts


def _best(relevance: dict[uuid.UUID, float], limit: int) -> list[uuid.UUID]:
    """The `limit` events of highest relevance, ties by id. Only those at least as relevant as
    the limit-th are ordered: sorting plain floats is far cheaper than keyed tuples."""
    if len(relevance) > limit:
        floor = sorted(relevance.values(), reverse=True)[limit - 1]
        candidates = [i for i, v in relevance.items() if v >= floor]
    else:
        candidates = list(relevance)
    return sorted(candidates, key=lambda i: (-relevance[i], i))[:limit]


def _fuse(
    fusion: Fusion,
    combined: dict[uuid.UUID, float],
    best: float,
    text_rank: dict[uuid.UUID, int],
    vector_rank: dict[uuid.UUID, tuple[int, float]],
) -> dict[uuid.UUID, float]:
    """Relevance per event, about 0-1: weighted sum of normalised scores, or normalised RRF."""
    if fusion is Fusion.RRF:
        raw = {i: 1.0 / (RRF_K + rank) for i, rank in text_rank.items()}
        for i, (rank, _) in vector_rank.items():
            raw[i] = raw.get(i, 0.0) + 1.0 / (RRF_K + rank)
        top = max(raw.values(), default=1.0)
        return {i: v / top for i, v in raw.items()}
    relevance = {i: v / best for i, v in combined.items()} if best else dict.fromkeys(combined, 0.0)
    for i, (_, cosine) in vector_rank.items():
        relevance[i] = relevance.get(i, 0.0) + VECTOR_WEIGHT * max(cosine, 0.0)
    return relevance
