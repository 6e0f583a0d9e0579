"""Checks on the Amazon listings snapshot, evaluated by Dagster right after it materializes.

- ``unique_store_seller_sku``: one row per store and seller SKU. ``raw.amazon_listings`` has a
  primary key on (store_id, seller_sku), so this guards against a schema that lost it rather than
  against the loader.
- ``snapshot_not_shrunk`` (blocking): no store's snapshot was refused this run for shrinking (see
  ``logic/snapshot_guard.py``); when one was, the downstream assets (product_matches and everything
  after it) do not run in this tick.

``SOURCE_FRESHNESS`` (``defs/options.py``) goes on the four raw assets. Dagster judges it by the
asset's last materialization, and the raw assets materialize every tick even when a store failed,
so it shows the pipeline (schedule, daemon, runs) stopping, not one store going stale: that is the
``stale_store`` sync issue's job, and ``snapshot_not_shrunk`` for refused snapshots.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.check_metadata import SAMPLE_ROWS, per_store
from asc_pipelines.defs.metadata import markdown_table
from asc_pipelines.defs.resources import WRITER_POOL, AscSettings
from asc_pipelines.logic.checks import (
    duplicate_listing_keys,
    listings_per_store,
    refused_snapshots,
)


@dg.asset_check(
    asset="amazon_listings_snapshot",
    name="unique_store_seller_sku",
    description="raw.amazon_listings holds at most one row per (store_id, seller_sku).",
    pool=WRITER_POOL,
)
def unique_store_seller_sku(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        duplicates = duplicate_listing_keys(conn)
        listings = listings_per_store(conn)
    duplicated = dict.fromkeys(listings, 0)
    for duplicate in duplicates:
        duplicated[duplicate.store_id] += 1
    metadata: dict[str, object] = {
        "listings": sum(listings.values()),
        "duplicated_keys": len(duplicates),
        **per_store("listings", listings),
        **per_store("duplicated_keys", duplicated),
    }
    if duplicates:
        metadata["sample"] = markdown_table(
            ["store", "seller_sku", "rows"], [list(d) for d in duplicates[:SAMPLE_ROWS]]
        )
    return dg.AssetCheckResult(
        passed=not duplicates, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
    )


@dg.asset_check(
    asset="amazon_listings_snapshot",
    name="snapshot_not_shrunk",
    blocking=True,
    description="No store's new listings snapshot was refused in this run for shrinking more "
    "than checks.max_snapshot_shrink_share against its last good one (that one stays). "
    "Blocking: on failure the assets downstream of the snapshot do not run in this tick.",
    pool=WRITER_POOL,
)
def snapshot_not_shrunk(
    context: dg.AssetCheckExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    max_shrink_share = settings.load().checks.max_snapshot_shrink_share
    with duckdb.get_connection() as conn:
        refused = refused_snapshots(conn, context.run.run_id)
    # A refusal whose message does not carry the guard's two counts has no figures to plot.
    parsed = [r for r in refused if r.refused_rows is not None and r.last_good_rows is not None]
    summary = None
    if refused:
        stores = ", ".join(r.store_id for r in refused)
        summary = f"snapshot refused for {stores}: the last good snapshot stays"
    metadata: dict[str, object] = {
        "max_snapshot_shrink_share": float(max_shrink_share),
        "stores_refused": [r.store_id for r in refused],
        "refused_stores": len(refused),
        **per_store("refused_rows", {r.store_id: r.refused_rows for r in parsed}),
        **per_store("last_good_rows", {r.store_id: r.last_good_rows for r in parsed}),
        **per_store("rows_kept", {r.store_id: r.rows_kept for r in refused}),
    }
    if refused:
        metadata["refusals"] = markdown_table(
            ["store", "refused rows", "last good rows", "rows kept", "message"],
            [
                [r.store_id, r.refused_rows, r.last_good_rows, r.rows_kept, r.message]
                for r in refused
            ],
        )
    return dg.AssetCheckResult(
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=summary,
    )


AMAZON_CHECKS = [unique_store_seller_sku, snapshot_not_shrunk]
