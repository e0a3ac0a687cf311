"""Helpers for tests of the execution service: run code over gRPC and gather the stream."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import grpc
from athena.v1 import execution_pb2 as pb
from athena.v1 import execution_pb2_grpc, memory_pb2, memory_pb2_grpc
from google.protobuf import json_format, struct_pb2

PROJECT = (("x-athena-project", "sec-main"),)


@dataclass
class Collected:
    """Everything one ExecuteCode stream returned."""

    stdout: bytes = b""
    stderr: bytes = b""
    host_calls: list[pb.HostCallEvent] = field(default_factory=list)
    sequences: list[int] = field(default_factory=list)
    result: pb.ExecutionResult | None = None

    @property
    def termination(self) -> str:
        assert self.result is not None
        return pb.TerminationReason.Name(self.result.termination).removeprefix(
            "TERMINATION_REASON_"
        )

    @property
    def value(self) -> Any:
        assert self.result is not None and self.result.HasField("result")
        return json_format.MessageToDict(self.result.result)

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")


def limits(**values: int) -> pb.ExecutionLimits:
    return pb.ExecutionLimits(**values)


async def run(
    stub: Any,
    code: str,
    metadata: tuple[tuple[str, str], ...] = PROJECT,
    deadline: float = 60.0,
    **fields: Any,
) -> Collected:
    if "input" in fields:
        fields["input"] = json_format.ParseDict(fields["input"], struct_pb2.Value())
    request = pb.ExecuteCodeRequest(code=code, **fields)
    got = Collected()
    async for message in stub.ExecuteCode(request, metadata=metadata, timeout=deadline):
        got.sequences.append(message.sequence)
        kind = message.WhichOneof("event")
        if kind == "output":
            if message.output.stream == pb.OUTPUT_STREAM_STDOUT:
                got.stdout += message.output.data
            else:
                got.stderr += message.output.data
        elif kind == "host_call":
            got.host_calls.append(message.host_call)
        else:
            assert got.result is None, "more than one result"
            got.result = message.result
    assert got.result is not None, "the stream ended without a result"
    assert got.sequences == list(range(1, len(got.sequences) + 1))
    return got


class ProbingStub:
    """An ExecutionService stub whose ExecuteCode streams each carry a probe: while the run is in
    progress, another service (MemoryService) must answer an rpc, and does so by the stream's
    end. This is how the security suite shows the server keeps serving *during* each attack."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._execution = execution_pb2_grpc.ExecutionServiceStub(channel)
        self._memory = memory_pb2_grpc.MemoryServiceStub(channel)
        self.probes_answered = 0

    def ExecuteCode(self, request: pb.ExecuteCodeRequest, **kwargs: Any) -> _ProbedCall:
        return _ProbedCall(self, self._execution.ExecuteCode(request, **kwargs))

    async def probe(self) -> None:
        await self._memory.GetEventStats(
            memory_pb2.GetEventStatsRequest(), metadata=PROJECT, timeout=15
        )
        self.probes_answered += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._execution, name)


class _ProbedCall:
    def __init__(self, owner: ProbingStub, call: Any) -> None:
        self._call = call
        self._messages = call.__aiter__()
        self._probe = asyncio.ensure_future(owner.probe())

    def __aiter__(self) -> _ProbedCall:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self._messages.__anext__()
        except StopAsyncIteration:
            await self._probe  # raises if the server did not answer during the run
            raise
        except BaseException:
            self._probe.cancel()
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)
