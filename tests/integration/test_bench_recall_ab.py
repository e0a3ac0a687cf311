"""bench.recall_ab end to end on a tiny loaded data directory: two servers (a worktree of HEAD
and this checkout) on one PostgreSQL, every query timed on both, and its refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import recall, recall_ab

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None
    or subprocess.run(["git", "-C", str(recall_ab.ROOT), "rev-parse"], check=False).returncode,
    reason="needs this checkout's git repository",
)


def test_both_sides_answer_every_query_and_a_ratio_is_reported(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    recall.main(
        [
            "--events",
            "200",
            "--facts",
            "20",
            "--entities",
            "20",
            "--queries",
            "4",
            "--data-dir",
            str(data),
        ]
    )
    out = tmp_path / "ab.json"
    recall_ab.main(
        [
            "--data-dir",
            str(data),
            "--base",
            "HEAD",
            "--rounds",
            "1",
            "--queries",
            "4",
            "--json",
            str(out),
        ]
    )
    report = json.loads(out.read_text())
    assert set(report["results"]) == {label for label, _ in recall_ab.MODES}
    for row in report["results"].values():
        assert row["n"] == 4
        assert row["a_p50_ms"] > 0 and row["b_p50_ms"] > 0
        assert row["ratio_b_a"] == pytest.approx(row["b_p50_ms"] / row["a_p50_ms"], abs=0.01)
        assert len(row["ratio_per_round"]) == 1
    assert "B/A" in capsys.readouterr().out
    # The worktree of the base revision is gone.
    listed = subprocess.run(
        ["git", "-C", str(recall_ab.ROOT), "worktree", "list"], capture_output=True, text=True
    ).stdout
    assert "athena-recall-ab-" not in listed


def test_an_unloaded_data_directory_or_bad_counts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not loaded"):
        recall_ab.main(["--data-dir", str(tmp_path), "--rounds", "1"])
    for bad in (["--rounds", "0"], ["--queries", "0"]):
        with pytest.raises(SystemExit):
            recall_ab.main(["--data-dir", str(tmp_path), *bad])
    (tmp_path / "bench-recall-loaded").write_text("ok\n")
    with pytest.raises(SystemExit, match="not a revision"):
        recall_ab.main(["--data-dir", str(tmp_path), "--base", "no-such-revision"])
