"""Generate Python and TypeScript code from protos/, lint the protos, check for breaking changes.

    python scripts/protogen.py generate      # rewrite the generated Python and TypeScript code
    python scripts/protogen.py check         # fail if the committed generated code is stale
    python scripts/protogen.py lint          # buf lint (STANDARD + COMMENTS)
    python scripts/protogen.py breaking REF  # buf breaking (FILE) against the protos at git REF

buf cannot fetch buf/validate/validate.proto from the Buf Schema Registry here, so protoc (from
grpcio-tools) compiles everything with that file supplied as a descriptor set
(protos/vendor/buf_validate.binpb), and buf lints the resulting image instead of the source tree.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTOS = ROOT / "protos"
VENDOR = PROTOS / "vendor" / "buf_validate.binpb"
TS_DIR = ROOT / "clients" / "typescript"
NODE_BIN = TS_DIR / "node_modules" / ".bin"
VALIDATE_PROTO = "buf/validate/validate.proto"

# Generated trees, relative to the output root, and where they live in the repository.
PY_OUT = ROOT / "server"
PY_TREES = ("athena/v1", "buf")
TS_OUT = TS_DIR / "src" / "gen"


def own_protos(proto_root: Path = PROTOS) -> list[str]:
    return sorted(str(p.relative_to(proto_root)) for p in (proto_root / "athena").rglob("*.proto"))


def protoc(args: list[str], proto_root: Path = PROTOS) -> None:
    import grpc_tools
    from grpc_tools import protoc as grpc_protoc

    wkt = Path(grpc_tools.__file__).parent / "_proto"
    cmd = [
        "protoc",
        f"-I{proto_root}",
        f"-I{wkt}",
        f"--descriptor_set_in={VENDOR}",
        *args,
    ]
    if grpc_protoc.main(cmd) != 0:
        raise SystemExit(f"protoc failed: {' '.join(cmd)}")


def _venv_tool(name: str) -> str:
    """A console script of this interpreter's environment, whether or not it is on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found; run `make setup`")
    return found


def generate_into(py_out: Path, ts_out: Path) -> None:
    py_out.mkdir(parents=True, exist_ok=True)
    protoc(
        [
            f"--python_out={py_out}",
            f"--pyi_out={py_out}",
            f"--grpc_python_out={py_out}",
            f"--plugin=protoc-gen-mypy_grpc={_venv_tool('protoc-gen-mypy_grpc')}",
            f"--mypy_grpc_out=quiet:{py_out}",
            *own_protos(),
            VALIDATE_PROTO,
        ]
    )
    for tree in PY_TREES:
        for folder in [py_out / tree, *(p for p in (py_out / tree).rglob("*") if p.is_dir())]:
            if folder.name != "__pycache__":
                (folder / "__init__.py").touch()
    ts_out.mkdir(parents=True, exist_ok=True)
    protoc(
        [
            f"--plugin=protoc-gen-es={NODE_BIN / 'protoc-gen-es'}",
            f"--es_out={ts_out}",
            "--es_opt=target=ts,import_extension=js",
            *own_protos(),
            VALIDATE_PROTO,
        ]
    )


def generate() -> int:
    for tree in PY_TREES:
        shutil.rmtree(PY_OUT / tree, ignore_errors=True)
    shutil.rmtree(TS_OUT, ignore_errors=True)
    generate_into(PY_OUT, TS_OUT)
    print("generated", *(str(PY_OUT / t) for t in PY_TREES), TS_OUT)
    return 0


def _diff(expected: Path, actual: Path) -> list[str]:
    """Files that differ between two trees, ignoring caches."""
    problems: list[str] = []

    def walk(cmp: filecmp.dircmp[str], rel: str) -> None:
        for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files:
            if name != "__pycache__":
                problems.append(f"{rel}{name}")
        for name, sub in cmp.subdirs.items():
            if name != "__pycache__":
                walk(sub, f"{rel}{name}/")

    walk(filecmp.dircmp(expected, actual, ignore=["__pycache__"]), "")
    return problems


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        py_tmp, ts_tmp = Path(tmp) / "py", Path(tmp) / "ts"
        generate_into(py_tmp, ts_tmp)
        stale = [f"server/{t}/{p}" for t in PY_TREES for p in _diff(py_tmp / t, PY_OUT / t)]
        stale += [f"clients/typescript/src/gen/{p}" for p in _diff(ts_tmp, TS_OUT)]
    if stale:
        print("generated code is stale; run `make generate`:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    print("generated code is fresh")
    return 0


def build_image(proto_root: Path, out: Path) -> None:
    protoc(
        [
            "--include_imports",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *own_protos(proto_root),
        ],
        proto_root,
    )


def buf(*args: str) -> int:
    return subprocess.call([str(NODE_BIN / "buf"), *args])


def lint() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "image.binpb"
        build_image(PROTOS, image)
        paths = [a for p in own_protos() for a in ("--path", p)]
        code = buf("lint", f"{image}#format=binpb", "--config", str(PROTOS / "buf.yaml"), *paths)
    print("buf lint: clean" if code == 0 else "buf lint: problems found")
    return code


def breaking(ref: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp) / "old"
        archive = subprocess.run(
            ["git", "archive", ref, "protos"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        old_root.mkdir()
        subprocess.run(["tar", "-x", "-C", str(old_root)], input=archive, check=True)
        new_image, old_image = Path(tmp) / "new.binpb", Path(tmp) / "old.binpb"
        build_image(PROTOS, new_image)
        build_image(old_root / "protos", old_image)
        paths = [a for p in own_protos() for a in ("--path", p)]
        return buf(
            "breaking",
            f"{new_image}#format=binpb",
            "--against",
            f"{old_image}#format=binpb",
            "--config",
            str(PROTOS / "buf.yaml"),
            *paths,
        )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "generate":
        return generate()
    if command == "check":
        return check()
    if command == "lint":
        return lint()
    if command == "breaking" and len(rest) == 1:
        return breaking(rest[0])
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
