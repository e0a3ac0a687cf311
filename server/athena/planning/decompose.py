"""Turning a goal into steps: language model, known procedure, past episode, or the goal text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from athena.errors import LLMError
from athena.llm import LLMProvider, Message, Usage, complete_json
from athena.planning.history import History
from athena.planning.models import StepSpec
from athena.planning.procedures import ProcedureCandidates

log = logging.getLogger(__name__)

DEFAULT_MAX_STEPS = 12

# "configure the database, then run the migrations and deploy" -> three clauses.
_CLAUSES = re.compile(r"\s*(?:;|\n|,?\s*\band then\b|,?\s*\bthen\b|,?\s*\band\b|,)\s*")

SYSTEM_PROMPT = (
    "You plan work for a software agent. Decompose the goal into a short list of concrete, "
    'ordered steps. Reply with JSON only: {"steps": [{"key": "s1", "title": "...", '
    '"description": "...", "depends_on": ["..."]}]}. Keys are short and unique; '
    "depends_on lists keys of earlier steps that must finish first."
)


@dataclass(frozen=True)
class Decomposition:
    steps: tuple[StepSpec, ...]
    strategy: str


def sequential(
    titles: list[str], source: str, descriptions: list[str] | None = None
) -> list[StepSpec]:
    """Steps s1..sn, each depending on the one before."""
    out = []
    for i, title in enumerate(titles):
        out.append(
            StepSpec(
                key=f"s{i + 1}",
                title=title[:512],
                description=(descriptions[i] if descriptions else "")[:16384],
                depends_on=(f"s{i}",) if i else (),
                source=source,
            )
        )
    return out


def from_text(title: str, description: str, max_steps: int) -> list[StepSpec]:
    """Split the goal into its clauses; a single clause becomes understand / do / verify."""
    clauses = [c.strip(" .") for c in _CLAUSES.split(description or title) if c.strip(" .")]
    if 2 <= len(clauses):
        return sequential(clauses[:max_steps], "text")
    goal = title.strip()
    return sequential(
        [f"Investigate what {goal} needs", goal, f"Verify that {goal} works"][:max_steps],
        "text",
    )


def parse_llm_steps(value: Any, max_steps: int) -> list[StepSpec]:
    """The model's steps, or ValueError/TypeError/KeyError: nothing partial is ever kept."""
    raw = value["steps"] if isinstance(value, dict) else value
    if not isinstance(raw, list) or not raw:
        raise ValueError("`steps` must be a non-empty list")
    if len(raw) > max_steps:
        raise ValueError(f"at most {max_steps} steps are allowed, got {len(raw)}")
    steps = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise TypeError(f"steps[{i}] is not an object")
        title = item["title"]
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"steps[{i}].title must be a non-empty string")
        key = str(item.get("key") or f"s{i + 1}").strip()[:64]
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            raise ValueError(f"steps[{i}].key {key!r} has characters outside [A-Za-z0-9_.-]")
        deps = item.get("depends_on") or []
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise TypeError(f"steps[{i}].depends_on must be a list of keys")
        description = item.get("description") or ""
        if not isinstance(description, str):
            raise TypeError(f"steps[{i}].description must be a string")
        steps.append(StepSpec(key, title.strip()[:512], description[:16384], tuple(deps), "llm"))
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise ValueError("step keys repeat")
    known = set(keys)
    for step in steps:
        missing = [d for d in step.depends_on if d not in known or d == step.key]
        if missing:
            raise ValueError(f"step {step.key} depends on unknown steps {missing}")
    return steps


class Decomposer:
    def __init__(self, history: History, candidates: ProcedureCandidates, llm: LLMProvider) -> None:
        self._history = history
        self._candidates = candidates
        self._llm = llm

    async def decompose(
        self,
        project: str,
        title: str,
        description: str,
        max_steps: int,
        use_llm: bool,
        usage: Usage,
    ) -> Decomposition:
        goal = f"{title}\n{description}".strip()
        notes: list[str] = []
        if use_llm and self._llm.enabled:
            try:
                steps = await complete_json(
                    self._llm,
                    [Message("user", f"Goal: {title}\n\n{description}".strip())],
                    lambda value: parse_llm_steps(value, max_steps),
                    system=SYSTEM_PROMPT,
                    usage=usage,
                )
                return Decomposition(tuple(steps), f"llm: {self._llm.name}/{self._llm.model}")
            except LLMError as exc:
                log.warning("llm decomposition failed; using heuristics", extra={"error": str(exc)})
                notes.append(f"llm failed ({exc.reason}); ")
        procedure = await self._history.procedure(project, title)
        if procedure is not None:
            steps = [
                StepSpec(key, step_title, "", deps, "procedure")
                for key, step_title, deps in procedure.steps[:max_steps]
            ]
            kept = {s.key for s in steps}
            steps = [
                StepSpec(
                    s.key,
                    s.title,
                    s.description,
                    tuple(d for d in s.depends_on if d in kept),
                    s.source,
                )
                for s in steps
            ]
            return Decomposition(
                tuple(steps),
                f"{''.join(notes)}procedure: completed plan {procedure.plan_id} "
                f"({procedure.title!r}, similarity {procedure.similarity:.2f})",
            )
        found = await self._candidates.best(project, goal)
        if found is not None:
            candidate, score = found
            return Decomposition(
                tuple(sequential(list(candidate.steps[:max_steps]), "procedure")),
                f"{''.join(notes)}procedure: consolidation candidate {candidate.name!r} "
                f"(confidence {candidate.confidence:.2f}, overlap {score:.2f})",
            )
        episode = await self._history.episode(project, goal, max_steps)
        if episode is not None:
            return Decomposition(
                tuple(sequential(list(episode.actions), "episode")),
                f"{''.join(notes)}episode: successful session {episode.session_id!r}",
            )
        return Decomposition(
            tuple(from_text(title, description, max_steps)),
            f"{''.join(notes)}text: split of the goal (no similar procedure or episode)",
        )
