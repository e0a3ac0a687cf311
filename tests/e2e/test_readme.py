"""The README's Python example runs as written (against a test server instead of port 50051)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re

from tests.support import ROOT


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


async def test_readme_python_example_runs(server) -> None:
    blocks = python_blocks((ROOT / "README.md").read_text())
    assert blocks, "README has no Python example"
    outputs = []
    for block in blocks:  # in order: the recall example reads what the first one recorded
        code = block.replace("127.0.0.1:50051", f"127.0.0.1:{server[1]}")
        out = io.StringIO()

        def run(code: str = code, out: io.StringIO = out) -> None:
            with contextlib.redirect_stdout(out):
                exec(compile(code, "README.md", "exec"), {})

        await asyncio.to_thread(run)
        outputs.append(out.getvalue())
    assert all("deployed v2 to staging" in output for output in outputs), outputs
