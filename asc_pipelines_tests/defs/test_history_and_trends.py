"""History and trends through the real sync job, over ticks of sandbox time that change the world.

The sandbox's clock is moved forward five minutes between ticks and its world evolves (prices,
quantities, status flips, orders); a seller fixes a quantity mismatch and closes a listing by hand
before the last tick. After every tick the test keeps the full state the pipeline classified, so
the history and every trend number can be recomputed naively (``history_oracle``) and compared
exactly; the world's own record of what it changed is checked against the history too.

What the assets do with data already in the warehouse over a longer timeline (a tick that changes
nothing, a UTC midnight, a jump of eight days, README's trend questions, the pages in a browser) is
tested in process on a hand-made warehouse: ``test_history_and_trends_in_process.py``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines_tests.defs.history_oracle import (
    TABLES_OF_ASSETS,
    Sales,
    Tick,
    capture,
    changes_by_tick,
    check_sales,
    check_status_trend,
    check_store_health_counts,
    check_sync_issue_trend,
    expected_history,
    recorded_history,
)
from asc_pipelines_tests.sandbox_edits import edit_listing
from asc_pipelines_tests.warehouse.documentation import undocumented

pytestmark = pytest.mark.slow
STORES = ["uk", "us"]
# What one tick fetches per store: listings, listing issues, orders and ASIN look-ups.
FETCHES_PER_TICK = 4


def _capture(data: Path, run_id: str, changes: dict) -> Tick:
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        at = conn.execute(
            "SELECT max(finished_at) FROM raw.store_fetches WHERE run_id = ?", [run_id]
        ).fetchone()[0]
    return capture(data / "asc.duckdb", at, STORES, changes)


def _settle_a_quantity_mismatch(server, data: Path) -> tuple[str, str]:
    """Set one mismatched listing's Amazon quantity to what Magento would list (as a seller
    fixing it by hand would); returns (store, seller SKU)."""
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        store_id, sku, quantity = conn.execute(
            "SELECT i.store_id, i.sku, e.listed_qty FROM core.sync_issues AS i "
            "JOIN core.product_matches AS m ON m.store_id = i.store_id AND m.seller_sku = i.sku "
            "JOIN core.product_eligibility AS e "
            "  ON e.store_id = m.store_id AND e.magento_sku = m.magento_sku "
            "WHERE i.kind = 'quantity_mismatch' AND i.resolved_at IS NULL ORDER BY 1, 2 LIMIT 1"
        ).fetchone()
    edit_listing(server, store_id, sku, quantity=str(quantity))
    return store_id, sku


def _expected_sales(server, conn: duckdb.DuckDBPyConnection, as_of: datetime) -> Sales:
    """Per (store, currency, day): orders, canceled, units, revenue, from the sandbox's orders
    (those the pipeline has fetched)."""
    fetched = {
        r[0] for r in conn.execute("SELECT amazon_order_id FROM raw.amazon_orders").fetchall()
    }
    sales: Sales = defaultdict(lambda: [0, 0, 0, Decimal("0.00")])
    with server.app.lock:
        for store_id, state in server.app.amazon.stores.items():
            for order_id, order in state.orders.items():
                if order_id not in fetched:
                    continue
                purchased = datetime.fromisoformat(order["PurchaseDate"].replace("Z", "+00:00"))
                assert purchased <= as_of
                items = order.get("OrderItems", [])
                currency = (order.get("OrderTotal") or items[0]["ItemPrice"])["CurrencyCode"]
                row = sales[(store_id, currency, purchased.astimezone(UTC).date())]
                if order["OrderStatus"] == "Canceled":
                    row[1] += 1
                    continue
                row[0] += 1
                row[2] += sum(int(i["QuantityOrdered"]) for i in items)
                if order.get("OrderTotal"):
                    row[3] += Decimal(order["OrderTotal"]["Amount"])
                else:
                    row[3] += sum(Decimal(i["ItemPrice"]["Amount"]) for i in items)
    return sales


def test_history_and_trends_over_ticks_of_a_changing_world(sandbox_pipeline) -> None:
    server, data = sandbox_pipeline.server, sandbox_pipeline.data
    instance = sandbox_pipeline.instance
    ticks: list[Tick] = []

    def tick(changes: dict | None = None) -> Tick:
        result = sandbox_pipeline.sync()
        assert result.every_store_ok, result.messages
        ticks.append(_capture(data, result.run_id, changes or {}))
        return ticks[-1]

    tick()
    for _ in range(3):
        tick(server.advance(5))
    # A seller fixes a quantity mismatch and closes another active listing, in Seller Central.
    settled = _settle_a_quantity_mismatch(server, data)
    closed_store, closed_key = next(
        key for key, values in sorted(ticks[-1].state.items())
        if values[3] == "active" and values[0] is not None and (key[0], values[0]) != settled
    )  # fmt: skip
    edit_listing(server, closed_store, closed_key.removeprefix("listing:"), status="Inactive")
    tick(server.advance(5))
    as_of = ticks[-1].at

    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        # 1. The history is exactly the change-only record of the states the ticks saw.
        history = recorded_history(conn)
        assert history == expected_history(ticks)
        by_tick = changes_by_tick(history)

        # 2. What the world says it changed shows up in the history at the next tick.
        checked: dict[str, int] = defaultdict(int)
        for previous, current in pairwise(ticks):
            for store, changes in current.world_changes.get("amazon", {}).items():
                rows = by_tick[current.at]
                for sku in changes["price_changes"]:
                    assert "price" in rows[(store, f"listing:{sku}")], (store, sku)
                    checked["price"] += 1
                for sku in changes["quantity_changes"]:
                    assert "quantity" in rows[(store, f"listing:{sku}")], (store, sku)
                    checked["quantity"] += 1
                for sku in changes["status_flips"]:
                    if previous.state[(store, f"listing:{sku}")][3] == "active":
                        assert "status" in rows[(store, f"listing:{sku}")], (store, sku)
                        checked["status"] += 1
        assert checked["price"] and checked["quantity"], checked
        assert "status" in by_tick[as_of][(closed_store, closed_key)]

        # 3. Trends, against the captured states, the sandbox's orders and the issues.
        check_status_trend(conn, ticks, STORES)
        rows = check_sales(conn, _expected_sales(server, conn, as_of), as_of)
        assert sum(r[3] for r in rows) > 100  # the world really sells
        check_sync_issue_trend(conn, as_of)
        for row in check_store_health_counts(conn, ticks[-1]):
            # Every tick was within the last 24 hours: listings, issues, orders, look-ups each.
            assert row[8:11] == (FETCHES_PER_TICK * len(ticks), 0, 0.0)
            assert row[11].astimezone(UTC) == as_of

        # 4. The mismatch the seller fixed resolved at the first tick after the fix.
        assert conn.execute(
            "SELECT resolved_at FROM core.sync_issues WHERE kind = 'quantity_mismatch' "
            "AND store_id = ? AND sku = ? AND resolved_at IS NOT NULL",
            list(settled),
        ).fetchall() == [(as_of,)]

    # 5. Every history and trend materialization of the last tick reports its rows and a summary;
    # every table, view and column the ticks created (whichever asset created it) has a comment.
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        assert undocumented(conn) == []
        for asset, table in TABLES_OF_ASSETS:
            event = instance.get_latest_materialization_event(dg.AssetKey(asset))
            metadata = event.asset_materialization.metadata
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert metadata["dagster/row_count"].value == count > 0, asset
            assert metadata["summary"].value.startswith("| store |"), asset
            assert event.run_id == instance.get_runs(limit=1)[0].run_id, asset

    # 6. The report pages of the last tick, named in the asset's metadata.
    event = instance.get_latest_materialization_event(dg.AssetKey("report_pages"))
    index = data / "reports" / "index.html"
    assert event.asset_materialization.metadata["index"].value == str(index.resolve())
    assert event.run_id == instance.get_runs(limit=1)[0].run_id
