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
from asc_pipelines.logic.snapshot_guard import SHRINK_CODE, parse_shrink_message


@dg.asset_check(
    asset="amazon_listings_snapshot",
    name="unique_store_seller_sku",
    description="raw.amazon_listings holds at most one row per (store_id, seller_sku).",
    pool=WRITER_POOL,
)
def unique_store_seller_sku(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        duplicates = conn.execute(
            "SELECT store_id, seller_sku, count(*) AS n FROM raw.amazon_listings "
            "GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, store_id, seller_sku"
        ).fetchall()
        per_key = conn.execute(
            "SELECT store_id, sum(n) AS listings, count(*) FILTER (WHERE n > 1) AS duplicated "
            "FROM (SELECT store_id, seller_sku, count(*) AS n FROM raw.amazon_listings "
            "GROUP BY ALL) GROUP BY store_id ORDER BY store_id"
        ).fetchall()
    listings = {store_id: int(n) for store_id, n, _ in per_key}
    duplicated = {store_id: int(d) for store_id, _, d in per_key}
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
        refused = conn.execute(
            "SELECT store_id, any_value(message ORDER BY occurred_at DESC) "
            "FROM raw.api_errors WHERE code = ? AND run_id = ? GROUP BY store_id "
            "ORDER BY store_id",
            [SHRINK_CODE, context.run.run_id],
        ).fetchall()
        kept = dict(
            conn.execute(
                "SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY store_id"
            ).fetchall()
        )
    rows: list[list[object]] = []
    refused_rows: dict[str, int] = {}
    last_good_rows: dict[str, int] = {}
    for store_id, message in refused:
        counts = parse_shrink_message(message)
        if counts is not None:
            refused_rows[store_id], last_good_rows[store_id] = counts
        rows.append([store_id, *(counts or (None, None)), kept.get(store_id, 0), message])
    summary = None
    if refused:
        stores = ", ".join(store_id for store_id, _ in refused)
        summary = f"snapshot refused for {stores}: the last good snapshot stays"
    metadata: dict[str, object] = {
        "max_snapshot_shrink_share": float(max_shrink_share),
        "stores_refused": [store_id for store_id, _ in refused],
        "refused_stores": len(refused),
        **per_store("refused_rows", refused_rows),
        **per_store("last_good_rows", last_good_rows),
        **per_store("rows_kept", {store_id: int(kept.get(store_id, 0)) for store_id, _ in refused}),
    }
    if refused:
        metadata["refusals"] = markdown_table(
            ["store", "refused rows", "last good rows", "rows kept", "message"], rows
        )
    return dg.AssetCheckResult(
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=summary,
    )


AMAZON_CHECKS = [unique_store_seller_sku, snapshot_not_shrunk]
