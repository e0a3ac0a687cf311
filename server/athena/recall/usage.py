"""Meta-memory in recall: usefulness and access boosts, and counting recalled memories as used."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from athena.recall.models import RecallItem, RecallLayer

log = logging.getLogger(__name__)
# Meta-memory's factor is 1.0 for a neutral memory, 0.5-2.25 at the extremes; recall takes half
# of its distance from neutral so that use and ratings reorder close calls, not everything.
FACTOR_SHARE = 0.5
# Those extremes, of athena.meta.scoring.boost_factor: (1 + 0.5 access) (0.5 + usefulness), with
# access in [0, 1) and usefulness (a mean rating, each 0-1) in [0, 1]. Recall asks only about the
# items a part in this range could still lift into its results.
LOWEST_FACTOR = 0.5
HIGHEST_FACTOR = 2.25


def _part(factor: float) -> float:
    return FACTOR_SHARE * (factor - 1.0)


class MetaUsage:
    """Adapts athena.meta.MetaMemory (boosts, record_access) to recall."""

    def __init__(self, meta: Any) -> None:
        from athena.meta.models import MemoryLayer, MemoryRef

        self._meta = meta
        self._pending: set[asyncio.Task[None]] = set()
        self._new_ref = MemoryRef
        self._layers = {layer: MemoryLayer(layer.value) for layer in RecallLayer}

    def _ref(self, item: RecallItem) -> Any:
        return self._new_ref(self._layers[item.layer], item.id)

    async def boosts(
        self, project: str, text: str, contenders: Callable[[float, float], list[RecallItem]]
    ) -> dict[str, float]:
        items = contenders(_part(LOWEST_FACTOR), _part(HIGHEST_FACTOR))
        # Items whose source read their statistics row are boosted from it; only the others
        # are looked up.
        read = [
            (self._ref(i), i.usage if i.usage["stats_found"] else None)
            for i in items
            if i.usage is not None
        ]
        found = self._meta.boosts_of_rows(read) if read else {}
        missing = [self._ref(i) for i in items if i.usage is None]
        if missing:
            found.update(await self._meta.boosts(project, missing))
        return {ref.id: _part(b.factor) for ref, b in found.items()}

    def record(self, project: str, session_id: str, items: Sequence[RecallItem]) -> None:
        """Count the recalled memories as used, after the response: the caller does not wait
        for the write, and a failure only costs a little ranking signal (it is logged)."""
        if not items:
            return
        refs = [self._ref(i) for i in items]
        task = asyncio.create_task(self._record(project, session_id, refs))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _record(self, project: str, session_id: str, refs: list[Any]) -> None:
        try:
            await self._meta.record_access(project, refs, session_id)
        except Exception:
            log.exception("recording recalled memories as accessed failed")

    async def drain(self) -> None:
        """Wait for access writes still in flight (server shutdown, before the pool closes)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
