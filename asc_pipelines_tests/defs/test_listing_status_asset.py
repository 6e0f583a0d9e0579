"""listings_by_status through Dagster: seven partitions in one run, each with its own counts."""

from __future__ import annotations

from collections import Counter

import dagster as dg
import duckdb
import pytest

from asc_pipelines.logic.status import STATUSES

pytestmark = pytest.mark.slow

LISTINGS_BY_STATUS = dg.AssetKey("listings_by_status")


def test_one_tick_materializes_all_seven_partitions_with_their_counts(sandbox_pipeline) -> None:
    data, instance = sandbox_pipeline.data, sandbox_pipeline.instance
    result = sandbox_pipeline.sync()
    assert result.every_store_ok, result.messages

    assert instance.get_materialized_partitions(LISTINGS_BY_STATUS) == set(STATUSES)
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
            dg.AssetRecordsFilter(asset_key=LISTINGS_BY_STATUS, asset_partitions=[status]),
            limit=1,
        ).records
        metadata = records[0].asset_materialization.metadata
        assert metadata["dagster/row_count"].value == counts.get(status, 0)
        assert sum(metadata["rows_per_store"].value.values()) == counts.get(status, 0)
    assert counts.get("active", 0) > 0 and counts.get("new_third_party", 0) > 0


def test_each_tick_records_one_materialization_per_partition_with_its_metadata(
    sandbox_pipeline,
) -> None:
    """Issue 9: the UI showed two events per partition per tick (26 after 13 ticks)."""
    data, instance = sandbox_pipeline.data, sandbox_pipeline.instance
    run_ids = []
    for _ in range(2):
        result = sandbox_pipeline.sync()
        assert result.every_store_ok, result.messages
        run_ids.append(result.run_id)

    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        per_store = conn.execute(
            "SELECT status, store_id, count(*) FROM core.listing_status GROUP BY ALL"
        ).fetchall()
        reasons = conn.execute(
            "SELECT status, reason_code, count(*) FROM core.listing_status GROUP BY ALL"
        ).fetchall()
    for status in STATUSES:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=LISTINGS_BY_STATUS, asset_partitions=[status]),
            limit=100,
        ).records
        assert Counter(r.run_id for r in records) == {run_id: 1 for run_id in run_ids}, status
        latest = records[0]
        assert latest.run_id == run_ids[-1]
        metadata = {k: v.value for k, v in latest.asset_materialization.metadata.items()}
        rows_per_store = {store: n for s, store, n in per_store if s == status}
        assert metadata["rows_per_store"] == rows_per_store, status
        assert metadata["dagster/row_count"] == sum(rows_per_store.values()), status
        top = sorted(((-n, code) for s, code, n in reasons if s == status))[:5]
        assert metadata["top_reasons"] == {code: -n for n, code in top}, status
        assert "products_neither_listed_nor_eligible" in metadata
    # Nothing beyond the seven partitions: no unpartitioned event either.
    everything = instance.fetch_materializations(LISTINGS_BY_STATUS, limit=1000).records
    assert len(everything) == 2 * len(STATUSES)
