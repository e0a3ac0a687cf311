"""Per-run limits: the request's values, defaulted and capped by the server's configuration."""

from __future__ import annotations

from dataclasses import fields, replace

from athena.config import Config
from athena.errors import FieldViolation, InvalidArgument
from athena.execution.models import Limits

# Request field (proto ExecutionLimits) -> Limits attribute.
_NAMES = {
    "wall_time_ms": "wall_ms",
    "cpu_time_ms": "cpu_ms",
    "memory_bytes": "memory_bytes",
    "output_bytes": "output_bytes",
    "files_bytes": "files_bytes",
    "max_files": "max_files",
    "max_host_calls": "host_calls",
    "max_host_bytes": "host_bytes",
}


def defaults(config: Config) -> Limits:
    return Limits(
        wall_ms=config.sandbox_wall_ms,
        cpu_ms=config.sandbox_cpu_ms,
        memory_bytes=config.sandbox_memory_bytes,
        output_bytes=config.sandbox_output_bytes,
        files_bytes=config.sandbox_files_bytes,
        max_files=config.sandbox_max_files,
        host_calls=config.sandbox_host_calls,
        host_bytes=config.sandbox_host_bytes,
    )


def maxima(config: Config) -> Limits:
    """The most a request may ask for: `sandbox_max_factor` times each default."""
    base = defaults(config)
    factor = config.sandbox_max_factor
    return Limits(**{f.name: int(getattr(base, f.name) * factor) for f in fields(Limits)})


def resolve(requested: dict[str, int], base: Limits, cap: Limits, prefix: str) -> Limits:
    """Zero means "the default"; above the cap is INVALID_ARGUMENT naming the field."""
    changes: dict[str, int] = {}
    violations = []
    for wire, attr in _NAMES.items():
        value = requested.get(wire, 0)
        if not value:
            continue
        ceiling = getattr(cap, attr)
        if value > ceiling:
            violations.append(FieldViolation(f"{prefix}.{wire}", f"must be at most {ceiling}"))
        changes[attr] = value
    if violations:
        raise InvalidArgument(violations)
    return replace(base, **changes)
