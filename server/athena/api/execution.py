"""ExecutionService: validate (interceptor) -> run in the sandbox (domain) -> map events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2

from athena.api.interceptors import current_project
from athena.execution.executor import Executor
from athena.execution.models import (
    ExecutionRequest,
    HostCall,
    InputFile,
    MemoryAccess,
    Output,
    Result,
    Termination,
)
from athena.v1 import execution_pb2 as pb
from athena.v1 import execution_pb2_grpc

_ACCESS = {
    pb.MEMORY_ACCESS_UNSPECIFIED: MemoryAccess.READ,
    pb.MEMORY_ACCESS_NONE: MemoryAccess.NONE,
    pb.MEMORY_ACCESS_READ: MemoryAccess.READ,
    pb.MEMORY_ACCESS_READ_WRITE: MemoryAccess.READ_WRITE,
}
_TERMINATION = {t: pb.TerminationReason.Value(f"TERMINATION_REASON_{t.name}") for t in Termination}
_STREAM = {"stdout": pb.OUTPUT_STREAM_STDOUT, "stderr": pb.OUTPUT_STREAM_STDERR}


def _request(executor: Executor, req: Any) -> ExecutionRequest:
    limits = {f.name: v for f, v in req.limits.ListFields()} if req.HasField("limits") else {}
    return ExecutionRequest(
        code=req.code,
        input=json_format.MessageToDict(req.input) if req.HasField("input") else None,
        limits=executor.resolve_limits(limits),
        files=tuple(InputFile(f.path, f.content) for f in req.files),
        session_id=req.session_id,
        memory_access=_ACCESS[req.memory_access],
    )


def _host_call(c: HostCall) -> pb.HostCallEvent:
    return pb.HostCallEvent(
        method=c.method,
        ok=c.ok,
        error_reason=c.error_reason,
        request_bytes=c.request_bytes,
        response_bytes=c.response_bytes,
        duration_us=c.duration_us,
    )


def _result(r: Result) -> pb.ExecutionResult:
    out = pb.ExecutionResult(
        termination=_TERMINATION[r.termination],
        exit_code=r.exit_code,
        detail=r.detail,
        usage=pb.ExecutionUsage(
            wall_time_ms=r.usage.wall_ms,
            cpu_time_ms=r.usage.cpu_ms,
            peak_memory_bytes=r.usage.peak_memory_bytes,
            output_bytes=r.usage.output_bytes,
            files_bytes=r.usage.files_bytes,
            host_calls=r.usage.host_calls,
        ),
        files=[
            pb.WrittenFile(
                path=f.path,
                size_bytes=f.size_bytes,
                sha256=f.sha256,
                content=f.content or b"",
                content_omitted=f.content is None,
            )
            for f in r.files
        ],
        code_sha256=r.code_sha256,
        run_id=r.run_id,
    )
    if r.error is not None:
        out.error.CopyFrom(
            pb.ExecutionError(
                type=r.error.type, message=r.error.message, traceback=r.error.traceback
            )
        )
    if r.has_value:
        try:
            out.result.CopyFrom(json_format.ParseDict(r.value, struct_pb2.Value()))
        except (json_format.ParseError, RecursionError, TypeError, ValueError):
            out.detail = (out.detail + "; " if out.detail else "") + (
                "the result value cannot be represented (too deeply nested)"
            )
    return out


class ExecutionServicer(execution_pb2_grpc.ExecutionServiceServicer):
    """Thin adapter over the execution domain."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    async def ExecuteCode(
        self, request: pb.ExecuteCodeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExecuteCodeResponse]:
        run = _request(self._executor, request)
        sequence = 0
        events = self._executor.execute(current_project(), run)
        try:
            async for event in events:
                sequence += 1
                if isinstance(event, Output):
                    yield pb.ExecuteCodeResponse(
                        sequence=sequence,
                        output=pb.OutputChunk(stream=_STREAM[event.stream], data=event.data),
                    )
                elif isinstance(event, HostCall):
                    yield pb.ExecuteCodeResponse(sequence=sequence, host_call=_host_call(event))
                else:
                    yield pb.ExecuteCodeResponse(sequence=sequence, result=_result(event))
        finally:
            await events.aclose()

    async def Execute(
        self, request: pb.ExecuteRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExecuteResponse:
        run = _request(self._executor, request)
        stdout, stderr = bytearray(), bytearray()
        response = pb.ExecuteResponse()
        events = self._executor.execute(current_project(), run)
        try:
            async for event in events:
                if isinstance(event, Output):
                    (stdout if event.stream == "stdout" else stderr).extend(event.data)
                elif isinstance(event, HostCall):
                    response.host_calls.append(_host_call(event))
                else:
                    response.result.CopyFrom(_result(event))
        finally:
            await events.aclose()
        response.stdout, response.stderr = bytes(stdout), bytes(stderr)
        return response

    async def ValidateCode(
        self, request: pb.ValidateCodeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ValidateCodeResponse:
        problems = await self._executor.validate(request.code)
        return pb.ValidateCodeResponse(
            valid=not any(p.severity == "error" for p in problems),
            problems=[
                pb.CodeProblem(severity=p.severity, line=p.line, column=p.column, message=p.message)
                for p in problems
            ],
        )
