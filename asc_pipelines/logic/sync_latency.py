"""Sync latency: how long a listing change takes to show on Amazon (issue 11, section 5).

Read from ``core.listing_outbox`` after every tick, as of the tick's time by the sources' clock:

- ``reporting.sync_latency``: one row per change, from the tick that first saw the difference
  (``first_seen_at``) to the tick whose listings snapshot first showed the value
  (``confirmed_at``). That is the latency the merchant lives with: Magento (or asc.yaml) says one
  thing, Amazon shows another, until it does not. The clock starts at the tick, not at Magento's
  ``updated_at``: a stock change through MSI source items does not move it, a later edit of any
  attribute overwrites it, and a change of the store's price rule in asc.yaml has none. So the
  latency leaves out the time until the next tick (at most its interval, five minutes).
- ``reporting.sync_latency_trend``: per store and UTC day, of quantity and price changes (a new
  listing's time to publish, attribute ``offer``, is in ``reporting.sync_latency`` only), the median
  and 95th percentile (interpolated) of the latencies of the changes confirmed that day, how many
  changes were seen, confirmed and superseded, and how many were still waiting at the end of the
  day. A change that is never confirmed has no latency: it is counted as waiting (in a live store a
  ``slow_sync`` issue names it), never hidden in a percentile. Once old settled changes are purged
  from the outbox (``logic.outbox_purge``), the days before the purge horizon keep the rows computed
  while their changes were there, and ``reporting.sync_latency`` holds the changes still kept.

Set-based, one statement per table. No Dagster here.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

# As the tick saw them: a confirmation or supersession after the tick has not happened yet.
_CHANGES_SQL = """
SELECT store_id, change_id, seller_sku, attribute, value, status, first_seen_at, sent_at,
    CASE WHEN confirmed_at <= $as_of THEN confirmed_at END AS confirmed_at,
    CASE WHEN status = 'superseded' AND updated_at <= $as_of THEN updated_at END
        AS superseded_at
FROM core.listing_outbox
WHERE first_seen_at <= $as_of
"""

_LATENCY_SQL = f"""
WITH changes AS ({_CHANGES_SQL})
SELECT store_id, change_id, seller_sku, attribute, value, status, first_seen_at,
    CASE WHEN sent_at <= $as_of THEN sent_at END AS sent_at, confirmed_at,
    (epoch(confirmed_at) - epoch(first_seen_at)) / 60.0 AS latency_minutes,
    CASE WHEN sent_at <= confirmed_at
        THEN (epoch(confirmed_at) - epoch(sent_at)) / 60.0 END AS sent_to_confirmed_minutes,
    CASE WHEN confirmed_at IS NULL AND superseded_at IS NULL
        THEN (epoch($as_of) - epoch(first_seen_at)) / 60.0 END AS waiting_minutes
FROM changes
"""

_TREND_SQL = f"""
WITH changes AS ({_CHANGES_SQL}),
days AS (
    SELECT store_id, CAST(timezone('UTC', first_seen_at) AS DATE) AS seen_day,
        CAST(timezone('UTC', confirmed_at) AS DATE) AS confirmed_day,
        CAST(timezone('UTC', superseded_at) AS DATE) AS superseded_day,
        (epoch(confirmed_at) - epoch(first_seen_at)) / 60.0 AS latency_minutes
    FROM changes
    WHERE attribute IN ('quantity', 'price')  -- a new listing's time to publish is not sync
),
-- A trend rebuilt from a day on continues the rows kept before it (days whose changes were
-- purged from the outbox); rebuilt whole, nothing is kept and it starts at the first change.
kept AS (
    SELECT store_id, max(day) + 1 AS next_day FROM reporting.sync_latency_trend GROUP BY ALL
),
series AS (
    SELECT store_id, CAST(unnest(generate_series(
               CAST(least(min(seen_day), coalesce(any_value(kept.next_day), min(seen_day)))
                   AS TIMESTAMP),
               CAST(timezone('UTC', $as_of) AS DATE),
               INTERVAL '1 day'
           )) AS DATE) AS day
    FROM days LEFT JOIN kept USING (store_id) GROUP BY store_id
),
seen AS (SELECT store_id, seen_day AS day, count(*) AS n FROM days GROUP BY ALL),
confirmed AS (
    SELECT store_id, confirmed_day AS day, count(*) AS n,
        quantile_cont(latency_minutes, 0.5) AS p50, quantile_cont(latency_minutes, 0.95) AS p95,
        max(latency_minutes) AS longest
    FROM days WHERE confirmed_day IS NOT NULL GROUP BY ALL
),
superseded AS (
    SELECT store_id, superseded_day AS day, count(*) AS n FROM days
    WHERE superseded_day IS NOT NULL GROUP BY ALL
)
-- Waiting at the end of a day = seen up to it - confirmed or superseded up to it (a
-- confirmation at midnight belongs to the next day: the change waited through this one).
SELECT s.store_id, s.day,
    coalesce(n.n, 0) AS changes_seen,
    coalesce(c.n, 0) AS confirmed,
    coalesce(x.n, 0) AS superseded,
    c.p50 AS p50_minutes, c.p95 AS p95_minutes, c.longest AS max_minutes,
    sum(coalesce(n.n, 0) - coalesce(c.n, 0) - coalesce(x.n, 0)) OVER (
        PARTITION BY s.store_id ORDER BY s.day
    ) AS unconfirmed_at_end_of_day
FROM series AS s
LEFT JOIN seen AS n USING (store_id, day)
LEFT JOIN confirmed AS c USING (store_id, day)
LEFT JOIN superseded AS x USING (store_id, day)
"""


def _replace(
    conn: duckdb.DuckDBPyConnection, table: str, select_sql: str, params: dict[str, object]
) -> int:
    conn.execute(f"DELETE FROM {table}")
    conn.execute(f"INSERT INTO {table} BY NAME {select_sql}", params)
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _replace_days_from(conn: duckdb.DuckDBPyConnection, first_day: date, as_of: datetime) -> int:
    """Rebuild the trend from ``first_day`` on; earlier days keep the rows computed while their
    changes were still in the outbox."""
    params = {"as_of": as_of, "first_day": first_day}
    conn.execute(
        "DELETE FROM reporting.sync_latency_trend WHERE day >= $first_day",
        {"first_day": first_day},
    )
    conn.execute(
        "INSERT INTO reporting.sync_latency_trend BY NAME "
        f"SELECT * FROM ({_TREND_SQL}) WHERE day >= $first_day",
        params,
    )
    return int(conn.execute("SELECT count(*) FROM reporting.sync_latency_trend").fetchone()[0])


def refresh_sync_latency(
    conn: duckdb.DuckDBPyConnection, *, as_of: datetime, complete_from: date | None = None
) -> tuple[int, int]:
    """Rebuild ``reporting.sync_latency`` and ``reporting.sync_latency_trend`` as of the tick
    ``as_of``; returns both row counts. ``complete_from``: the first day whose changes are all
    still in the outbox (``logic.outbox_purge``); the trend's earlier days are kept as they
    are. The caller owns the transaction."""
    changes = _replace(conn, "reporting.sync_latency", _LATENCY_SQL, {"as_of": as_of})
    if complete_from is None:
        days = _replace(conn, "reporting.sync_latency_trend", _TREND_SQL, {"as_of": as_of})
    else:
        days = _replace_days_from(conn, complete_from, as_of)
    return changes, days


def latest_day(conn: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Each store's last day of ``reporting.sync_latency_trend``: ``(store_id, confirmed,
    p50_minutes, p95_minutes, unconfirmed_at_end_of_day)``, the asset's summary."""
    return conn.execute(
        "SELECT store_id, confirmed, round(p50_minutes, 1), round(p95_minutes, 1), "
        "unconfirmed_at_end_of_day FROM reporting.sync_latency_trend "
        "QUALIFY day = max(day) OVER (PARTITION BY store_id) ORDER BY store_id"
    ).fetchall()
