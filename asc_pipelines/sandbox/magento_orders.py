"""The sandbox store's Magento sales orders: a seeded history plus one order per simulated sale.

A world has no orders file: the history (up to 20 orders in the 30 days before the newest catalog
change) is drawn from the seed, and every sale ``evolve`` simulates becomes a new order, so stock
drops and orders tell the same story. Orders move ``pending`` -> ``processing`` (invoiced) ->
``complete`` (shipped) over ticks, each step bumping the order's ``updated_at`` like Magento does.
A configurable product is bought as two lines, the parent with the price and the child with
``parent_item_id`` and price 0 (protocols.md 7.5).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from asc_pipelines.sandbox.magento_catalog import STOCK_PRODUCT_TYPES, MagentoCatalog
from asc_pipelines.sandbox.magento_search import (
    Column,
    ColumnKind,
    format_sql_datetime,
    internal_error,
    parse_sql_datetime,
)

HISTORY_ORDERS = 20
HISTORY_DAYS = 30
CURRENCY = "USD"
STORE_ID = 1
STORE_NAME = "Main Website\nMain Website Store\nDefault Store View"

# Searchable order fields (columns of ``sales_order``) and their SQL kind.
ORDER_FIELDS: dict[str, ColumnKind] = {
    "entity_id": "int",
    "increment_id": "text",
    "state": "text",
    "status": "text",
    "created_at": "date",
    "updated_at": "date",
    "customer_email": "text",
    "customer_firstname": "text",
    "customer_lastname": "text",
    "customer_is_guest": "int",
    "order_currency_code": "text",
    "base_currency_code": "text",
    "grand_total": "float",
    "base_grand_total": "float",
    "subtotal": "float",
    "total_qty_ordered": "float",
    "total_item_count": "int",
    "store_id": "int",
}
# state -> (status, next state); Magento's default status for each state.
_LIFECYCLE = {"new": ("pending", "processing"), "processing": ("processing", "complete")}
_FIRST_NAMES = ("Zoë", "José", "Ana", "Björn", "Yuki", "Chloé", "Łukasz", "Mia")
_LAST_NAMES = ("Müller", "García", "Dubois", "山田", "Smith", "Nørgaard", "Kowalski", "O'Brien")


def _money(value: float) -> float | int:
    value = round(value, 2)
    return int(value) if value.is_integer() else value


class OrderBook:
    """The store's sales orders as Magento's REST API returns them (``entity_id`` = index + 1)."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self._next_item_id = 1

    @classmethod
    def synthesize(cls, catalog: MagentoCatalog, seed: int) -> OrderBook:
        """The seeded order history: same catalog and seed, same orders."""
        book = cls()
        rng = random.Random(f"asc-sandbox-magento-orders:{seed}")
        if not len(catalog):
            return book
        anchor = max(catalog.updated_at)
        times = sorted(anchor - rng.randrange(HISTORY_DAYS * 86400) for _ in range(HISTORY_ORDERS))
        for at in times:
            row = _pick_sellable(catalog, rng)
            if row is None:
                break
            state = rng.choices(("new", "processing", "complete", "canceled"), (2, 3, 6, 1))[0]
            book.add_sale(catalog, row, rng.randint(1, 3), at, rng, state)
        return book

    def add_sale(
        self,
        catalog: MagentoCatalog,
        row: int,
        qty: int,
        at: int,
        rng: random.Random,
        state: str = "new",
    ) -> dict[str, Any]:
        """Record a shopper buying ``qty`` of product ``row`` at epoch ``at``; returns the order."""
        entity_id = len(self.orders) + 1
        stamp = format_sql_datetime(at)
        price = catalog.price[row]
        price = 0.0 if math.isnan(price) else price
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        email = f"customer{rng.randrange(1, 10_000)}@example.com"
        lines = []
        parent = catalog.parent_of().get(catalog.sku[row])
        parent_item_id = None
        if parent is not None:
            parent_item_id = self._next_item_id
            lines.append(self._line(catalog, parent, entity_id, qty, price, stamp, None))
        lines.append(
            self._line(
                catalog,
                row,
                entity_id,
                qty,
                0.0 if parent is not None else price,
                stamp,
                parent_item_id,
            )
        )
        total = _money(price * qty)
        status = "canceled" if state == "canceled" else _LIFECYCLE.get(state, (state,))[0]
        order = {
            "entity_id": entity_id,
            "increment_id": f"{entity_id:09d}",
            "state": state,
            "status": status,
            "created_at": stamp,
            "updated_at": stamp,
            "store_id": STORE_ID,
            "store_name": STORE_NAME,
            "customer_email": email,
            "customer_firstname": first,
            "customer_lastname": last,
            "customer_is_guest": 0,
            "base_currency_code": CURRENCY,
            "global_currency_code": CURRENCY,
            "order_currency_code": CURRENCY,
            "store_currency_code": CURRENCY,
            "subtotal": total,
            "base_subtotal": total,
            "grand_total": total,
            "base_grand_total": total,
            "shipping_amount": 0,
            "tax_amount": 0,
            "total_qty_ordered": qty,
            "total_item_count": len(lines),
            "items": lines,
            "billing_address": {
                "address_type": "billing",
                "city": "Springfield",
                "country_id": "US",
                "email": email,
                "entity_id": entity_id,
                "firstname": first,
                "lastname": last,
                "parent_id": entity_id,
                "postcode": "62701",
                "street": ["1 Main Street"],
                "telephone": "555-0100",
            },
            "payment": {"method": "checkmo", "amount_ordered": total, "parent_id": entity_id},
            "status_histories": [],
        }
        if state in ("processing", "complete"):
            self._invoice(order)
        if state == "complete":
            self._ship(order)
        if state == "canceled":
            for line in lines:
                line["qty_canceled"] = line["qty_ordered"]
        self.orders.append(order)
        return order

    def _line(
        self,
        catalog: MagentoCatalog,
        row: int,
        order_id: int,
        qty: int,
        price: float,
        stamp: str,
        parent_item_id: int | None,
    ) -> dict[str, Any]:
        line: dict[str, Any] = {
            "item_id": self._next_item_id,
            "order_id": order_id,
            "sku": catalog.sku[row],
            "name": catalog.name[row],
            "product_id": row + 1,
            "product_type": catalog.type_id[row],
            "qty_ordered": qty,
            "qty_invoiced": 0,
            "qty_shipped": 0,
            "qty_canceled": 0,
            "qty_refunded": 0,
            "price": _money(price),
            "base_price": _money(price),
            "row_total": _money(price * qty),
            "base_row_total": _money(price * qty),
            "created_at": stamp,
            "updated_at": stamp,
            "store_id": STORE_ID,
        }
        if parent_item_id is not None:
            line["parent_item_id"] = parent_item_id
        self._next_item_id += 1
        return line

    @staticmethod
    def _invoice(order: dict[str, Any]) -> None:
        for line in order["items"]:
            line["qty_invoiced"] = line["qty_ordered"]

    @staticmethod
    def _ship(order: dict[str, Any]) -> None:
        for line in order["items"]:
            line["qty_shipped"] = line["qty_ordered"]

    def advance(self, rng: random.Random, at: int, count: int) -> int:
        """Move up to ``count`` open orders one lifecycle step; returns how many moved."""
        open_orders = [o for o in self.orders if o["state"] in _LIFECYCLE]
        moved = 0
        for order in rng.sample(open_orders, min(count, len(open_orders))):
            next_state = _LIFECYCLE[order["state"]][1]
            order["state"] = next_state
            order["status"] = next_state if next_state == "complete" else "processing"
            order["updated_at"] = format_sql_datetime(at)
            if next_state == "processing":
                self._invoice(order)
            else:
                self._ship(order)
            moved += 1
        return moved


class OrderTable:
    """The orders as a searchable table (see ``magento_search``)."""

    def __init__(self, orders: Sequence[dict[str, Any]]) -> None:
        self.orders = orders

    def row_count(self) -> int:
        """Number of orders."""
        return len(self.orders)

    def natural_order_fields(self) -> frozenset[str]:
        """``sales_order``'s primary key."""
        return frozenset({"entity_id"})

    def column(self, field: str) -> Column:
        """One ``sales_order`` column; an unknown one is a SQL error in Magento (500)."""
        kind = ORDER_FIELDS.get(field)
        if kind is None:
            raise internal_error()
        values: list[Any] = [o.get(field) for o in self.orders]
        if kind == "date":
            values = [parse_sql_datetime(v) if v else None for v in values]
        return Column(kind, values, nullable=True)


def _pick_sellable(catalog: MagentoCatalog, rng: random.Random) -> int | None:
    """A random enabled product that carries stock (what a shopper can put in the cart)."""
    for _ in range(50):
        row = rng.randrange(len(catalog))
        if catalog.type_id[row] in STOCK_PRODUCT_TYPES and catalog.status[row] == 1:
            return row
    return None
