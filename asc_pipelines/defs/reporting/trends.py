"""Trend assets of the ``reporting`` schema: listing statuses, sales, sync issues, store health,
sync latency."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.history import listing_history
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic import sync_latency, trend_summaries, trends
from asc_pipelines.logic.outbox_purge import complete_from
from asc_pipelines.sync.tick_time import fetch_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.transaction import transaction

GROUP = "reporting"
# Every trend runs after the tick's core assets, so all of them see the same tick time (the
# tick's last fetch) and the same data.
AFTER_CORE = [listing_history, dg.AssetKey("sync_issues")]


def _trend_asset(*deps: dg.AssetKey) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """A reporting asset: one DuckDB writer, run after the tick's core assets (and ``deps``)."""
    return warehouse_asset(
        group=GROUP,
        deps=[*deps, *AFTER_CORE],
    )


def _refresh(
    context: dg.AssetExecutionContext,
    duckdb_resource: DuckDBResource,
    table: str,
    refresh: Callable[[duckdb.DuckDBPyConnection, datetime], object],
    summary: Callable[[duckdb.DuckDBPyConnection], dict[str, object]],
) -> dg.MaterializeResult:
    """Rebuild one reporting table as of the tick (one transaction) and describe it."""
    with duckdb_resource.get_connection() as conn:
        ensure_schema(conn)
        as_of = fetch_time(conn, context.run.run_id, or_last_recorded=True)
        if as_of is None:
            context.log.warning(f"nothing fetched yet: {table} left as it is")
        else:
            with transaction(conn):
                refresh(conn, as_of)
        metadata = table_metadata(conn, table)
        metadata["as_of"] = as_of.isoformat() if as_of else ""
        metadata.update(summary(conn))
    return dg.MaterializeResult(metadata=metadata)


def _status_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = trend_summaries.status_last_24_hours(conn)
    return {
        "rows_per_grain": trend_summaries.status_trend_rows_per_grain(conn),
        "summary": markdown_table(
            ["store", "status", "listings now", "entries 24 h", "exits 24 h"],
            [list(r) for r in rows],
        ),
    }


@_trend_asset()
def listing_status_trend(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Listing counts per store, tab and time bucket, with entries and exits.

    ``reporting.listing_status_trend``: 5-minute buckets for the last 2 days, hourly for 90 days,
    daily for all time; every status in every bucket (zeros included), so charts have no holes.
    """
    return _refresh(
        context,
        duckdb,
        "reporting.listing_status_trend",
        lambda conn, as_of: trends.refresh_listing_status_trend(conn, as_of=as_of),
        _status_summary,
    )


def _sales_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = trend_summaries.sales_totals(conn)
    return {
        "sales_totals_rows": len(rows),
        "summary": markdown_table(
            [
                "store",
                "currency",
                "orders 7 d",
                "revenue 7 d",
                "orders 30 d",
                "revenue 30 d",
                "orders",
                "revenue",
            ],
            [list(r) for r in rows],
        ),
    }


@_trend_asset(dg.AssetKey("amazon_orders"))
def sales_trend(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Amazon sales per store, currency and day, and the store dashboard's 7 / 30-day totals.

    ``reporting.sales_trend`` (orders, units, revenue and average order value per day, canceled
    orders apart, with rolling 7- and 30-day sums) and ``reporting.sales_totals``.
    """
    stores = trends.store_infos(settings.load())
    return _refresh(
        context,
        duckdb,
        "reporting.sales_trend",
        lambda conn, as_of: trends.refresh_sales_trend(conn, as_of=as_of, stores=stores),
        _sales_summary,
    )


def _issue_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = trend_summaries.sync_issues_last_day(conn)
    return {
        "summary": markdown_table(
            ["store", "kind", "opened today", "resolved today", "open now", "median age (min)"],
            [list(r) for r in rows],
        )
    }


@_trend_asset()
def sync_issue_trend(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Sync issues per store, kind and day: opened, resolved, open at the end of the day and
    their median age (``reporting.sync_issue_trend``)."""
    return _refresh(
        context,
        duckdb,
        "reporting.sync_issue_trend",
        lambda conn, as_of: trends.refresh_sync_issue_trend(conn, as_of=as_of),
        _issue_summary,
    )


def _health_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = trend_summaries.store_health_rows(conn)
    return {
        "summary": markdown_table(
            [
                "store",
                "last snapshot (UTC)",
                "age (min)",
                "active",
                "ready",
                "inactive",
                "incomplete",
                "open errors",
                "open warnings",
                "API error rate 24 h",
            ],
            [list(r) for r in rows],
        )
    }


@_trend_asset(dg.AssetKey("amazon_listings_snapshot"))
def store_health(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per store: last good snapshot, listings per tab, open issues by severity and the
    24-hour API error rate (``reporting.store_health``), the table on-call reads first."""
    stores = trends.store_infos(settings.load())
    return _refresh(
        context,
        duckdb,
        "reporting.store_health",
        lambda conn, as_of: trends.refresh_store_health(conn, as_of=as_of, stores=stores),
        _health_summary,
    )


def _latency_summary(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = sync_latency.latest_day(conn)
    return {
        "summary": markdown_table(
            ["store", "confirmed today", "p50 (min)", "p95 (min)", "waiting now"],
            [list(r) for r in rows],
        )
    }


@_trend_asset(dg.AssetKey("listing_updates"))
def sync_latency_trend(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """How long a listing change takes to show on Amazon: per change, from the tick that first
    saw the difference to the tick whose listings report showed the value
    (``reporting.sync_latency``), and per store and UTC day the p50 / p95 of the changes confirmed
    that day and the changes still waiting (``reporting.sync_latency_trend``). Days before the
    outbox's purge horizon keep the rows computed while their changes were kept."""
    return _refresh(
        context,
        duckdb,
        "reporting.sync_latency_trend",
        lambda conn, as_of: sync_latency.refresh_sync_latency(
            conn, as_of=as_of, complete_from=complete_from(conn)
        ),
        _latency_summary,
    )


TREND_ASSETS = [
    listing_status_trend,
    sales_trend,
    sync_issue_trend,
    store_health,
    sync_latency_trend,
]
