"""listings_by_status through Dagster: seven partitions in one run, each with its own counts."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from asc_pipelines.logic.status import STATUSES

pytestmark = pytest.mark.slow


def test_one_tick_materializes_all_seven_partitions_with_their_counts(sandbox_pipeline) -> None:
    data, instance = sandbox_pipeline.data, sandbox_pipeline.instance
    result = sandbox_pipeline.sync()
    assert result.every_store_ok, result.messages

    key = dg.AssetKey("listings_by_status")
    assert instance.get_materialized_partitions(key) == set(STATUSES)
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        counts = dict(
            conn.execute("SELECT status, count(*) FROM core.listing_status GROUP BY 1").fetchall()
        )
        listings = conn.execute("SELECT count(*) FROM raw.amazon_listings").fetchone()[0]
        keyed_once = conn.execute(
            "SELECT count(*) FROM (SELECT store_id, seller_sku FROM core.listing_status "
            "WHERE seller_sku IS NOT NULL GROUP BY ALL HAVING count(*) = 1)"
        ).fetchone()[0]
        unlisted = conn.execute(
            "SELECT count(*), count(DISTINCT (store_id, magento_sku)) FROM core.listing_status "
            "WHERE seller_sku IS NULL"
        ).fetchone()
    # Every listing of the snapshot is in exactly one status; unlisted products once each.
    assert keyed_once == listings
    assert unlisted[0] == unlisted[1]
    for status in STATUSES:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[status]), limit=1
        ).records
        metadata = records[0].asset_materialization.metadata
        assert metadata["dagster/row_count"].value == counts.get(status, 0)
        assert sum(metadata["rows_per_store"].value.values()) == counts.get(status, 0)
    assert counts.get("active", 0) > 0 and counts.get("new_third_party", 0) > 0
