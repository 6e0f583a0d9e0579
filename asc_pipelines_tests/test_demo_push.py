"""``asc demo --push live``: the demo's listing changes go out to the sandbox and come back
confirmed; without ``--push`` nothing is sent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.slow
ASC = str(Path(sys.executable).with_name("asc"))


def _demo(data: Path, *push: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASC_", "DAGSTER_HOME"))}
    return subprocess.run(
        [ASC, "demo", "--products", "150", "--stores", "1", "--ticks", "2", "--tick-minutes",
         "30", "--data-dir", str(data), *push],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip


def _outbox(data: Path) -> dict[str, int]:
    """Changes in the analysts' copy's outbox: per status, how many were ever sent, and how many
    of those a later listings report showed."""
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM core.listing_outbox GROUP BY ALL"
        ).fetchall()
        sent, confirmed = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'confirmed') "
            "FROM core.listing_outbox WHERE sent_at IS NOT NULL"
        ).fetchone()
    counts = {status: int(count) for status, count in rows}
    return {**counts, "ever sent": int(sent), "sent and confirmed": int(confirmed)}


def _summary_counts(stdout: str) -> dict[str, int]:
    """The summary's outbox line of the one store, as status -> count."""
    line = next(line for line in stdout.splitlines() if line.startswith("core.listing_outbox"))
    return {status: int(count) for status, count in re.findall(r"(\w+) (\d+)", line)}


def test_demo_push_live_shows_changes_confirmed_and_the_default_sends_nothing(
    tmp_path: Path,
) -> None:
    live = _demo(tmp_path / "live", "--push", "live")
    assert live.returncode == 0, live.stdout + live.stderr
    written = yaml.safe_load((tmp_path / "live" / "sandbox.yaml").read_text(encoding="utf-8"))
    assert [store["push"] for store in written["stores"]] == [{"mode": "live"}]
    outbox = _outbox(tmp_path / "live")
    # Sent at the first tick, shown by the second tick's listings report.
    assert outbox["sent and confirmed"] > 0
    assert _summary_counts(live.stdout)["confirmed"] == outbox["confirmed"]
    live_confirmed = outbox["confirmed"]

    default = _demo(tmp_path / "default")
    assert default.returncode == 0, default.stdout + default.stderr
    written = yaml.safe_load((tmp_path / "default" / "sandbox.yaml").read_text(encoding="utf-8"))
    assert all("push" not in store for store in written["stores"])
    outbox = _outbox(tmp_path / "default")
    # The same world has changes waiting, and none of them went out.
    assert outbox.get("pending", 0) > 0 and outbox["ever sent"] == 0
    assert outbox.get("confirmed", 0) < live_confirmed
    assert _summary_counts(default.stdout)["sent"] == 0
