"""Compiled-module cache: compiling the 26 MB CPython module takes seconds, loading it ~3 ms.

Entries are keyed by the wasm file's sha256, the wasmtime version and the engine settings, so an
upgrade or a settings change never loads stale machine code. Writes are atomic (temp file +
rename), and an entry that fails to load is deleted and rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import tempfile
from pathlib import Path

import wasmtime

log = logging.getLogger("athena.execution")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(wasm_sha256: str, settings: str) -> str:
    version = importlib.metadata.version("wasmtime")
    material = f"{wasm_sha256}|wasmtime-{version}|{settings}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def load_module(
    engine: wasmtime.Engine, wasm: Path, wasm_sha256: str, settings: str, cache_dir: Path | None
) -> wasmtime.Module:
    """The compiled module, from the cache when possible; compiles and stores it otherwise."""
    entry = cache_dir / f"{cache_key(wasm_sha256, settings)}.cwasm" if cache_dir else None
    if entry is not None and entry.exists():
        try:
            return wasmtime.Module.deserialize_file(engine, str(entry))
        except wasmtime.WasmtimeError:
            log.warning("discarding unreadable compiled-module cache entry", extra={"path": entry})
            entry.unlink(missing_ok=True)
    log.info("compiling the sandbox runtime (once per wasmtime version and settings)")
    module = wasmtime.Module.from_file(engine, str(wasm))
    if entry is not None:
        try:
            _write_atomically(entry, module.serialize())
        except OSError as exc:
            log.warning("cannot write the compiled-module cache", extra={"error": str(exc)})
    return module


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
