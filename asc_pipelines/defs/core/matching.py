"""``product_matches``: each store's listings matched to Magento products, and each product judged
against each store's listing rules."""

import time

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.amazon.issues import amazon_listing_issues
from asc_pipelines.defs.amazon.listings import amazon_listings_snapshot
from asc_pipelines.defs.magento.catalog import magento_catalog
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.eligibility import refresh_eligibility
from asc_pipelines.logic.identifiers import refresh_identifier_cache
from asc_pipelines.logic.matching import refresh_matches
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.transaction import transaction


def _match_summary(conn: duckdb.DuckDBPyConnection) -> list[list[object]]:
    return conn.execute(
        """
        SELECT store_id, count(*) AS listings,
            count(magento_sku) AS matched,
            round(100.0 * count(magento_sku) / count(*), 1) AS matched_pct,
            count(*) FILTER (WHERE method = 'seller_sku' AND magento_sku IS NOT NULL),
            count(*) FILTER (WHERE method = 'asin' AND magento_sku IS NOT NULL),
            count(*) FILTER (WHERE method = 'product_id' AND magento_sku IS NOT NULL),
            count(*) FILTER (WHERE candidate_count > 1) AS ambiguous,
            count(*) FILTER (WHERE candidate_count = 0) AS unmatched,
            count(*) FILTER (WHERE shared_product) AS shared
        FROM core.product_matches GROUP BY store_id ORDER BY store_id
        """
    ).fetchall()


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
    timings: dict[str, float] = {}
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        computed_at = tick_time(conn, context.run.run_id)
        started = time.monotonic()
        normalized = refresh_identifier_cache(conn)
        timings["normalize_seconds"] = round(time.monotonic() - started, 3)
        with transaction(conn):
            started = time.monotonic()
            refresh_matches(conn, seller_sku_attribute=cfg.matching.seller_sku_attribute)
            timings["match_seconds"] = round(time.monotonic() - started, 3)
            started = time.monotonic()
            conn.execute(
                "DELETE FROM core.product_eligibility WHERE store_id NOT IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [[s.id for s in cfg.stores]],
            )
            for store in cfg.stores:
                refresh_eligibility(conn, store, computed_at=computed_at)
            timings["eligibility_seconds"] = round(time.monotonic() - started, 3)
        summary = _match_summary(conn)
        metadata = table_metadata(conn, "core.product_matches")
        problems = conn.execute(
            "SELECT source, attribute, count(*) FROM core.identifier_problems GROUP BY ALL "
            "ORDER BY ALL"
        ).fetchall()
        eligible = dict(
            conn.execute(
                "SELECT store_id, count(*) FILTER (WHERE eligible) FROM core.product_eligibility "
                "GROUP BY store_id"
            ).fetchall()
        )
    metadata.update(
        {
            "matched_share_per_store": {row[0]: float(row[3] or 0) for row in summary},
            "matched_per_method": {
                row[0]: {"seller_sku": row[4], "asin": row[5], "product_id": row[6]}
                for row in summary
            },
            "ambiguous": sum(int(row[7]) for row in summary),
            "eligible_products_per_store": {k: int(v) for k, v in eligible.items()},
            "identifier_problems": {f"{s}.{a}": int(n) for s, a, n in problems},
            "identifiers_normalized_this_tick": normalized,
            **timings,
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
