"""Deterministic evolution of the Amazon side on advance (sales, prices, shipments, flips)."""

from __future__ import annotations

from pathlib import Path

from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.worlds import build_tiny_world


def _run(world: Path, seed: int, advances: list[float]) -> str:
    with SandboxServer(world, clock_mode="fixed", seed=seed) as server:
        for minutes in advances:
            server.advance(minutes)
        return server.app.dump()


def test_the_same_seed_and_advances_give_the_same_world(tmp_path: Path) -> None:
    advances = [5, 5, 10, 5, 30]
    first = _run(build_tiny_world(tmp_path / "a"), 7, advances)
    second = _run(build_tiny_world(tmp_path / "b"), 7, advances)
    assert first == second


def test_a_different_seed_gives_a_different_world(tmp_path: Path) -> None:
    advances = [5, 5, 10, 5, 30]
    assert _run(build_tiny_world(tmp_path / "a"), 1, advances) != _run(
        build_tiny_world(tmp_path / "b"), 2, advances
    )


def test_advancing_brings_orders_sales_price_moves_and_flips(tiny_world: Path) -> None:
    with SandboxServer(tiny_world, clock_mode="fixed", seed=3) as server:
        store = server.app.amazon.stores["us"]
        skus = set(store.listings)
        start_orders = set(store.orders)
        totals = {"new_orders": 0, "shipped_orders": 0, "price_changes": 0, "status_flips": 0}
        for _ in range(12):
            summary = server.advance(5)
            for key in totals:
                totals[key] += len(summary["amazon"]["us"][key])
        assert all(value > 0 for value in totals.values()), totals
        new_orders = [store.orders[o] for o in set(store.orders) - start_orders]
        assert new_orders
        for order in new_orders:
            assert {item["SellerSKU"] for item in order["OrderItems"]} <= skus
            assert order["LastUpdateDate"] >= "2025-10-01T12:05:00Z"
        assert store.orders["111-0000003-0000003"]["OrderStatus"] in ("Unshipped", "Shipped")


def test_a_sale_lowers_the_fbm_quantity_by_what_was_ordered(tiny_world: Path) -> None:
    with SandboxServer(tiny_world, clock_mode="fixed", seed=5) as server:
        store = server.app.amazon.stores["us"]
        before = {sku: store.cell(x, "quantity") for sku, x in store.listings.items()}
        sold: dict[str, int] = {}
        for _ in range(10):
            summary = server.advance(5)["amazon"]["us"]
            for order_id in summary["new_orders"]:
                for item in store.orders[order_id]["OrderItems"]:
                    sold[item["SellerSKU"]] = (
                        sold.get(item["SellerSKU"], 0) + item["QuantityOrdered"]
                    )
        for sku, quantity in sold.items():
            listing = store.listings[sku]
            if before[sku].isdigit() and store.cell(listing, "fulfillment-channel") == "DEFAULT":
                assert int(store.cell(listing, "quantity")) == int(before[sku]) - quantity
        assert sold


def test_a_flip_to_inactive_adds_an_error_issue(tiny_world: Path) -> None:
    with SandboxServer(tiny_world, clock_mode="fixed", seed=0) as server:
        for _ in range(40):
            flips = server.advance(5)["amazon"]["us"]["status_flips"]
            store = server.app.amazon.stores["us"]
            for sku in flips:
                listing = store.listings[sku]
                has_error = any(i["severity"] == "ERROR" for i in listing.issues)
                if store.listing_status(listing):
                    assert store.cell(listing, "status") == "Active" and not has_error
                else:
                    assert store.cell(listing, "status") == "Inactive" and has_error
