"""The compiled-module cache: keyed by content, version and settings; atomic; self-healing."""

from __future__ import annotations

from pathlib import Path

import wasmtime
from athena.execution.module_cache import cache_key, load_module, sha256_file

WAT = '(module (func (export "answer") (result i32) i32.const 42))'


def _wasm(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.wasm"
    path.write_bytes(wasmtime.wat2wasm(WAT))
    return path


def _answer(engine: wasmtime.Engine, module: wasmtime.Module) -> int:
    store = wasmtime.Store(engine)
    return wasmtime.Instance(store, module, []).exports(store)["answer"](store)


def test_the_key_changes_with_content_and_settings() -> None:
    assert cache_key("a" * 64, "s1") != cache_key("b" * 64, "s1")
    assert cache_key("a" * 64, "s1") != cache_key("a" * 64, "s2")
    assert cache_key("a" * 64, "s1") == cache_key("a" * 64, "s1")


def test_compiles_once_then_loads_from_the_cache(tmp_path: Path) -> None:
    wasm = _wasm(tmp_path)
    digest = sha256_file(wasm)
    engine = wasmtime.Engine()
    cache = tmp_path / "cache"
    assert _answer(engine, load_module(engine, wasm, digest, "s", cache)) == 42
    [entry] = cache.iterdir()
    assert entry.suffix == ".cwasm"
    wasm.write_bytes(b"not wasm any more")  # a cache hit never reads the source again
    assert _answer(engine, load_module(engine, wasm, digest, "s", cache)) == 42
    assert not list(cache.glob("*.partial"))


def test_a_corrupt_entry_is_replaced(tmp_path: Path) -> None:
    wasm = _wasm(tmp_path)
    digest = sha256_file(wasm)
    engine = wasmtime.Engine()
    cache = tmp_path / "cache"
    load_module(engine, wasm, digest, "s", cache)
    [entry] = cache.iterdir()
    entry.write_bytes(b"garbage")
    assert _answer(engine, load_module(engine, wasm, digest, "s", cache)) == 42
    assert entry.read_bytes() != b"garbage"
