"""Meta-memory over gRPC: ratings, access tracking with decay, item statistics and the recall
boost, working memory; validation, not found and isolation."""

from __future__ import annotations

import uuid

import grpc
import pytest
from athena.meta import MemoryLayer, MemoryRef
from athena.v1 import memory_pb2 as mpb
from athena.v1 import meta_pb2 as pb
from athena.v1 import meta_pb2_grpc, prospective_pb2_grpc
from athena.v1 import prospective_pb2 as ppb

from tests.support import error_info, violations

OTHER = (("x-athena-project", "other"),)


@pytest.fixture
def meta(channel) -> meta_pb2_grpc.MetaMemoryServiceStub:
    return meta_pb2_grpc.MetaMemoryServiceStub(channel)


async def record(memory, content: str, session: str = "s", metadata=None, **fields) -> mpb.Event:
    request = mpb.RecordEventRequest(
        event=mpb.NewEvent(
            session_id=session, type=mpb.EVENT_TYPE_ACTION, content=content, **fields
        )
    )
    return (await memory.RecordEvent(request, metadata=metadata)).event


def event_ref(event_id: str) -> pb.MemoryRef:
    return pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id=event_id)


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_rating_smooths_usefulness_and_counts_as_access(meta, memory) -> None:
    event = await record(memory, "fixed the flaky test by pinning the seed")
    fresh = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(event.id)))
    assert (fresh.stats.access_count, fresh.stats.usefulness, fresh.stats.boost) == (0, 0.5, 1.0)
    rated = await meta.RateMemory(
        pb.RateMemoryRequest(item=event_ref(event.id), rating=1.0, comment="exactly right")
    )
    # One rating of 1 with a prior of 0.5 weighted as two ratings: (1 + 1) / 3.
    assert rated.stats.usefulness == pytest.approx(2 / 3)
    assert rated.stats.rating_count == 1 and rated.stats.access_count == 1
    assert rated.stats.boost > 1.0 and rated.stats.HasField("last_rating_time")
    await meta.RateMemory(pb.RateMemoryRequest(item=event_ref(event.id), rating=0.0))
    again = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(event.id)))
    assert again.stats.usefulness == pytest.approx(0.5) and again.stats.rating_count == 2


async def test_rating_is_idempotent_with_a_request_id(meta, memory) -> None:
    event = await record(memory, "x")
    request = pb.RateMemoryRequest(item=event_ref(event.id), rating=0.9, request_id="r-1")
    await meta.RateMemory(request)
    replay = await meta.RateMemory(request)
    assert replay.replayed and replay.stats.rating_count == 1
    request.rating = 0.1
    err = await rpc_error(meta.RateMemory(request))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_access_tracking_and_boosts(meta, memory, server) -> None:
    often = await record(memory, "often")
    once = await record(memory, "once")
    never = await record(memory, "never")
    for _ in range(3):
        response = await meta.RecordMemoryAccess(
            pb.RecordMemoryAccessRequest(items=[event_ref(often.id), event_ref(often.id)])
        )
        assert response.recorded_count == 1
    await meta.RecordMemoryAccess(pb.RecordMemoryAccessRequest(items=[event_ref(once.id)]))
    stats = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(often.id)))
    assert stats.stats.access_count == 3
    assert 2.9 < stats.stats.access_score <= 3.0  # barely decayed after seconds
    domain = server[0].components["meta"].domain["meta"]
    refs = [MemoryRef(MemoryLayer.EVENT, e.id) for e in (often, once, never)]
    boosts = await domain.boosts("default", refs)
    assert boosts[refs[0]].factor > boosts[refs[1]].factor > boosts[refs[2]].factor == 1.0
    # The domain call recall uses: missing memories are skipped, not an error.
    recorded, _ = await domain.record_access(
        "default", [refs[2], MemoryRef(MemoryLayer.EVENT, str(uuid.uuid4()))], "s1"
    )
    assert recorded == 1


async def test_access_decays_with_age(meta, memory, server) -> None:
    old, recent = await record(memory, "old"), await record(memory, "recent")
    domain = server[0].components["meta"].domain["meta"]
    await meta.RecordMemoryAccess(
        pb.RecordMemoryAccessRequest(items=[event_ref(old.id), event_ref(recent.id)])
    )
    # Age one item's accesses by two half-lives (a week each by default) in the database.
    async with domain._db.connection() as conn:
        await (await conn.raw()).execute(
            "UPDATE memory_item_stats SET score_time = score_time - interval '14 days' "
            "WHERE item_id = $1",
            old.id,
        )
    aged = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(old.id)))
    assert aged.stats.access_score == pytest.approx(0.25, rel=0.01)
    refs = [MemoryRef(MemoryLayer.EVENT, old.id), MemoryRef(MemoryLayer.EVENT, recent.id)]
    boosts = await domain.boosts("default", refs)
    assert boosts[refs[1]].factor > boosts[refs[0]].factor > 1.0


async def test_working_memory(meta, memory) -> None:
    events = [await record(memory, f"step {i}", session="work") for i in range(9)]
    await record(memory, "elsewhere", session="other-session")
    default = await meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="work"))
    assert len(default.items) == 7
    # The newest events of the session are the most active when nothing was accessed.
    assert default.items[0].item.id == events[-1].id
    assert default.items[0].summary == "step 8"
    # Using an old event of the session brings it back into working memory, on top.
    for _ in range(2):
        await meta.RecordMemoryAccess(
            pb.RecordMemoryAccessRequest(items=[event_ref(events[0].id)], session_id="work")
        )
    top = await meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="work", size=3))
    assert top.items[0].item.id == events[0].id and len(top.items) == 3
    assert top.items[0].access_count == 2


async def test_working_memory_holds_other_layers(meta, channel) -> None:
    stub = prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)
    task = (
        await stub.CreateProspectiveTask(
            ppb.CreateProspectiveTaskRequest(task=ppb.NewProspectiveTask(title="review the PR"))
        )
    ).task
    ref = pb.MemoryRef(layer=pb.MEMORY_LAYER_TASK, id=task.id)
    await meta.RecordMemoryAccess(pb.RecordMemoryAccessRequest(items=[ref], session_id="w"))
    wm = await meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="w"))
    assert [(i.item.layer, i.item.id, i.summary) for i in wm.items] == [
        (pb.MEMORY_LAYER_TASK, task.id, "review the PR")
    ]
    # Deleting the task forgets its meta data (ON DELETE CASCADE).
    await stub.DeleteProspectiveTask(ppb.DeleteProspectiveTaskRequest(id=task.id))
    assert (
        list((await meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="w"))).items) == []
    )


async def test_deleting_an_event_forgets_its_meta_data(meta, memory) -> None:
    event = await record(memory, "x")
    await meta.RateMemory(pb.RateMemoryRequest(item=event_ref(event.id), rating=1, session_id="s"))
    await memory.DeleteEvent(mpb.DeleteEventRequest(id=event.id))
    err = await rpc_error(
        meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(event.id)))
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    quality = await meta.GetMemoryQualityStats(
        pb.GetMemoryQualityStatsRequest(layers=[pb.MEMORY_LAYER_EVENT])
    )
    assert quality.layers[0].rated_count == 0


async def test_procedures_are_named_not_checked(meta) -> None:
    ref = pb.MemoryRef(layer=pb.MEMORY_LAYER_PROCEDURE, id="deploy-service")
    rated = await meta.RateMemory(pb.RateMemoryRequest(item=ref, rating=0.8))
    assert rated.stats.item.id == "deploy-service" and rated.stats.rating_count == 1


async def test_rate_bad_input(meta) -> None:
    cases = [
        (pb.RateMemoryRequest(item=pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id="x")), "item.id"),
        (pb.RateMemoryRequest(item=pb.MemoryRef(id=str(uuid.uuid4()))), "item.layer"),
        (
            pb.RateMemoryRequest(
                item=pb.MemoryRef(layer=pb.MEMORY_LAYER_FACT, id=str(uuid.uuid4())), rating=2
            ),
            "rating",
        ),
        (pb.RateMemoryRequest(), "item"),
    ]
    for request, field in cases:
        err = await rpc_error(meta.RateMemory(request))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))


async def test_other_bad_input(meta) -> None:
    cases = [
        (lambda: meta.RecordMemoryAccess(pb.RecordMemoryAccessRequest()), "items"),
        (
            lambda: meta.RecordMemoryAccess(
                pb.RecordMemoryAccessRequest(
                    items=[
                        event_ref(str(uuid.uuid4())),
                        pb.MemoryRef(layer=pb.MEMORY_LAYER_GOAL, id="g"),
                    ]
                )
            ),
            "items[1].id",
        ),
        (lambda: meta.GetWorkingMemory(pb.GetWorkingMemoryRequest()), "session_id"),
        (
            lambda: meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="s", size=51)),
            "size",
        ),
        (lambda: meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest()), "item"),
    ]
    for call, field in cases:  # one at a time: a stub call starts as soon as it is made
        err = await rpc_error(call())
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err), (field, violations(err))


async def test_not_found(meta, memory) -> None:
    present = await record(memory, "present")
    for layer in pb.MemoryLayer.values():
        if layer in (pb.MEMORY_LAYER_UNSPECIFIED, pb.MEMORY_LAYER_PROCEDURE):
            continue
        ref = pb.MemoryRef(layer=layer, id=str(uuid.uuid4()))
        for method, request in (
            (meta.RateMemory, pb.RateMemoryRequest(item=ref, rating=1)),
            (meta.GetMemoryItemStats, pb.GetMemoryItemStatsRequest(item=ref)),
        ):
            err = await rpc_error(method(request))
            assert err.code() == grpc.StatusCode.NOT_FOUND
            assert error_info(err).metadata["id"] == ref.id
    missing = event_ref(str(uuid.uuid4()))
    err = await rpc_error(
        meta.RecordMemoryAccess(
            pb.RecordMemoryAccessRequest(items=[event_ref(present.id), missing])
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    # All or nothing: the existing memory was not counted either.
    stats = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(present.id)))
    assert stats.stats.access_count == 0


async def test_projects_are_isolated(meta, memory) -> None:
    mine = await record(memory, "mine", session="s")
    for call in (  # one at a time: a stub call starts as soon as it is made
        lambda: meta.RateMemory(
            pb.RateMemoryRequest(item=event_ref(mine.id), rating=1), metadata=OTHER
        ),
        lambda: meta.GetMemoryItemStats(
            pb.GetMemoryItemStatsRequest(item=event_ref(mine.id)), metadata=OTHER
        ),
        lambda: meta.RecordMemoryAccess(
            pb.RecordMemoryAccessRequest(items=[event_ref(mine.id)]), metadata=OTHER
        ),
    ):
        err = await rpc_error(call())
        assert err.code() == grpc.StatusCode.NOT_FOUND
    wm = await meta.GetWorkingMemory(pb.GetWorkingMemoryRequest(session_id="s"), metadata=OTHER)
    assert list(wm.items) == []
    stats = await meta.GetMemoryItemStats(pb.GetMemoryItemStatsRequest(item=event_ref(mine.id)))
    assert stats.stats.access_count == 0
