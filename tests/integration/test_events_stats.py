"""GetEventStats: totals, groupings, ranges, filters."""

from __future__ import annotations

import grpc
import pytest
from athena.v1 import memory_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from tests.support import violations


async def test_stats_of_empty_project(memory) -> None:
    stats = await memory.GetEventStats(pb.GetEventStatsRequest())
    assert stats.total_count == 0 and stats.session_count == 0
    assert not stats.HasField("first_occur_time")
    assert stats.mean_importance == 0
    assert stats.project.id == "default"


async def test_stats_counts_and_ranges(memory) -> None:
    events = [
        pb.NewEvent(session_id="a", type=pb.EVENT_TYPE_ACTION, content="x",
                    occur_time=Timestamp(seconds=100), outcome=pb.OUTCOME_SUCCESS,
                    importance=0.2),
        pb.NewEvent(session_id="a", type=pb.EVENT_TYPE_ERROR, content="y",
                    occur_time=Timestamp(seconds=300), outcome=pb.OUTCOME_FAILURE,
                    importance=0.6),
        pb.NewEvent(session_id="b", type=pb.EVENT_TYPE_ERROR, content="z",
                    occur_time=Timestamp(seconds=200), importance=1.0),
    ]  # fmt: skip
    await memory.RecordEvents(pb.RecordEventsRequest(events=events))
    stats = await memory.GetEventStats(pb.GetEventStatsRequest())
    assert stats.total_count == 3
    assert stats.session_count == 2
    assert dict(stats.count_by_type) == {"EVENT_TYPE_ACTION": 1, "EVENT_TYPE_ERROR": 2}
    assert dict(stats.count_by_outcome) == {
        "OUTCOME_SUCCESS": 1,
        "OUTCOME_FAILURE": 1,
        "OUTCOME_UNSPECIFIED": 1,
    }
    assert dict(stats.count_by_consolidation_status) == {"CONSOLIDATION_STATUS_PENDING": 3}
    assert stats.first_occur_time.seconds == 100
    assert stats.last_occur_time.seconds == 300
    assert stats.mean_importance == pytest.approx(0.6)
    only_b = await memory.GetEventStats(
        pb.GetEventStatsRequest(filter=pb.EventFilter(session_id="b"))
    )
    assert only_b.total_count == 1 and dict(only_b.count_by_type) == {"EVENT_TYPE_ERROR": 1}


async def test_stats_bad_filter(memory) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await memory.GetEventStats(
            pb.GetEventStatsRequest(filter=pb.EventFilter(consolidation_status=9))
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filter.consolidation_status" in violations(err.value)
