"""Generate a sandbox world: a Magento catalog and the Amazon stores that list part of it.

A world is a directory the sandbox serves over the real SP-API and Magento REST protocols::

    world.json                     now + stores (id, marketplace, seller_id, website, name)
    magento/products.csv           Magento 2 catalog export (configurable families, store views)
    magento/source_items.csv       MSI source items (default, warehouse_east)
    amazon/<store>/listings.tsv    GET_MERCHANT_LISTINGS_ALL_DATA bytes as Amazon delivers them
    amazon/<store>/issues.jsonl    Listings Items issues of inactive, incomplete and warned listings
    amazon/<store>/orders.jsonl    Orders v0 Order objects with their OrderItems
    amazon/catalog.csv             catalog lookups for identifiers of not-yet-listed products
    README.md                      what was generated

Choices worth knowing: one store per marketplace the config accepts; uk's report uses the 31-column
ALL_DATA variant, de the same 29 names in another order (clients must parse by header name), every
other store the 29-column header; open dates follow ``open_dates.OPEN_DATE_STYLES``;
jp is written as UTF-8 rather than Windows-31J, so its ``world.json`` entry says
``"report_charset": "UTF-8"``; Pending orders carry no prices, as Amazon omits them.

Everything is drawn from numpy generators keyed by ``seed`` and the part being drawn, so the same
(products, stores, seed, now) always produces the same bytes. The catalog is the same whatever the
number of stores. Generation is vectorized: a million products take well under two minutes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from asc_pipelines.sandbox.generate_amazon import (
    WorldStore,
    build_listings,
    build_orders,
    catalog_rows,
    store_encoding,
    store_header,
    write_catalog_csv,
    write_issues_jsonl,
    write_listings_tsv,
    write_orders_jsonl,
)
from asc_pipelines.sandbox.generate_catalog import (
    build_catalog,
    write_products_csv,
    write_source_items_csv,
)
from asc_pipelines.sandbox.generate_text import rng_for

# (store id, marketplace, Magento website), in the order stores are added to a world: one store
# per marketplace the config accepts (constants.MARKETPLACES).
STORE_LAYOUT: tuple[tuple[str, str, str], ...] = (
    ("us", "US", "base"),
    ("uk", "UK", "uk"),
    ("de", "DE", "eu"),
    ("ca", "CA", "base"),
    ("jp", "JP", "jp"),
    ("mx", "MX", "base"),
    ("br", "BR", "base"),
    ("fr", "FR", "eu"),
    ("it", "IT", "eu"),
    ("es", "ES", "eu"),
    ("nl", "NL", "eu"),
    ("au", "AU", "base"),
)
MAX_ORDERS_PER_STORE = 300
_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass
class GenerateSummary:
    """What ``generate_world`` wrote."""

    products: int  # distinct SKUs in magento/products.csv
    product_rows: int  # data rows in magento/products.csv, store-view rows included
    stores: dict[str, int]  # store id -> rows in its listings.tsv
    orders: int  # orders over all stores
    seconds: float
    out: Path


def default_now() -> datetime:
    """The current UTC time truncated to the minute."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def world_stores(count: int, seed: int) -> list[WorldStore]:
    """The first ``count`` stores of STORE_LAYOUT, each with a seller id drawn from ``seed``."""
    if not 1 <= count <= len(STORE_LAYOUT):
        raise ValueError(f"stores must be between 1 and {len(STORE_LAYOUT)}, got {count}")
    stores = []
    for number, (store_id, marketplace, website) in enumerate(STORE_LAYOUT[:count]):
        draws = rng_for(seed, "seller", store_id).integers(0, len(_ALPHANUMERIC), 13)
        seller_id = "A" + "".join(_ALPHANUMERIC[i] for i in draws)
        name = f"Demo {marketplace} store"
        stores.append(WorldStore(store_id, marketplace, seller_id, website, name, number))
    return stores


def _store_spec(store: WorldStore) -> dict[str, str]:
    spec = {
        "id": store.id,
        "marketplace": store.marketplace,
        "seller_id": store.seller_id,
        "website": store.website,
        "name": store.name,
    }
    if store_encoding(store) == "utf-8":  # differs from the marketplace's Windows-31J
        spec["report_charset"] = "UTF-8"
    return spec


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return default_now()
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def generate_world(
    out: Path,
    *,
    products: int = 2000,
    stores: int = 2,
    seed: int = 7,
    now: datetime | None = None,
) -> GenerateSummary:
    """Write a complete world to ``out`` (created if missing, files overwritten).

    ``products`` counts distinct Magento SKUs; ``stores`` takes the first stores of
    STORE_LAYOUT (us, uk, de, ca, jp, mx, br, fr, it, es, nl, au); ``now`` (default: now, to the
    minute) anchors every date: products were created up to three years before it, orders in the
    30 days before it.
    """
    if products < 1:
        raise ValueError(f"products must be at least 1, got {products}")
    started = time.perf_counter()
    moment = _utc(now)
    now_s = int(moment.timestamp())
    world_store_list = world_stores(stores, seed)
    out = Path(out)
    (out / "magento").mkdir(parents=True, exist_ok=True)

    catalog = build_catalog(products, seed, now_s)
    product_rows = write_products_csv(catalog, out / "magento" / "products.csv")
    source_rows = write_source_items_csv(catalog, out / "magento" / "source_items.csv")

    listing_counts: dict[str, int] = {}
    readme_lines: list[str] = []
    catalog_parts = []
    order_total = 0
    orders_per_store = min(max(products // 20, 1), MAX_ORDERS_PER_STORE)
    for store in world_store_list:
        folder = out / "amazon" / store.id
        folder.mkdir(parents=True, exist_ok=True)
        listings = build_listings(catalog, store, seed, now_s, products)
        write_listings_tsv(listings, store, folder / "listings.tsv")
        issues = write_issues_jsonl(listings, store, seed, folder / "issues.jsonl")
        orders = build_orders(listings, store, seed, now_s, orders_per_store)
        write_orders_jsonl(orders, folder / "orders.jsonl")
        catalog_parts.append(catalog_rows(catalog, store, listings, seed))
        listing_counts[store.id] = len(listings)
        order_total += len(orders)
        fba = int(listings.fba.sum())
        third_party = int((listings.product < 0).sum())
        readme_lines.append(
            f"| {store.id} | {store.marketplace} | {store.website} | {len(listings)} | {fba} | "
            f"{third_party} | {len(listings.malformed)} | {issues} | {len(orders)} | "
            f"{len(store_header(store))} | {store_encoding(store)} |"
        )
        del listings
    catalog_count = write_catalog_csv(catalog_parts, out / "amazon" / "catalog.csv")

    world = {
        "now": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stores": [_store_spec(s) for s in world_store_list],
    }
    (out / "world.json").write_text(json.dumps(world, indent=2) + "\n", encoding="utf-8")
    kinds = np.bincount(catalog.kind, minlength=5).tolist()
    _write_readme(
        out,
        products=products,
        product_rows=product_rows,
        kinds=kinds,
        source_rows=source_rows,
        catalog_count=catalog_count,
        store_lines=readme_lines,
        seed=seed,
        now=world["now"],
    )
    return GenerateSummary(
        products=products,
        product_rows=product_rows,
        stores=listing_counts,
        orders=order_total,
        seconds=time.perf_counter() - started,
        out=out,
    )


def _write_readme(
    out: Path,
    *,
    products: int,
    product_rows: int,
    kinds: list[int],
    source_rows: int,
    catalog_count: int,
    store_lines: list[str],
    seed: int,
    now: str,
) -> None:
    simple, virtual, bundle, parent, child = kinds
    text = "\n".join(
        [
            "# Generated sandbox world",
            "",
            f"Generated by `asc_pipelines.sandbox.generate` with seed {seed}, now {now}.",
            "",
            f"- `magento/products.csv`: {products} products in {product_rows} rows:",
            f"  {simple} simple, {virtual} virtual, {bundle} bundle, {parent} configurable with",
            f"  {child} children, plus {product_rows - products} store-view name overrides.",
            f"- `magento/source_items.csv`: {source_rows} source items.",
            f"- `amazon/catalog.csv`: {catalog_count} catalog lookups.",
            "",
            "| store | marketplace | website | listings | FBA | third-party | malformed | issues |"
            " orders | columns | encoding |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *store_lines,
            "",
            "Listing reports are Cp1252 (characters it cannot hold are `?`, as Amazon does),",
            "except JP, which is written as UTF-8 to keep the sandbox simple.",
            "",
        ]
    )
    (out / "README.md").write_text(text, encoding="utf-8")
