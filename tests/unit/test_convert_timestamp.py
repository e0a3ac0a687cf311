"""The fast datetime -> Timestamp conversion agrees with protobuf's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from athena.api.convert import timestamp
from google.protobuf import timestamp_pb2


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 21, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=-7, minutes=-30))),
        datetime(2024, 2, 29, 12, 0, 0, 5),  # naive: UTC
    ],
)
def test_matches_protobuf(value: datetime) -> None:
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(value)
    assert timestamp(value) == expected


def test_none_stays_none() -> None:
    assert timestamp(None) is None
