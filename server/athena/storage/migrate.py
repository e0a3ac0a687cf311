"""Numbered SQL migrations, applied in order, each in its own transaction, recorded with a checksum.

Files are `migrations/NNNN_name.sql`. A landed migration must never change: if a recorded
checksum no longer matches its file, start-up stops with MigrationError instead of guessing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from athena.errors import MigrationError
from athena.storage.database import translate
from athena.storage.queries import Queries, load_queries

log = logging.getLogger(__name__)
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def default_migrations_dir() -> Path:
    """`migrations/` at the repository root, or ATHENA_MIGRATIONS_DIR."""
    override = os.environ.get("ATHENA_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "migrations"


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path) -> list[Migration]:
    """Migrations in `directory`, ordered by version; gaps and duplicates are errors."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not NNNN_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must be 1..N without gaps, got {versions}")
    return found


async def apply_migrations(
    dsn: str, directory: Path | None = None, queries: Queries | None = None
) -> list[int]:
    """Bring the database at `dsn` up to date; returns the versions applied now."""
    q = queries or load_queries()
    migrations = discover(directory or default_migrations_dir())
    try:
        conn = await asyncpg.connect(dsn)
    except (asyncpg.PostgresError, OSError) as exc:
        raise translate(exc) from exc
    applied_now: list[int] = []
    try:
        await conn.execute(q.create_migrations_table.sql)
        for migration in migrations:
            async with conn.transaction():
                await conn.execute(q.lock_migrations.sql)
                done = {r["version"]: r for r in await conn.fetch(q.applied_migrations.sql)}
                if migration.version in done:
                    recorded = done[migration.version]["checksum"]
                    if recorded != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} changed after "
                            "it was applied; add a new migration instead of editing it"
                        )
                    continue
                log.info("applying migration", extra={"version": migration.version})
                await conn.execute(migration.sql)
                await conn.execute(
                    q.record_migration.sql, migration.version, migration.name, migration.checksum
                )
                applied_now.append(migration.version)
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"migration failed: {type(exc).__name__}: {exc}") from exc
    finally:
        await conn.close()
    return applied_now
