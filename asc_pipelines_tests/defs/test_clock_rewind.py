"""A sandbox restarted at its world's creation time after the pipeline has ticked it hours later
(`make dev` after `make demo`): the tick fails loudly and changes nothing; continued, it goes on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from asc_pipelines.sandbox_setup import continue_clock
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, REPORTS_DIR, WAREHOUSE_FILE

pytestmark = pytest.mark.slow

KEPT_TABLES = (
    "raw.store_fetches",
    "raw.amazon_listings",
    "raw.amazon_orders",
    "core.listing_history",
    "core.listing_history_ticks",
    "core.sync_issues",
    "core.sync_issue_events",
    "reporting.listing_status_trend",
    "reporting.sales_trend",
    "reporting.sync_issue_trend",
    "reporting.store_health",
)


def _state(data: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(data / WAREHOUSE_FILE), read_only=True) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in KEPT_TABLES
        }


def _files(data: Path) -> dict[str, int]:
    files = [data / PUBLISHED_FILE, *sorted((data / REPORTS_DIR).glob("*.html"))]
    return {path.name: path.stat().st_mtime_ns for path in files}


def test_a_tick_behind_the_last_one_fails_naming_stores_and_times_and_changes_nothing(
    sandbox_pipeline, sandbox_factory, small_world: Path
) -> None:
    pipeline = sandbox_pipeline
    pipeline.server.advance(11 * 60)  # the demo's hours of ticks
    assert pipeline.sync().every_store_ok
    before, files = _state(pipeline.data), _files(pipeline.data)

    # The sandbox starts again at its world's creation time, eleven hours back.
    pipeline.server.stop()
    restarted = sandbox_factory(small_world)
    pipeline.config.write_text(
        pipeline.config.read_text(encoding="utf-8").replace(
            pipeline.server.base_url, restarted.base_url
        ),
        encoding="utf-8",
    )
    refused = pipeline.sync()

    assert not refused.run_success
    text = " ".join(refused.messages)
    assert "the sources' clock went backwards" in text
    for store in ("us", "uk", "magento"):
        assert f"store {store}: the source reads " in text
    assert "before its last recorded tick at" in text and "(11:00:" in text
    assert _state(pipeline.data) == before  # history, issues, trends, fetches: as they were
    assert _files(pipeline.data) == files  # the analysts' copy and the pages too

    # Continued after the last tick, as `asc demo`, `asc dev` and `asc sandbox serve` do.
    assert continue_clock(restarted.clock, pipeline.data, gap_minutes=5) is not None
    assert pipeline.sync().every_store_ok
    with duckdb.connect(str(pipeline.data / PUBLISHED_FILE), read_only=True) as conn:
        ticks = [row[0] for row in conn.execute(
            "SELECT DISTINCT observed_at FROM core.listing_history_ticks ORDER BY 1"
        ).fetchall()]  # fmt: skip
        negative = conn.execute(
            "SELECT count(*) FROM reporting.sync_issue_durations WHERE open_minutes < 0"
        ).fetchone()[0]
    assert len(ticks) == 2 and ticks[1] > ticks[0]
    assert negative == 0
