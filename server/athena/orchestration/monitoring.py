"""Queue monitoring: depth, timing percentiles, throughput, load, bottlenecks, anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from athena.orchestration.models import (
    AgentLoad,
    AgentState,
    CapabilityStats,
    Percentiles,
    QueueAnomaly,
    QueueStats,
    agent_from_row,
)
from athena.storage import Database, Queries

# An anomaly needs enough samples in both windows to be more than noise.
MIN_SAMPLES = 10
FAILURE_RATE_JUMP = 0.2
RUN_TIME_RATIO = 2.0
TOP = 5


def _percentiles(count: int, values: Any) -> Percentiles:
    if not count or values is None:
        return Percentiles()
    p50, p90, p99 = (float(v) for v in values)
    return Percentiles(count=count, p50_ms=p50, p90_ms=p90, p99_ms=p99)


class QueueMonitor:
    def __init__(self, db: Database, queries: Queries) -> None:
        self._db = db
        self._q = queries

    async def stats(self, project: str, window_seconds: float) -> QueueStats:
        now = datetime.now(UTC)
        window = timedelta(seconds=window_seconds)
        async with self._db.connection() as conn:
            counts = await conn.fetch(self._q.orch_task_counts, project)
            current = await conn.fetch(self._q.orch_attempt_stats, project, now - window, now)
            previous = await conn.fetch(
                self._q.orch_attempt_stats, project, now - 2 * window, now - window
            )
            agents = await conn.fetch(self._q.orch_list_agents, project, None, None, None, 10_000)

        by_capability: dict[str, CapabilityStats] = {}
        task_counts: dict[str, int] = {}
        depth = 0
        for row in counts:
            stats = by_capability.setdefault(row["capability"], CapabilityStats(row["capability"]))
            state = row["state"]
            task_counts[state] = task_counts.get(state, 0) + row["n"]
            if state == "ready":
                stats.ready += row["n"]
                depth += row["due"]
                if row["oldest_due"] is not None:
                    stats.oldest_ready_ms = (now - row["oldest_due"]).total_seconds() * 1000
            elif state == "leased":
                stats.leased += row["n"]

        overall_wait, overall_run, finished = Percentiles(), Percentiles(), 0
        for row in current:
            wait = _percentiles(row["n"], row["wait"])
            run = _percentiles(row["n"], row["run"])
            if row["capability"] is None:
                overall_wait, overall_run, finished = wait, run, row["n"]
                continue
            stats = by_capability.setdefault(row["capability"], CapabilityStats(row["capability"]))
            stats.wait, stats.run = wait, run
            stats.succeeded = row["succeeded"]
            stats.failed = row["n"] - row["succeeded"]

        anomalies = self._anomalies(current, previous)
        loads = [
            AgentLoad(a.id, a.state, a.leased, a.max_concurrency)
            for a in map(agent_from_row, agents)
            if a.state is not AgentState.DEREGISTERED
        ]
        loads.sort(key=lambda a: (-a.utilisation, a.agent_id))
        capabilities = sorted(by_capability.values(), key=lambda c: (-c.run.p50_ms, c.capability))
        waiting = sorted(
            (c for c in by_capability.values() if c.oldest_ready_ms > 0),
            key=lambda c: -c.oldest_ready_ms,
        )
        return QueueStats(
            task_counts=task_counts,
            depth=depth,
            wait=overall_wait,
            run=overall_run,
            throughput_per_second=finished / window_seconds,
            capabilities=capabilities,
            agents=loads,
            longest_waits=[c.capability for c in waiting[:TOP]],
            slowest_capabilities=[c.capability for c in capabilities if c.run.count][:TOP],
            anomalies=anomalies,
            window_seconds=window_seconds,
        )

    @staticmethod
    def _anomalies(current: list[Any], previous: list[Any]) -> list[QueueAnomaly]:
        before = {r["capability"]: r for r in previous if r["capability"] is not None}
        found: list[QueueAnomaly] = []
        for row in current:
            capability = row["capability"]
            old = before.get(capability)
            if capability is None or old is None:
                continue
            if row["n"] < MIN_SAMPLES or old["n"] < MIN_SAMPLES:
                continue
            rate_now = 1 - row["succeeded"] / row["n"]
            rate_before = 1 - old["succeeded"] / old["n"]
            if rate_now - rate_before >= FAILURE_RATE_JUMP:
                found.append(
                    QueueAnomaly(
                        "failure_rate",
                        capability,
                        rate_before,
                        rate_now,
                        f"failure rate of {capability or 'any'} tasks rose from "
                        f"{rate_before:.0%} to {rate_now:.0%}",
                    )
                )
            run_now, run_before = float(row["run"][0]), float(old["run"][0])
            if run_before > 0 and run_now / run_before >= RUN_TIME_RATIO:
                found.append(
                    QueueAnomaly(
                        "run_time",
                        capability,
                        run_before,
                        run_now,
                        f"median run time of {capability or 'any'} tasks rose from "
                        f"{run_before:.1f} ms to {run_now:.1f} ms",
                    )
                )
        return found
