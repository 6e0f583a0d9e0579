"""Orders API v0 ``Order`` and ``OrderItem`` objects as warehouse rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from asc_pipelines.sources.amazon_orders import (
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    order_item_row,
    order_row,
)

FETCHED = datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_an_order_is_typed_and_kept_whole_as_json() -> None:
    order = {
        "AmazonOrderId": "111-1",
        "PurchaseDate": "2030-12-31T23:00:00Z",
        "LastUpdateDate": "2031-01-01T01:00:00+01:00",
        "OrderTotal": {"CurrencyCode": "EUR", "Amount": "19.90"},
        "NumberOfItemsShipped": 2,
        "IsBusinessOrder": "true",
        "IsPrime": False,
        "BuyerInfo": {"BuyerEmail": "ünïcode@example.com"},
    }
    row = order_row("de", order, FETCHED)
    assert list(row) == ORDER_COLUMNS
    assert row["purchase_date"] == datetime(2030, 12, 31, 23, tzinfo=UTC)
    assert row["last_update_date"] == datetime(2031, 1, 1, 0, tzinfo=UTC)
    assert (row["currency"], row["order_total"]) == ("EUR", Decimal("19.90"))
    assert (row["number_of_items_shipped"], row["number_of_items_unshipped"]) == (2, None)
    assert (row["is_business_order"], row["is_prime"]) == (True, False)
    assert json.loads(row["order_json"]) == order and "ünïcode" in row["order_json"]


def test_an_amount_that_is_no_number_keeps_its_currency() -> None:
    item = {"OrderItemId": "9", "ItemPrice": {"CurrencyCode": "USD", "Amount": "n/a"}}
    row = order_item_row("us", "111-1", item, FETCHED)
    assert list(row) == ITEM_COLUMNS
    assert (row["amazon_order_id"], row["currency"], row["item_price"]) == ("111-1", "USD", None)
    assert (row["quantity_ordered"], row["fetched_at"]) == (None, FETCHED)
