"""Plain data for the execution service: requests, limits, streamed events, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Termination(StrEnum):
    """Why a run ended."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    FILES_LIMIT = "files_limit"
    HOST_LIMIT = "host_limit"
    CANCELLED = "cancelled"


class MemoryAccess(StrEnum):
    """What the code may do with the caller's memory through `import athena`."""

    NONE = "none"
    READ = "read"
    READ_WRITE = "read_write"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; all enforced by the host, outside the guest."""

    wall_ms: int = 10_000
    cpu_ms: int = 5_000
    memory_bytes: int = 128 * 1024 * 1024
    output_bytes: int = 1024 * 1024
    files_bytes: int = 10 * 1024 * 1024
    max_files: int = 100
    host_calls: int = 1_000
    host_bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    """A file placed in the work dir before the code runs (path relative to the work dir)."""

    path: str
    content: bytes


@dataclass(frozen=True)
class ExecutionRequest:
    """What to run and under which limits."""

    code: str
    input: Any = None
    limits: Limits = field(default_factory=Limits)
    files: tuple[InputFile, ...] = ()
    session_id: str = ""
    memory_access: MemoryAccess = MemoryAccess.READ


@dataclass(frozen=True)
class Output:
    """A chunk of the guest's stdout or stderr."""

    stream: str  # "stdout" | "stderr"
    data: bytes


@dataclass(frozen=True)
class HostCall:
    """One call the guest made through the host bridge."""

    method: str
    ok: bool
    error_reason: str
    request_bytes: int
    response_bytes: int
    duration_us: int


@dataclass(frozen=True)
class Usage:
    """What a run consumed."""

    wall_ms: float
    cpu_ms: float
    peak_memory_bytes: int
    output_bytes: int
    files_bytes: int
    host_calls: int


@dataclass(frozen=True)
class WrittenFile:
    """A regular file the code left in the work dir (symlinks are never followed)."""

    path: str
    size_bytes: int
    sha256: str
    content: bytes | None  # None when over the inline limit


@dataclass(frozen=True)
class GuestError:
    """The uncaught exception that ended the code, as the guest reported it."""

    type: str
    message: str
    traceback: str


@dataclass(frozen=True)
class Result:
    """The end of a run."""

    termination: Termination
    exit_code: int
    detail: str
    has_value: bool
    value: Any
    error: GuestError | None
    usage: Usage
    files: tuple[WrittenFile, ...]
    code_sha256: str
    run_id: str = ""  # also the `run_id` attribute of the episodic event recording the run


@dataclass(frozen=True)
class Problem:
    """A static finding about code (ValidateCode)."""

    severity: str  # "error" | "warning"
    line: int
    column: int
    message: str


ExecutionEvent = Output | HostCall | Result
