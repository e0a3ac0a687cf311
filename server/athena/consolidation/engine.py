"""A consolidation run: prioritise -> cluster -> extract -> write -> mark, resumable and exclusive.

Exclusive: a run holds a session advisory lock of its project on a dedicated connection for its
whole life (a second run gets ConsolidationRunning); if the process dies, PostgreSQL drops the
lock with the connection, and the next run marks the dead run's row interrupted.

Resumable and idempotent per event: nothing is marked consolidated until everything learned from
it is stored, and everything stored has a natural key — a pattern its (kind, signature), an
occurrence its first event, a fact its statement (an identical current fact is reused, a
different value for the same subject and predicate supersedes it). A run that dies anywhere
leaves its events pending, and the next run redoes them without duplicating anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from athena.consolidation import store
from athena.consolidation.cluster import ClusterSettings, cluster
from athena.consolidation.models import (
    Candidate,
    Metrics,
    PatternKind,
    Phase,
    ProcedureCandidate,
    Progress,
    Run,
    RunState,
    Schedule,
    Scored,
    StoredPattern,
    Trigger,
    Weights,
)
from athena.consolidation.patterns import PatternSettings, extract
from athena.consolidation.prioritise import failed, prioritise, succeeded
from athena.consolidation.review import Band, Reviewer
from athena.consolidation.signatures import words
from athena.errors import (
    AthenaError,
    ConsolidationRunning,
    ConsolidationRunNotFound,
    FieldViolation,
    InvalidArgument,
)
from athena.graph import EntityExtractor
from athena.ids import uuid7
from athena.llm import LLMProvider
from athena.memory.paging import fingerprint
from athena.projects import Projects
from athena.prospective import Goals
from athena.prospective.models import GoalStatus
from athena.semantic import page_tokens
from athena.semantic.conflicts import normalise
from athena.semantic.facts import SemanticMemory
from athena.semantic.models import FactFilter, NewFact
from athena.storage import Database, Queries
from athena.storage.database import Connection

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], Awaitable[None]]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Events marked per transaction: small enough to keep locks short, large enough to be cheap.
MARK_CHUNK = 2000
# A fact keeps links to at most this many source events (the semantic layer's limit).
MAX_FACT_SOURCES = 100
MIN_INTERVAL_SECONDS = 60
PERSIST_SECONDS = 0.5


@dataclass(frozen=True)
class Settings:
    weights: Weights = field(default_factory=Weights)
    clustering: ClusterSettings = field(default_factory=ClusterSettings)
    patterns: PatternSettings = field(default_factory=PatternSettings)
    band: Band = field(default_factory=Band)
    max_events: int = 10_000
    # Events scoring below this are marked skipped instead of consolidated (0: none are).
    min_priority: float = 0.0


@dataclass
class Lease:
    """A run that holds its project's lock: its connection stays open until the run ends."""

    run: Run
    conn: Connection
    exit_stack: contextlib.AsyncExitStack


class Consolidator:
    """Consolidation runs, their history, schedules, and what they found; scoped per project."""

    def __init__(
        self,
        db: Database,
        queries: Queries,
        projects: Projects,
        semantic: SemanticMemory | None,
        goals: Goals | None,
        extractor: EntityExtractor,
        llm: LLMProvider | None,
        settings: Settings,
    ) -> None:
        self._db = db
        self._q = queries
        self._projects = projects
        self._semantic = semantic
        self._goals = goals
        self._extractor = extractor
        self._llm = llm
        self.settings = settings

    def variant(
        self, *, settings: Settings | None = None, llm: LLMProvider | None = None
    ) -> Consolidator:
        """The same consolidator with other settings or another language model (tests, tools)."""
        return Consolidator(
            self._db, self._q, self._projects, self._semantic, self._goals, self._extractor,
            llm if llm is not None else self._llm, settings or self.settings,
        )  # fmt: skip

    # --- starting and running -------------------------------------------------------------

    async def begin(
        self, project: str, trigger: Trigger, request_id: str = ""
    ) -> tuple[Lease | None, Run]:
        """Take the project's lock and create a running run; (None, run) replays a request id."""
        await self._projects.ensure(project)
        if request_id:
            async with self._db.connection() as conn:
                row = await conn.fetchrow(self._q.cons_run_by_request, project, request_id)
            if row is not None:
                return None, store.row_to_run(row)
        stack = contextlib.AsyncExitStack()
        conn = await stack.enter_async_context(self._db.connection())
        try:
            if not await conn.fetchval(self._q.cons_try_lock, project):
                raise ConsolidationRunning(project)
            try:
                await conn.execute(self._q.cons_interrupt_stale_runs, project)
                row = await conn.fetchrow(
                    self._q.cons_insert_run, uuid7(), project, request_id, trigger.value
                )
            except BaseException:
                await conn.fetchval(self._q.cons_unlock, project)
                raise
        except BaseException:
            await stack.aclose()
            raise
        assert row is not None
        run = store.row_to_run(row)
        return Lease(run=run, conn=conn, exit_stack=stack), run

    async def execute(self, lease: Lease, progress: ProgressCallback | None = None) -> Run:
        """Do the run; always ends it (succeeded, failed or interrupted) and releases the lock."""
        run = lease.run
        metrics = Metrics()
        started = time.monotonic()
        try:
            await self._work(run.project, run.id, metrics, progress, started)
            return await self._finish(run, RunState.SUCCEEDED, Phase.DONE, metrics, "", started)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self._finish(
                        run, RunState.INTERRUPTED, Phase.DONE, metrics, "cancelled", started
                    )
                )
            raise
        except Exception as exc:
            message = exc.message if isinstance(exc, AthenaError) else type(exc).__name__
            log.exception("consolidation run %s of %s failed", run.id, run.project)
            with contextlib.suppress(Exception):
                await self._finish(run, RunState.FAILED, Phase.DONE, metrics, message, started)
            raise
        finally:
            with contextlib.suppress(Exception):
                await lease.conn.fetchval(self._q.cons_unlock, run.project)
            await lease.exit_stack.aclose()

    async def run(
        self,
        project: str,
        trigger: Trigger = Trigger.BACKGROUND,
        request_id: str = "",
        progress: ProgressCallback | None = None,
    ) -> Run:
        """begin + execute in one call (replays return the earlier run as it is now)."""
        lease, run = await self.begin(project, trigger, request_id)
        if lease is None:
            return await self.get_run(project, run.id)
        return await self.execute(lease, progress)

    async def stream(self, project: str, request_id: str = "") -> AsyncIterator[Progress | Run]:
        """Progress of a run as it happens, then the finished run. Closing the iterator early
        cancels the run (its events stay pending for the next one)."""
        lease, run = await self.begin(project, Trigger.STREAM, request_id)
        if lease is None:
            yield await self.get_run(project, run.id)
            return
        queue: asyncio.Queue[Progress] = asyncio.Queue()
        task = asyncio.create_task(self.execute(lease, queue.put))
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                    continue
                getter.cancel()
                while not queue.empty():
                    yield queue.get_nowait()
                yield task.result()
                return
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _finish(
        self, run: Run, state: RunState, phase: Phase, metrics: Metrics, error: str, started: float
    ) -> Run:
        metrics.duration_ms = int((time.monotonic() - started) * 1000)
        async with self._db.connection() as conn:
            row = await conn.fetchrow(
                self._q.cons_finish_run, run.project, run.id, state.value, phase.value,
                store.metrics_json(metrics), error,
            )  # fmt: skip
        assert row is not None
        return store.row_to_run(row)

    async def _report(
        self,
        conn: Connection | None,
        project: str,
        run_id: uuid.UUID,
        phase: Phase,
        done: int,
        total: int,
        metrics: Metrics,
        progress: ProgressCallback | None,
        started: float,
        persist: bool,
    ) -> None:
        metrics.duration_ms = int((time.monotonic() - started) * 1000)
        args = (project, run_id, phase.value, done, total, store.metrics_json(metrics))
        if conn is not None:
            await conn.execute(self._q.cons_update_progress, *args)
        elif persist:
            async with self._db.connection() as own:
                await own.execute(self._q.cons_update_progress, *args)
        if progress is not None:
            await progress(Progress(run_id, phase, done, total))

    # --- the steps ------------------------------------------------------------------------

    async def _goal_words(self, project: str) -> list[frozenset[str]]:
        if self._goals is None:
            return []
        found: list[frozenset[str]] = []
        token = ""
        while True:
            goals, token = await self._goals.list(
                project, statuses=(GoalStatus.ACTIVE,), page_size=200, page_token=token
            )
            found.extend(words(f"{g.title} {g.description} {' '.join(g.tags)}") for g in goals)
            if not token or len(found) >= 1000:
                return found

    async def score(self, project: str, limit: int) -> list[Scored]:
        """Step 1: load up to `limit` pending events (oldest first) and prioritise them."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.cons_pending_events, project, limit)
            items = [store.row_to_item(r, self._extractor) for r in rows]
            signatures = sorted({i.signature for i in items})
            stats = await conn.fetch(self._q.cons_outcome_stats, project, signatures)
        history = {r["signature"]: (r["successes"], r["failures"]) for r in stats}
        goals = await self._goal_words(project)
        return prioritise(items, history, goals, self.settings.weights)

    async def _work(
        self,
        project: str,
        run_id: uuid.UUID,
        metrics: Metrics,
        progress: ProgressCallback | None,
        started: float,
    ) -> None:
        # The run row is updated at phase boundaries and at most every PERSIST_SECONDS in
        # between (a round trip per written pattern would cost more than the writing).
        saved_phase, saved_at = Phase.DONE, 0.0

        async def report(
            phase: Phase, done: int, total: int, conn: Connection | None = None
        ) -> None:
            nonlocal saved_phase, saved_at
            now = time.monotonic()
            persist = (
                phase is not saved_phase or done in (0, total) or now - saved_at >= PERSIST_SECONDS
            )
            if persist or conn is not None:
                saved_phase, saved_at = phase, now
            await self._report(
                conn, project, run_id, phase, done, total, metrics, progress, started, persist
            )

        await report(Phase.PRIORITISE, 0, 0)
        scored = await self.score(project, self.settings.max_events)
        keep = [s for s in scored if s.priority >= self.settings.min_priority]
        skipped = [s.item.event.id for s in scored if s.priority < self.settings.min_priority]
        metrics.events_considered = len(scored)
        metrics.events_skipped = len(skipped)
        await report(Phase.PRIORITISE, len(scored), len(scored))

        clusters = cluster(keep, self.settings.clustering)
        metrics.clusters = len(clusters)
        await report(Phase.CLUSTER, len(clusters), len(clusters))

        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.cons_known_signatures, project)
        known = {(r["kind"], r["signature"]): float(r["confidence"]) for r in rows}
        candidates = extract(clusters, self.settings.patterns, {sig for _, sig in known})
        for c in candidates:
            # A pattern earlier runs established is as credible as they found it, even when
            # this batch holds only one new occurrence of it.
            c.confidence = max(c.confidence, known.get((c.kind.value, c.signature), 0.0))
        await report(Phase.EXTRACT, len(candidates), len(candidates))

        # The most valuable patterns are written first, so an interrupted run kept those.
        priority = {s.item.event.id: s.priority for s in keep}
        content = {s.item.event.id: s.item.event.content for s in keep}

        def weight(c: Candidate) -> float:
            ids = c.source_event_ids
            return sum(priority.get(i, 0.0) for i in ids) / max(1, len(ids))

        candidates.sort(key=lambda c: (-c.confidence * weight(c), c.kind, c.signature))
        reviewer = Reviewer(self._llm, self.settings.band)
        for n, candidate in enumerate(candidates, 1):
            examples = [content[i] for i in candidate.source_event_ids[:8] if i in content]
            decided = await reviewer.decide(candidate, examples, metrics)
            if decided is None:
                metrics.candidates_rejected += 1
            else:
                await self._write(project, decided, metrics)
            metrics.llm_input_tokens = reviewer.usage.input_tokens
            metrics.llm_output_tokens = reviewer.usage.output_tokens
            await report(Phase.WRITE, n, len(candidates))

        await self._mark(project, keep, skipped, metrics, report)

    async def _write(self, project: str, candidate: Candidate, metrics: Metrics) -> None:
        """Step 4 and 5: the fact (superseding a conflicting one), then the pattern, its
        occurrences and procedure candidate in one transaction."""
        fact_id = None
        if candidate.fact is not None and self._semantic is not None:
            fact_id = await self._write_fact(project, candidate, metrics)
        firsts, lists = store.instance_args(candidate.instances)
        async with self._db.transaction() as conn:
            pattern_id = await conn.fetchval(
                self._q.cons_upsert_pattern, uuid7(), project, candidate.kind.value,
                candidate.signature, candidate.description, list(candidate.steps),
                candidate.confidence, candidate.reviewed_by,
            )  # fmt: skip
            await conn.execute(self._q.cons_add_instances, pattern_id, project, firsts, lists)
            if fact_id is not None:
                await conn.execute(self._q.cons_set_pattern_fact, project, pattern_id, fact_id)
            if candidate.kind is PatternKind.ACTION_SEQUENCE:
                await conn.fetchval(
                    self._q.cons_upsert_procedure_candidate, uuid7(), project, pattern_id,
                    _procedure_name(candidate.steps), list(candidate.steps),
                    list(candidate.instances[-1]), candidate.confidence,
                )  # fmt: skip
                metrics.procedure_candidates += 1
        metrics.patterns += 1

    async def _write_fact(
        self, project: str, candidate: Candidate, metrics: Metrics
    ) -> uuid.UUID | None:
        assert candidate.fact is not None and self._semantic is not None
        statement = candidate.fact
        sources = candidate.source_event_ids[-MAX_FACT_SOURCES:]
        current, _ = await self._semantic.list(
            project, FactFilter(subject=statement.subject, predicate=statement.predicate), 100
        )
        for fact in current:
            if normalise(fact.content) == normalise(statement.content):
                metrics.facts_unchanged += 1
                return fact.id
        new = NewFact(
            subject=statement.subject,
            predicate=statement.predicate,
            content=statement.content,
            tags=("consolidated", candidate.kind.value),
            confidence=min(1.0, max(0.0, candidate.confidence)),
            source_event_ids=sources,
        )
        for attempt in (1, 2):
            try:
                if current:
                    # Same subject and predicate, another value: the newer statement supersedes
                    # the old fact (a new version of its lineage); the old one stays as history.
                    mask = {"content", "confidence", "source_event_ids", "tags"}
                    result = await self._semantic.update(project, current[0].id, new, mask)
                else:
                    result = await self._semantic.create(project, new)
                break
            except InvalidArgument as exc:
                # Source events deleted since the run loaded them: link the ones that remain.
                gone = _deleted_sources(exc)
                if attempt == 2 or not gone:
                    raise
                kept = tuple(e for i, e in enumerate(new.source_event_ids) if i not in gone)
                new = replace(new, source_event_ids=kept)
        if current:
            metrics.facts_superseded += 1
        else:
            metrics.facts_created += 1
        return result.fact.id if result.fact is not None else None

    async def _mark(
        self,
        project: str,
        keep: Sequence[Scored],
        skipped: Sequence[uuid.UUID],
        metrics: Metrics,
        report: Callable[..., Awaitable[None]],
    ) -> None:
        """Step 6: mark events (with their outcome statistics) chunk by chunk, atomically."""
        total = len(keep) + len(skipped)
        done = 0
        await report(Phase.MARK, 0, total)
        for start in range(0, len(keep), MARK_CHUNK):
            chunk = keep[start : start + MARK_CHUNK]
            ok: Counter[str] = Counter(s.item.signature for s in chunk if succeeded(s.item))
            bad: Counter[str] = Counter(s.item.signature for s in chunk if failed(s.item))
            signatures = sorted(set(ok) | set(bad))
            async with self._db.transaction() as conn:
                ids = [s.item.event.id for s in chunk]
                changed = await conn.fetchval(
                    self._q.cons_mark_events, project, ids, "consolidated"
                )
                # Only events this run changed count (a concurrent delete may have taken some).
                if changed == len(ids) and signatures:
                    await conn.execute(
                        self._q.cons_add_outcome_stats, project, signatures,
                        [ok[s] for s in signatures], [bad[s] for s in signatures],
                    )  # fmt: skip
                done += len(chunk)
                await report(Phase.MARK, done, total, conn)
        for start in range(0, len(skipped), MARK_CHUNK):
            chunk_ids = list(skipped[start : start + MARK_CHUNK])
            async with self._db.transaction() as conn:
                await conn.fetchval(self._q.cons_mark_events, project, chunk_ids, "skipped")
                done += len(chunk_ids)
                await report(Phase.MARK, done, total, conn)

    # --- reads and schedules --------------------------------------------------------------

    async def get_run(self, project: str, run_id: uuid.UUID) -> Run:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.cons_get_run, project, run_id)
        if row is None:
            raise ConsolidationRunNotFound(str(run_id))
        return store.row_to_run(row)

    async def list_runs(
        self,
        project: str,
        states: tuple[RunState, ...] = (),
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Run], str]:
        values = sorted(s.value for s in states) or None
        rows, token = await self._page(
            ("cons_runs", project, values), self._q.cons_list_runs, project, values,
            page_size=page_size, page_token=page_token,
        )  # fmt: skip
        return [store.row_to_run(r) for r in rows], token

    async def list_patterns(
        self,
        project: str,
        kind: PatternKind | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[StoredPattern], str]:
        value = kind.value if kind else None
        rows, token = await self._page(
            ("cons_patterns", project, value), self._q.cons_list_patterns, project, value,
            page_size=page_size, page_token=page_token,
        )  # fmt: skip
        return [store.row_to_pattern(r) for r in rows], token

    async def list_procedure_candidates(
        self, project: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[ProcedureCandidate], str]:
        rows, token = await self._page(
            ("cons_procedures", project), self._q.cons_list_procedure_candidates, project,
            page_size=page_size, page_token=page_token,
        )  # fmt: skip
        return [store.row_to_candidate(r) for r in rows], token

    async def _page(
        self,
        query_key: tuple[object, ...],
        query: object,
        *args: object,
        page_size: int,
        page_token: str,
    ) -> tuple[list, str]:  # type: ignore[type-arg]
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        query_id = fingerprint(*query_key)
        after = None
        if page_token:
            (raw,) = page_tokens.decode(page_token, query_id, 1)
            try:
                after = uuid.UUID(str(raw))
            except ValueError as exc:
                raise InvalidArgument([FieldViolation("page_token", "malformed")]) from exc
        async with self._db.connection() as conn:
            rows = await conn.fetch(query, *args, after, size + 1)  # type: ignore[arg-type]
        token = (
            page_tokens.encode([str(rows[size - 1]["id"])], query_id) if len(rows) > size else ""
        )
        return rows[:size], token

    async def set_schedule(self, project: str, interval_seconds: int) -> Schedule | None:
        """Run every `interval_seconds` (>= 60); 0 turns scheduled runs off (returns None)."""
        if interval_seconds and interval_seconds < MIN_INTERVAL_SECONDS:
            raise InvalidArgument(
                [FieldViolation("interval", f"must be 0 (off) or at least {MIN_INTERVAL_SECONDS}s")]
            )
        await self._projects.ensure(project)
        async with self._db.connection() as conn:
            if not interval_seconds:
                await conn.execute(self._q.cons_delete_schedule, project)
                return None
            row = await conn.fetchrow(self._q.cons_set_schedule, project, interval_seconds)
        assert row is not None
        return store.row_to_schedule(row)

    async def get_schedule(self, project: str) -> Schedule | None:
        async with self._db.connection() as conn:
            row = await conn.fetchrow(self._q.cons_get_schedule, project)
        return store.row_to_schedule(row) if row is not None else None

    async def claim_due(self, limit: int = 10) -> list[str]:
        """Projects whose scheduled run is due now (each moved on by one interval)."""
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._q.cons_claim_due_schedules, limit)
        return [r["project_id"] for r in rows]


def _deleted_sources(exc: InvalidArgument) -> set[int]:
    """Indices of `fact.source_event_ids[i]` violations, if those are all the error names."""
    indices: set[int] = set()
    for v in exc.violations:
        prefix, _, rest = v.field.partition(".source_event_ids[")
        if prefix != "fact" or not rest.endswith("]") or not rest[:-1].isdigit():
            return set()
        indices.add(int(rest[:-1]))
    return indices


def _procedure_name(steps: Sequence[str]) -> str:
    first, last = steps[0], steps[-1]
    return f"{' '.join(first.split()[:4])} ... {' '.join(last.split()[:4])}"
