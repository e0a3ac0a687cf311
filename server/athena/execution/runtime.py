"""The shared part of the sandbox: engine, compiled CPython module, linker, epoch ticker.

One Runtime per process and runtime file; every run gets its own Store and instance. The linker
shadows WASI `poll_oneoff` so a guest blocked in `time.sleep` still honours its run's deadline
and cancellation (wasmtime's epoch checks only fire while wasm code executes).
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime
from athena.execution.module_cache import load_module, sha256_file

log = logging.getLogger("athena.execution")

SANDBOX_DIR = Path(__file__).resolve().parents[3] / "sandbox"
DEFAULT_RUNTIME = SANDBOX_DIR / "runtime" / "python.wasm"
PINNED_SHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
TICK_SECONDS = 0.01
# Engine settings are part of the compiled-module cache key.
SETTINGS = "epoch_interruption=1"

_EFAULT, _EINVAL = 21, 28
_SUBSCRIPTION, _EVENT = 48, 32
_MAX_SUBSCRIPTIONS = 1024


class RuntimeMissing(Exception):
    """The runtime file is absent or is not the pinned build."""


@dataclass(frozen=True)
class GuestSource:
    """The `-c` program every instance boots with: the athena module source plus the prelude."""

    argv: tuple[str, ...]

    @classmethod
    def load(cls, sandbox_dir: Path) -> GuestSource:
        athena = (sandbox_dir / "guest" / "athena.py").read_text()
        prelude = (sandbox_dir / "guest" / "prelude.py").read_text()
        return cls(("python", "-c", f"ATHENA_SOURCE = {athena!r}\n{prelude}"))


class Runtime:
    """Engine + module + pre-linked instance template, and the ticker that drives deadlines."""

    def __init__(self, wasm: Path, expected_sha256: str, cache_dir: Path | None) -> None:
        if not wasm.is_file():
            raise RuntimeMissing(f"sandbox runtime {wasm} is missing; run `make setup`")
        digest = sha256_file(wasm)
        if expected_sha256 and digest != expected_sha256:
            raise RuntimeMissing(f"sandbox runtime {wasm} has sha256 {digest}, not the pinned one")
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        self.module = load_module(self.engine, wasm, digest, SETTINGS, cache_dir)
        linker = wasmtime.Linker(self.engine)
        linker.define_wasi()
        linker.allow_shadowing = True
        i32 = wasmtime.ValType.i32()
        linker.define_func(
            "wasi_snapshot_preview1",
            "poll_oneoff",
            wasmtime.FuncType([i32, i32, i32, i32], [i32]),
            _poll_oneoff,
            access_caller=True,
        )
        self.pre = linker.instantiate_pre(self.module)
        self.guest = GuestSource.load(SANDBOX_DIR)
        self._watchers: set[Callable[[], None]] = set()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, name="athena-epoch", daemon=True)
        self._ticker.start()

    def watch(self, check: Callable[[], None]) -> None:
        """Call `check()` on the ticker thread every few ticks until `unwatch`."""
        with self._lock:
            self._watchers.add(check)

    def unwatch(self, check: Callable[[], None]) -> None:
        with self._lock:
            self._watchers.discard(check)

    def _tick(self) -> None:
        count = 0
        while True:
            time.sleep(TICK_SECONDS)
            self.engine.increment_epoch()
            count += 1
            if count % 2:
                continue
            with self._lock:
                checks = list(self._watchers)
            for check in checks:
                try:
                    check()
                except Exception:
                    log.exception("sandbox watchdog check failed")


_runtimes: dict[tuple[Path, str, Path | None], Runtime] = {}
_runtimes_lock = threading.Lock()


def get_runtime(wasm: Path, expected_sha256: str, cache_dir: Path | None) -> Runtime:
    """The process's Runtime for this file (blocking: may compile the module on first use)."""
    key = (wasm.resolve(), expected_sha256, cache_dir)
    with _runtimes_lock:
        if key not in _runtimes:
            _runtimes[key] = Runtime(wasm, expected_sha256, cache_dir)
        return _runtimes[key]


# poll_oneoff is shared by every store; the instance running on this thread supplies the deadline.
current = threading.local()


def _poll_oneoff(caller: Any, in_ptr: int, out_ptr: int, nsubs: int, nevents_ptr: int) -> int:
    memory = caller["memory"]
    size = memory.data_len(caller)
    if not 0 < nsubs <= _MAX_SUBSCRIPTIONS:
        return _EINVAL
    if (
        in_ptr < 0
        or in_ptr + nsubs * _SUBSCRIPTION > size
        or out_ptr < 0
        or out_ptr + nsubs * _EVENT > size
        or not 0 <= nevents_ptr <= size - 4
    ):
        return _EFAULT
    raw = memory.read(caller, in_ptr, in_ptr + nsubs * _SUBSCRIPTION)
    events = []
    soonest: tuple[float, int] | None = None
    for i in range(nsubs):
        sub = raw[i * _SUBSCRIPTION : (i + 1) * _SUBSCRIPTION]
        userdata, tag = struct.unpack_from("<QB", sub, 0)
        if tag == 0:  # clock
            # subscription_clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
            clock_id, timeout, _precision, flags = struct.unpack_from("<I4xQQH", sub, 16)
            if flags & 1:  # absolute time on that clock
                if clock_id == 0:
                    now = time.time_ns()
                else:
                    # The guest's monotonic clock has its own origin; the instance learnt the
                    # offset from the prelude's ready frame.
                    instance = getattr(current, "instance", None)
                    offset = instance.clock_offset_ns if instance is not None else 0
                    now = time.monotonic_ns() - offset
                wait = max(0, timeout - now) / 1e9
            else:
                wait = timeout / 1e9
            if soonest is None or wait < soonest[0]:
                soonest = (wait, userdata)
        else:
            # fd readiness: report ready at once; the read itself may block, and the watchdog
            # closes stdin when the run must end.
            events.append(struct.pack("<QHBxxxxxQHxxxxxx", userdata, 0, tag, 0, 0))
    if not events and soonest is not None:
        instance = getattr(current, "instance", None)
        wait = soonest[0]
        if instance is not None:
            instance.sleep(wait)  # raises to trap the guest when the run must stop
        else:
            time.sleep(min(wait, 1.0))
        events.append(struct.pack("<QHBxxxxxQHxxxxxx", soonest[1], 0, 0, 0, 0))
    memory.write(caller, b"".join(events), out_ptr)
    memory.write(caller, struct.pack("<I", len(events)), nevents_ptr)
    return 0
