"""A Task value for unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from athena.orchestration.models import ParentFailurePolicy, Task, TaskState


def a_task(**changes: Any) -> Task:
    now = datetime.now(UTC)
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), name="", capability="", min_level=0, priority=0, payload=b"",
        labels={}, state=TaskState.LEASED, attempt=1, max_attempts=3, backoff_ms=1000,
        max_backoff_ms=300_000, agent_id="a", lease_expire_time=None, ready_time=now, result=b"",
        error="", idempotency_key="", workflow_id=None, workflow_key="",
        on_parent_failure=ParentFailurePolicy.FAIL, create_time=now, start_time=now,
        finish_time=None,
    )  # fmt: skip
    values.update(changes)
    return Task(**values)
