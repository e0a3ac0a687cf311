"""Collecting the files a run left behind, without ever following a guest-made symlink."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from athena.execution.models import Limits, WrittenFile


def collect_files(
    workdir: Path, inputs: dict[str, str], limits: Limits, inline_bytes: int
) -> tuple[list[WrittenFile], int, str]:
    """(new or changed regular files, total bytes of all files, why over the limits or "").

    Only regular files are read, each opened with O_NOFOLLOW relative to its directory's fd, so a
    symlink (or a directory swapped for one) can never point the host at a file outside the work
    dir. Contents are inlined until `inline_bytes` is spent.
    """
    found: list[tuple[str, int, str, bytes]] = []
    total = 0
    count = 0
    over = ""
    stack: list[tuple[int, str]] = []
    try:
        root = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return [], 0, ""
    stack.append((root, ""))
    while stack:
        dir_fd, prefix = stack.pop()
        try:
            names = sorted(os.listdir(dir_fd))
            for name in names:
                count += 1
                if count > limits.max_files:
                    over = over or f"more than {limits.max_files} files"
                    break
                rel = f"{prefix}{name}"
                try:
                    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    try:
                        child = os.open(
                            name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd
                        )
                    except OSError:
                        continue
                    stack.append((child, rel + "/"))
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue  # symlinks, fifos, sockets: listed nowhere, never followed
                total += info.st_size
                if total > limits.files_bytes:
                    over = over or f"files over {limits.files_bytes} bytes"
                    break
                data = _read(dir_fd, name, info.st_size)
                if data is None:
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if inputs.get(rel) == digest:
                    continue
                found.append((rel, len(data), digest, data))
        finally:
            os.close(dir_fd)
        if over:
            for fd, _ in stack:
                os.close(fd)
            return [], total, over
    files = []
    budget = inline_bytes
    for rel, size, digest, data in sorted(found):
        inline = data if size <= budget else None
        budget -= size if inline is not None else 0
        files.append(WrittenFile(path=rel, size_bytes=size, sha256=digest, content=inline))
    return files, total, ""


def _read(dir_fd: int, name: str, size: int) -> bytes | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        remaining = size
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
