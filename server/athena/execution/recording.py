"""Every run becomes an episodic event, so execution history is memory like any other."""

from __future__ import annotations

import logging

from athena.errors import AthenaError
from athena.execution.models import ExecutionRequest, Result, Termination
from athena.memory import EpisodicMemory, EventType, NewEvent, Outcome

log = logging.getLogger("athena.execution")
ACTOR = "athena.execution"


def describe(request: ExecutionRequest, result: Result) -> NewEvent:
    first_line = next((ln.strip() for ln in request.code.splitlines() if ln.strip()), "")[:200]
    usage = result.usage
    text = (
        f"Ran Python in the sandbox: {result.termination.value}"
        f" (exit {result.exit_code}, {usage.wall_ms:.0f} ms wall, {usage.cpu_ms:.0f} ms CPU)."
        f" Code sha256 {result.code_sha256[:16]}, first line: {first_line}"
    )
    if result.error is not None:
        text += f". Error: {result.error.type}: {result.error.message[:300]}"
    elif result.detail:
        text += f". {result.detail[:300]}"
    attributes = {
        "run_id": result.run_id,
        "code_sha256": result.code_sha256,
        "termination": result.termination.value,
        "exit_code": str(result.exit_code),
        "wall_ms": f"{usage.wall_ms:.3f}",
        "cpu_ms": f"{usage.cpu_ms:.3f}",
        "peak_memory_bytes": str(usage.peak_memory_bytes),
        "output_bytes": str(usage.output_bytes),
        "files_bytes": str(usage.files_bytes),
        "host_calls": str(usage.host_calls),
    }
    if result.error is not None:
        attributes["error_type"] = result.error.type
    return NewEvent(
        session_id=request.session_id or "sandbox",
        type=EventType.ACTION,
        content=text,
        actor=ACTOR,
        outcome=Outcome.SUCCESS if result.termination is Termination.OK else Outcome.FAILURE,
        importance=0.3,
        tags=("execution", result.termination.value),
        attributes=tuple(sorted(attributes.items())),
    )


async def record_run(
    episodic: EpisodicMemory, project: str, request: ExecutionRequest, result: Result
) -> None:
    """Record the run; a database failure is logged (the run itself stands)."""
    try:
        await episodic.record(project, [describe(request, result)])
    except AthenaError:
        log.exception("could not record a sandbox run", extra={"project": project})
