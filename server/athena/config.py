"""Server configuration: command-line flags > ATHENA_* environment > TOML file > defaults."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "ATHENA_"


@dataclass(frozen=True)
class Config:
    """Everything the server needs to start. Field docs double as `athena serve --help` text."""

    host: str = field(default="127.0.0.1", metadata={"help": "Address to listen on."})
    port: int = field(default=50051, metadata={"help": "Port to listen on (0 picks a free one)."})
    database_url: str | None = field(
        default=None,
        metadata={
            "help": "PostgreSQL DSN (needs the pgvector extension). Unset: start an embedded "
            "PostgreSQL in DATA_DIR/pg."
        },
    )
    data_dir: Path = field(
        default=Path(".athena"),
        metadata={"help": "Directory for the embedded PostgreSQL and other local state."},
    )
    default_project: str = field(
        default="default",
        metadata={"help": "Project used when a request has no x-athena-project metadata."},
    )
    api_keys: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "API keys accepted in `authorization: Bearer KEY` (comma-separated in the "
            "environment). Empty: authentication is off."
        },
    )
    embedder: str = field(
        default="hash-ngram-v1",
        metadata={"help": "Embedder name; `hash-ngram-v1` is local and deterministic."},
    )
    embed_processes: int = field(
        default=1,
        metadata={
            "help": "Worker processes that embed large batches off the event loop (started on "
            "first use); 0 embeds in the server process."
        },
    )
    vector_index_max_deferred: int = field(
        default=100_000,
        metadata={
            "help": "Vector indexing waits while events keep arriving, up to this many queued "
            "vectors; beyond it indexing runs alongside writes (slower recording)."
        },
    )
    pool_min_size: int = field(default=2, metadata={"help": "Minimum database connections."})
    pool_max_size: int = field(default=10, metadata={"help": "Maximum database connections."})
    grace_seconds: float = field(
        default=5.0, metadata={"help": "How long shutdown waits for in-flight rpcs."}
    )
    log_level: str = field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING or ERROR."})
    log_format: str = field(default="json", metadata={"help": "`json` or `text`."})
    migrate_on_start: bool = field(
        default=True, metadata={"help": "Apply pending migrations at start-up."}
    )

    def with_overrides(self, values: Mapping[str, Any]) -> Config:
        """A copy with the given (already typed or string) values applied; None means unset."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if key not in known:
                raise ValueError(f"unknown configuration key {key!r}")
            changes[key] = _coerce(
                key, value, type(getattr(self, key)) if key != "database_url" else str
            )
        return replace(self, **changes)


def _coerce(key: str, value: Any, kind: type) -> Any:
    if kind is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{key}: expected a boolean, got {value!r}")
    if kind is tuple:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return tuple(str(v) for v in value)
    if kind is Path:
        return Path(value)
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{key}: expected {kind.__name__}, got {value!r}") from exc


def from_env(environ: Mapping[str, str]) -> dict[str, str]:
    """ATHENA_DATABASE_URL -> database_url, for every Config field."""
    names = {f.name for f in fields(Config)}
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name in names:
                out[name] = value
    return out


def from_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file whose top-level keys (or an [athena] table) are Config fields."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("athena", data)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [athena] must be a table")
    return table


def load(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Config:
    """Resolve the configuration with precedence flags > environment > TOML file > defaults."""
    env = dict(os.environ if environ is None else environ)
    config = Config()
    file_path = config_file or (Path(env["ATHENA_CONFIG"]) if env.get("ATHENA_CONFIG") else None)
    if file_path is not None:
        config = config.with_overrides(from_toml(file_path))
    config = config.with_overrides(from_env(env))
    return config.with_overrides(dict(flags or {}))
