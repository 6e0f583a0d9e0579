"""The at-a-glance summaries of the trend tables (asc_pipelines/logic/trend_summaries.py).

Each test writes a few rows into a reporting table of a tiny warehouse and reads the summary the
trend asset shows; the numbers are worked out by hand next to the rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import duckdb

from asc_pipelines.logic.trend_summaries import (
    sales_totals,
    status_last_24_hours,
    status_trend_rows_per_grain,
    store_health_rows,
    sync_issues_last_day,
)
from asc_pipelines_tests.logic.tiny_warehouse import NOW, warehouse

HOUR = timedelta(hours=1)


def _trend_row(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    status: str,
    bucket_start: datetime,
    listings: int,
    entries: int,
    exits: int,
    grain: str = "hour",
) -> None:
    conn.execute(
        "INSERT INTO reporting.listing_status_trend VALUES (?, ?, ?, ?, ?, ?, ?)",
        [store_id, status, grain, bucket_start, listings, entries, exits],
    )


def test_status_summary_counts_the_24_hours_up_to_each_stores_latest_hour_in_tab_order() -> None:
    conn = warehouse()
    # us: 30 hourly buckets, the latest at NOW + 29 h; the 24 hours up to it are buckets 6..29.
    for h in range(30):
        _trend_row(conn, "us", "inactive", NOW + h * HOUR, 5, 0, 2)
        _trend_row(conn, "us", "active", NOW + h * HOUR, 100 + h, 1, 0)
    # uk's own latest hour is NOW + 1 h: both of its buckets count.
    _trend_row(conn, "uk", "active", NOW, 7, 3, 1)
    _trend_row(conn, "uk", "active", NOW + HOUR, 8, 2, 1)
    # Finer grains are not what the summary reads.
    _trend_row(conn, "us", "active", NOW + 40 * HOUR, 999, 9, 9, grain="5min")

    assert status_last_24_hours(conn) == [
        ("uk", "active", 8, 5, 2),
        ("us", "active", 129, 24, 0),
        ("us", "inactive", 5, 0, 48),
    ]
    assert status_trend_rows_per_grain(conn) == {"hour": 62, "5min": 1}


def test_sales_summary_lists_the_totals_per_store_and_currency() -> None:
    conn = warehouse()
    for store_id, currency, orders in [("us", "USD", 3), ("uk", "GBP", 2), ("uk", "EUR", 1)]:
        conn.execute(
            "INSERT INTO reporting.sales_totals VALUES (?, ?, ?, 0, 10.50, ?, 0, 20, ?, 30, ?)",
            [store_id, currency, orders, orders + 1, orders + 2, NOW],
        )
    assert sales_totals(conn) == [
        ("uk", "EUR", 1, Decimal("10.50"), 2, Decimal("20.00"), 3, Decimal("30.00")),
        ("uk", "GBP", 2, Decimal("10.50"), 3, Decimal("20.00"), 4, Decimal("30.00")),
        ("us", "USD", 3, Decimal("10.50"), 4, Decimal("20.00"), 5, Decimal("30.00")),
    ]


def test_issue_summary_shows_only_the_last_day_with_the_median_age_to_a_tenth() -> None:
    conn = warehouse()
    rows = [
        ("us", "stale_store", date(2024, 6, 1), 4, 4, 0, None),
        ("us", "price_mismatch", date(2024, 6, 2), 2, 1, 3, 61.26),
        ("uk", "api_failure", date(2024, 6, 2), 1, 0, 1, 5.0),
    ]
    conn.executemany("INSERT INTO reporting.sync_issue_trend VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    assert sync_issues_last_day(conn) == [
        ("uk", "api_failure", 1, 0, 1, 5.0),
        ("us", "price_mismatch", 2, 1, 3, 61.3),
    ]


def test_health_summary_shows_the_last_snapshot_in_utc_and_rounded_figures() -> None:
    conn = warehouse()
    paris = timezone(timedelta(hours=2))
    conn.executemany(
        "INSERT INTO reporting.store_health (store_id, last_successful_snapshot_at, "
        "snapshot_age_minutes, active, ready_to_list, inactive, ineligible, incomplete, ended, "
        "new_third_party, open_errors, open_warnings, fetches_24h, failed_fetches_24h, "
        "api_error_rate_24h, api_errors_24h, as_of) "
        "VALUES (?, ?, ?, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ?, 12, ?)",
        [
            ["us", datetime(2024, 6, 1, 14, 30, 59, tzinfo=paris), 12.345, 1 / 3, NOW],
            ["uk", None, None, None, NOW],
        ],
    )
    assert store_health_rows(conn) == [
        ("uk", None, None, 1, 2, 3, 5, 8, 9, None),
        ("us", "2024-06-01 12:30", 12.3, 1, 2, 3, 5, 8, 9, 0.333),
    ]
