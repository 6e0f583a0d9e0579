"""Deterministic life on the Amazon side: sales, price moves, shipments, listings going on/off.

Each ``advance`` is one tick. A tick's random choices come only from ``(seed, tick, store)``, so
the same seed and the same sequence of advances always produce the same world. Per store a tick:
ships some Unshipped orders, takes new orders for buyable SKUs (FBM quantities drop by what was
sold), moves a few prices and flips a listing Active <-> Inactive (adding or removing the ERROR
issue that explains it). Everything changed gets the new clock time as its update date.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from asc_pipelines.constants import FBM_CHANNEL
from asc_pipelines.sandbox.amazon_state import ACTIVE_STATUS, AmazonState, Listing, StoreState
from asc_pipelines.sandbox.responses import zulu_time

SUPPRESSION_ISSUE: dict[str, Any] = {
    "code": "18027",
    "message": "The listing was deactivated because its price is outside the allowed range.",
    "severity": "ERROR",
    "attributeNames": ["purchasable_offer"],
    "categories": ["INVALID_PRICE"],
    "enforcements": {
        "actions": [{"action": "LISTING_SUPPRESSED"}],
        "exemption": {"status": "NOT_EXEMPT"},
    },
}
PRICE_STEPS = (Decimal("-0.05"), Decimal("-0.02"), Decimal("0.02"), Decimal("0.05"))


def report_decimal(text: str) -> Decimal | None:
    """A report cell as a finite decimal (a price), or None when it is not one."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _touch(state: StoreState, listing: Listing, now: datetime) -> None:
    listing.last_updated = now
    state.evolved = True
    state.version += 1


def _ship_orders(state: StoreState, rng: random.Random, minutes: float, now: datetime) -> list[str]:
    shipped = []
    for order_id in sorted(state.orders):
        order = state.orders[order_id]
        if order.get("OrderStatus") != "Unshipped" or rng.random() >= min(0.9, 0.1 * minutes):
            continue
        order["OrderStatus"] = "Shipped"
        order["LastUpdateDate"] = zulu_time(now)
        order["NumberOfItemsShipped"] = order.get("NumberOfItemsShipped", 0) + order.get(
            "NumberOfItemsUnshipped", 0
        )
        order["NumberOfItemsUnshipped"] = 0
        for item in order.get("OrderItems", []):
            item["QuantityShipped"] = item.get("QuantityOrdered", 0)
        shipped.append(order_id)
    return shipped


def _order_id(state: StoreState, rng: random.Random) -> str:
    while True:
        middle, last = rng.randint(0, 9_999_999), rng.randint(0, 9_999_999)
        candidate = f"{rng.randint(111, 114)}-{middle:07d}-{last:07d}"
        if candidate not in state.orders:
            return candidate


def _new_order(
    state: StoreState,
    listing: Listing,
    quantity: int,
    price: Decimal,
    rng: random.Random,
    now: datetime,
) -> dict[str, Any]:
    marketplace = state.store.marketplace
    channel = state.cell(listing, "fulfillment-channel") or FBM_CHANNEL
    money = {"CurrencyCode": marketplace.currency, "Amount": f"{price * quantity:.2f}"}
    zero = {"CurrencyCode": marketplace.currency, "Amount": "0.00"}
    return {
        "AmazonOrderId": _order_id(state, rng),
        "PurchaseDate": zulu_time(now),
        "LastUpdateDate": zulu_time(now),
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN" if channel == FBM_CHANNEL else "AFN",
        "SalesChannel": marketplace.sales_channel,
        "ShipServiceLevel": "Std Domestic",
        "OrderTotal": money,
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": quantity,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": marketplace.marketplace_id,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": zulu_time(now + timedelta(days=1)),
        "LatestShipDate": zulu_time(now + timedelta(days=3)),
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "OrderItems": [
            {
                "ASIN": state.cell(listing, "asin1"),
                "SellerSKU": listing.sku,
                "OrderItemId": f"{rng.randint(0, 10**14 - 1):014d}",
                "Title": state.cell(listing, "item-name"),
                "QuantityOrdered": quantity,
                "QuantityShipped": 0,
                "ProductInfo": {"NumberOfItems": "1"},
                "ItemPrice": money,
                "ItemTax": zero,
                "PromotionDiscount": zero,
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
            }
        ],
    }


def _take_orders(
    state: StoreState, rng: random.Random, minutes: float, now: datetime
) -> tuple[list[str], list[str]]:
    candidates = [
        listing
        for sku, listing in sorted(state.listings.items())
        if "BUYABLE" in state.listing_status(listing)
        and state.cell(listing, "asin1")
        and report_decimal(state.cell(listing, "price"))
    ]
    new_orders: list[str] = []
    quantity_changes: list[str] = []
    for _ in range(rng.randint(0, max(1, round(minutes / 2.5)))):
        if not candidates:
            break
        listing = rng.choice(candidates)
        quantity = 2 if rng.random() < 0.2 else 1
        stock_text = state.cell(listing, "quantity").strip()
        is_fbm = (state.cell(listing, "fulfillment-channel") or FBM_CHANNEL) == FBM_CHANNEL
        if is_fbm and stock_text.isdigit():
            if int(stock_text) < quantity:
                continue
            state.file.set(listing.row, "quantity", str(int(stock_text) - quantity))
            _touch(state, listing, now)
            quantity_changes.append(listing.sku)
        price = report_decimal(state.cell(listing, "price")) or Decimal(0)
        order = _new_order(state, listing, quantity, price, rng, now)
        state.orders[order["AmazonOrderId"]] = order
        new_orders.append(order["AmazonOrderId"])
    return new_orders, quantity_changes


def _move_prices(state: StoreState, rng: random.Random, minutes: float, now: datetime) -> list[str]:
    priced = [
        s
        for s, listing in sorted(state.listings.items())
        if report_decimal(state.cell(listing, "price"))
    ]
    moved = []
    for _ in range(rng.randint(0, max(1, round(minutes / 5)))):
        if not priced:
            break
        listing = state.listings[rng.choice(priced)]
        old = report_decimal(state.cell(listing, "price")) or Decimal(0)
        new = max(Decimal("0.01"), (old * (1 + rng.choice(PRICE_STEPS))).quantize(Decimal("0.01")))
        state.file.set(listing.row, "price", f"{new:.2f}")
        _touch(state, listing, now)
        moved.append(listing.sku)
    return moved


def _flip_status(state: StoreState, rng: random.Random, minutes: float, now: datetime) -> list[str]:
    if not state.listings or rng.random() >= min(1.0, 0.3 * minutes / 5):
        return []
    listing = state.listings[rng.choice(sorted(state.listings))]
    if "BUYABLE" in state.listing_status(listing):
        state.file.set(listing.row, "status", "Inactive")
        listing.status = []
        listing.issues.append(dict(SUPPRESSION_ISSUE))
    else:
        state.file.set(listing.row, "status", "Active")
        listing.status = list(ACTIVE_STATUS)
        listing.issues = [i for i in listing.issues if i.get("severity") != "ERROR"]
    _touch(state, listing, now)
    return [listing.sku]


def evolve_amazon(
    state: AmazonState, *, seed: int, tick: int, minutes: float, now: datetime
) -> dict[str, Any]:
    """Apply one tick of changes to every store; returns what changed, per store."""
    summary: dict[str, Any] = {}
    for store_id in sorted(state.stores):
        store = state.stores[store_id]
        rng = random.Random(f"amazon:{seed}:{tick}:{store_id}")
        shipped = _ship_orders(store, rng, minutes, now)
        new_orders, quantity_changes = _take_orders(store, rng, minutes, now)
        summary[store_id] = {
            "new_orders": new_orders,
            "shipped_orders": shipped,
            "quantity_changes": quantity_changes,
            "price_changes": _move_prices(store, rng, minutes, now),
            "status_flips": _flip_status(store, rng, minutes, now),
        }
    return summary
