"""What the report pages show, read from the warehouse: store health, sales totals, open sync
issues and each store's latest failed fetch.

Pages only read ``reporting.*``, ``core.sync_issues`` and, for that failure, ``raw.store_fetches``
and ``raw.api_errors``. Every row comes back as a mapping of column name to value; times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from asc_pipelines.logic.status import STATUSES

TOP_ISSUES = 10  # a store page lists this many of its most urgent open sync issues

Row = Mapping[str, object]

_HEALTH_SQL = f"""
SELECT store_id, store_name, marketplace_id,
    timezone('UTC', last_successful_snapshot_at) AS last_successful_snapshot_at,
    snapshot_age_minutes, {", ".join(STATUSES)}, open_errors, open_warnings,
    fetches_24h, failed_fetches_24h, api_error_rate_24h, api_errors_24h,
    timezone('UTC', as_of) AS as_of
FROM reporting.store_health
ORDER BY store_id
"""

_TOTALS_SQL = """
SELECT currency, orders_7d, units_7d, revenue_7d, orders_30d, units_30d, revenue_30d,
    orders_lifetime, revenue_lifetime
FROM reporting.sales_totals
WHERE store_id = ?
ORDER BY currency
"""

# Each store's latest failed fetch; without a message of its own, the latest API error the
# store had by then says what went wrong.
_LAST_FAILURE_SQL = """
SELECT f.store_id, f.dataset, timezone('UTC', f.finished_at) AS failed_at,
    coalesce(f.message, (
        SELECT arg_max(e.message, e.occurred_at) FROM raw.api_errors AS e
        WHERE e.store_id = f.store_id AND e.occurred_at <= f.finished_at
    )) AS message
FROM raw.store_fetches AS f
WHERE f.outcome = 'failed'
QUALIFY row_number() OVER (PARTITION BY f.store_id ORDER BY f.finished_at DESC) = 1
"""

# The most urgent open issues: errors first, then the oldest.
_TOP_ISSUES_SQL = f"""
SELECT kind, severity, subject, detail, timezone('UTC', first_seen_at) AS first_seen_at
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = ?
ORDER BY severity = 'error' DESC, first_seen_at, kind, subject
LIMIT {TOP_ISSUES}
"""

# Magento-wide issues (invalid identifiers of products, Magento API failures), by kind.
_MAGENTO_ISSUES_SQL = """
SELECT kind, max(severity) AS severity, count(*) AS open,
    arg_min(coalesce(detail, subject), first_seen_at) AS example
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = 'magento'
GROUP BY kind
ORDER BY open DESC, kind
"""

_ISSUE_COUNTS_SQL = """
SELECT count(*) AS open, count(*) FILTER (WHERE severity = 'error') AS errors
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = ?
"""


def store_health(conn: duckdb.DuckDBPyConnection) -> dict[str, Row]:
    """Each store's ``reporting.store_health`` row, by store_id."""
    return {str(row["store_id"]): row for row in _rows(conn, _HEALTH_SQL, [])}


def last_failures(conn: duckdb.DuckDBPyConnection) -> dict[str, Row]:
    """Each store's latest failed fetch (dataset, failed_at, message), by store_id."""
    return {str(row["store_id"]): row for row in _rows(conn, _LAST_FAILURE_SQL, [])}


def sales_totals(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[Row]:
    """The store's orders, units and revenue over 7 and 30 days and lifetime, one row a
    currency."""
    return _rows(conn, _TOTALS_SQL, [store_id])


def issue_counts(conn: duckdb.DuckDBPyConnection, store_id: str) -> Row:
    """How many sync issues of the store are open (``open``), and how many are errors."""
    return _rows(conn, _ISSUE_COUNTS_SQL, [store_id])[0]


def top_issues(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[Row]:
    """The store's TOP_ISSUES most urgent open sync issues: errors first, then the oldest."""
    return _rows(conn, _TOP_ISSUES_SQL, [store_id])


def magento_issues(conn: duckdb.DuckDBPyConnection) -> list[Row]:
    """Open sync issues of the Magento catalog itself, by kind, with the oldest as example."""
    return _rows(conn, _MAGENTO_ISSUES_SQL, [])


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[Row]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
