"""``amazon_orders``: what sold on each store, fetched incrementally since a watermark."""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, land
from asc_pipelines.warehouse.records import (
    get_watermark,
    set_watermark,
)
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import settle_source_times
from asc_pipelines.warehouse.transaction import transaction

DATASET = "amazon_orders"


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


def _orders_needing_items(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT amazon_order_id FROM raw.amazon_orders WHERE store_id = ? AND "
        "(items_fetched_at IS NULL OR items_fetched_at < last_update_date) "
        "ORDER BY last_update_date",
        [store_id],
    ).fetchall()
    return [r[0] for r in rows]


@warehouse_asset(
    group="amazon",
    source=True,
)
def amazon_orders(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Amazon orders and their lines, fetched since each store's watermark (Orders API v0).

    ``raw.amazon_orders`` and ``raw.amazon_order_items``, deduplicated on AmazonOrderId and
    OrderItemId. Order lines are fetched within a per-tick time budget (getOrderItems allows one
    call every two seconds); orders still without lines are picked up by the next tick.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    guard = tick_guard(run_id, cfg)
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        marks = {s.id: get_watermark(conn, s.id, "amazon_orders")[0] for s in cfg.stores}
        pending_items = {s.id: _orders_needing_items(conn, s.id) for s in cfg.stores}

    def fetch(store_id: str) -> dict[str, Any]:
        store = cfg.store(store_id)
        client = spapi_client(cfg, store, amazon_credentials, guard)
        client.ensure_access_token()  # also learns the server's clock for the first window
        mark = marks[store_id]
        if mark is None:
            since = client.server_now() - timedelta(days=cfg.amazon.orders_initial_lookback_days)
        else:
            since = mark - timedelta(minutes=cfg.amazon.orders_overlap_minutes)
        # One window per tick: from the watermark to at most orders_window_days later, and
        # never into the last minutes Amazon forbids (the two-minute rule, with a margin).
        latest = client.server_now() - timedelta(minutes=3)
        window_end = since + timedelta(days=cfg.amazon.orders_window_days)
        before = window_end if window_end < latest else None
        orders: list[dict[str, Any]] = []
        next_mark = mark
        pages = client.iter_orders(
            [store.marketplace_id], last_updated_after=since, last_updated_before=before
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
        wanted = list(dict.fromkeys([o["AmazonOrderId"] for o in orders] + pending_items[store_id]))
        items: list[dict[str, Any]] = []
        done: list[str] = []
        notes: list[str] = []
        if before is not None:
            notes.append(f"caught up to {before.isoformat()}; the next tick continues")
        started = time.monotonic()
        for order_id in wanted:
            if time.monotonic() - started > cfg.amazon.order_items_budget_seconds:
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
        return {
            "orders": order_frame,
            "items": pd.DataFrame(items, columns=ITEM_COLUMNS).drop_duplicates(
                ["amazon_order_id", "order_item_id"], keep="last"
            ),
            "items_done": done,
            "watermark": next_mark,
            "note": "; ".join(notes) or None,
            "now": client.server_now(),
        }

    fetched = fetch_all(
        [s.id for s in cfg.stores], fetch, log=context.log.warning, trace=context.log.debug
    )
    summary: list[list[object]] = []
    with duckdb.get_connection() as conn:
        times = settle_source_times(
            conn, DATASET, {s: r.value["now"] for s, r in fetched.items() if r.ok and r.value}
        )
        for store in cfg.stores:
            result: StoreFetch = fetched[store.id]

            def write(value: dict[str, Any], store_id: str = store.id) -> tuple[int, str | None]:
                _write_orders(conn, store_id, value, times[store_id])
                return len(value["orders"]), value["note"]

            summary.append(
                land(
                    conn,
                    store.id,
                    result,
                    write=write,
                    fetched_at=lambda _, store_id=store.id: times[store_id],
                    dataset=DATASET,
                    default_operation="getOrders",
                    run_id=run_id,
                )
            )
        metadata = table_metadata(conn, "raw.amazon_orders")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_orders")
        metadata["order_items"] = rows_per_store(conn, "raw.amazon_order_items")
    metadata["summary"] = markdown_table(
        ["store", "outcome", "orders fetched", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)


def _write_orders(
    conn: duckdb.DuckDBPyConnection, store_id: str, value: dict[str, Any], now: datetime
) -> None:
    """Upsert orders (keeping when their lines were fetched), upsert lines, move the watermark."""
    with transaction(conn):
        conn.register("order_frame", value["orders"])
        conn.execute(
            "INSERT INTO raw.amazon_orders BY NAME SELECT * FROM order_frame "
            "ON CONFLICT (amazon_order_id) DO UPDATE SET "
            "marketplace_id = excluded.marketplace_id, purchase_date = excluded.purchase_date, "
            "last_update_date = excluded.last_update_date, order_status = excluded.order_status, "
            "fulfillment_channel = excluded.fulfillment_channel, "
            "sales_channel = excluded.sales_channel, order_type = excluded.order_type, "
            "currency = excluded.currency, order_total = excluded.order_total, "
            "number_of_items_shipped = excluded.number_of_items_shipped, "
            "number_of_items_unshipped = excluded.number_of_items_unshipped, "
            "is_business_order = excluded.is_business_order, is_prime = excluded.is_prime, "
            "order_json = excluded.order_json, fetched_at = excluded.fetched_at"
        )
        conn.unregister("order_frame")
        conn.register("item_frame", value["items"])
        conn.execute(
            "INSERT OR REPLACE INTO raw.amazon_order_items BY NAME SELECT * FROM item_frame"
        )
        conn.unregister("item_frame")
        if value["items_done"]:
            conn.execute(
                "UPDATE raw.amazon_orders SET items_fetched_at = ? "
                "WHERE amazon_order_id IN (SELECT unnest(?::VARCHAR[]))",
                [now, value["items_done"]],
            )
        set_watermark(
            conn,
            store_id,
            "amazon_orders",
            watermark=value["watermark"],
            last_full_at=None,
            updated_at=now,
        )
