"""Deterministic life in the sandbox's Magento store: sales, restocks, price and status changes.

Each call is one tick, its random choices drawn only from ``(seed, tick)``, so the same seed and
the same sequence of ticks always give the same store. Shoppers buy (a source item's quantity
drops, an order is placed, a sold-out item goes out of stock), the warehouse restocks some items,
the merchant changes some prices and now and then enables or disables a product, and open orders
move along their lifecycle. Price and status changes stamp the product's ``updated_at``; stock
changes do not (real Magento behaviour, so an incremental ``updated_at`` sync misses them). In a
world whose ``stores.json`` makes the price scope per website, the merchant also reprices some
products at one website (all its store views), from a random stream of its own.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from typing import Any

from asc_pipelines.constants import MAGENTO_STATUS_DISABLED, MAGENTO_STATUS_ENABLED
from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sandbox.magento_catalog import MagentoCatalog, ProductOverride
from asc_pipelines.sandbox.magento_orders import OrderBook


def evolve_magento(
    store: MagentoSandbox, *, seed: int, tick: int, minutes: float, now: datetime
) -> dict[str, Any]:
    """Move the store forward by one tick of ``minutes`` ending at ``now``; returns counts of
    what changed. Requests wait while it runs."""
    with store.changing():
        rng = random.Random(f"asc-sandbox-magento:{seed}:{tick}")
        at = int(now.timestamp())
        scale = max(minutes, 0.0) / 5.0
        orders = store.order_book
        sales, restocks = _evolve_stock(store.catalog, orders, rng, at, scale)
        prices, toggles = _evolve_products(store.catalog, rng, at, scale)
        moved = orders.advance(rng, at, _count(len(orders.orders) * 0.05, scale, 5))
        summary = {
            "tick": tick,
            "sales": sales,
            "restocks": restocks,
            "price_changes": prices,
            "status_changes": toggles,
            "orders_advanced": moved,
        }
        if store.catalog.stores.website_price_scope:
            # Its own random stream, so worlds without website prices evolve as they always did.
            website_rng = random.Random(f"asc-sandbox-magento-website:{seed}:{tick}")
            summary["website_price_changes"] = _evolve_website_prices(
                store.catalog, website_rng, at, scale
            )
    return summary


def _evolve_stock(
    c: MagentoCatalog, orders: OrderBook, rng: random.Random, now: int, scale: float
) -> tuple[int, int]:
    items = c.source_items
    total = len(items.sku)
    if not total:
        return 0, 0
    sales = 0
    for _ in range(_count(total * 0.002, scale, 50)):
        at = rng.randrange(total)
        product = c.index.get(items.sku[at])
        available = int(items.quantity[at]) if items.status[at] else 0
        if product is None or c.status[product] != MAGENTO_STATUS_ENABLED or available < 1:
            continue
        sold = rng.randint(1, min(3, available))
        items.quantity[at] -= sold
        if items.quantity[at] <= 0:
            items.status[at] = 0
        orders.add_sale(c, product, sold, now, rng)
        sales += 1
    restocks = _count(total * 0.0005, scale, 15)
    for _ in range(restocks):
        at = rng.randrange(total)
        items.quantity[at] += rng.randint(5, 50)
        items.status[at] = 1
    return sales, restocks


def _evolve_products(
    c: MagentoCatalog, rng: random.Random, now: int, scale: float
) -> tuple[int, int]:
    if not len(c):
        return 0, 0
    prices = 0
    for _ in range(_count(len(c) * 0.001, scale, 100)):
        row = rng.randrange(len(c))
        if math.isnan(c.price[row]):
            continue
        c.price[row] = max(0.01, round(c.price[row] * rng.uniform(0.9, 1.1), 2))
        c.updated_at[row] = now
        prices += 1
    toggles = 0
    if rng.random() < 0.25 * scale:
        row = rng.randrange(len(c))
        enabled = c.status[row] == MAGENTO_STATUS_ENABLED
        c.status[row] = MAGENTO_STATUS_DISABLED if enabled else MAGENTO_STATUS_ENABLED
        c.updated_at[row] = now
        toggles = 1
    return prices, toggles


def _evolve_website_prices(c: MagentoCatalog, rng: random.Random, now: int, scale: float) -> int:
    """The merchant reprices some products at one website (price scope per website): every
    view of the website shows the new price, and the product's ``updated_at`` moves."""
    views: dict[int, list[str]] = {}
    for view in c.stores.views:
        views.setdefault(view.website_id, []).append(view.code)
    priced = sorted(
        {
            (site, row)
            for site, codes in views.items()
            for code in codes
            for row, o in c.overrides.get(code, {}).items()
            if o.price is not None
        }
    )
    changes = 0
    for _ in range(_count(len(priced) * 0.01, scale, 20) if priced else 0):
        site, row = priced[rng.randrange(len(priced))]
        old = next(
            o.price
            for code in views[site]
            if (o := c.overrides.get(code, {}).get(row)) is not None and o.price is not None
        )
        new = max(0.01, round(old * rng.uniform(0.9, 1.1), 2))
        for code in views[site]:
            override = c.overrides.setdefault(code, {}).setdefault(row, ProductOverride())
            override.price = new
        c.updated_at[row] = now
        changes += 1
    return changes


def _count(expected_per_five_minutes: float, scale: float, cap: int) -> int:
    """How many changes of one kind a tick makes: proportional to size and time, at least one."""
    if scale <= 0 or expected_per_five_minutes <= 0:
        return 0
    return max(1, min(cap, round(expected_per_five_minutes * scale)))
