"""``product_matches``: each store's listings matched to Magento products, and each product judged
against each store's listing rules."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.amazon.issues import amazon_listing_issues
from asc_pipelines.defs.amazon.listings import amazon_listings_snapshot
from asc_pipelines.defs.magento.catalog import magento_catalog
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.classification import match_products
from asc_pipelines.logic.eligibility import eligible_products_per_store
from asc_pipelines.logic.matching import identifier_problem_counts, match_summary
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema


@warehouse_asset(
    group="core",
    deps=[amazon_listings_snapshot, amazon_listing_issues, magento_catalog],
)
def product_matches(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Every Amazon listing matched to the Magento product it sells, store by store.

    The first rule that finds candidates decides: seller SKU, then ASIN, then product-id against
    UPC/EAN/ISBN/GTIN (normalized with python-stdnum). One candidate is a match, several are
    ambiguous (``core.match_candidates``). Also judges every product against every store's
    listing rules (``core.product_eligibility``) and reports unusable identifiers
    (``core.identifier_problems``).
    """
    cfg = settings.load()
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        run = match_products(conn, cfg, computed_at=tick_time(conn, context.run.run_id))
        summary = match_summary(conn)
        metadata = table_metadata(conn, "core.product_matches")
        problems = identifier_problem_counts(conn)
        eligible = eligible_products_per_store(conn)
    metadata.update(
        {
            "matched_share_per_store": {
                row.store_id: float(row.matched_pct or 0) for row in summary
            },
            "matched_per_method": {
                row.store_id: {
                    "seller_sku": row.by_seller_sku,
                    "asin": row.by_asin,
                    "product_id": row.by_product_id,
                }
                for row in summary
            },
            "ambiguous": sum(int(row.ambiguous) for row in summary),
            "eligible_products_per_store": eligible,
            "identifier_problems": {f"{s}.{a}": n for (s, a), n in problems.items()},
            "identifiers_normalized_this_tick": run.identifiers_normalized,
            **{f"{step}_seconds": round(seconds, 3) for step, seconds in run.seconds.items()},
            "summary": markdown_table(
                [
                    "store",
                    "listings",
                    "matched",
                    "matched %",
                    "by seller SKU",
                    "by ASIN",
                    "by product-id",
                    "ambiguous",
                    "no candidate",
                    "shared product",
                ],
                [list(row) for row in summary],
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
