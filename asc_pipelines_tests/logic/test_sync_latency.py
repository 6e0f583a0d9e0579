"""reporting.sync_latency and reporting.sync_latency_trend on hand-made outbox rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from asc_pipelines.logic.sync_latency import latest_day, refresh_sync_latency
from asc_pipelines_tests.logic.tiny_warehouse import warehouse

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, 00:00 UTC
AS_OF = DAY + timedelta(hours=12)
_ids = iter(range(1_000_000))


def change(
    conn: duckdb.DuckDBPyConnection,
    *,
    seen: datetime,
    status: str = "pending",
    confirmed_after: float | None = None,
    sent_after: float | None = None,
    updated: datetime | None = None,
    store_id: str = "us",
) -> str:
    """One outbox change first seen at ``seen``; ``confirmed_after`` / ``sent_after`` minutes."""
    change_id = f"c{next(_ids)}"
    confirmed = None if confirmed_after is None else seen + timedelta(minutes=confirmed_after)
    sent = None if sent_after is None else seen + timedelta(minutes=sent_after)
    if confirmed is not None:
        status = "confirmed"
    conn.execute(
        "INSERT INTO core.listing_outbox (change_id, idempotency_key, store_id, seller_sku, "
        "attribute, value, priority, status, attempts, first_seen_at, updated_at, sent_at, "
        "confirmed_at) VALUES (?, ?, ?, ?, 'quantity', '5', 1, ?, ?, ?, ?, ?, ?)",
        [
            change_id,
            change_id,
            store_id,
            f"SKU-{change_id}",
            status,
            0 if sent is None else 1,
            seen,
            updated or confirmed or seen,
            sent,
            confirmed,
        ],
    )
    return change_id


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return warehouse()


def _trend(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, date], tuple[object, ...]]:
    rows = conn.execute(
        "SELECT store_id, day, changes_seen, confirmed, superseded, p50_minutes, p95_minutes, "
        "max_minutes, unconfirmed_at_end_of_day FROM reporting.sync_latency_trend"
    ).fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def test_latency_per_change_runs_from_first_seen_to_confirmed(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    confirmed = change(conn, seen=DAY + timedelta(hours=1), confirmed_after=12, sent_after=5)
    waiting = change(conn, seen=DAY + timedelta(hours=11), status="accepted", sent_after=0)
    superseded = change(
        conn, seen=DAY + timedelta(hours=2), status="superseded", updated=DAY + timedelta(hours=3)
    )
    refresh_sync_latency(conn, as_of=AS_OF)
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT change_id, status, latency_minutes, sent_to_confirmed_minutes, "
            "waiting_minutes FROM reporting.sync_latency"
        ).fetchall()
    }
    assert rows == {
        confirmed: ("confirmed", 12.0, 7.0, None),
        waiting: ("accepted", None, None, 60.0),
        superseded: ("superseded", None, None, None),
    }


def test_p50_and_p95_of_the_changes_confirmed_that_day(conn: duckdb.DuckDBPyConnection) -> None:
    # Latencies 5, 10, ..., 100 minutes: twenty changes confirmed on the same day.
    for n in range(1, 21):
        change(conn, seen=DAY + timedelta(hours=1), confirmed_after=5 * n)
    refresh_sync_latency(conn, as_of=AS_OF)
    seen, confirmed, superseded, p50, p95, longest, waiting = _trend(conn)[("us", DAY.date())]
    assert (seen, confirmed, superseded, waiting) == (20, 20, 0, 0)
    # Interpolated: the median of 5..100 is 52.5; the 95th percentile 95 + 0.05 * 5 = 95.25.
    assert (p50, p95, longest) == (52.5, 95.25, 100.0)


def test_unconfirmed_changes_are_counted_never_in_the_percentiles(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    change(conn, seen=DAY + timedelta(hours=1), confirmed_after=10)
    change(conn, seen=DAY + timedelta(hours=1), confirmed_after=30)
    for status in ("pending", "sent", "accepted", "invalid", "failed"):
        change(conn, seen=DAY + timedelta(hours=2), status=status)
    change(
        conn, seen=DAY + timedelta(hours=2), status="superseded", updated=DAY + timedelta(hours=4)
    )
    refresh_sync_latency(conn, as_of=AS_OF)
    assert _trend(conn)[("us", DAY.date())] == (8, 2, 1, 20.0, 29.0, 30.0, 5)


def test_every_day_from_the_first_change_to_the_tick_with_the_waiting_carried(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # Seen late on day 1, confirmed just after midnight: it waited through day 1.
    change(conn, seen=DAY + timedelta(hours=23, minutes=50), confirmed_after=15)
    change(conn, seen=DAY + timedelta(hours=23), status="accepted", store_id="uk")
    as_of = DAY + timedelta(days=2, hours=1)
    refresh_sync_latency(conn, as_of=as_of)
    trend = _trend(conn)
    day1, day2, day3 = (DAY.date() + timedelta(days=n) for n in range(3))
    assert trend[("us", day1)] == (1, 0, 0, None, None, None, 1)
    assert trend[("us", day2)] == (0, 1, 0, 15.0, 15.0, 15.0, 0)
    assert trend[("us", day3)] == (0, 0, 0, None, None, None, 0)
    assert [trend[("uk", day)][-1] for day in (day1, day2, day3)] == [1, 1, 1]
    assert latest_day(conn) == [("uk", 0, None, None, 1), ("us", 0, None, None, 0)]


def test_as_of_an_earlier_tick_a_later_confirmation_has_not_happened(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    change(conn, seen=DAY + timedelta(hours=1), confirmed_after=120)
    change(conn, seen=DAY + timedelta(hours=5), confirmed_after=5)
    refresh_sync_latency(conn, as_of=DAY + timedelta(hours=2))
    assert conn.execute(
        "SELECT confirmed_at, latency_minutes, waiting_minutes FROM reporting.sync_latency"
    ).fetchall() == [(None, None, 60.0)]
    assert _trend(conn)[("us", DAY.date())] == (1, 0, 0, None, None, None, 1)


def test_an_empty_outbox_makes_empty_tables(conn: duckdb.DuckDBPyConnection) -> None:
    assert refresh_sync_latency(conn, as_of=AS_OF) == (0, 0)


def test_a_new_listings_time_to_publish_is_kept_per_change_but_not_in_the_trend(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    change(conn, seen=DAY + timedelta(hours=1), confirmed_after=10)
    offer = change(conn, seen=DAY + timedelta(hours=1), confirmed_after=300)
    conn.execute("UPDATE core.listing_outbox SET attribute = 'offer' WHERE change_id = ?", [offer])

    refresh_sync_latency(conn, as_of=AS_OF)

    per_change = conn.execute(
        "SELECT attribute, latency_minutes FROM reporting.sync_latency ORDER BY 1"
    ).fetchall()
    assert per_change == [("offer", 300.0), ("quantity", 10.0)]
    assert _trend(conn)[("us", DAY.date())][:4] == (1, 1, 0, 10.0)
