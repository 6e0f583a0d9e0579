"""``slow_sync`` (issue 11, section 5): a change a live store sends that Amazon has not shown
``slow_sync_minutes`` (default 30) after the tick that first saw it; a warning, one per change,
resolved when the change is confirmed or superseded."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest
from pydantic import ValidationError

from asc_pipelines.config import SyncIssueSettings
from asc_pipelines.logic.sync_issues import (
    ERROR_KINDS,
    KINDS,
    ensure_sync_issue_schema,
    refresh_sync_issues,
)
from asc_pipelines_tests.logic.test_outbox import tick, want
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


def _drifted(status: str = "accepted") -> duckdb.DuckDBPyConnection:
    """Listing A shows quantity 5, should show 9: one quantity change first seen at NOW, sent."""
    conn = warehouse()
    ensure_sync_issue_schema(conn)
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=9, price="10.00")
    tick(conn, NOW)
    conn.execute(
        "UPDATE core.listing_outbox SET status = ?, attempts = 1, sent_at = ?", [status, NOW]
    )
    return conn


def _slow(conn: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT subject, severity, first_seen_at, resolved_at FROM core.sync_issues "
        "WHERE kind = 'slow_sync' ORDER BY first_seen_at"
    ).fetchall()


def _judge(
    conn: duckdb.DuckDBPyConnection,
    at: datetime,
    *,
    live: tuple[str, ...] = ("us",),
    settings: SyncIssueSettings | None = None,
) -> None:
    refresh_sync_issues(conn, now=at, settings=settings, store_ids=["us"], live_store_ids=live)


def test_a_change_not_shown_after_30_minutes_opens_at_31_as_a_warning() -> None:
    conn = _drifted()
    _judge(conn, minutes(30))
    assert _slow(conn) == []
    _judge(conn, minutes(31))
    assert _slow(conn) == [("A quantity", "warning", minutes(31), None)]
    detail = conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    assert detail == (
        "quantity 9 not shown by Amazon 31 minutes after it was first seen "
        "(accepted, sent once; Amazon shows 5)"
    )


def test_it_resolves_when_amazon_shows_the_value() -> None:
    conn = _drifted()
    _judge(conn, minutes(35))
    conn.execute("UPDATE raw.amazon_listings SET quantity = 9")
    tick(conn, minutes(40))
    _judge(conn, minutes(40))
    assert _slow(conn) == [("A quantity", "warning", minutes(35), minutes(40))]


def test_it_resolves_when_a_newer_value_supersedes_the_change_and_the_new_one_starts_over() -> None:
    conn = _drifted()
    _judge(conn, minutes(35))
    want(conn, "A", quantity=7, price="10.00")
    tick(conn, minutes(40))
    _judge(conn, minutes(40))
    _judge(conn, minutes(65))
    assert _slow(conn) == [("A quantity", "warning", minutes(35), minutes(40))]
    _judge(conn, minutes(71))
    assert _slow(conn)[-1] == ("A quantity", "warning", minutes(71), None)


def test_a_change_sent_again_says_how_often() -> None:
    conn = _drifted("pending")
    conn.execute("UPDATE core.listing_outbox SET attempts = 3")
    _judge(conn, minutes(45))
    detail = conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    assert "(pending, sent 3 times; Amazon shows 5)" in detail


def test_a_queued_change_never_sent_is_slow_too() -> None:
    conn = _drifted("pending")
    conn.execute("UPDATE core.listing_outbox SET attempts = 0, sent_at = NULL")
    _judge(conn, minutes(45))
    assert len(_slow(conn)) == 1
    assert (
        "(pending, not sent yet;"
        in conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    )


@pytest.mark.parametrize("status", ["invalid", "failed"])
def test_a_refused_or_given_up_change_is_its_own_error_not_slow_sync(status: str) -> None:
    conn = _drifted(status)
    _judge(conn, minutes(120))
    assert _slow(conn) == []


def test_a_store_that_does_not_send_never_has_a_slow_sync() -> None:
    conn = _drifted("pending")
    _judge(conn, minutes(600), live=())
    assert _slow(conn) == []


def test_the_time_is_configurable() -> None:
    conn = _drifted()
    settings = SyncIssueSettings(slow_sync_minutes=10)
    _judge(conn, minutes(10), settings=settings)
    assert _slow(conn) == []
    _judge(conn, minutes(11), settings=settings)
    assert len(_slow(conn)) == 1


def test_the_setting_defaults_to_30_minutes_and_must_be_positive() -> None:
    assert SyncIssueSettings().slow_sync_minutes == 30
    with pytest.raises(ValidationError, match="slow_sync_minutes"):
        SyncIssueSettings(slow_sync_minutes=0)


def test_slow_sync_is_a_kind_that_stays_a_warning() -> None:
    assert "slow_sync" in KINDS and "slow_sync" not in ERROR_KINDS
