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
    pool_min_size: int = field(
        default=2,
        metadata={"help": "Minimum database connections of each of the two pools (plan modes)."},
    )
    pool_max_size: int = field(
        default=10,
        metadata={"help": "Maximum database connections of each of the two pools (plan modes)."},
    )
    grace_seconds: float = field(
        default=5.0, metadata={"help": "How long shutdown waits for in-flight rpcs."}
    )
    log_level: str = field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING or ERROR."})
    log_format: str = field(default="json", metadata={"help": "`json` or `text`."})
    migrate_on_start: bool = field(
        default=True, metadata={"help": "Apply pending migrations at start-up."}
    )

    # Knowledge graph (episodic -> graph extraction).
    graph_extractor: str = field(
        default="builtin",
        metadata={
            "help": "Entity extractor run on every recorded event: `builtin` (deterministic "
            "rules), `none` (no extraction or causal links), or `package.module:factory`."
        },
    )
    graph_link_max_deferred: int = field(
        default=100_000,
        metadata={
            "help": "Graph linking waits while events keep arriving, up to this many queued "
            "events; beyond it linking runs alongside writes (slower recording)."
        },
    )

    # Prospective memory (triggers) and meta-memory (access decay, working memory).
    trigger_poll_seconds: float = field(
        default=1.0,
        metadata={
            "help": "Longest sleep of the time-trigger loop and of idle WatchTriggers streams "
            "(bounds how late they see triggers and firings written by other replicas)."
        },
    )
    access_half_life_hours: float = field(
        default=168.0,
        metadata={"help": "Half-life of a memory access in the recall boost (one week)."},
    )
    session_half_life_minutes: float = field(
        default=30.0,
        metadata={"help": "Half-life of an access in a session's working memory."},
    )
    working_memory_size: int = field(
        default=7, metadata={"help": "Items in a session's working memory by default."}
    )

    # Orchestration (task queue, agents, event bus, workflows).
    orchestration_lease_seconds: float = field(
        default=30.0, metadata={"help": "Default task lease when a claim names none."}
    )
    orchestration_max_attempts: int = field(
        default=3, metadata={"help": "Default attempts before a task becomes a dead letter."}
    )
    orchestration_agent_timeout_seconds: float = field(
        default=30.0,
        metadata={
            "help": "An agent silent this long becomes unhealthy and its leased tasks return "
            "to the queue."
        },
    )
    orchestration_sweep_seconds: float = field(
        default=1.0,
        metadata={"help": "How often lease expiry, agent health and workflow checks run."},
    )
    orchestration_poll_seconds: float = field(
        default=0.25,
        metadata={
            "help": "How often idle assignment streams and subscriptions look for work written "
            "by other replicas (local writes wake them at once)."
        },
    )
    orchestration_task_events: bool = field(
        default=True, metadata={"help": "Publish task lifecycle events on the event bus."}
    )
    orchestration_async_claims: bool = field(
        default=False,
        metadata={
            "help": "Commit claims without waiting for the WAL flush: faster assignment, but a "
            "PostgreSQL crash may forget leases granted in its last ~200 ms (those tasks are "
            "delivered again; the first holder's answer is refused)."
        },
    )
    orchestration_retention_hours: float = field(
        default=168.0,
        metadata={"help": "Finished tasks, workflows and bus events older than this are deleted."},
    )

    # Execution sandbox (CPython in Wasmtime). Limits are per-run defaults; a request may ask for
    # up to sandbox_max_factor times each.
    sandbox_runtime: str = field(
        default="",
        metadata={"help": "Path of python.wasm; empty: sandbox/runtime/ (fetched by make setup)."},
    )
    sandbox_runtime_sha256: str = field(
        default="e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763",
        metadata={"help": "Refuse a runtime file with another sha256 (empty: do not check)."},
    )
    sandbox_cache_dir: str = field(
        default="",
        metadata={"help": "Compiled-module cache directory; empty: `cache/` beside the runtime."},
    )
    sandbox_work_root: str = field(
        default="", metadata={"help": "Where runs' temporary work dirs go; empty: system temp."}
    )
    sandbox_pool_size: int = field(
        default=2, metadata={"help": "Warm sandbox instances kept booted ahead of requests."}
    )
    sandbox_prewarm: bool = field(
        default=False,
        metadata={
            "help": "Fill the warm pool at start-up; otherwise it fills on the first request."
        },
    )
    sandbox_max_concurrent: int = field(
        default=0, metadata={"help": "Runs at once (others wait); 0: one per CPU core."}
    )
    sandbox_wall_ms: int = field(default=10_000, metadata={"help": "Default wall-time limit."})
    sandbox_cpu_ms: int = field(default=5_000, metadata={"help": "Default CPU-time limit."})
    sandbox_memory_bytes: int = field(
        default=128 * 1024 * 1024, metadata={"help": "Default guest memory limit."}
    )
    sandbox_output_bytes: int = field(
        default=1024 * 1024, metadata={"help": "Default cap on stdout + stderr bytes."}
    )
    sandbox_files_bytes: int = field(
        default=10 * 1024 * 1024, metadata={"help": "Default cap on the work dir's total size."}
    )
    sandbox_max_files: int = field(
        default=100, metadata={"help": "Default cap on entries in the work dir."}
    )
    sandbox_host_calls: int = field(
        default=1_000, metadata={"help": "Default cap on `import athena` host calls per run."}
    )
    sandbox_host_bytes: int = field(
        default=16 * 1024 * 1024,
        metadata={"help": "Default cap on host-call request + reply bytes per run."},
    )
    sandbox_max_factor: float = field(
        default=4.0, metadata={"help": "A request may raise each limit up to this many times."}
    )
    sandbox_inline_files_bytes: int = field(
        default=1024 * 1024,
        metadata={"help": "Written files are returned inline up to this many bytes in all."},
    )

    # Optional language model (consolidation's System 2, planning). Without one, heuristics only.
    llm_provider: str = field(
        default="none",
        metadata={
            "help": "`none`, `openai` (any OpenAI-compatible chat completions server: OpenAI, "
            "vLLM, llama.cpp, Ollama) or `anthropic` (messages API)."
        },
    )
    llm_base_url: str = field(
        default="",
        metadata={
            "help": "Provider base URL; empty: https://api.openai.com/v1 or "
            "https://api.anthropic.com. OpenAI-compatible URLs include the /v1 prefix."
        },
    )
    llm_model: str = field(default="", metadata={"help": "Model name sent to the provider."})
    llm_api_key_env: str = field(
        default="",
        metadata={
            "help": "NAME of the environment variable holding the API key (never the key "
            "itself); empty: send no key (local servers)."
        },
    )
    llm_timeout_seconds: float = field(
        default=60.0, metadata={"help": "Longest wait for one model reply before a retry."}
    )
    llm_max_retries: int = field(
        default=2,
        metadata={"help": "Retries after a timeout, transport error, 429 or 5xx reply."},
    )
    llm_backoff_seconds: float = field(
        default=0.5,
        metadata={"help": "First retry delay; doubles each retry (jittered, Retry-After wins)."},
    )
    llm_max_tokens: int = field(
        default=1024, metadata={"help": "Default cap on tokens generated per reply."}
    )
    llm_input_cost_per_mtok: float = field(
        default=0.0, metadata={"help": "USD per million input tokens, for run cost counters."}
    )
    llm_output_cost_per_mtok: float = field(
        default=0.0, metadata={"help": "USD per million output tokens, for run cost counters."}
    )

    # Consolidation (events -> facts, procedure candidates, patterns).
    consolidation_poll_seconds: float = field(
        default=30.0, metadata={"help": "How often the schedule loop looks for due projects."}
    )
    consolidation_max_events: int = field(
        default=10_000, metadata={"help": "Most pending events one run takes (oldest first)."}
    )
    consolidation_weight_surprise: float = field(
        default=1.0, metadata={"help": "Priority weight of surprise (unexpected outcomes)."}
    )
    consolidation_weight_utility: float = field(
        default=1.0, metadata={"help": "Priority weight of utility (outcome, importance, reuse)."}
    )
    consolidation_weight_relevance: float = field(
        default=1.0, metadata={"help": "Priority weight of relevance to active goals."}
    )
    consolidation_min_priority: float = field(
        default=0.0,
        metadata={"help": "Events scoring below this are marked skipped (0: none are)."},
    )
    consolidation_max_gap_seconds: float = field(
        default=1800.0, metadata={"help": "A longer pause within a session starts a new episode."}
    )
    consolidation_min_similarity: float = field(
        default=0.15,
        metadata={
            "help": "An event less similar than this to its episode, sharing no entity with it, "
            "starts a new episode."
        },
    )
    consolidation_min_support: int = field(
        default=3, metadata={"help": "Occurrences a new pattern needs before it is recorded."}
    )
    consolidation_accept_confidence: float = field(
        default=0.5, metadata={"help": "Heuristic confidence at which a pattern is accepted."}
    )
    consolidation_llm_band_low: float = field(
        default=0.35,
        metadata={"help": "Candidates from here up to the band's top are reviewed by the LLM."},
    )
    consolidation_llm_band_high: float = field(
        default=0.65, metadata={"help": "Candidates at or above this skip the LLM review."}
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
