"""Meta-memory in recall: usefulness and access boosts, and counting recalled memories as used."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from athena.recall.models import RecallItem

log = logging.getLogger(__name__)
# Meta-memory's factor is 1.0 for a neutral memory, 0.5-2.25 at the extremes; recall takes half
# of its distance from neutral so that use and ratings reorder close calls, not everything.
FACTOR_SHARE = 0.5


class MetaUsage:
    """Adapts athena.meta.MetaMemory (boosts, record_access) to recall."""

    def __init__(self, meta: Any) -> None:
        self._meta = meta
        self._pending: set[asyncio.Task[None]] = set()

    @staticmethod
    def _ref(item: RecallItem) -> Any:
        from athena.meta.models import MemoryLayer, MemoryRef

        return MemoryRef(MemoryLayer(item.layer.value), item.id)

    async def boosts(
        self, project: str, text: str, items: Sequence[RecallItem]
    ) -> dict[str, float]:
        found = await self._meta.boosts(project, [self._ref(i) for i in items])
        return {ref.id: FACTOR_SHARE * (b.factor - 1.0) for ref, b in found.items()}

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
