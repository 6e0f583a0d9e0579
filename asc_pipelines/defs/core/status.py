"""``listings_by_status``: the seven Amazon Sales Channel tabs, one partition each."""

import warnings

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.matching import product_matches
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.status import STATUSES, refresh_status
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.transaction import transaction

STATUS_PARTITIONS = dg.StaticPartitionsDefinition(list(STATUSES))
# Run tags that make one run materialize all seven partitions (single-run backfill policy).
ALL_STATUSES_TAGS = {
    "dagster/asset_partition_range_start": STATUSES[0],
    "dagster/asset_partition_range_end": STATUSES[-1],
}
TOP_REASONS = 5
# BackfillPolicy.single_run() is how one run covers all seven partitions (DESIGN.md); Dagster
# marks the parameter beta and would warn on every load of the code location.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=Warning)


def _partition_metadata(conn: duckdb.DuckDBPyConnection, status: str) -> dict[str, object]:
    per_store = dict(
        conn.execute(
            "SELECT store_id, count(*) FROM core.listing_status WHERE status = ? "
            "GROUP BY store_id ORDER BY store_id",
            [status],
        ).fetchall()
    )
    reasons = conn.execute(
        "SELECT reason_code, count(*) AS n FROM core.listing_status WHERE status = ? "
        "GROUP BY reason_code ORDER BY n DESC, reason_code LIMIT ?",
        [status, TOP_REASONS],
    ).fetchall()
    return {
        "dagster/row_count": sum(per_store.values()),
        "rows_per_store": {k: int(v) for k, v in per_store.items()},
        "top_reasons": {code: int(n) for code, n in reasons},
    }


@warehouse_asset(
    group="core",
    partitions_def=STATUS_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[product_matches, dg.AssetKey("asin_lookups")],
)
def listings_by_status(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Every listing and every listable product in its Amazon Sales Channel tab, with the reason.

    ``core.listing_status``: Active, Ready to List, Inactive, Ineligible, Incomplete, Ended and
    New Third Party, each row with a machine-readable ``reason_code``. One run computes all seven
    partitions together (they partition one classification) and records one materialization per
    partition, carrying that partition's rows per store and top reasons.
    """
    cfg = settings.load()
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        computed_at = tick_time(conn, context.run.run_id)
        with transaction(conn):
            conn.execute(
                "DELETE FROM core.listing_status WHERE store_id NOT IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [[s.id for s in cfg.stores]],
            )
            for store in cfg.stores:
                refresh_status(
                    conn,
                    store_id=store.id,
                    marketplace_id=store.marketplace_id,
                    computed_at=computed_at,
                )
        unlisted_ineligible = dict(
            conn.execute(
                "SELECT e.store_id, count(*) FROM core.product_eligibility e "
                "WHERE NOT e.eligible AND NOT EXISTS (SELECT 1 FROM core.product_matches m "
                "WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku) "
                "GROUP BY e.store_id"
            ).fetchall()
        )
        for key in context.partition_keys:
            context.add_asset_metadata(_partition_metadata(conn, key), partition_key=key)
    # Dagster turns this one result into one materialization per partition of the run, each with
    # the metadata above for its own partition plus this metadata shared by all seven.
    return dg.MaterializeResult(
        metadata={
            "products_neither_listed_nor_eligible": {
                k: int(v) for k, v in unlisted_ineligible.items()
            },
        }
    )
