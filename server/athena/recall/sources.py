"""The small protocol every memory layer implements to take part in recall."""

from __future__ import annotations

from typing import Protocol

from athena.recall.models import RecallItem, RecallLayer, RecallQuery


class RecallSource(Protocol):
    """One layer's candidates for a query, best first, with relevance normalised to about 0-1."""

    @property
    def layers(self) -> tuple[RecallLayer, ...]:
        """The layers this source answers for."""
        ...

    async def recall(
        self, project: str, query: RecallQuery, layers: frozenset[RecallLayer], limit: int
    ) -> list[RecallItem]:
        """At most `limit` items of the requested `layers` (a subset of `self.layers`)."""
        ...
