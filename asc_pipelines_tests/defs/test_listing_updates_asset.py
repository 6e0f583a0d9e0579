"""The ``listing_updates`` asset in this process, on a hand-made warehouse (no sandbox, no HTTP):
the outbox of a tick, its metadata, and its place in the sync job."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines_tests.defs.warehouse_fixtures import CONFIG, at, in_process_warehouse, metadata
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product

T1 = at("2024-06-01 12:00")
TICK = ("product_matches", "listings_by_status", "desired_listings", "listing_updates")


def test_the_asset_queues_what_amazon_does_not_show_for_every_store(tmp_path: Path) -> None:
    warehouse = in_process_warehouse(tmp_path)
    with warehouse.connect() as conn:
        add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=10, asin="B000000001")
        add_product(conn, "HAT", price=Decimal("15.00"), salable_qty=0, website_codes=["uk_site"])
        add_listing(conn, "us", "MUG", asin="B000000001", price=10, quantity=4)
        add_listing(conn, "uk", "HAT", asin="B000000004", price=15, quantity=2)
        add_listing(conn, "uk", "MUG-FBA", asin="B000000001", fulfillment_channel="AMAZON_EU")

    values = metadata(warehouse.tick(T1, *TICK), "listing_updates")

    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        rows = conn.execute(
            "SELECT store_id, seller_sku, attribute, value, amazon_value, priority, status, "
            "first_seen_at FROM core.listing_outbox ORDER BY priority"
        ).fetchall()
    # Sending is off for both stores: the changes are kept all the same, none is sent.
    assert rows == [
        ("uk", "HAT", "quantity", "0", "2", 0, "pending", T1),
        ("us", "MUG", "quantity", "10", "4", 1, "pending", T1),
    ]
    assert values["queued"] == 2
    assert "| uk | off | 1 | 0 |" in values["summary"]


def test_the_sync_job_runs_listing_updates_after_desired_listings_before_sync_issues(
    tmp_path: Path,
) -> None:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    defs = build_definitions(config_file=config, data_directory=tmp_path / "data")
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    graph = job.asset_layer.asset_graph
    key = dg.AssetKey("listing_updates")
    assert key in job.asset_layer.executable_asset_keys
    assert dg.AssetKey("desired_listings") in graph.get(key).parent_keys
    assert key in graph.get(dg.AssetKey("sync_issues")).parent_keys
