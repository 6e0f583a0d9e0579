"""``desired_listings``: what Amazon should show for every matched listing and Ready to List
product, in one table that the mismatch issues compare against (and, later, that is sent)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.matching import product_matches
from asc_pipelines.defs.core.status import listings_by_status
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.desired_listings import (
    TABLE,
    desired_listing_counts,
    refresh_desired_listings,
)
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema


@warehouse_asset(group="core", deps=[product_matches, listings_by_status])
def desired_listings(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """The quantity, price, condition and handling time each listing should show on Amazon.

    ``core.desired_listings``: per store, every listing matched to a Magento product and every
    Ready to List product. Quantity: salable, capped by ``max_listed_quantity``, less the store's
    ``quantity_buffer``; 0 when the product is not eligible; none for FBA listings. Price:
    Magento's for the store's website (its own price with ``magento.price_scope: website``, else
    the global one), converted into the marketplace currency at the store's
    ``price.currency_rate`` or Magento's own rate, adjusted, rounded and held between the store's
    minimum and maximum (outside them: withheld, a ``price_out_of_bounds`` issue). Price and
    quantity mismatches compare Amazon against this table.
    """
    cfg = settings.load()
    store_ids = [store.id for store in cfg.stores]
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        refresh_desired_listings(conn, cfg, computed_at=tick_time(conn, context.run.run_id))
        metadata = table_metadata(conn, TABLE)
        per_store = rows_per_store(conn, TABLE)
        counts = desired_listing_counts(conn, store_ids)
    metadata.update(
        {
            "rows_per_store": {store_id: per_store.get(store_id, 0) for store_id in store_ids},
            "price_withheld_per_store": {c.store_id: c.price_withheld for c in counts},
            "price_out_of_bounds": sum(c.price_out_of_bounds for c in counts),
            **(
                {"website_priced_per_store": {c.store_id: c.website_priced for c in counts}}
                if cfg.magento.price_scope == "website"
                else {}
            ),
            "summary": markdown_table(
                [
                    "store",
                    "listings",
                    "ready to list",
                    "FBA (no quantity)",
                    "quantity 0",
                    "price withheld",
                    "price out of bounds",
                ],
                [
                    [
                        c.store_id,
                        c.listings,
                        c.ready_to_list,
                        c.amazon_fulfilled,
                        c.quantity_zero,
                        c.price_withheld,
                        c.price_out_of_bounds,
                    ]
                    for c in counts
                ],
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
