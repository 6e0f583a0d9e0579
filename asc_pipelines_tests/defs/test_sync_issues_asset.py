"""sync_issues through Dagster: a tick against the sandbox opens the world's issues in the sync run.

The asset runs inside the real sync job (its selection takes every ``core`` asset), in the same
single run as the seven ``listings_by_status`` partitions it depends on. How issues are kept,
resolved and escalated over ticks, and what a run without a fetch does, is tested in process on a
hand-made warehouse (``test_assets_in_process.py``).
"""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.runner import run_sync

pytestmark = pytest.mark.slow

KEY = dg.AssetKey("sync_issues")


def _issues(data: Path) -> dict[str, tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "SELECT issue_id, store_id, kind, sku, severity, first_seen_at, last_seen_at, "
            "escalated_at, resolved_at FROM core.sync_issues"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_a_tick_opens_the_world_s_issues_in_the_sync_run_itself(sandbox_pipeline) -> None:
    data = sandbox_pipeline.data
    defs, instance = sandbox_pipeline.defs, sandbox_pipeline.instance

    first = run_sync(defs, data, instance)
    assert first.every_store_ok, first.messages
    before = _issues(data)
    kinds = {row[1] for row in before.values()}
    assert {"price_mismatch", "quantity_mismatch", "unmatched_listing"} <= kinds
    assert all(row[7] is None for row in before.values())  # nothing resolved yet
    event = instance.get_latest_materialization_event(KEY)
    assert event is not None and event.run_id == first.run_id  # in the sync run itself
    metadata = event.asset_materialization.metadata
    assert metadata["opened_this_tick"].value == len(before)
    assert metadata["open_issues"].value == len(before)
    assert metadata["dagster/row_count"].value == len(before)
    per_store = metadata["open_per_store_and_kind"].value
    assert sum(n for kinds_ in per_store.values() for n in kinds_.values()) == len(before)
