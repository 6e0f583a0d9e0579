"""The ``desired_listings`` asset in this process, on a hand-made warehouse (no sandbox, no HTTP):
its table and metadata, and the sync issues of the same run compared against it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines_tests.defs.warehouse_fixtures import (
    CONFIG,
    InProcessWarehouse,
    at,
    in_process_warehouse,
    metadata,
)
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product

T1 = at("2024-06-01 12:00")
TICK = ("product_matches", "listings_by_status", "desired_listings", "sync_issues")
# The UK store's website sells in USD: its prices are converted at 0.80, with a 5.00 floor.
UK_PRICES = "price: {magento_currency: USD, currency_rate: 0.8, minimum_price: 5}"


@pytest.fixture
def warehouse(tmp_path: Path) -> InProcessWarehouse:
    warehouse = in_process_warehouse(tmp_path)
    warehouse.config.write_text(
        CONFIG.replace("website: uk_site}", f"website: uk_site, quantity_buffer: 1, {UK_PRICES}}}"),
        encoding="utf-8",
    )
    with warehouse.connect() as conn:
        add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=10, asin="B000000001")
        add_product(conn, "HAT", price=Decimal("15.00"), salable_qty=3, website_codes=["uk_site"])
        add_product(conn, "PIN", price=Decimal("5.00"), salable_qty=9, website_codes=["uk_site"])
        add_product(conn, "BOX", price=Decimal("30"), salable_qty=5, asin="B0000000B0")
        add_listing(conn, "us", "MUG", asin="B000000001", price=10, quantity=10)
        add_listing(conn, "uk", "HAT", asin="B000000004", price=12, quantity=2)
        add_listing(conn, "uk", "PIN", asin="B000000005", price=4, quantity=8)
        add_listing(conn, "uk", "MUG-FBA", asin="B000000001", fulfillment_channel="AMAZON_EU")
    return warehouse


def test_the_asset_writes_each_store_s_desired_state_with_its_counts(
    warehouse: InProcessWarehouse,
) -> None:
    values = metadata(warehouse.tick(T1, *TICK), "desired_listings")

    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        rows = {
            (store, sku): (quantity, price, currency, reason, computed_at)
            for store, sku, quantity, price, currency, reason, computed_at in conn.execute(
                "SELECT store_id, coalesce(seller_sku, magento_sku), quantity, price, currency, "
                "price_withheld_reason, computed_at FROM core.desired_listings"
            ).fetchall()
        }
    assert {key: row[:4] for key, row in rows.items()} == {
        ("us", "MUG"): (10, Decimal("10.00"), "USD", None),
        ("us", "BOX"): (5, Decimal("30.00"), "USD", None),  # Ready to List
        ("uk", "HAT"): (2, Decimal("12.00"), "GBP", None),  # 3 less the buffer; 15 * 0.80
        ("uk", "PIN"): (8, None, "GBP", "below_minimum_price"),  # 4.00 < 5
        ("uk", "MUG-FBA"): (None, Decimal("8.00"), "GBP", None),  # not in uk_site: still priced
    }
    assert {row[4] for row in rows.values()} == {T1}  # the tick's time, not this machine's
    assert values["dagster/row_count"] == 5
    assert values["rows_per_store"] == {"uk": 3, "us": 2}
    assert values["price_withheld_per_store"] == {"uk": 1, "us": 0}
    assert values["price_out_of_bounds"] == 1
    assert "| uk | 3 | 0 | 1 |" in values["summary"]


def test_the_sync_issues_of_the_run_compare_against_the_desired_state(
    warehouse: InProcessWarehouse,
) -> None:
    warehouse.tick(T1, *TICK)

    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        issues = set(
            conn.execute("SELECT store_id, kind, sku, severity FROM core.sync_issues").fetchall()
        )
    # HAT shows 12.00 GBP for a 15.00 USD product and 2 units of 3 less the buffer: in step.
    # PIN's 4.00 is under the floor: no price is sent, an error instead of a mismatch.
    assert issues == {("uk", "price_out_of_bounds", "PIN", "error")}


def test_the_sync_job_runs_desired_listings_before_sync_issues(tmp_path: Path) -> None:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    defs = build_definitions(config_file=config, data_directory=tmp_path / "data")
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    graph = job.asset_layer.asset_graph
    key = dg.AssetKey("desired_listings")
    assert key in job.asset_layer.executable_asset_keys
    assert key in graph.get(dg.AssetKey("sync_issues")).parent_keys
    assert {dg.AssetKey("product_matches"), dg.AssetKey("listings_by_status")} <= set(
        graph.get(key).parent_keys
    )
