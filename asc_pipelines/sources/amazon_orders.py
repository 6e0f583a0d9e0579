"""A store's orders and order lines from the Orders API v0, one bounded window per tick.

Orders are asked for by ``LastUpdateDate`` from the store's watermark (minus an overlap, for late
updates), at most ``orders_window_days`` at a time and never into the last minutes Amazon forbids,
so catching up on history is spread over ticks. Their lines (``getOrderItems``, one call every two
seconds) are fetched within ``order_items_budget_seconds``; orders still without lines wait for the
next tick. `order_row` and `order_item_row` turn the API's ``Order`` and ``OrderItem`` objects into
rows of ``raw.amazon_orders`` and ``raw.amazon_order_items``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from asc_pipelines.config import AmazonConfig
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.spapi.client import SpApiClient


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _money(value: dict[str, Any] | None) -> tuple[str | None, Decimal | None]:
    if not value:
        return None, None
    try:
        return value.get("CurrencyCode"), Decimal(str(value.get("Amount")))
    except (InvalidOperation, TypeError):
        return value.get("CurrencyCode"), None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def order_row(store_id: str, order: dict[str, Any], fetched_at: datetime) -> dict[str, Any]:
    """One ``raw.amazon_orders`` row from an Orders API ``Order`` (the whole order as JSON too)."""
    currency, total = _money(order.get("OrderTotal"))
    return {
        "store_id": store_id,
        "amazon_order_id": order["AmazonOrderId"],
        "marketplace_id": order.get("MarketplaceId"),
        "purchase_date": _ts(order.get("PurchaseDate")),
        "last_update_date": _ts(order.get("LastUpdateDate")),
        "order_status": order.get("OrderStatus"),
        "fulfillment_channel": order.get("FulfillmentChannel"),
        "sales_channel": order.get("SalesChannel"),
        "order_type": order.get("OrderType"),
        "currency": currency,
        "order_total": total,
        "number_of_items_shipped": _int(order.get("NumberOfItemsShipped")),
        "number_of_items_unshipped": _int(order.get("NumberOfItemsUnshipped")),
        "is_business_order": _bool(order.get("IsBusinessOrder")),
        "is_prime": _bool(order.get("IsPrime")),
        "order_json": json.dumps(order, ensure_ascii=False),
        "fetched_at": fetched_at,
    }


def order_item_row(
    store_id: str, order_id: str, item: dict[str, Any], fetched_at: datetime
) -> dict[str, Any]:
    """One ``raw.amazon_order_items`` row from an Orders API ``OrderItem`` of order ``order_id``."""
    currency, price = _money(item.get("ItemPrice"))
    return {
        "store_id": store_id,
        "amazon_order_id": order_id,
        "order_item_id": item["OrderItemId"],
        "asin": item.get("ASIN"),
        "seller_sku": item.get("SellerSKU"),
        "title": item.get("Title"),
        "quantity_ordered": _int(item.get("QuantityOrdered")),
        "quantity_shipped": _int(item.get("QuantityShipped")),
        "currency": currency,
        "item_price": price,
        "condition_id": item.get("ConditionId"),
        "item_json": json.dumps(item, ensure_ascii=False),
        "fetched_at": fetched_at,
    }


ORDER_COLUMNS = list(order_row("", {"AmazonOrderId": ""}, datetime.now(UTC)))
ITEM_COLUMNS = list(order_item_row("", "", {"OrderItemId": ""}, datetime.now(UTC)))


@dataclass(frozen=True)
class FetchedOrders:
    """One store's orders of this tick's window, the lines fetched, and where the next starts."""

    orders: pd.DataFrame  # ORDER_COLUMNS, one row per order (its latest version)
    items: pd.DataFrame  # ITEM_COLUMNS, one row per order line
    items_done: list[str]  # orders whose lines were all fetched this tick
    watermark: datetime | None  # where the next tick's window starts (before the overlap)
    note: str | None
    now: datetime  # Amazon's clock when the fetch ended


def fetch_orders(
    client: SpApiClient,
    *,
    store_id: str,
    marketplace_id: str,
    watermark: datetime | None,
    waiting_for_items: list[str],
    settings: AmazonConfig,
) -> FetchedOrders:
    """This tick's window of the store's orders, and the lines of those and of earlier orders
    still ``waiting_for_items``, within the order items budget."""
    client.ensure_access_token()  # also learns the server's clock for the first window
    if watermark is None:
        since = client.server_now() - timedelta(days=settings.orders_initial_lookback_days)
    else:
        since = watermark - timedelta(minutes=settings.orders_overlap_minutes)
    # One window per tick: from the watermark to at most orders_window_days later, and
    # never into the last minutes Amazon forbids (the two-minute rule, with a margin).
    latest = client.server_now() - timedelta(minutes=3)
    window_end = since + timedelta(days=settings.orders_window_days)
    before = window_end if window_end < latest else None
    orders: list[dict[str, Any]] = []
    next_mark = watermark
    pages = client.iter_orders(
        [marketplace_id], last_updated_after=since, last_updated_before=before
    )
    for page in pages:
        orders.extend(page.orders)
        next_mark = page.watermark
    fetched_at = client.server_now()
    order_frame = pd.DataFrame(
        [order_row(store_id, o, fetched_at) for o in orders], columns=ORDER_COLUMNS
    )
    # One order may come twice in a fetch (updated while paging): keep its latest version.
    order_frame = order_frame.sort_values("last_update_date", kind="stable").drop_duplicates(
        "amazon_order_id", keep="last"
    )
    wanted = list(dict.fromkeys([o["AmazonOrderId"] for o in orders] + waiting_for_items))
    items: list[dict[str, Any]] = []
    done: list[str] = []
    notes: list[str] = []
    if before is not None:
        notes.append(f"caught up to {before.isoformat()}; the next tick continues")
    started = time.monotonic()
    for order_id in wanted:
        if time.monotonic() - started > settings.order_items_budget_seconds:
            break
        try:
            lines = client.get_order_items(order_id)
        except SourceError as exc:  # the orders still land; their lines wait a tick
            notes.append(f"order lines stopped at {order_id}: {exc}")
            break
        items.extend(order_item_row(store_id, order_id, item, fetched_at) for item in lines)
        done.append(order_id)
    if len(wanted) > len(done):
        notes.append(f"{len(wanted) - len(done)} orders wait for their lines (next tick)")
    return FetchedOrders(
        orders=order_frame,
        items=pd.DataFrame(items, columns=ITEM_COLUMNS).drop_duplicates(
            ["amazon_order_id", "order_item_id"], keep="last"
        ),
        items_done=done,
        watermark=next_mark,
        note="; ".join(notes) or None,
        now=client.server_now(),
    )
