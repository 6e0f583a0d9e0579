"""The sources' clock never runs backwards in the warehouse: rewinds are refused, jitter absorbed,
failures placed on the source's timeline, and a restarted sandbox continues after the last tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from asc_pipelines.sandbox.clock import SandboxClock
from asc_pipelines.sandbox_setup import continue_clock, last_recorded_tick
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, WAREHOUSE_FILE, ensure_schema
from asc_pipelines.warehouse.source_clock import (
    CLOCK_TOLERANCE,
    SourceClockWentBack,
    failure_time,
    settle_source_times,
)

T = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)


def _fetch(conn: duckdb.DuckDBPyConnection, store: str, at: datetime, outcome: str = "ok") -> None:
    record_fetch(
        conn,
        run_id="r",
        store_id=store,
        dataset="amazon_listings",
        outcome=outcome,
        rows_loaded=1,
        rows_rejected=0,
        seconds=1.0,
        message=None,
        finished_at=at,
    )


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_schema(connection)
    _fetch(connection, "us", T)
    _fetch(connection, "uk", T - timedelta(hours=1))
    _fetch(connection, "us", T + timedelta(days=3), outcome="failed")  # this machine's clock
    return connection


def test_a_source_eleven_hours_behind_is_refused_naming_the_store_and_both_times(conn) -> None:
    with pytest.raises(SourceClockWentBack) as refused:
        settle_source_times(
            conn, "amazon_orders", {"us": T - timedelta(hours=11), "uk": T, "de": T}
        )
    message = str(refused.value)
    assert message.startswith("amazon_orders: the sources' clock went backwards")
    assert "store us: the source reads 2026-12-04 10:00:00 UTC, before its last recorded " in (
        message
    )
    assert "tick at 2026-12-04 21:00:00 UTC (11:00:00 earlier)" in message
    assert "store uk" not in message and "store de" not in message
    assert [r.store_id for r in refused.value.rewinds] == ["us"]


def test_a_failed_fetch_stamped_by_this_machine_does_not_count_as_a_tick(conn) -> None:
    assert settle_source_times(conn, "d", {"us": T + timedelta(hours=1)}) == {
        "us": T + timedelta(hours=1)
    }


def test_jitter_within_the_tolerance_is_recorded_at_the_last_tick_never_earlier(conn) -> None:
    jitter = CLOCK_TOLERANCE - timedelta(seconds=1)
    settled = settle_source_times(conn, "d", {"us": T - jitter, "uk": T, "new": T})
    assert settled == {"us": T, "uk": T, "new": T}


def test_a_failure_is_placed_on_the_stores_timeline(conn) -> None:
    before = datetime.now(UTC)
    placed = failure_time(conn, "us")
    # The last answer (T) plus what this machine counted since it was recorded: moments.
    assert T <= placed <= T + (datetime.now(UTC) - before) + timedelta(seconds=5)
    assert failure_time(conn, "never-answered") >= before  # no timeline: this machine's clock


def test_a_restarted_sandbox_continues_after_the_last_recorded_tick(tmp_path: Path) -> None:
    for name, last in ((WAREHOUSE_FILE, T), (PUBLISHED_FILE, T - timedelta(minutes=5))):
        with duckdb.connect(str(tmp_path / name)) as conn:
            ensure_schema(conn)
            _fetch(conn, "us", last)
    assert last_recorded_tick(tmp_path) == T
    behind = SandboxClock(T - timedelta(hours=11), mode="fixed")
    assert continue_clock(behind, tmp_path, gap_minutes=5) == T + timedelta(minutes=5)
    assert behind.now() == T + timedelta(minutes=5)
    ahead = SandboxClock(T + timedelta(hours=1), mode="fixed")
    assert continue_clock(ahead, tmp_path, gap_minutes=5) is None
    assert ahead.now() == T + timedelta(hours=1)
    assert continue_clock(SandboxClock(T, mode="fixed"), tmp_path / "empty", 5) is None
