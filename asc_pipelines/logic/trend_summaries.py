"""What each trend table says at a glance, read back after the tick rebuilt it.

The trend assets show these as their materialization's summary; each function returns rows in
the order of the table the asset shows. Times are UTC. No Dagster here.
"""

from __future__ import annotations

import duckdb

from asc_pipelines.logic.status import STATUSES
from asc_pipelines.warehouse.counts import counts_by_key

# Per store and tab: the latest hourly count and the last 24 hours' entries and exits.
_STATUS_LAST_24_HOURS_SQL = """
WITH latest AS (
    SELECT store_id, max(bucket_start) AS b FROM reporting.listing_status_trend
    WHERE grain = 'hour' GROUP BY store_id
)
SELECT t.store_id, t.status,
       arg_max(t.listings, t.bucket_start) AS listings,
       sum(t.entries) AS entries, sum(t.exits) AS exits
FROM reporting.listing_status_trend AS t JOIN latest AS l USING (store_id)
WHERE t.grain = 'hour' AND t.bucket_start > l.b - INTERVAL '24 hours'
GROUP BY t.store_id, t.status
ORDER BY t.store_id, list_position($statuses::VARCHAR[], t.status)
"""

_SYNC_ISSUES_LAST_DAY_SQL = """
SELECT store_id, kind, opened, resolved, open_at_end_of_day,
       round(median_age_minutes, 1)
FROM reporting.sync_issue_trend
WHERE day = (SELECT max(day) FROM reporting.sync_issue_trend)
ORDER BY store_id, kind
"""

_STORE_HEALTH_SQL = """
SELECT store_id, strftime(timezone('UTC', last_successful_snapshot_at), '%Y-%m-%d %H:%M'),
       round(snapshot_age_minutes, 1), active, ready_to_list, inactive, incomplete,
       open_errors, open_warnings, round(api_error_rate_24h, 3)
FROM reporting.store_health ORDER BY store_id
"""


def status_trend_rows_per_grain(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of ``reporting.listing_status_trend`` per grain (``5min``, ``hour``, ``day``)."""
    return counts_by_key(
        conn, "SELECT grain, count(*) FROM reporting.listing_status_trend GROUP BY grain"
    )


def status_last_24_hours(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per store and tab (in tab order): listings in the store's latest hour, and entries and
    exits over the 24 hours up to it: ``(store_id, status, listings, entries, exits)``."""
    return conn.execute(_STATUS_LAST_24_HOURS_SQL, {"statuses": list(STATUSES)}).fetchall()


def sales_totals(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """``reporting.sales_totals`` per store and currency: ``(store_id, currency, orders_7d,
    revenue_7d, orders_30d, revenue_30d, orders_lifetime, revenue_lifetime)``."""
    return conn.execute(
        "SELECT store_id, currency, orders_7d, revenue_7d, orders_30d, revenue_30d, "
        "orders_lifetime, revenue_lifetime FROM reporting.sales_totals ORDER BY store_id, currency"
    ).fetchall()


def sync_issues_last_day(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The last day of ``reporting.sync_issue_trend`` per store and kind: ``(store_id, kind,
    opened, resolved, open_at_end_of_day, median_age_minutes)``, the age to 0.1 minute."""
    return conn.execute(_SYNC_ISSUES_LAST_DAY_SQL).fetchall()


def store_health_rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """``reporting.store_health`` per store: ``(store_id, last snapshot 'YYYY-MM-DD HH:MM' UTC,
    snapshot age in minutes, active, ready_to_list, inactive, incomplete, open_errors,
    open_warnings, api_error_rate_24h)``."""
    return conn.execute(_STORE_HEALTH_SQL).fetchall()
