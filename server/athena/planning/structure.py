"""Structural checks on a set of steps: keys, dependencies, cycles, reachability, order."""

from __future__ import annotations

from collections.abc import Sequence

from athena.planning.models import Finding, Severity, StepSpec


def structural_findings(steps: Sequence[StepSpec]) -> list[Finding]:
    """Errors that make a plan impossible to run as written."""
    findings: list[Finding] = []
    if not steps:
        return [Finding(Severity.ERROR, "empty_plan", "the plan has no steps")]
    keys: dict[str, int] = {}
    for step in steps:
        keys[step.key] = keys.get(step.key, 0) + 1
    for key, count in keys.items():
        if count > 1:
            findings.append(
                Finding(Severity.ERROR, "duplicate_key", f"{count} steps share key {key!r}", key)
            )
    blocked: set[str] = set()
    for step in steps:
        for dep in step.depends_on:
            if dep == step.key:
                findings.append(
                    Finding(Severity.ERROR, "self_dependency", "the step depends on itself", dep)
                )
                blocked.add(step.key)
            elif dep not in keys:
                findings.append(
                    Finding(
                        Severity.ERROR,
                        "missing_dependency",
                        f"depends on {dep!r}, which is not a step of the plan",
                        step.key,
                    )
                )
                blocked.add(step.key)
    graph = {s.key: [d for d in s.depends_on if d in keys and d != s.key] for s in steps}
    for cycle in _cycles(graph):
        findings.append(
            Finding(
                Severity.ERROR,
                "cycle",
                "dependency cycle: " + " -> ".join([*cycle, cycle[0]]),
                cycle[0],
            )
        )
        blocked.update(cycle)
    # A step waiting (directly or not) on a blocked step can never start.
    unreachable = _downstream(graph, blocked) - blocked
    for step in steps:
        if step.key in unreachable:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "unreachable",
                    "can never start: it waits on a step in a cycle or with a missing dependency",
                    step.key,
                )
            )
    return findings


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One representative cycle per strongly connected component with a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        # Iterative DFS: plans may be deep enough to hit Python's recursion limit.
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))

    for key in graph:
        if key not in index:
            visit(key)
    return out


def _downstream(graph: dict[str, list[str]], roots: set[str]) -> set[str]:
    dependants: dict[str, list[str]] = {k: [] for k in graph}
    for key, deps in graph.items():
        for dep in deps:
            dependants[dep].append(key)
    seen = set(roots)
    todo = list(roots)
    while todo:
        for nxt in dependants.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def execution_order(steps: Sequence[StepSpec]) -> list[StepSpec]:
    """Steps in an order where each follows its dependencies (stable: ties keep input order).

    Steps caught in cycles or missing dependencies keep their relative order at the end.
    """
    keys = {s.key for s in steps}
    remaining = {s.key: {d for d in s.depends_on if d in keys and d != s.key} for s in steps}
    order: list[StepSpec] = []
    placed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for step in steps:
            if step.key not in placed and remaining[step.key] <= placed:
                order.append(step)
                placed.add(step.key)
                progress = True
    order += [s for s in steps if s.key not in placed]
    return order


def critical_path(steps: Sequence[StepSpec], seconds: dict[str, float]) -> float:
    """Longest chain of step durations through the dependencies (the plan's wall time)."""
    finish: dict[str, float] = {}
    for step in execution_order(steps):
        start = max((finish.get(d, 0.0) for d in step.depends_on), default=0.0)
        finish[step.key] = start + seconds.get(step.key, 0.0)
    return max(finish.values(), default=0.0)
