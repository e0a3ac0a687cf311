"""Collecting written files never follows symlinks and respects the limits."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from athena.execution.collect import collect_files
from athena.execution.instance import measure_dir
from athena.execution.models import Limits


def test_only_new_or_changed_regular_files_are_returned(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_bytes(b"in")
    (tmp_path / "changed.txt").write_bytes(b"new")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "made.txt").write_bytes(b"m")
    inputs = {
        "same.txt": hashlib.sha256(b"in").hexdigest(),
        "changed.txt": hashlib.sha256(b"old").hexdigest(),
    }
    files, total, over = collect_files(tmp_path, inputs, Limits(), 1024)
    assert [(f.path, f.content) for f in files] == [("changed.txt", b"new"), ("sub/made.txt", b"m")]
    assert total == 6 and over == ""  # unchanged inputs still count towards the size


def test_symlinks_are_neither_followed_nor_returned(tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("host secret")
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(secret, work / "link.txt")
    os.symlink(tmp_path, work / "dirlink")
    os.mkfifo(work / "fifo")
    files, total, over = collect_files(work, {}, Limits(), 1024)
    assert files == [] and total == 0 and over == ""


def test_contents_are_inlined_until_the_budget_is_spent(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 600)
    (tmp_path / "b").write_bytes(b"y" * 600)
    files, _, _ = collect_files(tmp_path, {}, Limits(), 1000)
    assert [(f.path, f.content is not None, f.size_bytes) for f in files] == [
        ("a", True, 600),
        ("b", False, 600),
    ]


def test_over_the_limits_nothing_is_returned(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}").write_bytes(b"z" * 10)
    assert collect_files(tmp_path, {}, Limits(max_files=3), 1024)[2] == "more than 3 files"
    assert collect_files(tmp_path, {}, Limits(files_bytes=30), 1024)[2] == "files over 30 bytes"
    assert measure_dir(tmp_path, 100) == (5, 50)
