"""The warm pool: instances booted ahead of demand, each blocked waiting for its one job.

Taking an instance starts booting its replacement at once, in the background. Requests whose
memory limit differs from the pool's boot a dedicated instance (Store limits are fixed when the
instance is created).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from athena.execution.instance import Instance
from athena.execution.runtime import Runtime

log = logging.getLogger("athena.execution")


class PoolClosed(Exception):
    """The pool is shutting down."""


class BootFailed(Exception):
    """An instance could not start (a broken runtime, or the host is out of resources)."""


class WarmPool:
    def __init__(
        self, runtime: Runtime, size: int, memory_bytes: int, work_root: str | None
    ) -> None:
        self._runtime = runtime
        self.size = size
        self.memory_bytes = memory_bytes
        self._work_root = work_root
        self._ready: deque[Instance] = deque()
        self._booting: set[Instance] = set()
        self._live: set[Instance] = set()
        self._closed = False
        self._changed = asyncio.Event()
        self._last_error = ""

    @property
    def ready_count(self) -> int:
        return len(self._ready)

    def fill(self) -> None:
        """Boot instances until `size` are ready or booting."""
        while not self._closed and len(self._ready) + len(self._booting) < self.size:
            instance = self._boot(self.memory_bytes)
            self._booting.add(instance)
            asyncio.get_running_loop().create_task(self._await_ready(instance))

    async def wait_filled(self) -> None:
        """Until `size` instances are ready (for start-up warming, benchmarks and tests)."""
        self._last_error = ""
        self.fill()
        while len(self._ready) < self.size and not self._closed:
            if self._last_error:
                raise BootFailed(self._last_error)
            self._changed.clear()
            await self._changed.wait()

    async def acquire(self, memory_bytes: int) -> Instance:
        """A ready instance with this memory limit, warm if possible.

        With the pool empty, the request waits for the instance that is already booting (it is
        closer to ready than a new one would be); other memory limits boot a dedicated one."""
        if self._closed:
            raise PoolClosed()
        if memory_bytes == self.memory_bytes and self.size > 0:
            self._last_error = ""
            self.fill()
            while not self._ready:
                if self._closed:
                    raise PoolClosed()
                if self._last_error:
                    raise BootFailed(self._last_error)
                self._changed.clear()
                await self._changed.wait()
            instance = self._ready.popleft()
            # Boot the replacement once this run has been handed its job, not before.
            asyncio.get_running_loop().call_soon(self.fill)
            return instance
        instance = self._boot(memory_bytes)
        await instance.ready.wait()
        if instance.boot_error:
            await self.discard(instance)
            raise BootFailed(instance.boot_error)
        return instance

    async def discard(self, instance: Instance) -> None:
        """Retire an instance after its job (or a failed boot): join its thread, drop its dir."""
        instance.shutdown()
        await instance.wait_finished()
        instance.remove_workdir()
        self._live.discard(instance)

    async def close(self) -> None:
        self._closed = True
        self._changed.set()
        idle = list(self._ready) + list(self._booting)
        self._ready.clear()
        for instance in idle:
            instance.shutdown()
        await asyncio.gather(*(self.discard(i) for i in idle), return_exceptions=True)

    def _boot(self, memory_bytes: int) -> Instance:
        instance = Instance(
            self._runtime, asyncio.get_running_loop(), memory_bytes, self._work_root
        )
        self._live.add(instance)
        instance.boot()
        return instance

    async def _await_ready(self, instance: Instance) -> None:
        await instance.ready.wait()
        self._booting.discard(instance)
        if instance.boot_error or self._closed:
            if instance.boot_error and not self._closed:
                log.error("sandbox instance failed to boot", extra={"error": instance.boot_error})
                self._last_error = instance.boot_error
            self._changed.set()
            await self.discard(instance)
            return
        self._ready.append(instance)
        self._changed.set()
