"""One sandboxed CPython: a Store + instance on its own thread, its stdin pipe and work dir.

An instance boots (interpreter start-up, ~60 ms CPU) and then blocks reading its job from stdin;
the warm pool keeps a few in that state. A job runs once; the instance is never reused, so no
state survives between runs. All limits are enforced here, outside the guest:

- memory: Store limits (the guest gets MemoryError or traps);
- CPU and wall time, cancellation: the epoch-deadline callback on the guest thread, the shadowed
  `poll_oneoff` for sleeps, and the ticker's watchdog, which closes stdin to end a blocked read;
- output: the stdout/stderr callbacks count bytes and cut the guest off at the cap;
- work dir: the watchdog measures it (never following symlinks) and stops the run when over.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wasmtime
from athena.execution.frames import FrameParser, encode_reply
from athena.execution.models import Limits, Termination
from athena.execution.runtime import Runtime, current
from wasmtime import _bindings as ffi

log = logging.getLogger("athena.execution")

_EPOCH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_size_t,
    ctypes.POINTER(ffi.wasmtime_context_t),
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ffi.wasmtime_update_deadline_kind_t),
)
_NO_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _data: None)
_BOOT_SECONDS = 60.0
_MAX_FRAME = 4 * 1024 * 1024


class Stopped(Exception):
    """Raised inside a host function to trap a guest whose run must end."""


class StdinWriter:
    """Non-blocking writes to the guest's stdin, on the event loop thread only.

    Replies can exceed the pipe buffer; writing them from the guest's own thread would deadlock
    (the guest reads only after the callback returns), so the loop drains them as the guest reads.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        self._loop = loop
        self._fd: int | None = fd
        os.set_blocking(fd, False)
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        if self._fd is None:
            return
        was_idle = not self._pending
        self._pending += data
        if was_idle:
            self._drain()

    def _drain(self) -> None:
        if self._fd is None:
            return
        try:
            while self._pending:
                sent = os.write(self._fd, self._pending)
                del self._pending[:sent]
        except BlockingIOError:
            self._loop.add_writer(self._fd, self._drain)
            return
        except OSError:
            self._pending.clear()  # the guest is gone
        self._loop.remove_writer(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            self._loop.remove_writer(self._fd)
            os.close(self._fd)
            self._fd = None
            self._pending.clear()


class Run:
    """The state of one job on an instance; written by several threads, so kills take a lock."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limits: Limits, run_id: str = "") -> None:
        self.loop = loop
        self.limits = limits
        self.run_id = run_id
        self.events: list[Any] = []  # appended on the guest thread, drained on the loop
        self.signal = asyncio.Event()
        self._signalled = False
        self.lock = threading.Lock()
        self.kill_reason: Termination | None = None
        self.kill_detail = ""
        self.wake = threading.Event()
        self.output_bytes = 0
        self.started = 0.0
        self.deadline = float("inf")
        self.cpu_start = 0.0
        self.frames: list[dict[str, Any]] = []  # result / error / validation reports
        self.host_calls = 0
        self.host_bytes = 0
        self.on_call: Callable[[dict[str, Any], int], None] = lambda frame, size: None
        self.on_kill: Callable[[], None] = lambda: None

    def emit(self, item: Any) -> None:
        """Queue an event for the consumer (any thread); wakes the loop once per batch."""
        with self.lock:
            self.events.append(item)
            if self._signalled:
                return
            self._signalled = True
        self.loop.call_soon_threadsafe(self.signal.set)

    def drain(self) -> list[Any]:
        """Take the queued events (loop thread)."""
        with self.lock:
            items, self.events = self.events, []
            self._signalled = False
            self.signal.clear()
        return items

    def kill(self, reason: Termination, detail: str = "") -> None:
        """Stop the run for `reason` (the first reason wins); safe from any thread."""
        with self.lock:
            if self.kill_reason is not None:
                return
            self.kill_reason, self.kill_detail = reason, detail
        self.wake.set()
        self.on_kill()


class Instance:
    """A booted (or booting) CPython guest, used for exactly one job."""

    def __init__(
        self,
        runtime: Runtime,
        loop: asyncio.AbstractEventLoop,
        memory_bytes: int,
        work_root: str | None,
    ) -> None:
        self.runtime = runtime
        self.loop = loop
        self.memory_bytes = memory_bytes
        self.workdir = Path(tempfile.mkdtemp(prefix="athena-run-", dir=work_root))
        read_fd, write_fd = os.pipe()
        self._read_fd: int | None = read_fd
        self.stdin = StdinWriter(loop, write_fd)
        self.ready = asyncio.Event()
        self.finished = asyncio.Event()
        self.boot_error = ""
        self.run: Run | None = None
        self.exit_code: int | None = None
        self.trap = ""
        self.peak_memory = 0
        self.cpu_seconds = 0.0
        self._ready_cpu = 0.0
        self._cpu_clock: int | None = None
        self._boot_deadline = time.monotonic() + _BOOT_SECONDS
        self._discarded = False
        self.clock_offset_ns = 0
        self._parser = FrameParser(_MAX_FRAME)
        self._callback = _EPOCH_CALLBACK(self._on_epoch)
        self._thread = threading.Thread(target=self._main, name="athena-sandbox", daemon=True)

    # --- loop side -----------------------------------------------------------------------

    def boot(self) -> None:
        self._thread.start()

    def start(self, run: Run, job: dict[str, Any]) -> None:
        """Hand the job to the guest (loop thread). The instance must be ready."""
        run.started = time.monotonic()
        run.deadline = run.started + run.limits.wall_ms / 1000
        run.cpu_start = self._ready_cpu
        run.on_kill = lambda: self.loop.call_soon_threadsafe(self.stdin.close)
        self.run = run
        self.runtime.watch(self._watchdog)
        self.stdin.write(encode_reply(job))

    def shutdown(self) -> None:
        """End the instance (loop thread): a booting or running guest traps at the next epoch
        tick, and EOF on stdin ends one blocked waiting for its job."""
        self._discarded = True
        self.stdin.close()

    async def wait_finished(self) -> None:
        await self.finished.wait()
        # `finished` is set by the thread's very last statement, so this join does not block.
        self._thread.join()

    def remove_workdir(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- guest thread ----------------------------------------------------------------------

    def thread_cpu(self) -> float:
        """CPU seconds of the guest thread so far; callable from any thread (wasmtime calls the
        output callbacks from its own worker threads)."""
        if self._cpu_clock is None:
            return 0.0
        try:
            return time.clock_gettime(self._cpu_clock)
        except OSError:
            return 0.0

    def _main(self) -> None:
        current.instance = self
        self._cpu_clock = time.pthread_getcpuclockid(threading.get_ident())
        store: wasmtime.Store | None = None
        try:
            wasi = wasmtime.WasiConfig()
            wasi.argv = list(self.runtime.guest.argv)
            wasi.env = [("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONIOENCODING", "utf-8")]
            wasi.preopen_dir(str(self.workdir), "/work")
            wasi.stdin_file = f"/proc/self/fd/{self._read_fd}"
            wasi.stdout_custom = self._on_stdout
            wasi.stderr_custom = self._on_stderr
            store = wasmtime.Store(self.runtime.engine)
            store.set_wasi(wasi)
            assert self._read_fd is not None
            os.close(self._read_fd)
            self._read_fd = None
            store.set_limits(memory_size=self.memory_bytes)
            store.set_epoch_deadline(1)
            ffi.wasmtime_store_epoch_deadline_callback(
                store.ptr(), self._callback, None, _NO_FINALIZER
            )
            instance = self.runtime.pre.instantiate(store)
            start = instance.exports(store)["_start"]
            try:
                start(store)
                self.exit_code = 0
            except wasmtime.ExitTrap as exc:
                self.exit_code = exc.code
            except Stopped:
                self.trap = "stopped by the host"
            except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
                self.trap = _trap_message(exc)
            memory = instance.exports(store)["memory"]
            if isinstance(memory, wasmtime.Memory):
                self.peak_memory = memory.data_len(store)
        except Exception as exc:
            log.exception("sandbox instance failed")
            self.boot_error = self.boot_error or str(exc)
        finally:
            self.cpu_seconds = max(time.thread_time() - self._ready_cpu, 0.0)
            current.instance = None
            # Drop the store on this thread, before interpreter exit (a Store with callbacks
            # outliving it makes wasmtime panic).
            del store
            if self._read_fd is not None:
                os.close(self._read_fd)
                self._read_fd = None
            self.runtime.unwatch(self._watchdog)
            with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
                self.loop.call_soon_threadsafe(self._on_finished)

    def _on_finished(self) -> None:
        if not self.ready.is_set():
            self.boot_error = self.boot_error or self.trap or "the sandbox exited while booting"
            self.ready.set()
        self.stdin.close()
        self.finished.set()
        if self.run is not None:
            self.run.emit(None)  # wakes the consumer to notice the end

    def _on_epoch(self, _ctx: Any, _data: Any, delta: Any, kind: Any) -> int:
        delta[0] = 1
        kind[0] = 0  # continue
        if self._discarded:
            return _error("athena: instance discarded")
        run = self.run
        if run is None:
            if time.monotonic() > self._boot_deadline:
                return _error("sandbox boot took too long")
            return 0
        if run.kill_reason is None:
            if time.thread_time() - run.cpu_start > run.limits.cpu_ms / 1000:
                run.kill(Termination.CPU_LIMIT, f"CPU time limit of {run.limits.cpu_ms} ms")
            elif time.monotonic() > run.deadline:
                run.kill(Termination.TIMEOUT, f"wall time limit of {run.limits.wall_ms} ms")
        if run.kill_reason is not None:
            return _error(f"athena: run stopped ({run.kill_reason.value})")
        return 0

    def sleep(self, seconds: float) -> None:
        """A guest sleep (from poll_oneoff): wakes early and traps if the run must end."""
        run = self.run
        if run is None:
            time.sleep(min(seconds, 1.0))
            return
        remaining = run.deadline - time.monotonic()
        if seconds >= remaining:
            run.wake.wait(max(remaining, 0))
            run.kill(Termination.TIMEOUT, f"wall time limit of {run.limits.wall_ms} ms")
        else:
            run.wake.wait(seconds)
        if run.kill_reason is not None:
            raise Stopped(run.kill_reason.value)

    def _on_stdout(self, data: bytes) -> int | None:
        try:
            return self._output("stdout", data)
        except Exception:  # e.g. the loop is gone; never let it reach wasmtime's callback
            log.exception("sandbox stdout callback failed")
            return -errno.EIO

    def _on_stderr(self, data: bytes) -> int | None:
        try:
            parsed = self._parser.feed(data)
            for frame, size in parsed.frames:
                self._on_frame(frame, size)
        except Exception as exc:  # FrameError, or a frame whose fields have the wrong types
            if self.run is not None:
                self.run.kill(Termination.HOST_LIMIT, f"host bridge protocol violation: {exc}")
            else:
                self.boot_error = f"host bridge protocol violation at boot: {exc}"
                self._discarded = True
            return -errno.EPIPE
        if parsed.text:
            return self._output("stderr", parsed.text, len(data))
        return None

    def _output(self, stream: str, data: bytes, consumed: int | None = None) -> int | None:
        run = self.run
        if run is None:
            return None  # the prelude prints nothing at boot; ignore anything that does
        if run.kill_reason is not None:
            return -errno.EPIPE
        room = run.limits.output_bytes - run.output_bytes
        if len(data) > room:
            if room > 0:
                run.output_bytes += room
                run.emit((stream, data[:room]))
            run.kill(Termination.OUTPUT_LIMIT, f"output limit of {run.limits.output_bytes} bytes")
            return -errno.EPIPE
        run.output_bytes += len(data)
        run.emit((stream, data))
        return consumed

    def _on_frame(self, frame: dict[str, Any], size: int) -> None:
        op = frame["op"]
        run = self.run
        if op == "ready" and not self.ready.is_set() and run is None:
            self._ready_cpu = self.thread_cpu()
            clock = frame.get("clock")
            if isinstance(clock, int):
                self.clock_offset_ns = time.monotonic_ns() - clock
            self.loop.call_soon_threadsafe(self.ready.set)
            return
        if run is None:
            return
        if op == "call":
            run.on_call(frame, size)
        elif op in ("result", "error", "validation"):
            run.frames.append(frame)

    def _watchdog(self) -> None:
        """Ticker thread, every few ticks while a job runs: wall time and work-dir size."""
        run = self.run
        if run is None or run.kill_reason is not None:
            return
        if time.monotonic() > run.deadline:
            run.kill(Termination.TIMEOUT, f"wall time limit of {run.limits.wall_ms} ms")
            return
        count, size = measure_dir(self.workdir, run.limits.max_files + 1)
        if count > run.limits.max_files:
            run.kill(Termination.FILES_LIMIT, f"more than {run.limits.max_files} files")
        elif size > run.limits.files_bytes:
            run.kill(Termination.FILES_LIMIT, f"files over {run.limits.files_bytes} bytes")


def _trap_message(exc: Exception) -> str:
    """The trap's cause (e.g. `wasm trap: call stack exhausted`), without wasmtime's backtrace of
    anonymous wasm functions."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if "wasm trap" in line or line.startswith("athena:"):
            return line
    for line in lines:
        if not line.startswith(("error while executing", "note:", "Caused by")) and (
            "wasm function" not in line
        ):
            return line
    return lines[0] if lines else type(exc).__name__


def _error(message: str) -> int:
    return ctypes.cast(ffi.wasmtime_error_new(message.encode()), ctypes.c_void_p).value or 0


def measure_dir(root: Path, stop_after: int) -> tuple[int, int]:
    """(entries, bytes) under `root` without following symlinks; stops counting at `stop_after`."""
    count = size = 0
    stack = [str(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    count += 1
                    if count >= stop_after:
                        return count, size
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        try:
                            size += entry.stat(follow_symlinks=False).st_size
                        except OSError:
                            pass
        except OSError:
            pass
    return count, size
