"""The execution domain: run agents' Python in the sandbox, stream what happens, record the run.

No gRPC here: the servicer adapts these events to the proto stream. One run = one fresh instance
from the warm pool; at most `sandbox_max_concurrent` run at once (the rest wait their turn).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import Any

from athena.config import Config
from athena.errors import FieldViolation, InvalidArgument, SandboxUnavailable
from athena.execution import limits as limits_mod
from athena.execution.bridge import Bridge
from athena.execution.collect import collect_files
from athena.execution.frames import encode_reply
from athena.execution.instance import Instance, Run
from athena.execution.models import (
    ExecutionEvent,
    ExecutionRequest,
    GuestError,
    HostCall,
    InputFile,
    Limits,
    Output,
    Problem,
    Result,
    Termination,
    Usage,
)
from athena.execution.pool import BootFailed, PoolClosed, WarmPool
from athena.execution.recording import record_run
from athena.execution.runtime import DEFAULT_RUNTIME, RuntimeMissing, get_runtime
from athena.ids import uuid7
from athena.memory import EpisodicMemory

log = logging.getLogger("athena.execution")
# Output chunks are merged up to this size per streamed message.
_BATCH_BYTES = 64 * 1024
_TEXT_CAP = 64 * 1024
_MEMORY_SLACK = 2 * 1024 * 1024


class Executor:
    """Runs code for a project; owns the runtime, the warm pool and the in-flight runs."""

    def __init__(self, config: Config, episodic: EpisodicMemory, recall: Any | None) -> None:
        self._config = config
        self._episodic = episodic
        self._recall = recall
        self.defaults = limits_mod.defaults(config)
        self.maxima = limits_mod.maxima(config)
        self._slots = asyncio.Semaphore(config.sandbox_max_concurrent or os.cpu_count() or 2)
        self._pool: WarmPool | None = None
        self._load_lock = asyncio.Lock()
        self._unavailable = ""
        self._closing = False
        self._background: set[asyncio.Task[Any]] = set()

    # --- lifecycle ------------------------------------------------------------------------

    async def pool(self) -> WarmPool:
        """The warm pool, loading the runtime on first use (compiling it if not cached)."""
        if self._pool is not None:
            return self._pool
        async with self._load_lock:
            if self._pool is None and not self._unavailable:
                wasm = Path(self._config.sandbox_runtime or DEFAULT_RUNTIME)
                cache = (
                    Path(self._config.sandbox_cache_dir)
                    if self._config.sandbox_cache_dir
                    else wasm.parent / "cache"
                )
                try:
                    runtime = await asyncio.to_thread(
                        get_runtime, wasm, self._config.sandbox_runtime_sha256, cache
                    )
                except RuntimeMissing as exc:
                    self._unavailable = str(exc)
                else:
                    self._pool = WarmPool(
                        runtime,
                        self._config.sandbox_pool_size,
                        self.defaults.memory_bytes,
                        self._config.sandbox_work_root or None,
                    )
                    self._pool.fill()
        if self._pool is None:
            raise SandboxUnavailable(self._unavailable)
        return self._pool

    async def prewarm(self) -> None:
        """Fill the pool now instead of on the first request (server start-up, benchmarks)."""
        try:
            await (await self.pool()).wait_filled()
        except SandboxUnavailable as exc:
            log.warning("execution service unavailable", extra={"error": exc.message})

    async def close(self) -> None:
        self._closing = True
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._pool is not None:
            await self._pool.close()

    def resolve_limits(self, requested: dict[str, int], prefix: str = "limits") -> Limits:
        return limits_mod.resolve(requested, self.defaults, self.maxima, prefix)

    # --- runs -----------------------------------------------------------------------------

    async def execute(
        self, project: str, request: ExecutionRequest
    ) -> AsyncIterator[ExecutionEvent]:
        """Outputs and host calls as they happen, then exactly one Result (unless cancelled)."""
        _check_files(request.files, request.limits)
        if self._closing:
            raise SandboxUnavailable("the server is shutting down")
        code_sha256 = hashlib.sha256(request.code.encode()).hexdigest()
        run_id = str(uuid7())
        async with self._slots:
            instance = await self._acquire(request.limits.memory_bytes)
            try:
                inputs = _place_files(instance.workdir, request.files)
            except OSError as exc:
                await self._retire(instance)
                raise InvalidArgument(
                    [FieldViolation("files", f"cannot be laid out as given: {exc.strerror}")]
                ) from exc
            loop = asyncio.get_running_loop()
            run = Run(loop, request.limits, run_id)
            bridge = Bridge(
                self._episodic,
                self._recall,
                project,
                request.memory_access,
                request.session_id or "sandbox",
            )
            calls = _CallQueue(run, instance, bridge)
            run.on_call = lambda frame, size: loop.call_soon_threadsafe(calls.submit, frame, size)
            finished = False
            try:
                instance.start(run, {"code": request.code, "input": request.input})
                while True:
                    await run.signal.wait()
                    done = instance.finished.is_set()
                    for item in _batch(run.drain()):
                        yield item
                    if done:
                        break
                await calls.close()
                for item in _batch(run.drain()):
                    yield item
                result = await self._finish(project, request, code_sha256, instance, run, inputs)
                finished = True
            finally:
                if not finished:
                    run.kill(Termination.CANCELLED, "the caller cancelled the run")
                    self._spawn(
                        self._finish_cancelled(project, request, code_sha256, instance, run, calls)
                    )
        yield result

    async def validate(self, code: str) -> list[Problem]:
        """Static checks only: the guest parses the code (as CPython 3.12) and never runs it."""
        async with self._slots:
            instance = await self._acquire(self.defaults.memory_bytes)
            run = Run(asyncio.get_running_loop(), self.defaults)
            try:
                instance.start(run, {"mode": "validate", "code": code})
                await instance.finished.wait()
            finally:
                run.kill(Termination.CANCELLED)
                await self._retire(instance)
        report = next((f for f in run.frames if f.get("op") == "validation"), None)
        problems = report.get("problems") if report else None
        if not isinstance(problems, list):
            return [Problem("error", 0, 0, "the code could not be analysed within the limits")]
        return [
            Problem(
                str(p.get("severity", "error")),
                _int(p.get("line")),
                _int(p.get("column")),
                str(p.get("message", ""))[:1000],
            )
            for p in problems[:1000]
            if isinstance(p, dict)
        ]

    async def _acquire(self, memory_bytes: int) -> Instance:
        pool = await self.pool()
        try:
            return await pool.acquire(memory_bytes)
        except PoolClosed as exc:
            raise SandboxUnavailable("the server is shutting down") from exc
        except BootFailed as exc:
            raise SandboxUnavailable(f"the sandbox could not start: {exc}") from exc

    async def _retire(self, instance: Instance) -> None:
        if self._pool is not None:
            await self._pool.discard(instance)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _finish(
        self,
        project: str,
        request: ExecutionRequest,
        code_sha256: str,
        instance: Instance,
        run: Run,
        inputs: dict[str, str],
    ) -> Result:
        wall_ms = (time.monotonic() - run.started) * 1000
        await instance.wait_finished()
        files, files_bytes, over = collect_files(
            instance.workdir, inputs, request.limits, self._config.sandbox_inline_files_bytes
        )
        if over and run.kill_reason is None:
            run.kill(Termination.FILES_LIMIT, over)
        result = _result(run, instance, code_sha256, wall_ms, files, files_bytes)
        self._spawn(self._retire(instance))
        # Recording costs a database write (~5-30 ms); the caller should not wait for it.
        self._spawn(record_run(self._episodic, project, request, result))
        return result

    async def _finish_cancelled(
        self,
        project: str,
        request: ExecutionRequest,
        code_sha256: str,
        instance: Instance,
        run: Run,
        calls: _CallQueue,
    ) -> None:
        try:
            wall_ms = (time.monotonic() - run.started) * 1000 if run.started else 0.0
            instance.shutdown()  # EOF ends a guest blocked on stdin, started or not
            await instance.finished.wait()
            await calls.close()
            await self._retire(instance)
            result = _result(run, instance, code_sha256, wall_ms, (), 0)
            await record_run(self._episodic, project, request, result)
        except Exception:
            log.exception("cleaning up a cancelled run failed")


class _CallQueue:
    """Answers a run's host calls one at a time, in order, within its quotas."""

    def __init__(self, run: Run, instance: Instance, bridge: Bridge) -> None:
        self._run = run
        self._instance = instance
        self._bridge = bridge
        self._queue: asyncio.Queue[tuple[dict[str, Any], int] | None] = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._work())

    def submit(self, frame: dict[str, Any], size: int) -> None:
        run = self._run
        run.host_calls += 1
        run.host_bytes += size
        if run.host_calls > run.limits.host_calls:
            run.kill(Termination.HOST_LIMIT, f"more than {run.limits.host_calls} host calls")
        elif run.host_bytes > run.limits.host_bytes:
            run.kill(Termination.HOST_LIMIT, f"host calls over {run.limits.host_bytes} bytes")
        if run.kill_reason is None:
            self._queue.put_nowait((frame, size))

    async def close(self) -> None:
        self._queue.put_nowait(None)
        await self._worker

    async def _work(self) -> None:
        run = self._run
        while (item := await self._queue.get()) is not None:
            if run.kill_reason is not None:
                continue
            frame, size = item
            method = frame.get("method")
            started = time.perf_counter()
            reply = await self._bridge.call(method, frame.get("params"))
            data = encode_reply(reply)
            run.host_bytes += len(data)
            if run.host_bytes > run.limits.host_bytes:
                run.kill(Termination.HOST_LIMIT, f"host calls over {run.limits.host_bytes} bytes")
                continue
            self._instance.stdin.write(data)
            error = reply.get("error") or {}
            run.emit(
                HostCall(
                    method=str(method)[:200],
                    ok=bool(reply.get("ok")),
                    error_reason=str(error.get("reason", "")),
                    request_bytes=size,
                    response_bytes=len(data),
                    duration_us=int((time.perf_counter() - started) * 1e6),
                )
            )


def _batch(items: list[Any]) -> list[ExecutionEvent]:
    """Merge consecutive chunks of the same stream (in order) into messages of up to 64 KiB."""
    out: list[ExecutionEvent] = []
    pending: tuple[str, bytearray] | None = None
    for item in items:
        if item is None:
            continue
        if isinstance(item, tuple):
            stream, data = item
            if pending and pending[0] == stream and len(pending[1]) + len(data) <= _BATCH_BYTES:
                pending[1].extend(data)
                continue
            if pending:
                out.append(Output(pending[0], bytes(pending[1])))
            pending = (stream, bytearray(data))
            continue
        if pending:
            out.append(Output(pending[0], bytes(pending[1])))
            pending = None
        out.append(item)
    if pending:
        out.append(Output(pending[0], bytes(pending[1])))
    return out


def _result(
    run: Run,
    instance: Instance,
    code_sha256: str,
    wall_ms: float,
    files: Any,
    files_bytes: int,
) -> Result:
    error = None
    has_value, value = False, None
    for frame in run.frames:
        if frame.get("op") == "error":
            error = GuestError(
                type=str(frame.get("type", ""))[:200],
                message=str(frame.get("message", ""))[:_TEXT_CAP],
                traceback=str(frame.get("traceback", ""))[:_TEXT_CAP],
            )
        elif frame.get("op") == "result":
            has_value, value = True, frame.get("value")
    exit_code = instance.exit_code if instance.exit_code is not None else -1
    detail = ""
    if run.kill_reason is not None:
        termination, detail = run.kill_reason, run.kill_detail
    elif (error is not None and error.type == "MemoryError") or (
        (exit_code != 0 or instance.trap)
        and instance.peak_memory > run.limits.memory_bytes - _MEMORY_SLACK
    ):
        # Near the cap CPython can fail in odd ways (even while reporting the MemoryError), so
        # a failed run whose memory reached the limit is a memory-limit run.
        termination, detail = Termination.MEMORY_LIMIT, "memory limit reached"
    elif instance.boot_error or instance.trap:
        termination, detail = Termination.ERROR, instance.boot_error or instance.trap
    elif exit_code != 0 or error is not None:
        termination = Termination.ERROR
        detail = f"{error.type}: {error.message}" if error else f"exit code {exit_code}"
    else:
        termination = Termination.OK
    if run.kill_reason is not None:
        has_value, value = False, None
    usage = Usage(
        wall_ms=round(wall_ms, 3),
        cpu_ms=round(instance.cpu_seconds * 1000, 3),
        peak_memory_bytes=instance.peak_memory,
        output_bytes=run.output_bytes,
        files_bytes=files_bytes,
        host_calls=run.host_calls,
    )
    return Result(
        termination=termination,
        exit_code=exit_code,
        detail=detail[:_TEXT_CAP],
        has_value=has_value,
        value=value,
        error=error,
        usage=usage,
        files=tuple(files),
        code_sha256=code_sha256,
        run_id=run.run_id,
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value < 2**31 else 0


def _check_files(files: tuple[InputFile, ...], limits: Limits) -> None:
    violations = []
    total = 0
    seen: set[str] = set()
    for i, f in enumerate(files):
        field = f"files[{i}].path"
        path = PurePosixPath(f.path)
        if (
            not f.path
            or path.is_absolute()
            or any(part in ("..", ".") for part in f.path.split("/"))
            or "\\" in f.path
            or "//" in f.path
            or f.path.endswith("/")
        ):
            violations.append(FieldViolation(field, "must be a relative path without '.' or '..'"))
        elif f.path in seen:
            violations.append(FieldViolation(field, "is given twice"))
        seen.add(f.path)
        total += len(f.content)
    if len(files) > limits.max_files:
        violations.append(FieldViolation("files", f"at most {limits.max_files} files"))
    if total > limits.files_bytes:
        violations.append(FieldViolation("files", f"at most {limits.files_bytes} bytes in all"))
    if violations:
        raise InvalidArgument(violations)


def _place_files(workdir: Path, files: tuple[InputFile, ...]) -> dict[str, str]:
    """Write the request's files; returns path -> sha256 so unchanged inputs are not echoed."""
    placed = {}
    for f in files:
        target = workdir / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(f.content)
        placed[f.path] = hashlib.sha256(f.content).hexdigest()
    return placed
