"""sync_issues through Dagster: two ticks against the sandbox: issues kept, resolved, escalated.

The asset runs inside the real sync job (its selection takes every ``core`` asset), in the same
single run as the seven ``listings_by_status`` partitions it depends on.
"""

from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.defs.core.sync_issues import sync_issues
from asc_pipelines.runner import run_sync
from asc_pipelines_tests.sandbox_edits import edit_listing

pytestmark = pytest.mark.slow

KEY = dg.AssetKey("sync_issues")


def _issues(data: Path) -> dict[str, tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "SELECT issue_id, store_id, kind, sku, severity, first_seen_at, last_seen_at, "
            "escalated_at, resolved_at FROM core.sync_issues"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_two_ticks_open_keep_escalate_and_resolve_issues(sandbox_pipeline) -> None:
    server, data = sandbox_pipeline.server, sandbox_pipeline.data
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
    tick_1 = next(iter(before.values()))[4]

    # A listing with a price mismatch closes on Amazon; an hour and five minutes pass.
    price_issue, (store_id, _, seller_sku, *_) = next(
        (issue_id, row) for issue_id, row in sorted(before.items()) if row[1] == "price_mismatch"
    )
    edit_listing(server, store_id, seller_sku, status="Inactive")
    server.advance(65)

    second = run_sync(defs, data, instance)
    assert second.every_store_ok, second.messages
    after = _issues(data)
    tick_2 = max(row[5] for row in after.values())
    assert tick_2 - tick_1 >= timedelta(minutes=65)

    assert after[price_issue][7] == tick_2  # resolved at tick 2
    kept = [i for i, row in before.items() if after[i][7] is None]
    assert kept, "some issues persist"
    for issue_id in kept:  # same id, same opening, seen again now
        assert after[issue_id][4] == tick_1 and after[issue_id][5] == tick_2
    escalated = [i for i in kept if after[i][6] is not None]
    assert escalated and all(after[i][3] == "error" for i in escalated)
    assert {after[i][1] for i in escalated} <= {"price_mismatch", "quantity_mismatch"}
    assert all(after[i][6] == tick_2 for i in escalated)

    event = instance.get_latest_materialization_event(KEY)
    assert event is not None and event.run_id == second.run_id
    metadata = event.asset_materialization.metadata
    assert metadata["resolved_this_tick"].value == sum(
        1 for row in after.values() if row[7] == tick_2
    )
    assert metadata["escalated_this_tick"].value == len(escalated)
    opened = [i for i, row in after.items() if row[4] == tick_2]
    assert opened, "the evolved world brings new problems"  # e.g. stock sold on Amazon only
    assert metadata["opened_this_tick"].value == len(opened)

    # Materialized alone (no fetch in its run), it judges as of the last fetch: nothing changes.
    resources = {name: defs.resources[name] for name in ("settings", "duckdb")}
    alone = dg.materialize([sync_issues], resources=resources, instance=instance)
    assert alone.success
    metadata = alone.asset_materializations_for_node("sync_issues")[0].metadata
    assert metadata["tick_time"].value == tick_2.isoformat()
    assert (
        metadata["opened_this_tick"].value,
        metadata["resolved_this_tick"].value,
        metadata["escalated_this_tick"].value,
    ) == (0, 0, 0)
    assert _issues(data) == after
