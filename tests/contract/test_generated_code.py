"""The contract is consistent: generated code matches the protos, and buf lint is clean."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

SCRIPT = str(ROOT / "scripts" / "protogen.py")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_generated_code_is_fresh() -> None:
    result = run("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_is_clean() -> None:
    result = run("lint")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_buf_breaking_against_head_is_clean() -> None:
    """The breaking-change check is wired (FILE rules) and passes against the last commit."""
    result = run("breaking", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_list_rpc_is_paginated() -> None:
    from athena.v1 import memory_pb2

    for method in memory_pb2.DESCRIPTOR.services_by_name["MemoryService"].methods:
        if method.name.startswith("List"):
            fields = method.input_type.fields_by_name
            assert {"page_size", "page_token"} <= set(fields), method.name
            assert "next_page_token" in method.output_type.fields_by_name, method.name
