"""``listings_by_status``: the seven Amazon Sales Channel tabs, one partition each."""

import warnings

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.core.matching import product_matches
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.classification import classify_listings
from asc_pipelines.logic.status import (
    STATUSES,
    products_neither_listed_nor_eligible,
    rows_per_store,
    top_reasons,
)
from asc_pipelines.sync.tick_time import tick_time
from asc_pipelines.warehouse.schema import ensure_schema

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
    per_store = rows_per_store(conn, status)
    return {
        "dagster/row_count": sum(per_store.values()),
        "rows_per_store": per_store,
        "top_reasons": top_reasons(conn, status, TOP_REASONS),
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
        classify_listings(conn, cfg, computed_at=tick_time(conn, context.run.run_id))
        unlisted_ineligible = products_neither_listed_nor_eligible(conn)
        for key in context.partition_keys:
            context.add_asset_metadata(_partition_metadata(conn, key), partition_key=key)
    # Dagster turns this one result into one materialization per partition of the run, each with
    # the metadata above for its own partition plus this metadata shared by all seven.
    return dg.MaterializeResult(
        metadata={
            "products_neither_listed_nor_eligible": unlisted_ineligible,
        }
    )
