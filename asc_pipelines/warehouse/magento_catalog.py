"""The Magento catalog in the warehouse: one pull staged, then swapped in all at once.

A pull (products since the watermark, or all of them; MSI source items always in full) is staged
in TEMP tables of the connection while it pages, so a pull that fails half-way changes nothing.
`CatalogStaging.replace_catalog` then writes it in one transaction: products upserted (a full
pull replaces them all), source items replaced, every product's salable quantity computed
(``salable_quantity.sql``), the website prices, store views and currency rates read with it
(``magento.price_scope: website`` or ``price.currency_rate: magento``) swapped in, and the
watermark moved. The staged tables belong to the staging:
``drop()`` (or the end of a ``with`` block) removes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import duckdb
import pandas as pd

from asc_pipelines.warehouse.records import get_watermark, set_watermark
from asc_pipelines.warehouse.staging import StagedTables
from asc_pipelines.warehouse.transaction import transaction

# The catalog's watermark in raw.source_watermarks (store ``magento``, dataset ``magento_catalog``).
MAGENTO = "magento"
WATERMARK = "magento_catalog"

PRODUCT_COLUMNS = [
    "sku",
    "entity_id",
    "type_id",
    "name",
    "status",
    "visibility",
    "price",
    "website_codes",
    "asin",
    "upc",
    "ean",
    "isbn",
    "gtin",
    "condition",
    "required_options",
    "created_at",
    "updated_at",
]
SOURCE_ITEM_COLUMNS = ["sku", "source_code", "quantity", "status"]
WEBSITE_PRICE_COLUMNS = ["store_view_code", "sku", "price", "updated_at"]
STORE_VIEW_COLUMNS = [
    "store_view_code",
    "store_view_id",
    "website_id",
    "website_code",
    "store_group_id",
    "is_default_view",
    "is_active",
    "base_currency_code",
    "default_display_currency_code",
]
RATE_COLUMNS = ["scope_code", "base_currency_code", "currency_to", "rate"]

_PRODUCTS_TABLE = "stage_products"
_SOURCE_ITEMS_TABLE = "stage_source_items"
_PRICES_TABLE = "stage_website_prices"


@dataclass(frozen=True)
class WebsitePrices:
    """What a pull read of Magento's store views, website prices and rates, swapped in with the
    catalog: ``views`` (store view -> read in full) are the views whose prices are kept (the
    others' are dropped); the store views and rates replace the previous ones. The default,
    empty, keeps none: a global price scope reads none of them."""

    views: dict[str, bool] = field(default_factory=dict)
    store_views: list[dict[str, Any]] = field(default_factory=list)
    rates: list[dict[str, Any]] = field(default_factory=list)


@cache
def salable_quantity_sql() -> str:
    """The UPDATE that sets every product's ``salable_qty`` from its source items."""
    files = resources.files("asc_pipelines.warehouse")
    return files.joinpath("salable_quantity.sql").read_text("utf-8")


def catalog_watermark(conn: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """(watermark, last_full_at) of the catalog: the newest ``updated_at`` pulled, and when the
    last full pull was; (None, None) before the first pull."""
    return get_watermark(conn, MAGENTO, WATERMARK)


def priced_views(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Store views whose website prices the warehouse holds (a view without is read in full)."""
    rows = conn.execute("SELECT DISTINCT store_view_code FROM raw.magento_website_prices")
    return {code for (code,) in rows.fetchall()}


class CatalogStaging(StagedTables):
    """One pull of the catalog, staged on ``conn`` until `replace_catalog` swaps it in."""

    staged_tables: ClassVar[tuple[str, ...]] = (
        _PRODUCTS_TABLE,
        _SOURCE_ITEMS_TABLE,
        _PRICES_TABLE,
    )

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {_PRODUCTS_TABLE} AS "
            "SELECT * EXCLUDE (salable_qty, fetched_at) FROM raw.magento_products LIMIT 0"
        )
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {_SOURCE_ITEMS_TABLE} AS "
            "SELECT * EXCLUDE (fetched_at) FROM raw.magento_source_items LIMIT 0"
        )
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {_PRICES_TABLE} AS "
            "SELECT * EXCLUDE (fetched_at) FROM raw.magento_website_prices LIMIT 0"
        )

    def add_products(self, rows: list[dict[str, Any]]) -> None:
        """Stage a page of product rows (`PRODUCT_COLUMNS`)."""
        self._append(_PRODUCTS_TABLE, pd.DataFrame(rows, columns=PRODUCT_COLUMNS))

    def add_source_items(self, rows: list[dict[str, Any]]) -> None:
        """Stage a page of source item rows (`SOURCE_ITEM_COLUMNS`)."""
        self._append(_SOURCE_ITEMS_TABLE, pd.DataFrame(rows, columns=SOURCE_ITEM_COLUMNS))

    def add_website_prices(self, rows: list[dict[str, Any]]) -> None:
        """Stage a page of website price rows (`WEBSITE_PRICE_COLUMNS`)."""
        self._append(_PRICES_TABLE, pd.DataFrame(rows, columns=WEBSITE_PRICE_COLUMNS))

    def _append(self, table: str, frame: pd.DataFrame) -> None:
        self.conn.register("staged_page", frame)
        try:
            self.conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM staged_page")
        finally:
            self.conn.unregister("staged_page")

    def replace_catalog(
        self,
        *,
        full: bool,
        now: datetime,
        watermark: datetime | None,
        last_full: datetime | None,
        website_prices: WebsitePrices | None = None,
    ) -> None:
        """Swap the staged pull in, recompute salable quantities and move the watermark, in one
        transaction. ``watermark``/``last_full`` are the catalog's before this pull;
        ``website_prices``: what it read of store views, website prices and rates."""
        conn = self.conn
        newest = conn.execute(f"SELECT max(updated_at) FROM {_PRODUCTS_TABLE}").fetchone()
        new_mark = newest[0] if newest else None
        with transaction(conn):
            if full:
                conn.execute("DELETE FROM raw.magento_products")
            conn.execute(
                # A product edited while we paged can come twice: its latest version wins.
                "INSERT OR REPLACE INTO raw.magento_products BY NAME "
                "SELECT *, ? AS fetched_at, NULL::BIGINT AS salable_qty "
                f"FROM {_PRODUCTS_TABLE} "
                "QUALIFY row_number() OVER (PARTITION BY sku ORDER BY updated_at DESC) = 1",
                [now],
            )
            conn.execute("DELETE FROM raw.magento_source_items")
            conn.execute(
                "INSERT OR REPLACE INTO raw.magento_source_items BY NAME "
                "SELECT DISTINCT ON (sku, source_code) *, ? AS fetched_at "
                f"FROM {_SOURCE_ITEMS_TABLE}",
                [now],
            )
            conn.execute(salable_quantity_sql())
            self._replace_website_prices(website_prices or WebsitePrices(), now)
            set_watermark(
                conn,
                MAGENTO,
                WATERMARK,
                watermark=max(filter(None, [watermark, new_mark]), default=None),
                last_full_at=now if full else last_full,
                updated_at=now,
            )

    def _replace_website_prices(self, read: WebsitePrices, now: datetime) -> None:
        conn = self.conn
        views = list(read.views)
        full = [view for view, whole in read.views.items() if whole]
        conn.execute(
            "DELETE FROM raw.magento_website_prices "
            "WHERE NOT list_contains(?::VARCHAR[], store_view_code) "
            "OR list_contains(?::VARCHAR[], store_view_code)",
            [views, full],
        )
        conn.execute(
            "INSERT OR REPLACE INTO raw.magento_website_prices BY NAME "
            "SELECT *, ? AS fetched_at "
            f"FROM {_PRICES_TABLE} "
            "QUALIFY row_number() OVER (PARTITION BY store_view_code, sku "
            "ORDER BY updated_at DESC) = 1",
            [now],
        )
        for table, rows, columns in (
            ("raw.magento_store_views", read.store_views, STORE_VIEW_COLUMNS),
            ("raw.magento_currency_rates", read.rates, RATE_COLUMNS),
        ):
            conn.execute(f"DELETE FROM {table}")
            if rows:
                conn.register("read_rows", pd.DataFrame(rows, columns=columns))
                try:
                    conn.execute(
                        f"INSERT INTO {table} BY NAME SELECT *, ? AS fetched_at FROM read_rows",
                        [now],
                    )
                finally:
                    conn.unregister("read_rows")
