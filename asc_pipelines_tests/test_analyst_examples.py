"""README's analyst examples run against a real published copy; an analyst never blocks a tick."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from asc_pipelines.runner import run_sync

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parent.parent / "README.md"


def _analyst_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


@pytest.fixture
def synced(sandbox_pipeline):
    assert sandbox_pipeline.sync().every_store_ok
    p = sandbox_pipeline
    return p.server, p.defs, p.data, p.instance


def test_every_readme_example_runs_on_the_published_copy(synced) -> None:
    _, _, data, _ = synced
    queries = _analyst_queries()
    assert len(queries) == 5
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        results = [conn.execute(query).fetchall() for query in queries]
    assert results[0] and results[2] and results[3]  # tabs, reasons and sales exist in the world


ANALYST = textwrap.dedent(
    """
    import sys, time, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    first = conn.execute("SELECT count(*), max(finished_at) FROM raw.store_fetches").fetchone()
    print("opened", first[0], flush=True)
    sys.stdin.readline()  # held open until the test has run its ticks
    again = conn.execute("SELECT count(*), max(finished_at) FROM raw.store_fetches").fetchone()
    print("same" if again == first else f"changed {first} {again}", flush=True)
    conn.close()
    fresh = duckdb.connect(sys.argv[1], read_only=True)
    print("fresh", fresh.execute("SELECT count(*) FROM raw.store_fetches").fetchone()[0])
    """
)


def test_an_open_analyst_connection_never_fails_a_tick_and_keeps_its_snapshot(synced) -> None:
    server, defs, data, instance = synced
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(data / "asc.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert analyst.stdout is not None and analyst.stdin is not None
    opened = int(analyst.stdout.readline().split()[1])
    for _ in range(3):  # three ticks while the analyst holds the file open
        server.advance(5)
        assert run_sync(defs, data, instance).every_store_ok
    analyst.stdin.write("\n")
    analyst.stdin.flush()
    assert analyst.stdout.readline().strip() == "same"
    fresh = int(analyst.stdout.readline().split()[1])
    assert analyst.wait(timeout=30) == 0
    assert fresh > opened  # reconnecting sees the three new ticks
