"""The sandbox store over time: deterministic sales, restocks, price and status changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sandbox.magento_evolve import evolve_magento
from asc_pipelines_tests.sandbox.magento_world import (
    ManualClock,
    criteria,
    product,
    serve,
    write_world,
)


def _world(root: Path) -> Path:
    products = [
        product(f"SKU-{i:03d}", price=f"{10 + i}.50", qty=str(20 + i % 7)) for i in range(300)
    ]
    return write_world(root, products)


def _state(sandbox: MagentoSandbox) -> tuple[Any, ...]:
    c = sandbox.catalog
    return (
        c.price.tolist(),
        c.status.tolist(),
        c.updated_at.tolist(),
        c.source_items.quantity.tolist(),
        c.source_items.status.tolist(),
        sandbox.orders,
    )


def _run(root: Path, seed: int, ticks: int) -> tuple[MagentoSandbox, list[dict[str, Any]]]:
    clock = ManualClock()
    sandbox = MagentoSandbox(root, clock, seed=seed)
    summaries = []
    for tick in range(1, ticks + 1):
        clock.advance(minutes=5)
        summaries.append(evolve_magento(sandbox, seed=seed, tick=tick, minutes=5, now=clock.now))
    return sandbox, summaries


def test_same_seed_and_ticks_give_the_same_store(tmp_path: Path) -> None:
    root = _world(tmp_path)
    first, first_summaries = _run(root, seed=11, ticks=12)
    second, second_summaries = _run(root, seed=11, ticks=12)
    assert first_summaries == second_summaries
    assert _state(first) == _state(second)
    other, _ = _run(root, seed=12, ticks=12)
    assert _state(other) != _state(first)


def test_each_tick_sells_restocks_and_reprices(tmp_path: Path) -> None:
    _, summaries = _run(_world(tmp_path), seed=1, ticks=12)
    assert all(
        s["sales"] >= 0 and s["restocks"] >= 1 and s["price_changes"] >= 1 for s in summaries
    )
    assert sum(s["sales"] for s in summaries) > 0
    assert sum(s["status_changes"] for s in summaries) > 0
    clock = ManualClock()
    idle = evolve_magento(
        MagentoSandbox(_world(tmp_path), clock), seed=0, tick=1, minutes=0, now=clock.now
    )
    assert idle["price_changes"] == 0


def test_stock_changes_do_not_bump_updated_at_but_price_and_status_do(tmp_path: Path) -> None:
    root = _world(tmp_path)
    before = MagentoSandbox(root, ManualClock())
    after, _ = _run(root, seed=5, ticks=12)
    b, a = before.catalog, after.catalog
    stock_moved = {
        a.source_items.sku[i]
        for i in range(len(a.source_items.sku))
        if a.source_items.quantity[i] != b.source_items.quantity[i]
    }
    changed = {
        a.sku[i] for i in range(len(a)) if a.price[i] != b.price[i] or a.status[i] != b.status[i]
    }
    bumped = {a.sku[i] for i in range(len(a)) if a.updated_at[i] != b.updated_at[i]}
    assert bumped == changed
    assert stock_moved - changed, "some products only changed stock"
    for i in range(len(a)):
        if a.sku[i] in bumped:
            assert a.updated_at[i] > b.updated_at[i]


def test_sales_become_orders_dated_at_the_clock(tmp_path: Path) -> None:
    clock = ManualClock()
    sandbox = MagentoSandbox(_world(tmp_path), clock, seed=2)
    history = len(sandbox.orders)
    clock.advance(minutes=5)
    summary = evolve_magento(sandbox, seed=2, tick=1, minutes=5, now=clock.now)
    new_orders = sandbox.orders[history:]
    assert len(new_orders) == summary["sales"] > 0
    assert {o["created_at"] for o in new_orders} == {clock.now.strftime("%Y-%m-%d %H:%M:%S")}
    assert all(o["state"] == "new" and o["status"] == "pending" for o in new_orders)


def test_a_search_cached_before_a_tick_answers_with_the_store_after_it(tmp_path: Path) -> None:
    clock = ManualClock()
    with serve(MagentoSandbox(_world(tmp_path), clock, seed=4), clock) as live:
        since = clock.now.strftime("%Y-%m-%d %H:%M:%S")
        pairs = criteria([("updated_at", since, "gt")], sort=[("sku", "ASC")], page_size=300)
        before = live.get("/rest/V1/products", pairs).json()["items"]
        clock.advance(minutes=5)
        summary = evolve_magento(live.sandbox, seed=4, tick=1, minutes=5, now=clock.now)
        after = live.get("/rest/V1/products", pairs).json()["items"]
    assert before == []
    assert 0 < len(after) <= summary["price_changes"] + summary["status_changes"]
    assert {item["updated_at"] for item in after} == {clock.now.strftime("%Y-%m-%d %H:%M:%S")}
