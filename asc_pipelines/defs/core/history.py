"""``listing_history``: every change of a listing's tab, reason, price or quantity, kept."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.status import listings_by_status
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.history import (
    close_removed_stores,
    current_rows_per_store,
    record_listing_history,
    stores_with_a_listings_report,
)
from asc_pipelines.sync.tick_time import fetch_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import Rewind, SourceClockWentBack
from asc_pipelines.warehouse.transaction import transaction

TABLE = "core.listing_history"


@warehouse_asset(
    group="core",
    deps=[listings_by_status],
)
def listing_history(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """What each listing's tab, reason, price and quantity were, and from when to when.

    ``core.listing_history``: one row per store and listing (or unlisted product) per change,
    with ``valid_from`` / ``valid_to`` (the current row open-ended) and ``status_since``. A tick
    that changes nothing adds nothing; re-running a tick replaces what it recorded. A store is
    recorded once its first listings report has loaded; a store removed from ``asc.yaml`` has its
    rows closed.
    """
    store_ids = [store.id for store in settings.load().stores]
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        observed_at = fetch_time(conn, context.run.run_id, or_last_recorded=True)
        loaded = stores_with_a_listings_report(conn)
        waiting = [store for store in store_ids if store not in loaded]
        if waiting:
            context.log.info(f"no listings report loaded yet for {waiting}: not recorded")
        tick = None
        removed: dict[str, int] = {}
        if observed_at is None:
            context.log.warning("nothing fetched yet: no tick time, history left as it is")
        else:
            with transaction(conn):
                tick = record_listing_history(
                    conn,
                    observed_at=observed_at,
                    store_ids=[store for store in store_ids if store in loaded],
                )
                if tick.skipped:  # rolled back: a tick from the past records nothing
                    raise SourceClockWentBack(
                        TABLE,
                        [
                            Rewind(store, observed_at, latest)
                            for store, latest in sorted(tick.skipped.items())
                        ],
                    )
                removed = close_removed_stores(conn, observed_at=observed_at, store_ids=store_ids)
            for store, rows in removed.items():
                context.log.warning(f"store {store} is no longer configured: {rows} rows closed")
        metadata = table_metadata(conn, TABLE)
        open_rows = current_rows_per_store(conn)
    rows = [
        [
            store,
            tick.new.get(store, 0) if tick else 0,
            tick.changed.get(store, 0) if tick else 0,
            tick.closed.get(store, 0) if tick else 0,
            open_rows.get(store, 0),
        ]
        for store in store_ids
    ]
    metadata.update(
        {
            "tick_time": observed_at.isoformat() if observed_at else "",
            "rows_added_this_tick": tick.rows_added if tick else 0,
            "current_rows_per_store": open_rows,
            "summary": markdown_table(
                ["store", "new", "changed", "left every tab", "current rows"], rows
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
