"""``listing_updates``: the outbox of listing changes Amazon still has to show (issue 11)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.desired_listings import desired_listings
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.outbox import STATUSES, TABLE, refresh_outbox
from asc_pipelines.logic.outbox_purge import purge_settled
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.transaction import transaction


@warehouse_asset(group="core", deps=[desired_listings])
def listing_updates(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """The changes Amazon still has to show: one per store, merchant-fulfilled listing,
    attribute (quantity, price) and value.

    ``core.listing_outbox``: what ``desired_listings`` wants and the latest listings snapshot
    does not show, queued once (idempotency key: store, SKU, attribute, value), a quantity
    dropping to 0 first, then other quantities, then prices; confirmed when a later snapshot
    shows the value, superseded by a newer desired value. Kept for every store whatever its
    ``push.mode``; ``amazon_listing_pushes`` sends only for stores that turned sending on.
    Changes settled more than ``outbox.keep_settled_days`` ago, and feeds that ended then, are
    purged.
    """
    cfg = settings.load()
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        now = tick_time(conn, context.run.run_id)
        with transaction(conn):
            result = refresh_outbox(
                conn,
                now=now,
                price_tolerance=cfg.sync_issues.price_tolerance,
                push={store.id: store.push for store in cfg.stores},
            )
            purged = purge_settled(conn, now=now, keep_days=cfg.outbox.keep_settled_days)
        metadata = table_metadata(conn, TABLE)
    modes = {store.id: store.push.mode for store in cfg.stores}
    metadata.update(
        {
            "queued": result.queued,
            "confirmed": result.confirmed,
            "superseded": result.superseded,
            "purged": purged.changes,
            "summary": markdown_table(
                ["store", "push mode", *STATUSES],
                [
                    [
                        store_id,
                        mode,
                        *result.by_store.get(store_id, dict.fromkeys(STATUSES, 0)).values(),
                    ]
                    for store_id, mode in modes.items()
                ],
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
