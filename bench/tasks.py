"""Orchestration benchmark: queue throughput, assignment latency, event fan-out.

Starts `athena serve` as a separate process on a fresh embedded PostgreSQL (a temporary data
directory) and drives it over gRPC from this process, so client and server do not share an
event loop (on 2 cores they still share the CPUs).

    python -m bench.tasks                 # 3 runs of each measurement, medians reported
    python -m bench.tasks --runs 1 --tasks 5000

Measurements:
- throughput: four producers create tasks in batches of 200 while several agents take them through
  StreamAssignments and complete them with CompleteTasks (no-op handlers); tasks/s from the
  first create to the last completion.
- assignment latency: tasks created 10 at a time at ~1,000 tasks/s (creates start on schedule,
  overlapping when one is slow); latency from just before the CreateTasks call to the arrival of
  the task on an agent's stream (p50, p95); also the CreateTasks round trip.
- fan-out: 50 subscribers on one topic; 1,000 events/s published in batches of 10; delivery
  latency from the Publish call to arrival at each subscriber (p50) and deliveries per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc

AGENTS = 4
PRODUCERS = 4
CREATE_BATCH = 200
SUBSCRIBERS = 50
TARGET_TPS = 3000.0
TARGET_ASSIGN_P50_MS = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`athena serve` in a child process on its own embedded PostgreSQL."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="athena-bench-tasks-")
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        exe = os.path.join(os.path.dirname(sys.executable), "athena")
        self.proc = subprocess.Popen(
            [exe, "serve", "--port", str(self.port), "--data-dir", self.dir, "--log-level",
             "WARNING", "--pool-max-size", "12"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if re.search(r"serving on", line):
                return f"127.0.0.1:{self.port}"
            if self.proc.poll() is not None:
                raise SystemExit("server exited during start-up")
        raise SystemExit("server did not start within 120 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


async def _agent_loop(
    stub: orchestration_pb2_grpc.OrchestrationServiceStub,
    agent_id: str,
    on_task: object,
    stop: asyncio.Event,
) -> None:
    """An agent with no-op handlers: completes each pushed batch without pausing its stream."""
    call = stub.StreamAssignments(pb.StreamAssignmentsRequest(agent_id=agent_id, max_batch=200))
    pending: set[asyncio.Task[object]] = set()
    try:
        async for message in call:
            now = time.perf_counter()
            for t in message.tasks:
                on_task(t, now)  # type: ignore[operator]
            done = asyncio.ensure_future(
                stub.CompleteTasks(
                    pb.CompleteTasksRequest(
                        agent_id=agent_id,
                        completions=[
                            pb.TaskCompletion(task_id=t.id, attempt=t.attempt)
                            for t in message.tasks
                        ],
                    )
                )
            )
            pending.add(done)
            done.add_done_callback(pending.discard)
            if stop.is_set():
                break
    except asyncio.CancelledError:
        pass
    finally:
        call.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def throughput(target: str, project: str, total: int) -> float:
    async with grpc.aio.insecure_channel(target) as ch:
        stub = orchestration_pb2_grpc.OrchestrationServiceStub(ch)
        meta = (("x-athena-project", project),)
        stub_calls = _WithMeta(stub, meta)
        for i in range(AGENTS):
            await stub_calls.RegisterAgent(
                pb.RegisterAgentRequest(agent_id=f"a{i}", max_concurrency=10_000)
            )
        done = 0
        total = total // (CREATE_BATCH * PRODUCERS) * CREATE_BATCH * PRODUCERS
        finished = asyncio.Event()
        stop = asyncio.Event()

        def seen(task: pb.Task, now: float) -> None:
            nonlocal done
            done += 1
            if done >= total:
                finished.set()

        agents = [
            asyncio.create_task(_agent_loop(stub_calls, f"a{i}", seen, stop)) for i in range(AGENTS)
        ]
        await asyncio.sleep(0.5)  # streams open before the clock starts
        start = time.perf_counter()

        async def producer(batches: int) -> None:
            for _ in range(batches):
                await stub_calls.CreateTasks(
                    pb.CreateTasksRequest(tasks=[pb.NewTask() for _ in range(CREATE_BATCH)])
                )

        # Several producers, so one create's commit wait overlaps the others' work.
        per_producer = total // CREATE_BATCH // PRODUCERS
        await asyncio.gather(*(producer(per_producer) for _ in range(PRODUCERS)))
        await asyncio.wait_for(finished.wait(), 600)
        elapsed = time.perf_counter() - start
        stop.set()
        for a in agents:
            a.cancel()
        await asyncio.gather(*agents, return_exceptions=True)
        return total / elapsed


async def assignment_latency(
    target: str, project: str, rate: float, seconds: float
) -> tuple[list[float], list[float], list[float], float]:
    async with grpc.aio.insecure_channel(target) as ch:
        stub = _WithMeta(
            orchestration_pb2_grpc.OrchestrationServiceStub(ch), (("x-athena-project", project),)
        )
        for i in range(AGENTS):
            await stub.RegisterAgent(
                pb.RegisterAgentRequest(agent_id=f"a{i}", max_concurrency=10_000)
            )
        latencies: list[float] = []
        expected = int(rate * seconds) // 10 * 10
        all_seen = asyncio.Event()

        create_ms: dict[int, float] = {}
        since_ack: list[tuple[float, int]] = []

        def seen(task: pb.Task, now: float) -> None:
            sent, batch_no = struct.unpack("dq", task.payload)
            latencies.append((now - sent) * 1000)
            since_ack.append(((now - sent) * 1000, batch_no))
            if len(latencies) >= expected:
                all_seen.set()

        stop = asyncio.Event()
        agents = [
            asyncio.create_task(_agent_loop(stub, f"a{i}", seen, stop)) for i in range(AGENTS)
        ]
        await asyncio.sleep(0.5)
        batch = 10
        interval = batch / rate
        count = int(rate * seconds)

        async def create(n: int) -> None:
            began = time.perf_counter()
            sent = struct.pack("dq", began, n)
            await stub.CreateTasks(
                pb.CreateTasksRequest(tasks=[pb.NewTask(payload=sent) for _ in range(batch)])
            )
            create_ms[n] = (time.perf_counter() - began) * 1000

        # Creates are started on schedule, not one after another: a create slower than the
        # interval must not lower the offered rate (and with it the load being measured).
        creates = []
        start = time.perf_counter()
        for n in range(count // batch):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the producer to the target rate
            creates.append(asyncio.create_task(create(n)))
        await asyncio.gather(*creates)
        offered = count // batch * batch / (time.perf_counter() - start)
        await asyncio.wait_for(all_seen.wait(), 60)
        stop.set()
        for a in agents:
            a.cancel()
        await asyncio.gather(*agents, return_exceptions=True)
        # Latency after the create was acknowledged (the task was durably queued); 0 when the
        # task reached the agent first.
        after_ack = [max(ms - create_ms.get(n, 0.0), 0.0) for ms, n in since_ack]
        return latencies, after_ack, list(create_ms.values()), offered


async def fan_out(target: str, project: str, events: int) -> tuple[float, float]:
    async with grpc.aio.insecure_channel(target) as ch:
        stub = _WithMeta(
            orchestration_pb2_grpc.OrchestrationServiceStub(ch), (("x-athena-project", project),)
        )
        latencies: list[float] = []
        counts = [0] * SUBSCRIBERS
        all_done = asyncio.Event()

        async def subscriber(i: int) -> None:
            call = stub.Subscribe(pb.SubscribeRequest(patterns=[pb.TopicPattern(exact="bench")]))
            try:
                async for message in call:
                    now = time.perf_counter()
                    for e in message.events:
                        (sent,) = struct.unpack("d", e.data)
                        latencies.append((now - sent) * 1000)
                    counts[i] += len(message.events)
                    if all(c >= events for c in counts):
                        all_done.set()
            except asyncio.CancelledError:
                pass
            finally:
                call.cancel()

        subs = [asyncio.create_task(subscriber(i)) for i in range(SUBSCRIBERS)]
        await asyncio.sleep(1.0)  # let every stream register before publishing
        start = time.perf_counter()
        batch, interval = 10, 0.01  # 1,000 events/s offered: 50,000 deliveries/s
        for n in range(events // batch):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the publisher to the offered rate
            sent = struct.pack("d", time.perf_counter())
            await stub.Publish(
                pb.PublishRequest(events=[pb.NewBusEvent(topic="bench", data=sent)] * batch)
            )
        await asyncio.wait_for(all_done.wait(), 120)
        elapsed = time.perf_counter() - start
        for s in subs:
            s.cancel()
        await asyncio.gather(*subs, return_exceptions=True)
        return statistics.median(latencies), events * SUBSCRIBERS / elapsed


class _WithMeta:
    """A stub whose calls all carry the same metadata."""

    def __init__(self, stub: object, metadata: tuple[tuple[str, str], ...]) -> None:
        self._stub = stub
        self._meta = metadata

    def __getattr__(self, name: str) -> object:
        method = getattr(self._stub, name)
        return lambda request, **kw: method(request, metadata=self._meta, **kw)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def main(args: argparse.Namespace) -> None:
    server = Server()
    target = server.start()
    assert server.proc is not None
    print(f"server pid {server.proc.pid}", flush=True)
    try:
        tps, p50s, p95s, ack50s, create50s, fan50, fanrate = [], [], [], [], [], [], []
        for run in range(args.runs):
            if args.only == "latency":
                tps.append(float("nan"))
            else:
                tps.append(await throughput(target, f"tp{run}", args.tasks))
            lat, after_ack, create_rtt, offered = await assignment_latency(
                target, f"lat{run}", args.rate, args.latency_seconds
            )
            p50s.append(_pct(lat, 0.5))
            p95s.append(_pct(lat, 0.95))
            ack50s.append(_pct(after_ack, 0.5))
            create50s.append(_pct(create_rtt, 0.5))
            median_ms, rate = await fan_out(target, f"fan{run}", args.events)
            fan50.append(median_ms)
            fanrate.append(rate)
            print(
                f"run {run + 1}: {tps[-1]:.0f} tasks/s; assignment p50 {p50s[-1]:.2f} ms "
                f"p95 {p95s[-1]:.2f} ms at {offered:.0f} tasks/s (after the create ack: p50 "
                f"{ack50s[-1]:.2f} ms; CreateTasks round trip p50 {create50s[-1]:.2f} ms); "
                f"fan-out p50 {fan50[-1]:.1f} ms, {fanrate[-1]:.0f} deliveries/s",
                flush=True,
            )
        med = statistics.median
        print(f"\nmedians of {args.runs} runs ({AGENTS} agents, server in its own process):")
        print(f"  create->claim->complete   {med(tps):8.0f} tasks/s   (target >= {TARGET_TPS:.0f})")
        print(
            f"  assignment at {args.rate:.0f} tasks/s  p50 {med(p50s):.2f} ms, "
            f"p95 {med(p95s):.2f} ms "
            f"(target p50 < {TARGET_ASSIGN_P50_MS:.0f} ms); after the create ack p50 "
            f"{med(ack50s):.2f} ms, CreateTasks round trip p50 {med(create50s):.2f} ms"
        )
        print(
            f"  fan-out to {SUBSCRIBERS} subscribers  p50 {med(fan50):.1f} ms, "
            f"{med(fanrate):.0f} deliveries/s"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--latency-seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=1000.0, help="tasks/s offered (latency)")
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument(
        "--only", choices=["latency"], help="skip throughput (to profile assignment latency)"
    )
    asyncio.run(main(parser.parse_args()))
