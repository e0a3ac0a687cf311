"""Embeds large batches in a helper process, off the server's event loop.

The server's Python work runs on one core (one event loop, one GIL) while PostgreSQL uses the
other. Embedding a 100-event batch is a third of that Python work, so handing big batches to a
worker process lets the two cores share it: measured in docs/benchmarks.md. Small batches stay
in-process, where the hand-off would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from athena.embeddings.base import Embedder, create_embedder

log = logging.getLogger(__name__)

_worker_embedder: Embedder | None = None


def _start_worker(name: str) -> None:
    global _worker_embedder
    _worker_embedder = create_embedder(name)


def _embed_in_worker(texts: Sequence[str]) -> np.ndarray:
    assert _worker_embedder is not None
    return _worker_embedder.embed(texts)


class EmbeddingOffload:
    """`await embed(texts)`: in `processes` worker processes (started on first use), or in this
    process when `processes` is 0 or the workers died (they are then restarted on next use)."""

    def __init__(self, embedder: Embedder, processes: int) -> None:
        self._embedder = embedder
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: forking a process that runs gRPC's threads is unsafe.
            self._pool = ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._embedder.name,),
            )
        return self._pool

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._processes <= 0:
            return await asyncio.to_thread(self._embedder.embed, texts)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._get_pool(), _embed_in_worker, list(texts))
        except BrokenProcessPool:
            log.warning("embedding worker died; embedding in-process and restarting it")
            self.close()
            return await asyncio.to_thread(self._embedder.embed, texts)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
