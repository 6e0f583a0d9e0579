"""``sync_issues``: problems between Amazon and Magento, opened, kept and resolved tick by tick."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.sync_issues import (
    KINDS,
    ensure_sync_issue_schema,
    open_issues_per_severity,
    opened_or_escalated,
    refresh_sync_issues,
)
from asc_pipelines.sync.tick_time import fetch_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.transaction import transaction

TABLE = "core.sync_issues"
NEWEST_SHOWN = 20


@warehouse_asset(
    group="core",
    deps=[
        dg.AssetKey("listings_by_status"),
        dg.AssetKey("desired_listings"),
        dg.AssetKey("listing_updates"),
        dg.AssetKey("amazon_listing_pushes"),
        dg.AssetKey("amazon_orders"),
    ],
)
def sync_issues(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Every sync problem as an issue with a stable id: opened, kept while seen, then resolved.

    ``core.sync_issues``: price and quantity mismatches of active merchant-fulfilled listings,
    unmatched and ambiguous listings, Amazon listing errors, invalid identifiers, stale stores and
    repeated API failures. Warnings by default; errors for Amazon listing errors, stale stores, API
    failures and mismatches open longer than ``sync_issues.escalate_after_minutes``. One
    transaction per tick, timed by the sources' clock.
    """
    cfg = settings.load()
    # Until AscConfig carries ``sync_issues:``, the defaults apply.
    issue_settings = cfg.sync_issues
    store_ids = [store.id for store in cfg.stores]
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        ensure_sync_issue_schema(conn)
        # A run that fetched nothing (this asset materialized alone) judges the data as of the
        # last fetch, so it neither ages nor escalates issues on the machine's clock.
        now = fetch_time(conn, context.run.run_id, or_last_recorded=True)
        if now is None:
            context.log.warning("nothing fetched yet: no tick time, sync issues left as they are")
            tick = None
        else:
            with transaction(conn):
                tick = refresh_sync_issues(
                    conn,
                    now=now,
                    settings=issue_settings,
                    store_ids=store_ids,
                    live_store_ids=[s.id for s in cfg.stores if s.push.mode == "live"],
                )
        metadata = table_metadata(conn, TABLE)
        # What the UI shows: the issues this tick opened or escalated, errors first.
        newest = opened_or_escalated(conn, now, limit=NEWEST_SHOWN) if now is not None else []
        severities = open_issues_per_severity(conn)
    open_by_store = tick.open_by_store if tick else {}
    metadata.update(
        {
            "tick_time": now.isoformat() if now else "",
            "open_issues": tick.open_total if tick else 0,
            "open_errors": severities.get("error", 0),
            "open_warnings": severities.get("warning", 0),
            "open_per_store_and_kind": open_by_store,
            "opened_this_tick": tick.opened if tick else 0,
            "resolved_this_tick": tick.resolved if tick else 0,
            "escalated_this_tick": tick.escalated if tick else 0,
            "summary": markdown_table(
                ["store", *KINDS],
                [
                    [store_id, *(kinds.get(kind, 0) for kind in KINDS)]
                    for store_id, kinds in sorted(open_by_store.items())
                ],
            ),
            "opened_or_escalated": markdown_table(
                ["store", "kind", "severity", "sku / subject", "detail"],
                [list(row) for row in newest],
            ),
        }
    )
    if tick:
        context.log.info(
            f"sync issues at {now:%Y-%m-%d %H:%M}: {tick.open_total} open, {tick.opened} opened, "
            f"{tick.resolved} resolved, {tick.escalated} escalated"
        )
    return dg.MaterializeResult(metadata=metadata)
