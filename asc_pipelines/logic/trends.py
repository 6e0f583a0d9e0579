"""Trend tables of the ``reporting`` schema, rebuilt after every tick from history and raw data.

Each ``refresh_*`` function replaces one table with one set-based statement and returns its row
count. Times are UTC: a day is a UTC calendar day and ``as_of`` is the tick's time by the sources'
clock, so the current bucket or day is counted up to the tick, never beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from asc_pipelines import constants
from asc_pipelines.config import AscConfig
from asc_pipelines.logic.status import STATUSES

# How far back each grain of reporting.listing_status_trend reaches (None: all of history).
TREND_GRAINS: dict[str, tuple[str, int | None]] = {
    "5min": ("5 minutes", 2),
    "hour": ("1 hour", 90),
    "day": ("1 day", None),
}


# How far back reporting.sales_trend reaches (days before the tick's day).
SALES_TREND_DAYS = 3 * 366


@dataclass(frozen=True)
class StoreInfo:
    """What the reports need to know of a configured store."""

    store_id: str
    name: str
    marketplace_id: str
    currency: str


def store_infos(cfg: AscConfig) -> list[StoreInfo]:
    """The configured stores as the reports name them."""
    return [
        StoreInfo(
            store_id=store.id,
            name=store.name or store.id,
            marketplace_id=store.marketplace_id,
            currency=constants.marketplace(store.marketplace).currency,
        )
        for store in cfg.stores
    ]


def _replace(conn: duckdb.DuckDBPyConnection, table: str, select_sql: str, params: dict) -> int:
    conn.execute(f"DELETE FROM {table}")
    conn.execute(f"INSERT INTO {table} BY NAME {select_sql}", params)
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# Status spans (used once, to derive core.listing_status_moves for a history recorded before that
# table existed): consecutive history rows of a listing with one status are one stay in a tab.
# A listing enters a status when its first row, a row after a status change, or a row after a gap
# (it had left every tab) starts; it exits when a row ends without a successor of the same status
# starting at that moment.
_STATUS_EVENTS = """
WITH rows AS (
    SELECT store_id, status, valid_from, valid_to,
           lag(status) OVER w AS prev_status,
           lag(valid_to) OVER w AS prev_valid_to,
           lead(status) OVER w AS next_status,
           lead(valid_from) OVER w AS next_from
    FROM core.listing_history
    WINDOW w AS (PARTITION BY store_id, listing_key ORDER BY valid_from)
)
SELECT store_id, status, valid_from AS event_at, 1 AS entries, 0 AS exits FROM rows
WHERE prev_status IS DISTINCT FROM status OR prev_valid_to < valid_from
UNION ALL
SELECT store_id, status, valid_to AS event_at, 0 AS entries, 1 AS exits FROM rows
WHERE valid_to IS NOT NULL
  AND (next_from IS NULL OR next_from > valid_to OR next_status IS DISTINCT FROM status)
"""


def _status_trend_grain_sql(grain: str, width: str, keep_days: int | None) -> str:
    """Entries, exits and end-of-bucket counts for one grain, from the status events."""
    window_start = (
        f"greatest(s.first_bucket, time_bucket(INTERVAL '{width}', "
        f"timezone('UTC', $as_of) - INTERVAL '{keep_days} days'))"
        if keep_days is not None
        else "s.first_bucket"
    )
    return f"""
    stores_{grain} AS (
        SELECT store_id,
               time_bucket(INTERVAL '{width}', min(timezone('UTC', event_at))) AS first_bucket
        FROM events GROUP BY store_id
    ),
    bounds_{grain} AS (
        SELECT s.store_id, {window_start} AS start_bucket,
               time_bucket(INTERVAL '{width}', timezone('UTC', $as_of)) AS last_bucket
        FROM stores_{grain} AS s
    ),
    series_{grain} AS (
        SELECT b.store_id, st.status, unnest(generate_series(
                   b.start_bucket, b.last_bucket, INTERVAL '{width}')) AS bucket
        FROM bounds_{grain} AS b CROSS JOIN (SELECT unnest($statuses::VARCHAR[]) AS status) AS st
    ),
    moves_{grain} AS (
        SELECT store_id, status,
               time_bucket(INTERVAL '{width}', timezone('UTC', event_at)) AS bucket,
               sum(entries) AS entries, sum(exits) AS exits
        FROM events GROUP BY ALL
    ),
    carried_{grain} AS (
        SELECT b.store_id, st.status,
               coalesce(sum(m.entries - m.exits), 0) AS listings_before
        FROM bounds_{grain} AS b
        CROSS JOIN (SELECT unnest($statuses::VARCHAR[]) AS status) AS st
        LEFT JOIN moves_{grain} AS m
            ON m.store_id = b.store_id AND m.status = st.status AND m.bucket < b.start_bucket
        GROUP BY ALL
    ),
    trend_{grain} AS (
        SELECT s.store_id, s.status, '{grain}' AS grain,
               timezone('UTC', s.bucket) AS bucket_start,
               c.listings_before + sum(coalesce(m.entries, 0) - coalesce(m.exits, 0)) OVER (
                   PARTITION BY s.store_id, s.status ORDER BY s.bucket
               ) AS listings,
               coalesce(m.entries, 0) AS entries,
               coalesce(m.exits, 0) AS exits
        FROM series_{grain} AS s
        JOIN carried_{grain} AS c ON c.store_id = s.store_id AND c.status = s.status
        LEFT JOIN moves_{grain} AS m
            ON m.store_id = s.store_id AND m.status = s.status AND m.bucket = s.bucket
    )"""


def _backfill_status_moves(conn: duckdb.DuckDBPyConnection) -> None:
    """A history recorded before ``core.listing_status_moves`` existed: derive its moves once,
    from the history itself (the same entries and exits the tick-by-tick recording writes)."""
    if conn.execute("SELECT count(*) FROM core.listing_status_moves").fetchone()[0]:
        return
    conn.execute(
        "INSERT INTO core.listing_status_moves SELECT store_id, status, event_at, "
        f"sum(entries), sum(exits) FROM ({_STATUS_EVENTS}) GROUP BY store_id, status, event_at"
    )


def refresh_listing_status_trend(conn: duckdb.DuckDBPyConnection, *, as_of: datetime) -> int:
    """``reporting.listing_status_trend`` from ``core.listing_status_moves`` (the entries and
    exits ``listing_history`` records each tick): set-based sums over a table of a few rows per
    store and tick, never a scan of the history."""
    ctes = ",".join(
        _status_trend_grain_sql(grain, width, keep) for grain, (width, keep) in TREND_GRAINS.items()
    )
    union = " UNION ALL ".join(f"SELECT * FROM trend_{grain}" for grain in TREND_GRAINS)
    _backfill_status_moves(conn)
    sql = f"""
    WITH events AS (
        SELECT store_id, status, moved_at AS event_at, entries, exits
        FROM core.listing_status_moves WHERE moved_at <= $as_of
    ), {ctes}
    {union}
    """
    return _replace(
        conn,
        "reporting.listing_status_trend",
        sql,
        {"as_of": as_of, "statuses": list(STATUSES)},
    )


_ORDERS = """
WITH lines AS (
    SELECT amazon_order_id, sum(quantity_ordered) AS units, sum(item_price) AS amount,
           any_value(currency) AS currency
    FROM raw.amazon_order_items GROUP BY amazon_order_id
),
stores AS (
    SELECT unnest($store_ids::VARCHAR[]) AS store_id, unnest($currencies::VARCHAR[]) AS currency
)
SELECT
    o.store_id,
    coalesce(o.currency, l.currency, s.currency, '') AS currency,
    CAST(timezone('UTC', o.purchase_date) AS DATE) AS day,
    coalesce(o.order_status = 'Canceled', false) AS canceled,
    coalesce(l.units, o.number_of_items_shipped + o.number_of_items_unshipped, 0) AS units,
    coalesce(o.order_total, l.amount, 0) AS amount
FROM raw.amazon_orders AS o
LEFT JOIN lines AS l ON l.amazon_order_id = o.amazon_order_id
LEFT JOIN stores AS s ON s.store_id = o.store_id
WHERE o.purchase_date IS NOT NULL AND o.purchase_date <= $as_of
"""


def refresh_sales_trend(
    conn: duckdb.DuckDBPyConnection, *, as_of: datetime, stores: list[StoreInfo]
) -> tuple[int, int]:
    """``reporting.sales_trend`` and ``reporting.sales_totals`` from the fetched orders.

    Returns the row counts of both tables.
    """
    params = {
        "as_of": as_of,
        "store_ids": [s.store_id for s in stores],
        "currencies": [s.currency for s in stores],
        "keep_days": SALES_TREND_DAYS,
    }
    daily = f"""
    WITH orders AS ({_ORDERS}),
    per_day AS (
        SELECT store_id, currency, day,
               count(*) FILTER (WHERE NOT canceled) AS orders,
               count(*) FILTER (WHERE canceled) AS canceled_orders,
               coalesce(sum(units) FILTER (WHERE NOT canceled), 0) AS units,
               coalesce(sum(amount) FILTER (WHERE NOT canceled), 0) AS revenue
        FROM orders GROUP BY ALL
    ),
    -- Days reach back at most SALES_TREND_DAYS (a mistyped purchase date must not make
    -- thousands of empty days); sales_totals reads the orders themselves.
    firsts AS (
        SELECT store_id, currency,
               greatest(min(day), CAST(timezone('UTC', $as_of) AS DATE) - $keep_days) AS first_day
        FROM per_day GROUP BY ALL
    ),
    series AS (
        SELECT store_id, currency, unnest(generate_series(
                   CAST(first_day AS TIMESTAMP), CAST(timezone('UTC', $as_of) AS DATE),
                   INTERVAL '1 day'
               )) AS day_ts
        FROM firsts
    ),
    dense AS (
        SELECT s.store_id, s.currency, CAST(s.day_ts AS DATE) AS day,
               coalesce(p.orders, 0) AS orders,
               coalesce(p.canceled_orders, 0) AS canceled_orders,
               coalesce(p.units, 0) AS units,
               CAST(coalesce(p.revenue, 0) AS DECIMAL(18, 2)) AS revenue
        FROM series AS s
        LEFT JOIN per_day AS p
            ON p.store_id = s.store_id AND p.currency = s.currency
           AND p.day = CAST(s.day_ts AS DATE)
    )
    SELECT *,
           -- In whole cents, rounded half up: dividing a DECIMAL would go through a DOUBLE.
           CASE WHEN orders > 0 THEN CAST(
               (CAST(revenue * 100 AS BIGINT) * 2 + orders) // (2 * orders) AS DECIMAL(18, 0)
           ) * 0.01 END AS average_order_value,
           sum(orders) OVER last_7 AS orders_7d,
           CAST(sum(revenue) OVER last_7 AS DECIMAL(18, 2)) AS revenue_7d,
           sum(orders) OVER last_30 AS orders_30d,
           CAST(sum(revenue) OVER last_30 AS DECIMAL(18, 2)) AS revenue_30d
    FROM dense
    WINDOW last_7 AS (PARTITION BY store_id, currency ORDER BY day
                      ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
           last_30 AS (PARTITION BY store_id, currency ORDER BY day
                       ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)
    """
    trend_rows = _replace(conn, "reporting.sales_trend", daily, params)
    totals = f"""
    WITH orders AS ({_ORDERS}),
    t AS (
        SELECT store_id, currency, units, amount AS revenue,
               CAST(timezone('UTC', $as_of) AS DATE) - day AS days_ago
        FROM orders WHERE NOT canceled
    )
    SELECT store_id, currency,
           count(*) FILTER (WHERE days_ago < 7) AS orders_7d,
           coalesce(sum(units) FILTER (WHERE days_ago < 7), 0) AS units_7d,
           CAST(coalesce(sum(revenue) FILTER (WHERE days_ago < 7), 0) AS DECIMAL(18, 2))
               AS revenue_7d,
           count(*) FILTER (WHERE days_ago < 30) AS orders_30d,
           coalesce(sum(units) FILTER (WHERE days_ago < 30), 0) AS units_30d,
           CAST(coalesce(sum(revenue) FILTER (WHERE days_ago < 30), 0) AS DECIMAL(18, 2))
               AS revenue_30d,
           count(*) AS orders_lifetime,
           CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue_lifetime,
           $as_of AS as_of
    FROM t GROUP BY store_id, currency
    """
    totals_rows = _replace(
        conn,
        "reporting.sales_totals",
        totals,
        {k: v for k, v in params.items() if k != "keep_days"},
    )
    return trend_rows, totals_rows


def refresh_sync_issue_trend(conn: duckdb.DuckDBPyConnection, *, as_of: datetime) -> int:
    """``reporting.sync_issue_trend`` from ``core.sync_issues``."""
    sql = """
    WITH issues AS (
        -- As the tick saw them: a resolution after the tick has not happened yet.
        SELECT store_id, kind, first_seen_at,
               CASE WHEN resolved_at <= $as_of THEN resolved_at END AS resolved_at,
               CAST(timezone('UTC', first_seen_at) AS DATE) AS opened_day,
               CAST(timezone('UTC', CASE WHEN resolved_at <= $as_of THEN resolved_at END)
                    AS DATE) AS resolved_day
        FROM core.sync_issues WHERE first_seen_at <= $as_of
    ),
    firsts AS (SELECT store_id, kind, min(opened_day) AS first_day FROM issues GROUP BY ALL),
    series AS (
        SELECT store_id, kind, CAST(unnest(generate_series(
                   CAST(first_day AS TIMESTAMP), CAST(timezone('UTC', $as_of) AS DATE),
                   INTERVAL '1 day'
               )) AS DATE) AS day
        FROM firsts
    ),
    ends AS (
        -- A past day is judged just before midnight; the last tick's day at the tick itself.
        SELECT *, timezone('UTC', CAST(day + 1 AS TIMESTAMP)) > $as_of AS is_today,
               least(timezone('UTC', CAST(day + 1 AS TIMESTAMP)), $as_of) AS day_end
        FROM series
    ),
    opened AS (
        SELECT store_id, kind, opened_day AS day, count(*) AS n FROM issues GROUP BY ALL
    ),
    resolved AS (
        SELECT store_id, kind, resolved_day AS day, count(*) AS n FROM issues
        WHERE resolved_day IS NOT NULL GROUP BY ALL
    ),
    -- Open at the end of a day = opened up to that day - resolved up to that day (a resolution
    -- at midnight belongs to the next day, so the issue was open at the end of this one).
    counted AS (
        SELECT e.store_id, e.kind, e.day,
               coalesce(o.n, 0) AS opened, coalesce(r.n, 0) AS resolved,
               sum(coalesce(o.n, 0) - coalesce(r.n, 0)) OVER (
                   PARTITION BY e.store_id, e.kind ORDER BY e.day
               ) AS open_at_end_of_day
        FROM ends AS e
        LEFT JOIN opened AS o USING (store_id, kind, day)
        LEFT JOIN resolved AS r USING (store_id, kind, day)
    ),
    -- The ages need the open issues themselves: two range joins (past days, the tick's day).
    ages AS (
        SELECT e.store_id, e.kind, e.day,
               median((epoch(e.day_end) - epoch(i.first_seen_at)) / 60.0) AS median_age_minutes
        FROM ends AS e JOIN issues AS i
            ON i.store_id = e.store_id AND i.kind = e.kind
           AND i.first_seen_at < e.day_end
           AND coalesce(i.resolved_at, 'infinity'::TIMESTAMPTZ) >= e.day_end
        WHERE NOT e.is_today
        GROUP BY ALL
        UNION ALL
        SELECT e.store_id, e.kind, e.day,
               median((epoch(e.day_end) - epoch(i.first_seen_at)) / 60.0)
        FROM ends AS e JOIN issues AS i
            ON i.store_id = e.store_id AND i.kind = e.kind
           AND i.first_seen_at <= e.day_end
           AND coalesce(i.resolved_at, 'infinity'::TIMESTAMPTZ) > e.day_end
        WHERE e.is_today
        GROUP BY ALL
    )
    SELECT c.store_id, c.kind, c.day, c.opened, c.resolved, c.open_at_end_of_day,
           a.median_age_minutes
    FROM counted AS c LEFT JOIN ages AS a USING (store_id, kind, day)
    """
    return _replace(conn, "reporting.sync_issue_trend", sql, {"as_of": as_of})


def refresh_store_health(
    conn: duckdb.DuckDBPyConnection, *, as_of: datetime, stores: list[StoreInfo]
) -> int:
    """``reporting.store_health``: one row per configured store, as of the tick."""
    status_counts = ",\n".join(
        f"count(*) FILTER (WHERE ls.status = '{status}') AS {status}" for status in STATUSES
    )
    status_columns = ", ".join(f"coalesce(c.{status}, 0) AS {status}" for status in STATUSES)
    sql = f"""
    WITH stores AS (
        SELECT unnest($ids::VARCHAR[]) AS store_id, unnest($names::VARCHAR[]) AS store_name,
               unnest($marketplaces::VARCHAR[]) AS marketplace_id
    ),
    counts AS (
        SELECT ls.store_id, {status_counts}
        FROM core.listing_status AS ls GROUP BY ls.store_id
    ),
    snapshots AS (
        SELECT store_id, max(finished_at) AS last_ok FROM raw.store_fetches
        WHERE dataset = 'amazon_listings' AND outcome = 'ok' AND finished_at <= $as_of
        GROUP BY store_id
    ),
    issues AS (
        SELECT store_id,
               count(*) FILTER (WHERE severity = 'error') AS open_errors,
               count(*) FILTER (WHERE severity = 'warning') AS open_warnings
        FROM core.sync_issues
        WHERE first_seen_at <= $as_of AND (resolved_at IS NULL OR resolved_at > $as_of)
        GROUP BY store_id
    ),
    fetches AS (
        SELECT store_id, count(*) AS fetches_24h,
               count(*) FILTER (WHERE outcome = 'failed') AS failed_fetches_24h
        FROM raw.store_fetches
        WHERE finished_at > $as_of - INTERVAL '24 hours' AND finished_at <= $as_of
        GROUP BY store_id
    ),
    errors AS (
        SELECT store_id, count(*) AS api_errors_24h FROM raw.api_errors
        WHERE occurred_at > $as_of - INTERVAL '24 hours' AND occurred_at <= $as_of
        GROUP BY store_id
    )
    SELECT s.store_id, s.store_name, s.marketplace_id,
           sn.last_ok AS last_successful_snapshot_at,
           (epoch($as_of) - epoch(sn.last_ok)) / 60.0 AS snapshot_age_minutes,
           {status_columns},
           coalesce(i.open_errors, 0) AS open_errors,
           coalesce(i.open_warnings, 0) AS open_warnings,
           coalesce(f.fetches_24h, 0) AS fetches_24h,
           coalesce(f.failed_fetches_24h, 0) AS failed_fetches_24h,
           f.failed_fetches_24h / nullif(f.fetches_24h, 0) AS api_error_rate_24h,
           coalesce(e.api_errors_24h, 0) AS api_errors_24h,
           $as_of AS as_of
    FROM stores AS s
    LEFT JOIN counts AS c USING (store_id)
    LEFT JOIN snapshots AS sn USING (store_id)
    LEFT JOIN issues AS i USING (store_id)
    LEFT JOIN fetches AS f USING (store_id)
    LEFT JOIN errors AS e USING (store_id)
    """
    params = {
        "as_of": as_of,
        "ids": [s.store_id for s in stores],
        "names": [s.name for s in stores],
        "marketplaces": [s.marketplace_id for s in stores],
    }
    return _replace(conn, "reporting.store_health", sql, params)
