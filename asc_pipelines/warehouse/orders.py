"""``raw.amazon_orders`` and ``raw.amazon_order_items``: orders upserted as they change.

An order comes again whenever Amazon updates it; its row is replaced but keeps when its lines were
last fetched (``items_fetched_at``), so an order whose lines are older than its last update is
asked for its lines again.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from asc_pipelines.warehouse.records import get_watermark, set_watermark
from asc_pipelines.warehouse.transaction import transaction

# The orders' watermark in raw.source_watermarks: the last LastUpdateDate Amazon answered up to.
WATERMARK = "amazon_orders"


def orders_watermark(conn: duckdb.DuckDBPyConnection, store_id: str) -> datetime | None:
    """Where the store's next orders window starts (before the overlap); None before the first."""
    return get_watermark(conn, store_id, WATERMARK)[0]


def orders_needing_items(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[str]:
    """The store's orders whose lines were never fetched or are older than the order's update."""
    rows = conn.execute(
        "SELECT amazon_order_id FROM raw.amazon_orders WHERE store_id = ? AND "
        "(items_fetched_at IS NULL OR items_fetched_at < last_update_date) "
        "ORDER BY last_update_date",
        [store_id],
    ).fetchall()
    return [r[0] for r in rows]


def write_orders(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    *,
    orders: pd.DataFrame,
    items: pd.DataFrame,
    items_done: list[str],
    watermark: datetime | None,
    now: datetime,
) -> None:
    """Upsert orders (keeping when their lines were fetched), upsert lines, move the watermark."""
    with transaction(conn):
        conn.register("order_frame", orders)
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
        conn.register("item_frame", items)
        conn.execute(
            "INSERT OR REPLACE INTO raw.amazon_order_items BY NAME SELECT * FROM item_frame"
        )
        conn.unregister("item_frame")
        if items_done:
            conn.execute(
                "UPDATE raw.amazon_orders SET items_fetched_at = ? "
                "WHERE amazon_order_id IN (SELECT unnest(?::VARCHAR[]))",
                [now, items_done],
            )
        set_watermark(
            conn, store_id, WATERMARK, watermark=watermark, last_full_at=None, updated_at=now
        )
