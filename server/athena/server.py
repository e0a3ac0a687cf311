"""Assembles the gRPC server: storage, domain services, servicers, health, reflection."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from athena.api.interceptors import (
    AuthInterceptor,
    ProjectInterceptor,
    RequestInterceptor,
    ValidationInterceptor,
)
from athena.components import Component, Context
from athena.config import Config
from athena.embeddings import create_embedder
from athena.memory.vector_indexer import VectorIndexer
from athena.projects import Projects
from athena.storage import Database, connect, load_queries
from athena.storage.embedded import EmbeddedPostgres
from athena.storage.migrate import apply_migrations
from athena.wiring import BUILDERS

log = logging.getLogger(__name__)


@dataclass
class AthenaServer:
    """A started-or-startable server and everything it owns."""

    grpc_server: grpc.aio.Server
    health: health.aio.HealthServicer
    database: Database
    embedded: EmbeddedPostgres | None
    grace_seconds: float
    components: dict[str, Component]
    _background: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(n for c in self.components.values() for n in c.service_names)

    @property
    def indexer(self) -> VectorIndexer:
        indexer: VectorIndexer = self.components["memory"].domain["indexer"]
        return indexer

    async def start(self, *, background: bool = True) -> None:
        """Start serving; `background=False` leaves background work (indexing, schedulers...) to
        explicit calls (tests)."""
        await self.grpc_server.start()
        if background:
            for component in self.components.values():
                for index, work in enumerate(component.background()):
                    name = f"{component.name}-{index}"
                    self._background.append(asyncio.create_task(work, name=name))
        for name in (*self.service_names, ""):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking rpcs, let in-flight ones finish, then release the database."""
        await self.health.enter_graceful_shutdown()
        await self.grpc_server.stop(self.grace_seconds if grace is None else grace)
        await _cancel_all(self._background)
        self._background.clear()
        for component in reversed(self.components.values()):
            if component.close is not None:
                try:
                    await component.close()
                except Exception:
                    log.exception("closing a component failed", extra={"component": component.name})
        await self.database.close()
        if self.embedded is not None:
            await self.embedded.stop()

    async def wait_for_termination(self) -> None:
        await self.grpc_server.wait_for_termination()


# Rounds of cancel-then-wait before giving up on a background task: on Python 3.11 a task can
# swallow one cancellation (asyncio.wait_for racing its inner future), so cancel again.
_CANCEL_ROUNDS = 5
_CANCEL_WAIT_SECONDS = 2.0


async def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait for them, re-cancelling ones that ignore a cancellation,
    so shutdown cannot hang on one; a task still running after that is logged and left."""
    pending = {t for t in tasks if not t.done()}
    for _ in range(_CANCEL_ROUNDS):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=_CANCEL_WAIT_SECONDS)
    for task in pending:
        log.error("background task ignored cancellation", extra={"task": task.get_name()})
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error(
                "background task failed", extra={"task": task.get_name()},
                exc_info=task.exception(),
            )  # fmt: skip


async def database_url(config: Config) -> tuple[str, EmbeddedPostgres | None]:
    """The configured DSN, or a freshly started embedded PostgreSQL's."""
    if config.database_url:
        return config.database_url, None
    embedded = EmbeddedPostgres(config.data_dir)
    return await embedded.start(), embedded


async def create_server(config: Config) -> tuple[AthenaServer, int]:
    """Build the server (not yet started) bound to config.host:config.port; returns its port."""
    dsn, embedded = await database_url(config)
    try:
        queries = load_queries()
        if config.migrate_on_start:
            await apply_migrations(dsn, queries=queries)
        database = await connect(dsn, config.pool_min_size, config.pool_max_size)
    except BaseException:
        if embedded is not None:
            await embedded.stop()
        raise
    embedder = create_embedder(config.embedder)
    context = Context(config, database, queries, embedder, Projects(database, queries, embedder))
    try:
        for build in BUILDERS:
            component = await build(context)
            context.components[component.name] = component
    except BaseException:
        await database.close()
        if embedded is not None:
            await embedded.stop()
        raise
    service_names = tuple(n for c in context.components.values() for n in c.service_names)

    server = grpc.aio.server(
        interceptors=[
            RequestInterceptor(),
            AuthInterceptor(config.api_keys),
            ProjectInterceptor(config.default_project),
            ValidationInterceptor(),
        ],
        options=[("grpc.so_reuseport", 0)],
    )
    for component in context.components.values():
        component.register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(f"{config.host}:{config.port}")
    if port == 0:
        await database.close()
        if embedded is not None:
            await embedded.stop()
        raise OSError(f"could not bind {config.host}:{config.port}")
    return (
        AthenaServer(
            server, health_servicer, database, embedded, config.grace_seconds, context.components
        ),
        port,
    )


# Python's cyclic collector runs a young-generation pass every 700 net allocations of container
# objects. A recall allocates a few thousand (rows, dicts, items) and frees most of them itself,
# by reference counting; the passes still cost 0.55 ms per all-layers recall at 100k events
# (one per recall, and every ~150th a full one over all that start-up allocated). With start-up
# frozen and a pass every 10,000, 0.27 and then under 0.01 ms. What a pass finds is reference
# cycles, which rpcs rarely make: waiting longer for them costs little memory.
GC_YOUNG_THRESHOLD = 10_000


def settle_runtime() -> None:
    """Tune the garbage collector for serving, once start-up is done: what start-up allocated
    (modules, descriptors, queries) lives as long as the process and, frozen, is no longer
    traversed by the full collections that rpc garbage triggers. `serve` calls this; so do the
    benchmarks that time a server, so that they time it as it is served."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


async def serve(config: Config, ready: asyncio.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    server, port = await create_server(config)
    await server.start()
    settle_runtime()
    print(f"athena: serving on {config.host}:{port}", flush=True)
    log.info("serving", extra={"host": config.host, "port": port})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    await stop.wait()
    log.info("shutting down", extra={"grace_seconds": config.grace_seconds})
    await server.stop()
    log.info("stopped")
