"""Consolidation is resumable and idempotent per event: a killed run loses nothing, re-runs do
not duplicate, later runs supersede changed facts and extend known patterns; scheduled runs."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
import uuid
from dataclasses import replace

import asyncpg
import grpc
import pytest
from athena.audit import Actor
from athena.consolidation import Phase, RunState, Settings, Trigger
from athena.consolidation.review import Band
from athena.llm import Completion
from athena.server import create_server
from athena.v1 import consolidation_pb2 as pb
from athena.v1 import (
    consolidation_pb2_grpc,
    memory_pb2,
    memory_pb2_grpc,
    semantic_pb2,
    semantic_pb2_grpc,
)
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from tests.integration.test_consolidation_runs import BASE, EPISODE, consolidate, corpus, seed
from tests.support import ROOT


@pytest.fixture
def cons(channel) -> consolidation_pb2_grpc.ConsolidationServiceStub:
    return consolidation_pb2_grpc.ConsolidationServiceStub(channel)


@pytest.fixture
def facts(channel) -> semantic_pb2_grpc.SemanticMemoryServiceStub:
    return semantic_pb2_grpc.SemanticMemoryServiceStub(channel)


async def current_facts(facts) -> list[semantic_pb2.Fact]:
    return list((await facts.ListFacts(semantic_pb2.ListFactsRequest(page_size=100))).facts)


async def pending(memory) -> int:
    listed = await memory.ListEvents(
        memory_pb2.ListEventsRequest(
            page_size=1000,
            filter=memory_pb2.EventFilter(
                consolidation_status=memory_pb2.CONSOLIDATION_STATUS_PENDING
            ),
        )
    )
    return len(listed.events)


async def patterns(cons) -> dict[int, pb.ConsolidationPattern]:
    listed = await cons.ListConsolidationPatterns(pb.ListConsolidationPatternsRequest())
    return {p.kind: p for p in listed.patterns}


async def test_rerunning_the_same_events_duplicates_nothing(memory, cons, facts, config) -> None:
    await seed(memory, corpus())
    await consolidate(cons)
    before_facts = await current_facts(facts)
    before_patterns = await patterns(cons)
    # As if the marking had been lost: every event pending again.
    conn = await asyncpg.connect(config.database_url)
    try:
        await conn.execute("UPDATE events SET consolidation_status = 'pending'")
    finally:
        await conn.close()
    summary = (await consolidate(cons))[-1].summary
    assert summary.metrics.facts_created == 0 and summary.metrics.facts_superseded == 0
    assert summary.metrics.facts_unchanged == 2
    assert [f.id for f in await current_facts(facts)] == [f.id for f in before_facts]
    after = await patterns(cons)
    assert {k: (p.id, p.occurrences) for k, p in after.items()} == {
        k: (p.id, p.occurrences) for k, p in before_patterns.items()
    }
    assert await pending(memory) == 0


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from athena.config import Config
    from athena.consolidation import Phase, Trigger
    from athena.server import create_server

    async def main(url, marker):
        config = Config(database_url=url, port=0, migrate_on_start=False, pool_min_size=1,
                        pool_max_size=4)
        server, _ = await create_server(config)
        consolidator = server.components["consolidation"].domain["consolidator"]

        async def progress(p):
            # Stop dead after the second pattern is written, before any event is marked.
            if p.phase is Phase.WRITE and p.items_done == 2:
                Path(marker).write_text(str(p.run_id))
                await asyncio.Event().wait()

        await consolidator.run("default", Trigger.BACKGROUND, progress=progress)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_a_killed_run_loses_nothing_and_the_next_run_finishes_it(
    memory, cons, facts, config, tmp_path
) -> None:
    ids = await seed(memory, corpus())
    marker = tmp_path / "written-two"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, config.database_url, str(marker), cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text():
            assert child.returncode is None, "the consolidating process exited early"
            assert time.monotonic() < deadline, "the consolidating process made no progress"
            await asyncio.sleep(0.05)
    finally:
        child.kill()
        await child.wait()
    dead_run = marker.read_text()
    run = (await cons.GetConsolidationRun(pb.GetConsolidationRunRequest(id=dead_run))).run
    assert run.state == pb.CONSOLIDATION_RUN_STATE_RUNNING  # nobody could mark it
    # Progress is saved at phase boundaries and now and then in between.
    assert run.phase in (pb.CONSOLIDATION_PHASE_EXTRACT, pb.CONSOLIDATION_PHASE_WRITE)
    assert await pending(memory) == len(ids)
    written = await patterns(cons)
    assert len(written) == 2

    # The dead process's lock went with its connection: a new run starts and finishes the job.
    summary = (await consolidate(cons))[-1].summary
    assert summary.state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED
    assert summary.metrics.events_considered == len(ids)
    dead = (await cons.GetConsolidationRun(pb.GetConsolidationRunRequest(id=dead_run))).run
    assert dead.state == pb.CONSOLIDATION_RUN_STATE_INTERRUPTED and dead.error
    assert await pending(memory) == 0
    current = await current_facts(facts)
    assert sorted(f.subject for f in current) == sorted(
        ["api server", "error: modulenotfounderror no module named <str>"]
    )
    after = await patterns(cons)
    assert len(after) == 3 and all(p.occurrences == 4 for p in after.values())
    for kind, pattern in written.items():
        assert after[kind].id == pattern.id


async def test_a_changed_fact_supersedes_the_old_one(memory, cons, facts) -> None:
    def statements(version: int, start: int) -> list[memory_pb2.NewEvent]:
        return [
            memory_pb2.NewEvent(
                session_id=f"db-{version}-{i}",
                type=memory_pb2.EVENT_TYPE_OBSERVATION,
                content=f"Note: the database is postgres {version}.",
                occur_time=Timestamp(seconds=BASE + start + i * 3600),
            )
            for i in range(3)
        ]

    await seed(memory, statements(15, 0))
    first = (await consolidate(cons))[-1].summary
    assert first.metrics.facts_created == 1
    (old,) = [f for f in await current_facts(facts) if f.subject == "database"]
    assert old.content == "postgres 15"
    await seed(memory, statements(16, 10 * 3600))
    second = (await consolidate(cons))[-1].summary
    assert second.metrics.facts_superseded == 1 and second.metrics.facts_created == 0
    (new,) = [f for f in await current_facts(facts) if f.subject == "database"]
    assert new.content == "postgres 16" and new.supersedes_id == old.id
    assert new.lineage_id == old.lineage_id and new.version == 2
    versions = await facts.ListFactVersions(semantic_pb2.ListFactVersionsRequest(id=new.id))
    assert [v.content for v in versions.facts] == ["postgres 16", "postgres 15"]
    assert versions.facts[1].HasField("superseded_time")


async def test_a_known_pattern_counts_a_single_new_occurrence(memory, cons) -> None:
    await seed(memory, corpus())
    await consolidate(cons)
    # One more session: alone it is below the minimum support, but the pattern is known.
    await seed(memory, corpus(sessions=1, prefix="late", start=40 * 3600))
    summary = (await consolidate(cons))[-1].summary
    assert summary.metrics.patterns == 3
    assert all(p.occurrences == 5 for p in (await patterns(cons)).values())


async def test_scheduled_runs_happen_when_due(make_config) -> None:
    config = make_config(consolidation_poll_seconds=0.05)
    server, port = await create_server(config)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            memory = memory_pb2_grpc.MemoryServiceStub(channel)
            cons = consolidation_pb2_grpc.ConsolidationServiceStub(channel)
            await seed(memory, corpus())
            reply = await cons.SetConsolidationSchedule(
                pb.SetConsolidationScheduleRequest(interval=Duration(seconds=3600))
            )
            # Nothing runs before the schedule is due.
            runs = await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest())
            assert list(runs.runs) == []
            conn = await asyncpg.connect(config.database_url)
            try:
                await conn.execute("UPDATE consolidation_schedules SET next_run_time = now()")
            finally:
                await conn.close()
            deadline = time.monotonic() + 60
            while True:
                runs = await cons.ListConsolidationRuns(pb.ListConsolidationRunsRequest())
                if runs.runs and runs.runs[0].state == pb.CONSOLIDATION_RUN_STATE_SUCCEEDED:
                    break
                assert time.monotonic() < deadline, "no scheduled run finished"
                await asyncio.sleep(0.05)
            assert [r.trigger for r in runs.runs] == [pb.CONSOLIDATION_TRIGGER_SCHEDULE]
            assert runs.runs[0].metrics.events_considered == len(corpus())
            got = await cons.GetConsolidationSchedule(pb.GetConsolidationScheduleRequest())
            # The claim moved the schedule on by one interval.
            assert got.schedule.next_run_time.seconds >= reply.schedule.next_run_time.seconds - 5
    finally:
        await server.stop(grace=0)


class FakeLLM:
    """A provider that answers every review with a fixed reply and records the prompts."""

    name = "fake"
    model = "fake-1"
    enabled = True

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    async def complete(self, messages, **kwargs) -> Completion:
        self.prompts.append(messages[-1].content)
        completion = Completion(text=self.reply, model=self.model, input_tokens=10, output_tokens=5)
        kwargs["usage"].add(completion)  # as real providers do
        return completion


async def test_llm_reviews_uncertain_candidates(server, memory, facts) -> None:
    await seed(memory, corpus())
    base = server[0].components["consolidation"].domain["consolidator"]
    assert base.settings.band == Band()
    # Everything is "uncertain", so every candidate goes to the model.
    settings = replace(base.settings, band=Band(low=0.0, high=1.01, accept_at=0.5))
    llm = FakeLLM(
        '{"verdict": "rewrite", "description": "checked by the model", '
        '"fact_content": "the fix, as the model puts it", "confidence": 0.9}'
    )
    run = await base.variant(settings=settings, llm=llm).run("default", Trigger.BACKGROUND)
    assert run.state is RunState.SUCCEEDED
    assert run.metrics.llm_reviews == 3 and run.metrics.llm_rewrites == 3
    assert (run.metrics.llm_input_tokens, run.metrics.llm_output_tokens) == (30, 15)
    assert any("example events:" in p and "pip install" in p for p in llm.prompts)
    contents = {f.content for f in await current_facts(facts)}
    assert contents == {"the fix, as the model puts it"}


async def test_llm_rejections_and_failures(server, memory, facts) -> None:
    await seed(memory, corpus())
    base = server[0].components["consolidation"].domain["consolidator"]
    settings = replace(base.settings, band=Band(low=0.0, high=1.01, accept_at=0.5))
    rejecting = FakeLLM('{"verdict": "reject"}')
    run = await base.variant(settings=settings, llm=rejecting).run("default")
    assert run.metrics.llm_rejections == 3 and run.metrics.patterns == 0
    assert await current_facts(facts) == []
    assert run.metrics.events_considered == len(corpus())


async def test_a_malformed_llm_reply_leaves_the_heuristics_in_charge(server, memory, facts) -> None:
    await seed(memory, corpus())
    base = server[0].components["consolidation"].domain["consolidator"]
    settings = replace(base.settings, band=Band(low=0.0, high=1.01, accept_at=0.5))
    broken = FakeLLM("I think this is fine {not json")
    run = await base.variant(settings=settings, llm=broken).run("default")
    assert run.metrics.llm_failures == 3 and run.metrics.patterns == 3
    # One corrective re-ask per review, then the heuristic verdict.
    assert len(broken.prompts) == 6
    assert {f.content for f in await current_facts(facts)} == {
        "port 8080", "installed the package with pip install <ref>",
    }  # fmt: skip


def test_settings_defaults_are_sane() -> None:
    s = Settings()
    assert s.band.low < s.band.accept_at < s.band.high
    assert EPISODE and s.max_events > 0


async def test_events_deleted_during_a_run_are_left_out_of_provenance(
    server, memory, facts
) -> None:
    ids = await seed(memory, corpus())
    statement = ids[2]  # the first session's "The api server listens on port 8080."
    domain = server[0].components
    consolidator = domain["consolidation"].domain["consolidator"]
    episodic = domain["memory"].domain["episodic"]

    async def delete_once_loaded(p) -> None:
        if p.phase is Phase.CLUSTER:
            await episodic.delete("default", uuid.UUID(statement), Actor("test", "r"), "gone")

    run = await consolidator.run("default", progress=delete_once_loaded)
    assert run.state is RunState.SUCCEEDED and run.metrics.facts_created == 2
    (fact,) = [f for f in await current_facts(facts) if f.subject == "api server"]
    assert statement not in fact.source_event_ids and len(fact.source_event_ids) == 3
    assert await pending(memory) == 0
