"""Fixtures for the orchestration tests: a stub over the test server and small helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

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
