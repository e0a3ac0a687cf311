"""The serving runtime: the garbage collector as `serve` leaves it."""

from __future__ import annotations

import gc

import pytest
from athena.server import GC_YOUNG_THRESHOLD, settle_runtime


@pytest.fixture
def collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_start_up_objects_are_frozen_and_young_passes_are_rarer(collector) -> None:
    _, middle, oldest = gc.get_threshold()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    settle_runtime()
    assert gc.get_freeze_count() > 0  # everything alive now, this test's modules among it
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, middle, oldest)
    assert GC_YOUNG_THRESHOLD > 700  # Python's default, which this raises


def test_cycles_made_while_serving_are_still_collected(collector) -> None:
    settle_runtime()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2
