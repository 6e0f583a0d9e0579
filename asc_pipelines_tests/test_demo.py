"""``asc demo``: several ticks of sandbox time, the report pages, and a second run that goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow
ASC = str(Path(sys.executable).with_name("asc"))


def _demo(data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASC_", "DAGSTER_HOME"))}
    return subprocess.run(
        [ASC, "demo", "--products", "300", "--stores", "2", "--ticks", "3", "--tick-minutes",
         "30", "--data-dir", str(data)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip


def _ticks(data: Path) -> list[tuple[str, object]]:
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        return conn.execute(
            "SELECT store_id, observed_at FROM core.listing_history_ticks ORDER BY 2, 1"
        ).fetchall()


def test_the_demo_runs_ticks_prints_the_report_page_and_goes_on_when_run_again(
    tmp_path: Path,
) -> None:
    data = tmp_path / "asc_data"
    first = _demo(data)
    assert first.returncode == 0, first.stdout + first.stderr
    for number in (1, 2, 3):
        assert f"tick {number}/3: " in first.stdout
    index = (data / "reports" / "index.html").resolve()
    assert f"Report pages (open in a browser): {index}" in first.stdout
    assert index.is_file() and (data / "reports" / "us.html").is_file()
    ticks = _ticks(data)
    assert len(ticks) == 6  # three ticks for each of the two stores
    moments = sorted({t for _, t in ticks})
    # Thirty sandbox minutes apart (plus the seconds a tick takes in the running clock).
    assert all(1800 <= (b - a).total_seconds() < 1900 for a, b in pairwise(moments))

    second = _demo(data)
    assert second.returncode == 0, second.stdout + second.stderr
    later = [t for t in _ticks(data) if t not in ticks]
    # The sandbox clock went on after the first run's last tick: nothing refused, nothing skipped.
    assert len(later) == 6 and min(t for _, t in later) > max(moments)
