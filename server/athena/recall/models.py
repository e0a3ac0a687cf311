"""Plain data for recall; no gRPC, no SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple


class RecallLayer(StrEnum):
    """A kind of memory recall can search."""

    EVENT = "event"
    FACT = "fact"
    ENTITY = "entity"
    RELATION = "relation"
    PROCEDURE = "procedure"
    TASK = "task"
    GOAL = "goal"


class Fusion(StrEnum):
    """How a layer's full-text and vector candidate lists are combined."""

    WEIGHTED = "weighted"
    RRF = "rrf"


@dataclass(frozen=True)
class RecallQuery:
    """What to recall and within which bounds."""

    text: str
    k: int = 10
    layers: tuple[RecallLayer, ...] = ()
    start_time: datetime | None = None
    end_time: datetime | None = None
    session_id: str | None = None
    max_tokens: int = 0
    fusion: Fusion = Fusion.WEIGHTED
    # Count the returned memories as used (meta-memory), so often recalled ones rank higher.
    record_access: bool = False


@dataclass(slots=True)
class ScoreParts:
    """What a result's score was made of (see RecallScoreParts in recall.proto)."""

    text: float = 0.0
    vector: float = 0.0
    context: float = 0.0
    actor: float = 0.0
    temporal: float = 0.0
    recency: float = 0.0
    importance: float = 0.0
    usefulness: float = 0.0
    graph: float = 0.0
    text_rank: int = 0
    vector_rank: int = 0


@dataclass(frozen=True)
class Provenance:
    """Where a recalled memory came from."""

    session_id: str = ""
    actor: str = ""
    source_event_ids: tuple[str, ...] = ()


class Detail(NamedTuple):
    """What a recalled memory shows beyond its ranking."""

    text: str
    provenance: Provenance = Provenance()
    # The layer's own domain object (an episodic Event, a Fact, ...), for the API to return.
    payload: Any = None


@dataclass(slots=True)
class RecallItem:
    """One candidate memory of some layer, as a source returns it.

    `relevance` is the source's fused relevance, about 0-1 (1 = the layer's best match), so items
    of different layers can be ranked together; the engine multiplies boosts into `score`.

    A source offers a few times k candidates and a recall returns k, so what only a returned
    item needs (`text`, `provenance`, `payload`: rendering, decoding the domain object) comes
    from `detail`, called once, when one of them is first read."""

    layer: RecallLayer
    id: str
    relevance: float
    parts: ScoreParts
    detail: Callable[[], Detail] = field(repr=False, compare=False)
    time: datetime | None = None
    # 0-1; 0.5 is neutral. Importance for events, confidence for facts, priority for tasks.
    importance: float = 0.5
    score: float = 0.0
    tokens: int = 0
    # Meta-memory's statistics row for the item when its source read it with the item
    # (`stats_found` false: never used or rated), which spares the usefulness boost a lookup;
    # None when the source did not read it.
    usage: Any = field(default=None, repr=False, compare=False)
    _shown: Detail | None = field(default=None, init=False, repr=False, compare=False)

    def _details(self) -> Detail:
        if self._shown is None:
            self._shown = self.detail()
        return self._shown

    @property
    def text(self) -> str:
        return self._details().text

    @property
    def provenance(self) -> Provenance:
        return self._details().provenance

    @property
    def payload(self) -> Any:
        return self._details().payload


@dataclass(frozen=True)
class RecallOutcome:
    """The answer to a recall: results best first and their rendering within the budget."""

    items: list[RecallItem]
    context: str
    context_tokens: int
    truncated: bool
    temporal: bool
