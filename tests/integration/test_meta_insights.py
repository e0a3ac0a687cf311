"""Meta-memory insights over gRPC: per-domain expertise and coverage, quality statistics per
layer; validation and isolation."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import memory_pb2 as mpb
from athena.v1 import meta_pb2 as pb
from athena.v1 import meta_pb2_grpc, prospective_pb2_grpc
from athena.v1 import prospective_pb2 as ppb
from google.protobuf import field_mask_pb2

from tests.support import error_info, violations

OTHER = (("x-athena-project", "other"),)
S = ppb.ProspectiveTaskStatus


@pytest.fixture
def meta(channel) -> meta_pb2_grpc.MetaMemoryServiceStub:
    return meta_pb2_grpc.MetaMemoryServiceStub(channel)


@pytest.fixture
def prospective(channel) -> prospective_pb2_grpc.ProspectiveMemoryServiceStub:
    return prospective_pb2_grpc.ProspectiveMemoryServiceStub(channel)


async def record(memory, content: str, outcome: int = 0, tags=(), confidence=1.0) -> mpb.Event:
    event = mpb.NewEvent(
        session_id="s",
        type=mpb.EVENT_TYPE_ACTION,
        content=content,
        outcome=outcome,
        tags=list(tags),
        confidence=confidence,
    )
    return (await memory.RecordEvent(mpb.RecordEventRequest(event=event))).event


async def finished_task(stub, tag: str, status: int) -> None:
    task = (
        await stub.CreateProspectiveTask(
            ppb.CreateProspectiveTaskRequest(task=ppb.NewProspectiveTask(title="t", tags=[tag]))
        )
    ).task
    for step in (S.PROSPECTIVE_TASK_STATUS_ACTIVE, status):
        await stub.UpdateProspectiveTask(
            ppb.UpdateProspectiveTaskRequest(
                id=task.id,
                task=ppb.ProspectiveTask(status=step),
                update_mask=field_mask_pb2.FieldMask(paths=["status"]),
            )
        )


async def test_domain_expertise_and_coverage(meta, memory, prospective) -> None:
    for _ in range(6):
        await record(memory, "deployed", mpb.OUTCOME_SUCCESS, ["deploy"])
    failed = await record(memory, "deploy failed", mpb.OUTCOME_FAILURE, ["deploy"])
    await record(memory, "tried numpy", mpb.OUTCOME_PARTIAL, ["python"])
    await record(memory, "read about it", tags=["python"])
    await finished_task(prospective, "deploy", S.PROSPECTIVE_TASK_STATUS_DONE)
    await finished_task(prospective, "python", S.PROSPECTIVE_TASK_STATUS_FAILED)
    await prospective.CreateGoal(
        ppb.CreateGoalRequest(goal=ppb.NewGoal(title="plan", tags=["planning"]))
    )
    await meta.RateMemory(
        pb.RateMemoryRequest(item=pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id=failed.id), rating=1)
    )
    listed = await meta.ListDomainExpertise(pb.ListDomainExpertiseRequest())
    by_name = {d.domain: d for d in listed.domains}
    assert [d.domain for d in listed.domains] == ["deploy", "python", "planning"]
    deploy = by_name["deploy"]
    assert (deploy.success_count, deploy.failure_count, deploy.partial_count) == (7, 1, 0)
    assert dict(deploy.memory_count_by_layer) == {"MEMORY_LAYER_EVENT": 7, "MEMORY_LAYER_TASK": 1}
    # 12 memories in all (9 events, 2 tasks, 1 goal); deploy holds 8 of them.
    assert deploy.coverage == pytest.approx(8 / 12)
    assert deploy.mean_usefulness == pytest.approx(2 / 3)
    assert deploy.expertise > by_name["python"].expertise > by_name["planning"].expertise == 0
    assert by_name["python"].mean_usefulness == 0.5
    assert not by_name["planning"].HasField("last_activity_time")
    first = await meta.ListDomainExpertise(pb.ListDomainExpertiseRequest(page_size=2))
    rest = await meta.ListDomainExpertise(
        pb.ListDomainExpertiseRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [d.domain for d in (*first.domains, *rest.domains)] == ["deploy", "python", "planning"]
    assert rest.next_page_token == ""


async def test_quality_statistics_per_layer(meta, memory, prospective) -> None:
    used = await record(memory, "used", confidence=1.0)
    poor = await record(memory, "poor", confidence=0.5)
    await record(memory, "untouched", confidence=0.9)
    await meta.RecordMemoryAccess(
        pb.RecordMemoryAccessRequest(items=[pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id=used.id)])
    )
    for _ in range(2):
        await meta.RateMemory(
            pb.RateMemoryRequest(item=pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id=poor.id))
        )
    await finished_task(prospective, "x", S.PROSPECTIVE_TASK_STATUS_DONE)
    stats = await meta.GetMemoryQualityStats(pb.GetMemoryQualityStatsRequest())
    assert [q.layer for q in stats.layers] == [
        v for v in pb.MemoryLayer.values() if v != pb.MEMORY_LAYER_UNSPECIFIED
    ]
    event = stats.layers[0]
    assert (event.item_count, event.accessed_count, event.recently_accessed_count) == (3, 2, 2)
    assert event.never_accessed_ratio == pytest.approx(1 / 3)
    assert (event.rated_count, event.low_usefulness_count) == (1, 1)
    assert event.mean_usefulness == pytest.approx(0.25)
    assert event.mean_confidence == pytest.approx(0.8)
    assert event.mean_access_score > 0
    task = next(q for q in stats.layers if q.layer == pb.MEMORY_LAYER_TASK)
    assert (task.item_count, task.accessed_count, task.never_accessed_ratio) == (1, 0, 1.0)
    only = await meta.GetMemoryQualityStats(
        pb.GetMemoryQualityStatsRequest(layers=[pb.MEMORY_LAYER_GOAL, pb.MEMORY_LAYER_FACT])
    )
    assert [q.layer for q in only.layers] == [pb.MEMORY_LAYER_FACT, pb.MEMORY_LAYER_GOAL]
    assert all(q.item_count == 0 and q.mean_usefulness == 0.5 for q in only.layers)


async def test_bad_input(meta) -> None:
    cases = [
        (meta.ListDomainExpertise, pb.ListDomainExpertiseRequest(page_token="nope"), "page_token"),
        (meta.ListDomainExpertise, pb.ListDomainExpertiseRequest(page_size=1001), "page_size"),
        (meta.GetMemoryQualityStats, pb.GetMemoryQualityStatsRequest(layers=[42]), "layers[0]"),
        (meta.GetMemoryQualityStats, pb.GetMemoryQualityStatsRequest(layers=[0]), "layers[0]"),
    ]
    for method, request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await method(request)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in violations(err.value), (field, violations(err.value))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await meta.ListDomainExpertise(pb.ListDomainExpertiseRequest(page_token="nope"))
    assert error_info(err.value).reason == "INVALID_PAGE_TOKEN"


async def test_projects_are_isolated(meta, memory) -> None:
    event = await record(memory, "mine", mpb.OUTCOME_SUCCESS, ["secret"])
    await meta.RateMemory(
        pb.RateMemoryRequest(item=pb.MemoryRef(layer=pb.MEMORY_LAYER_EVENT, id=event.id), rating=1)
    )
    theirs = await meta.ListDomainExpertise(pb.ListDomainExpertiseRequest(), metadata=OTHER)
    assert list(theirs.domains) == []
    quality = await meta.GetMemoryQualityStats(pb.GetMemoryQualityStatsRequest(), metadata=OTHER)
    assert all(q.item_count == 0 and q.rated_count == 0 for q in quality.layers)
    mine = await meta.ListDomainExpertise(pb.ListDomainExpertiseRequest())
    assert [d.domain for d in mine.domains] == ["secret"]
