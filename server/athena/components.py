"""What every capability area plugs into the server: services, background work, shutdown.

Each area (memory, execution, orchestration, ...) provides one `build(context) -> Component`
function; `athena.wiring.BUILDERS` lists them in start-up order. Later areas can reach earlier
ones through `Context.components`, so cross-area calls go through domain objects, never gRPC.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import grpc

from athena.config import Config
from athena.embeddings import Embedder
from athena.projects import Projects
from athena.storage import Database, Queries


@dataclass
class Context:
    """Shared infrastructure handed to every component builder."""

    config: Config
    database: Database
    queries: Queries
    embedder: Embedder
    projects: Projects
    # Components built so far, by name, for areas that call another area's domain code.
    components: dict[str, Component] = field(default_factory=dict)


@dataclass
class Component:
    """One capability area as the server sees it."""

    name: str
    # Fully qualified gRPC service names (for health and reflection).
    service_names: tuple[str, ...]
    # Adds the area's servicers to the grpc server.
    register: Callable[[grpc.aio.Server], None]
    # Long-running coroutines started with the server (cancelled on stop).
    background: Callable[[], list[Coroutine[Any, Any, None]]] = lambda: []
    # Awaited on stop, after rpcs drained and background work was cancelled, before the pool closes.
    close: Callable[[], Awaitable[None]] | None = None
    # The area's domain objects, for other components and for tests (e.g. {"episodic": ...}).
    domain: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Context], Awaitable[Component]]
