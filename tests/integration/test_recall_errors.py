"""Recall: bad input is INVALID_ARGUMENT naming the field; projects never see each other."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from athena.v1 import memory_pb2 as pb
from athena.v1 import meta_pb2, recall_pb2, recall_pb2_grpc
from google.protobuf import timestamp_pb2

from tests.support import violations


@pytest.fixture
def recall(channel: grpc.aio.Channel) -> recall_pb2_grpc.RecallServiceStub:
    return recall_pb2_grpc.RecallServiceStub(channel)


def ts(year: int) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(datetime(year, 1, 1, tzinfo=UTC))
    return out


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (recall_pb2.RecallRequest(query=""), "query"),
        (recall_pb2.RecallRequest(query="   "), "query"),
        (recall_pb2.RecallRequest(query="x" * 4097), "query"),
        (recall_pb2.RecallRequest(query="q", k=101), "k"),
        (recall_pb2.RecallRequest(query="q", k=-1), "k"),
        (recall_pb2.RecallRequest(query="q", max_tokens=-5), "max_tokens"),
        (recall_pb2.RecallRequest(query="q", max_tokens=100_001), "max_tokens"),
        (
            recall_pb2.RecallRequest(query="q", layers=[meta_pb2.MEMORY_LAYER_UNSPECIFIED]),
            "layers[0]",
        ),
        (recall_pb2.RecallRequest(query="q", layers=[99]), "layers[0]"),
        (
            recall_pb2.RecallRequest(
                query="q", layers=[meta_pb2.MEMORY_LAYER_EVENT, meta_pb2.MEMORY_LAYER_EVENT]
            ),
            "layers",
        ),
        (recall_pb2.RecallRequest(query="q", fusion=7), "fusion"),
        (recall_pb2.RecallRequest(query="q", session_id="s" * 257), "session_id"),
        (
            recall_pb2.RecallRequest(
                query="q", time_range={"start_time": ts(2025), "end_time": ts(2024)}
            ),
            "time_range",
        ),
    ],
)
async def test_bad_input_is_invalid_argument(recall, request_, field) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await recall.Recall(request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)


async def test_projects_do_not_recall_each_others_memories(memory, recall) -> None:
    def project(name: str) -> tuple[tuple[str, str], ...]:
        return (("x-athena-project", name),)

    secret = await memory.RecordEvent(
        pb.RecordEventRequest(
            event=pb.NewEvent(
                session_id="s", type=pb.EVENT_TYPE_ACTION, content="alpha launch codes 1234"
            )
        ),
        metadata=project("alpha"),
    )
    await memory.RecordEvent(
        pb.RecordEventRequest(
            event=pb.NewEvent(session_id="s", type=pb.EVENT_TYPE_ACTION, content="beta groceries")
        ),
        metadata=project("beta"),
    )
    beta = await recall.Recall(
        recall_pb2.RecallRequest(query="alpha launch codes"), metadata=project("beta")
    )
    assert secret.event.id not in {r.id for r in beta.results}
    assert "launch codes" not in beta.context
    alpha = await recall.Recall(
        recall_pb2.RecallRequest(query="alpha launch codes"), metadata=project("alpha")
    )
    assert alpha.results[0].id == secret.event.id
    nobody = await recall.Recall(recall_pb2.RecallRequest(query="alpha launch codes"))
    assert list(nobody.results) == []
