"""Rows of the consolidation tables as domain objects, and the list/get reads of the service."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import numpy as np

from athena.consolidation.models import (
    Item,
    Metrics,
    PatternKind,
    Phase,
    ProcedureCandidate,
    Run,
    RunState,
    Schedule,
    StoredPattern,
    Trigger,
)
from athena.consolidation.signatures import signature
from athena.graph import EntityExtractor
from athena.memory import ConsolidationStatus, Event, EventContext, EventType, Outcome


def row_to_run(row: asyncpg.Record) -> Run:
    metrics = row["metrics"]
    return Run(
        id=row["id"],
        project=row["project_id"],
        request_id=row["request_id"],
        trigger=Trigger(row["trigger"]),
        state=RunState(row["state"]),
        phase=Phase(row["phase"]),
        items_done=row["items_done"],
        items_total=row["items_total"],
        metrics=Metrics.from_dict(json.loads(metrics) if isinstance(metrics, str) else metrics),
        error=row["error"],
        start_time=row["start_time"],
        end_time=row["end_time"],
    )


def row_to_event(row: asyncpg.Record) -> Event:
    attributes = row["attributes"]
    return Event(
        id=row["id"],
        session_id=row["session_id"],
        occur_time=row["occur_time"],
        type=EventType(row["type"]),
        actor=row["actor"],
        content=row["content"],
        outcome=Outcome(row["outcome"]),
        context=EventContext(
            cwd=row["context_cwd"],
            files=tuple(row["context_files"]),
            task=row["context_task"],
            phase=row["context_phase"],
            branch=row["context_branch"],
        ),
        importance=float(row["importance"]),
        confidence=float(row["confidence"]),
        tags=tuple(row["tags"]),
        attributes=json.loads(attributes) if isinstance(attributes, str) else dict(attributes),
        consolidation_status=ConsolidationStatus(row["consolidation_status"]),
        create_time=row["create_time"],
    )


def row_to_item(row: asyncpg.Record, extractor: EntityExtractor) -> Item:
    event = row_to_event(row)
    embedding = row["embedding"]
    if embedding is not None and not isinstance(embedding, np.ndarray):
        embedding = embedding.to_numpy()  # pgvector's Vector
    return Item(
        event=event,
        embedding=embedding,
        signature=signature(event.content),
        extractor=extractor,
    )


def row_to_pattern(row: asyncpg.Record) -> StoredPattern:
    return StoredPattern(
        id=row["id"],
        kind=PatternKind(row["kind"]),
        signature=row["signature"],
        description=row["description"],
        steps=tuple(row["steps"]),
        confidence=float(row["confidence"]),
        reviewed_by=row["reviewed_by"],
        fact_id=row["fact_id"],
        occurrences=int(row["occurrences"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def row_to_candidate(row: asyncpg.Record) -> ProcedureCandidate:
    return ProcedureCandidate(
        id=row["id"],
        pattern_id=row["pattern_id"],
        name=row["name"],
        steps=tuple(row["steps"]),
        event_sequence=tuple(row["event_sequence"]),
        confidence=float(row["confidence"]),
        occurrences=int(row["occurrences"]),
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def row_to_schedule(row: asyncpg.Record) -> Schedule:
    return Schedule(
        project=row["project_id"],
        interval_seconds=row["interval_seconds"],
        next_run_time=row["next_run_time"],
    )


def instance_args(instances: list[tuple[uuid.UUID, ...]]) -> tuple[list[uuid.UUID], list[str]]:
    """Parallel arrays (first event ids, event id lists as JSON) for cons_add_instances."""
    firsts = [i[0] for i in instances]
    lists = [json.dumps([str(e) for e in i]) for i in instances]
    return firsts, lists


def metrics_json(metrics: Metrics) -> str:
    return json.dumps(metrics.as_dict())


def as_text_list(values: Any) -> list[str]:
    return [str(v) for v in values]
