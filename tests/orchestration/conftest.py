"""Fixtures for the orchestration tests: a stub over the test server and small helpers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
from athena.v1 import orchestration_pb2 as pb
from athena.v1 import orchestration_pb2_grpc

OTHER = (("x-athena-project", "other"),)


@pytest.fixture
def orch(channel: grpc.aio.Channel) -> orchestration_pb2_grpc.OrchestrationServiceStub:
    return orchestration_pb2_grpc.OrchestrationServiceStub(channel)


async def register(stub, agent_id: str, caps: dict[str, int] | None = None, **kw) -> pb.Agent:
    response = await stub.RegisterAgent(
        pb.RegisterAgentRequest(
            agent_id=agent_id,
            capabilities=[pb.AgentCapability(name=n, level=v) for n, v in (caps or {}).items()],
            **kw,
        )
    )
    return response.agent


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    """Poll `check` until true; fail after a generous deadline."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def idle_stream(orch, server, agent_id: str, project: str = "default") -> AsyncIterator[list]:
    """An assignment stream of `agent_id` read in the background, entered once it waits idle (so
    a create takes the hand-off path); yields the list the tasks it receives are appended to."""
    dispatcher = server[0].components["orchestration"].domain["dispatcher"]
    received: list[pb.Task] = []

    async def read(call) -> None:
        async for message in call:
            received.extend(message.tasks)

    async def waiting() -> bool:
        # Private state, read only to know that the stream is idle.
        return any(w.idle for w in dispatcher._waiters.get(project, ()))

    call = orch.StreamAssignments(pb.StreamAssignmentsRequest(agent_id=agent_id))
    reader = asyncio.create_task(read(call))
    try:
        await eventually(waiting)
        yield received
    finally:
        call.cancel()
        await asyncio.gather(reader, return_exceptions=True)
