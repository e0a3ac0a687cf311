"""Per-run limits: defaults from the configuration, request overrides, caps."""

from __future__ import annotations

import pytest
from athena.config import Config
from athena.errors import InvalidArgument
from athena.execution.limits import defaults, maxima, resolve
from athena.execution.models import Limits


def test_issue_defaults() -> None:
    assert defaults(Config()) == Limits(
        wall_ms=10_000,
        cpu_ms=5_000,
        memory_bytes=128 * 1024 * 1024,
        output_bytes=1024 * 1024,
        files_bytes=10 * 1024 * 1024,
        max_files=100,
        host_calls=1000,
        host_bytes=16 * 1024 * 1024,
    )


def test_zero_means_default_and_values_up_to_the_cap_apply() -> None:
    config = Config()
    got = resolve(
        {"wall_time_ms": 40_000, "cpu_time_ms": 0}, defaults(config), maxima(config), "limits"
    )
    assert got.wall_ms == 40_000
    assert got.cpu_ms == 5_000


def test_values_over_the_cap_name_each_field() -> None:
    config = Config(sandbox_max_factor=2.0)
    with pytest.raises(InvalidArgument) as caught:
        resolve(
            {"wall_time_ms": 20_001, "memory_bytes": 2**40},
            defaults(config),
            maxima(config),
            "limits",
        )
    assert [v.field for v in caught.value.violations] == [
        "limits.wall_time_ms",
        "limits.memory_bytes",
    ]
