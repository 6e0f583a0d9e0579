"""A tiny in-memory warehouse for hand-built matching and status worlds.

``warehouse()`` gives a fresh DuckDB with the raw and core layers; ``add_product``,
``add_listing``, ``add_issue`` and ``add_lookup`` fill it; ``run`` performs one tick of the
classification path the Dagster assets run (``logic/classification.py``) and returns the statuses
keyed by ``(store_id, seller_sku or magento_sku)``; ``run_through_desired_listings`` goes on to
``core.desired_listings``, as the job does before judging sync issues.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from asc_pipelines.config import (
    AscConfig,
    ListingCondition,
    ListingRules,
    MagentoConfig,
    StoreConfig,
)
from asc_pipelines.logic.classification import classify
from asc_pipelines.logic.desired_listings import refresh_desired_listings
from asc_pipelines.logic.identifiers import normalize
from asc_pipelines.warehouse.schema import ensure_schema

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

Status = tuple[str, str, str | None]


_template: duckdb.DuckDBPyConnection | None = None
_names = itertools.count()


def warehouse() -> duckdb.DuckDBPyConnection:
    """A fresh, empty in-memory warehouse with every raw and core table.

    ``ensure_schema`` runs once, into a template database; each warehouse is an in-memory copy of
    it (``COPY FROM DATABASE``: tables and keys) used through its own connection, which is several
    times faster than a new DuckDB plus the commented DDL for every test.
    """
    global _template
    if _template is None:
        _template = duckdb.connect(config={"threads": 1})
        ensure_schema(_template)
    name = f"tiny_{next(_names)}"
    _template.execute(f"ATTACH ':memory:' AS {name}; COPY FROM DATABASE memory TO {name}")
    conn = _template.cursor()
    conn.execute(f"USE {name}")
    return conn


def store(
    store_id: str = "us",
    *,
    marketplace: str = "US",
    website: str = "base",
    rules: Sequence[dict[str, Any]] = (),
    match: str = "all",
    **options: Any,
) -> StoreConfig:
    """A store; ``rules`` are ``{attribute, op, value}`` dicts."""
    listing_rules = ListingRules(
        match=match, conditions=[ListingCondition(**rule) for rule in rules]
    )
    return StoreConfig(
        id=store_id,
        marketplace=marketplace,
        seller_id="A1",
        website=website,
        listing_rules=listing_rules,
        **options,
    )


def add_product(
    conn: duckdb.DuckDBPyConnection,
    sku: str,
    *,
    type_id: str = "simple",
    status: int | None = 1,
    website_codes: Iterable[str] = ("base",),
    salable_qty: int | None = 10,
    price: float | None = 9.99,
    name: str | None = None,
    visibility: int | None = 4,
    asin: str | None = None,
    upc: str | None = None,
    ean: str | None = None,
    isbn: str | None = None,
    gtin: str | None = None,
    condition: str | None = None,
    required_options: int | None = 0,
    created_at: datetime | None = None,
    updated_at: datetime = NOW,
    fetched_at: datetime = NOW,
) -> None:
    conn.execute(
        "INSERT INTO raw.magento_products (sku, entity_id, type_id, name, status, visibility, "
        "price, website_codes, asin, upc, ean, isbn, gtin, condition, required_options, "
        "salable_qty, created_at, updated_at, fetched_at) "
        "VALUES (?, (SELECT count(*) + 1 FROM raw.magento_products), ?, ?, ?, ?, ?, "
        "?::VARCHAR[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sku,
            type_id,
            name or f"Product {sku}",
            status,
            visibility,
            price,
            list(website_codes),
            asin,
            upc,
            ean,
            isbn,
            gtin,
            condition,
            required_options,
            salable_qty,
            created_at or NOW.replace(year=2020),
            updated_at,
            fetched_at,
        ],
    )


def add_listing(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    seller_sku: str,
    *,
    asin: str | None = None,
    product_id: str | None = None,
    product_id_type: str | None = None,
    status: str | None = "Active",
    price: float | None = 9.99,
    quantity: int | None = 5,
    fulfillment_channel: str = "DEFAULT",
    snapshot_at: datetime = NOW,
) -> None:
    """One listing row; without a product-id the listing was created with its ASIN."""
    if product_id is None and asin is not None:
        product_id, product_id_type = asin, product_id_type or "ASIN"
    conn.execute(
        "INSERT INTO raw.amazon_listings (store_id, seller_sku, asin, product_id, "
        "product_id_type, price, quantity, status, fulfillment_channel, snapshot_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            store_id,
            seller_sku,
            asin,
            product_id,
            product_id_type,
            price,
            quantity,
            status,
            fulfillment_channel,
            snapshot_at,
        ],
    )


def add_status(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    status: str,
    *,
    seller_sku: str | None = None,
    reason_code: str = "x",
    magento_sku: str | None = "p",
) -> None:
    """A ``core.listing_status`` row as if classified, for what reads the classification."""
    conn.execute(
        "INSERT INTO core.listing_status (store_id, status, reason_code, seller_sku, "
        "magento_sku, computed_at) VALUES (?, ?, ?, ?, ?, ?)",
        [store_id, status, reason_code, seller_sku, magento_sku, NOW],
    )


def remove_listing(conn: duckdb.DuckDBPyConnection, store_id: str, seller_sku: str) -> None:
    conn.execute(
        "DELETE FROM raw.amazon_listings WHERE store_id = ? AND seller_sku = ?",
        [store_id, seller_sku],
    )


def add_issue(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    seller_sku: str,
    *,
    code: str | None,
    message: str | None,
    severity: str = "ERROR",
    categories: Iterable[str] = (),
    attribute_names: Iterable[str] = (),
    enforcement_actions: Iterable[str] = (),
    asin: str | None = None,
    fetched_at: datetime = NOW,
) -> None:
    conn.execute(
        "INSERT INTO raw.amazon_listing_issues (store_id, seller_sku, asin, item_status, code, "
        "message, severity, categories, attribute_names, enforcement_actions, fetched_at) "
        "VALUES (?, ?, ?, ?::VARCHAR[], ?, ?, ?, ?::VARCHAR[], ?::VARCHAR[], ?::VARCHAR[], ?)",
        [
            store_id,
            seller_sku,
            asin,
            [],
            code,
            message,
            severity,
            list(categories),
            list(attribute_names),
            list(enforcement_actions),
            fetched_at,
        ],
    )


def add_lookup(
    conn: duckdb.DuckDBPyConnection,
    identifier_type: str,
    identifier: str,
    asins: Iterable[str],
    *,
    variation_parent_asins: Iterable[str] = (),
    marketplace: str = "US",
    looked_up_at: datetime = NOW,
) -> None:
    """A cached Catalog Items answer for ``identifier`` (type UPC, ISBN, EAN or GTIN)."""
    gtin14, problem = normalize(identifier_type.lower(), identifier)
    assert gtin14 is not None, problem
    marketplace_id = store("x", marketplace=marketplace).marketplace_id
    conn.execute(
        "INSERT OR REPLACE INTO core.asin_lookups VALUES "
        "(?, ?, ?, ?, ?::VARCHAR[], ?::VARCHAR[], ?)",
        [
            marketplace_id,
            identifier_type,
            gtin14,
            identifier,
            list(asins),
            list(variation_parent_asins),
            looked_up_at,
        ],
    )


def config(stores: Sequence[StoreConfig] | StoreConfig) -> AscConfig:
    """An ``asc.yaml`` with these stores (Magento is never called)."""
    stores = [stores] if isinstance(stores, StoreConfig) else list(stores)
    return AscConfig(stores=stores, magento=MagentoConfig(base_url="http://127.0.0.1:9"))


def statuses(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Status]:
    """``core.listing_status`` keyed by ``(store_id, seller_sku or magento_sku)``."""
    rows = conn.execute(
        "SELECT store_id, coalesce(seller_sku, magento_sku), status, reason_code, reason_detail "
        "FROM core.listing_status"
    ).fetchall()
    result: dict[tuple[str, str], Status] = {}
    for store_id, key, status, reason, detail in rows:
        assert (store_id, key) not in result, f"{store_id}/{key} has two status rows"
        result[(store_id, key)] = (status, reason, detail)
    return result


def run(
    conn: duckdb.DuckDBPyConnection,
    stores: Sequence[StoreConfig] | StoreConfig,
    now: datetime = NOW,
) -> dict[tuple[str, str], Status]:
    """One tick of the classification path (look-ups already in place); the statuses."""
    classify(conn, config(stores), computed_at=now)
    return statuses(conn)


def run_through_desired_listings(
    conn: duckdb.DuckDBPyConnection,
    stores: Sequence[StoreConfig] | StoreConfig,
    now: datetime = NOW,
) -> dict[tuple[str, str], Status]:
    """One tick as the sync job runs it up to the sync issues: classification, then
    ``core.desired_listings`` (what the mismatch issues compare Amazon against); the statuses."""
    statuses_now = run(conn, stores, now)
    refresh_desired_listings(conn, config(stores), computed_at=now)
    return statuses_now


def match_row(conn: duckdb.DuckDBPyConnection, store_id: str, seller_sku: str) -> dict[str, Any]:
    """The ``core.product_matches`` row of one listing, as a dict."""
    cursor = conn.execute(
        "SELECT * FROM core.product_matches WHERE store_id = ? AND seller_sku = ?",
        [store_id, seller_sku],
    )
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None, f"no match row for {store_id}/{seller_sku}"
    return dict(zip(names, row, strict=True))
