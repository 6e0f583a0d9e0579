"""The ``sync_latency_trend`` asset in this process, on a hand-made warehouse: a drifted listing
queued by ``listing_updates`` at one tick and shown by Amazon at a later one has its latency in
``reporting.sync_latency`` and the day's p50 / p95 in ``reporting.sync_latency_trend``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines_tests.defs.warehouse_fixtures import (
    CONFIG,
    at,
    change_listing,
    in_process_warehouse,
    metadata,
)
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product

T1 = at("2026-03-02 12:00")
TICK = (
    "product_matches",
    "listings_by_status",
    "desired_listings",
    "listing_updates",
    "sync_latency_trend",
)


def test_a_change_shown_two_ticks_later_has_its_latency_and_the_days_percentiles(
    tmp_path: Path,
) -> None:
    warehouse = in_process_warehouse(tmp_path)
    with warehouse.connect() as conn:
        add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=10, asin="B000000001")
        add_product(conn, "CAP", price=Decimal("8.00"), salable_qty=3, asin="B000000002")
        add_listing(conn, "us", "MUG", asin="B000000001", price=10, quantity=4)
        add_listing(conn, "us", "CAP", asin="B000000002", price=8, quantity=1)
    first = metadata(warehouse.tick(T1, *TICK), "sync_latency_trend")
    assert "| us | 0 |" in first["summary"]  # nothing confirmed yet, two changes waiting

    with warehouse.connect() as conn:
        change_listing(conn, "us", "MUG", quantity=10)
    warehouse.tick(at("2026-03-02 12:05"), *TICK)
    with warehouse.connect() as conn:
        change_listing(conn, "us", "CAP", quantity=3)
    last = metadata(warehouse.tick(at("2026-03-02 12:20"), *TICK), "sync_latency_trend")

    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        changes = conn.execute(
            "SELECT seller_sku, status, latency_minutes, waiting_minutes "
            "FROM reporting.sync_latency ORDER BY seller_sku"
        ).fetchall()
        days = conn.execute(
            "SELECT store_id, day, changes_seen, confirmed, p50_minutes, p95_minutes, "
            "unconfirmed_at_end_of_day FROM reporting.sync_latency_trend"
        ).fetchall()
    assert changes == [("CAP", "confirmed", 20.0, None), ("MUG", "confirmed", 5.0, None)]
    assert days == [("us", T1.date(), 2, 2, 12.5, 19.25, 0)]
    assert "| us | 2 | 12.5 | 19.3 | 0 |" in last["summary"]
    assert last["as_of"] == at("2026-03-02 12:20").isoformat()


def test_the_sync_job_runs_sync_latency_trend_after_listing_updates(tmp_path: Path) -> None:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    defs = build_definitions(config_file=config, data_directory=tmp_path / "data")
    graph = defs.resolve_job_def(SYNC_JOB_NAME).asset_layer.asset_graph
    parents = graph.get(dg.AssetKey("sync_latency_trend")).parent_keys
    assert dg.AssetKey("listing_updates") in parents
    assert dg.AssetKey("sync_latency_trend") in graph.get(dg.AssetKey("report_pages")).parent_keys


def test_the_sync_issues_asset_flags_slow_changes_of_live_stores_only(tmp_path: Path) -> None:
    warehouse = in_process_warehouse(tmp_path)
    # us sends (live), uk does not (push off, the default): both have a drifted listing.
    warehouse.config.write_text(
        CONFIG.replace("seller_id: A1}", "seller_id: A1, push: {mode: live}}"), encoding="utf-8"
    )
    with warehouse.connect() as conn:
        add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=10, asin="B000000001")
        add_product(conn, "HAT", price=Decimal("15.00"), salable_qty=6, website_codes=["uk_site"])
        add_listing(conn, "us", "MUG", asin="B000000001", price=10, quantity=4)
        add_listing(conn, "uk", "HAT", asin="B000000004", price=15, quantity=2)
    issues = (*TICK[:-1], "sync_issues")
    warehouse.tick(T1, *issues)
    warehouse.tick(at("2026-03-02 12:30"), *issues)
    warehouse.tick(at("2026-03-02 12:35"), *issues)

    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        slow = conn.execute(
            "SELECT store_id, subject, severity, first_seen_at FROM core.sync_issues "
            "WHERE kind = 'slow_sync'"
        ).fetchall()
    assert slow == [("us", "MUG quantity", "warning", at("2026-03-02 12:35"))]
