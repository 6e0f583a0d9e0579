"""The Amazon side of a generated world: listing reports, listing issues, orders, catalog lookups.

Listings are drawn per store from the Magento catalog as numpy arrays and written as
GET_MERCHANT_LISTINGS_ALL_DATA files exactly as Amazon delivers them (protocols.md 2.7): tab
separated, no quoting, ``\\n`` line ends, Cp1252 with ``?`` for what Cp1252 cannot hold.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from asc_pipelines import constants
from asc_pipelines.constants import MARKETPLACES
from asc_pipelines.sandbox import generate_words as words
from asc_pipelines.sandbox.generate_catalog import (
    EAN,
    ISBN,
    LISTABLE_KINDS,
    UPC,
    VIRTUAL,
    WEBSITE_BITS,
    Catalog,
)
from asc_pipelines.sandbox.generate_text import (
    amazon_sku_text,
    asin_text,
    bijection,
    gs1_text,
    int_text,
    listing_id_text,
    money_text,
    open_date_text,
    rng_for,
    zero_padded,
)


@dataclass(frozen=True)
class WorldStore:
    """One Amazon store of the world (a seller account in one marketplace)."""

    id: str
    marketplace: str
    seller_id: str
    website: str
    name: str
    number: int  # position in the world, keeps generated ids of stores apart


HEADER_ALL_DATA = constants.REPORT_HEADER_ALL_DATA_29  # protocols.md 2.7 variant 1
HEADER_ALL_DATA_31 = constants.REPORT_HEADER_ALL_DATA_31  # variant 2
# The same 29 names in another order: clients must parse by header name (protocols.md 2.7).
HEADER_ALL_DATA_REORDERED = (
    "seller-sku",
    "asin1",
    "item-name",
    "status",
    *(h for h in HEADER_ALL_DATA if h not in {"seller-sku", "asin1", "item-name", "status"}),
)
STORE_HEADERS: dict[str, tuple[str, ...]] = {
    "uk": HEADER_ALL_DATA_31,
    "de": HEADER_ALL_DATA_REORDERED,
}
FBA_CHANNEL_BY_REGION = {"NA": "AMAZON_NA", "EU": "AMAZON_EU", "FE": "AMAZON_FE"}
ORDER_ID_PREFIXES = {
    "US": (111, 112, 113, 114),
    "CA": (701, 702),
    "MX": (701, 702),
    "UK": (202, 203, 204, 205, 206),
    "DE": (302, 303, 304, 305, 306),
    "JP": (249, 250),
    "BR": (701, 702),
    "FR": (402, 403, 404, 405, 406, 407, 408),
    "IT": (402, 403, 404, 405, 406, 407, 408),
    "ES": (402, 403, 404, 405, 406, 407, 408),
    "NL": (402, 403, 404, 405, 406, 407, 408),
    "AU": (249, 250),
}
SHIP_SERVICE_LEVELS = {
    "US": "Std US D2D Dom",
    "CA": "Std CA D2D Dom",
    "MX": "Std MX Dom",
    "UK": "Std UK Dom_1",
    "DE": "Std DE Dom_1",
    "JP": "Std JP Kanto8",
    "BR": "Std BR Dom",
    "FR": "Std FR Dom_1",
    "IT": "Std IT Dom_1",
    "ES": "Std ES Dom_1",
    "NL": "Std NL Dom_1",
    "AU": "Std AU Dom",
}
CATALOG_HEADER = ("marketplace", "identifier_type", "identifier", "asin", "parent_asin")

# Why a listing has its status; drives issues.jsonl.
OK, OUT_OF_STOCK, STALE, SUPPRESSED, INCOMPLETE, WARNED = 0, 1, 2, 3, 4, 5
# ASIN index ranges, kept apart so every ASIN means one thing (products use [0, n)).
_THIRD_PARTY_ASINS, _PARENT_ASINS, _TWIN_ASINS = 200_000_000, 600_000_000, 700_000_000
_CHUNK = 100_000
_DAY = 86_400

# Magento amazon_condition -> report item-condition (constants.ITEM_CONDITIONS; invalid -> New).
_CONDITION_CODES = {"": "11", "new": "11", "Used - Like New": "1", "Refurbished": "10"}
_ORDER_CONDITIONS = {
    "11": ("New", "New"),
    "1": ("Used", "Mint"),
    "2": ("Used", "Very Good"),
    "3": ("Used", "Good"),
    "10": ("Refurbished", "Refurbished"),
}


def store_header(store: WorldStore) -> tuple[str, ...]:
    """The listing report header variant this store's report uses."""
    return STORE_HEADERS.get(store.id, HEADER_ALL_DATA)


def store_encoding(store: WorldStore) -> str:
    """Python codec of the store's report file: Cp1252, except JP which is written as UTF-8."""
    return "utf-8" if store.marketplace == "JP" else "cp1252"


@dataclass
class Listings:
    """One store's listing report rows (report order) and what the generator knows about them."""

    columns: dict[str, np.ndarray]  # header name -> object array of field text
    product: np.ndarray  # catalog row, -1 for third-party listings
    reason: np.ndarray  # OK..WARNED
    fba: np.ndarray  # bool
    price_cents: np.ndarray  # -1 = blank
    quantity: np.ndarray  # -1 = blank
    malformed: dict[int, str]  # row -> "missing_tab" | "comma_price"
    listed: np.ndarray  # bool per catalog row: the store lists this product (any SKU)

    def __len__(self) -> int:
        return len(self.product)


def _choose(rng: np.random.Generator, options: tuple[str, ...], count: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), count)]


def build_listings(cat: Catalog, store: WorldStore, seed: int, now: int, products: int) -> Listings:
    """Draw a store's listings: part of the eligible catalog plus third-party rows."""
    rng = rng_for(seed, "listings", store.id)
    market = MARKETPLACES[store.marketplace]
    n = cat.size_count
    eligible = np.isin(cat.kind, LISTABLE_KINDS) & (
        (cat.websites & WEBSITE_BITS[store.website]) != 0
    )
    listed = eligible & ((rng.random(n) < rng.uniform(0.4, 0.7)) | cat.special)
    rows = np.flatnonzero(listed)
    m = len(rows)

    # Matched listings: mostly seller-sku = Magento sku, some another SKU with the same ASIN/UPC.
    alt = (rng.random(m) < 0.10) & ~cat.special[rows]
    seller_sku = np.where(alt, amazon_sku_text(store.number * 10**8 + rows), cat.sku[rows])
    id_kind = cat.id_kind[rows]
    barcode = np.isin(id_kind, (UPC, EAN, ISBN)) & (alt | (rng.random(m) < 0.3))
    id_type = np.array(["1", "3", "4", "2", "1"], object)[id_kind]
    pid_type = np.where(barcode, id_type, "1").astype(object)
    pid = np.where(barcode, cat.id_text[rows], cat.asin[rows]).astype(object)
    fba = (rng.random(m) < 0.12) & (cat.kind[rows] != VIRTUAL)
    oos = (cat.salable[rows] == 0) | ~cat.enabled[rows]
    draw = rng.random(m)
    reason = np.select(
        [~fba & oos & (draw < 0.85), ~fba & oos, draw < 0.03, draw < 0.04, draw < 0.07],
        [OUT_OF_STOCK, STALE, SUPPRESSED, INCOMPLETE, WARNED],
        OK,
    )
    drift = rng.random(m) < 0.04
    qty = cat.salable[rows] + drift * rng.integers(1, 20, m)
    qty = np.where(reason == STALE, rng.integers(1, 20, m), qty)
    qty = np.where(np.isin(reason, (OUT_OF_STOCK, INCOMPLETE)), 0, qty)
    qty = np.where(fba, -1, qty)
    price = cat.price_cents[rows]
    scale = np.where(rng.random(m) < 0.04, rng.uniform(0.85, 1.15, m), 1.0)
    price = np.where(price > 0, np.round(price * scale), 1999).astype(np.int64)
    condition_code = np.full(m, "11", object)
    for magento_condition, code in _CONDITION_CODES.items():
        condition_code[cat.condition[rows] == magento_condition] = code
    open_at = cat.created[rows] + (rng.random(m) * np.maximum(now - 3600 - cat.created[rows], 0))

    # Third-party listings: SKUs Magento does not know (Seller Central or an old tool made them).
    t = round(0.05 * m) if m >= 20 else int(m >= 5)
    k = np.arange(t, dtype=np.int64)
    merchant_style = rng.random(t) < 0.3
    tp_sku = np.where(
        merchant_style,
        _choose(rng, ("OLD-", "CLR-", "mkt_"), t) + zero_padded(k + 1, 6),
        amazon_sku_text(store.number * 10**8 + 5 * 10**7 + k),
    )
    nouns = tuple(noun for category in words.SIMPLE_CATEGORIES for noun in category[2])
    tp_name = (
        _choose(rng, words.BRANDS, t)
        + _choose(rng, words.ADJECTIVES, t)
        + " "
        + _choose(rng, nouns, t)
    )
    tp_asin = asin_text(_THIRD_PARTY_ASINS + store.number * 10**7 + k)
    tp_upc = rng.random(t) < 0.2
    upc_body = np.array([0, 6, 7, 8])[k % 4] * 10**10 + bijection(
        5 * 10**9 + store.number * 10**8 + k, 10**10, 6_180_339_887, 3_604_918_273
    )
    tp_pid = np.where(tp_upc, gs1_text(upc_body, 11), tp_asin)
    tp_reason = np.where(rng.random(t) < 0.2, SUPPRESSED, OK)

    total = m + t
    order = rng.permutation(total)
    cat_row = np.concatenate([rows, np.full(t, -1, np.int64)])[order]
    reason = np.concatenate([reason, tp_reason])[order]
    fba = np.concatenate([fba, rng.random(t) < 0.2])[order]
    qty = np.concatenate([qty, rng.integers(0, 100, t)])[order]
    qty = np.where(fba, -1, qty)
    price = np.concatenate([price, rng.integers(5, 300, t) * 100 + 99])[order]
    inactive = np.isin(reason, (OUT_OF_STOCK, SUPPRESSED))
    price = np.where(inactive & (rng.random(total) < 0.3), -1, price)
    price = np.where((reason == INCOMPLETE) & (rng.random(total) < 0.5), -1, price)
    open_at = np.concatenate(
        [open_at.astype(np.int64), now - rng.integers(30 * _DAY, 6 * 365 * _DAY, t)]
    )
    open_at = open_at[order]
    asin = np.concatenate([cat.asin[rows], tp_asin])[order]
    status = np.where(inactive, "Inactive", np.where(reason == INCOMPLETE, "Incomplete", "Active"))
    condition_code = np.concatenate([condition_code, np.full(t, "11", object)])[order]
    used = rng.random(total) < 0.02
    condition_code = np.where(used, _choose(rng, ("2", "3"), total), condition_code).astype(object)

    blank = np.full(total, "", object)
    columns: dict[str, np.ndarray] = dict.fromkeys(HEADER_ALL_DATA_31, blank)
    columns.update(
        {
            "item-name": np.concatenate([cat.name[rows], tp_name])[order],
            "listing-id": listing_id_text(open_at, np.arange(total) + store.number * 3_000_001),
            "seller-sku": np.concatenate([seller_sku, tp_sku])[order].astype(object),
            "price": np.where(price >= 0, money_text(np.maximum(price, 0)), "").astype(object),
            "quantity": np.where(qty >= 0, int_text(np.maximum(qty, 0)), "").astype(object),
            "open-date": open_date_text(open_at, store.marketplace),
            "image-url": np.where(
                rng.random(total) < 0.4, "https://m.media-amazon.com/images/I/" + asin + "L.jpg", ""
            ).astype(object),
            "item-is-marketplace": np.full(total, "y", object),
            "product-id-type": np.concatenate([pid_type, np.where(tp_upc, "3", "1")])[order],
            "item-note": np.where(used, "Minor scuffs on the packaging.", "").astype(object),
            "item-condition": condition_code,
            "asin1": asin,
            "product-id": np.concatenate([pid, tp_pid])[order].astype(object),
            "pending-quantity": np.where(fba, "", "0").astype(object),
            "fulfillment-channel": np.where(
                fba, FBA_CHANNEL_BY_REGION[market.region], "DEFAULT"
            ).astype(object),
            "merchant-shipping-group": np.where(fba, "", "Migrated Template").astype(object),
            "status": status.astype(object),
        }
    )
    # About 0.1% damaged rows; worlds of 1000+ products get at least one of each kind.
    bad = max(2 * int(products >= 1000), round(total * 0.001)) if total else 0
    bad_rows = np.sort(rng.choice(total, min(bad, total), replace=False)).tolist()
    malformed = {row: ("missing_tab", "comma_price")[i % 2] for i, row in enumerate(bad_rows)}
    return Listings(columns, cat_row, reason, fba, price, qty, malformed, listed)


def write_listings_tsv(listings: Listings, store: WorldStore, path: Path) -> None:
    """Write the report bytes: header line, tab-separated rows, no quoting, ``\\n`` line ends."""
    header = store_header(store)
    encoding = store_encoding(store)
    price_at = header.index("price")
    with path.open("wb") as handle:
        handle.write(("\t".join(header) + "\n").encode(encoding, "replace"))
        for lo in range(0, len(listings), _CHUNK):
            hi = min(lo + _CHUNK, len(listings))
            fields = [listings.columns[name][lo:hi] for name in header]
            lines = list(map("\t".join, zip(*fields, strict=True)))
            for row, damage in listings.malformed.items():
                if lo <= row < hi:
                    values = [str(column[row - lo]) for column in fields]
                    if damage == "missing_tab":
                        values[0:2] = [values[0] + values[1]]
                    else:
                        values[price_at] = values[price_at].replace(".", ",") or "12,99"
                    lines[row - lo] = "\t".join(values)
            # Amazon replaces each character Cp1252 cannot hold by "?" (protocols.md 2.7).
            handle.write(("\n".join(lines) + "\n").encode(encoding, "replace"))


_MISSING_ATTRIBUTES = ("item_name", "brand", "main_product_image_locator", "bullet_point")


def _issue(
    code: str,
    message: str,
    severity: str,
    attributes: list[str],
    categories: list[str],
    action: str | None,
    marketplace_id: str,
) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "code": code,
        "message": message,
        "severity": severity,
        "attributeNames": attributes,
        "categories": categories,
    }
    if action:
        issue["enforcements"] = {
            "actions": [{"action": action}],
            "exemption": {"status": "NOT_EXEMPT"},
        }
    issue["marketplaceIds"] = [marketplace_id]
    return issue


def _suppression(pick: int, attribute: str, mid: str) -> dict[str, Any]:
    """An ERROR that takes a listing off Amazon."""
    options = (
        (
            "90220",
            f"'{attribute}' is required but not supplied.",
            [attribute],
            ["MISSING_ATTRIBUTE"],
        ),
        (
            "8541",
            "The SKU data provided is different from what's already in the Amazon catalog.",
            ["item_name"],
            ["INVALID_ATTRIBUTE"],
        ),
        (
            "18027",
            "You need approval to list in this category. Apply for approval in Seller Central.",
            [],
            ["QUALIFICATION_REQUIRED"],
        ),
        (
            "18393",
            "Potential pricing error: the price is much higher than the reference price.",
            ["purchasable_offer"],
            ["INVALID_PRICE"],
        ),
        (
            "8560",
            "The product identifier matches more than one ASIN in the Amazon catalog.",
            ["externally_assigned_product_identifier"],
            ["DUPLICATE"],
        ),
    )
    code, message, attributes, categories = options[pick % len(options)]
    return _issue(code, message, "ERROR", attributes, categories, "LISTING_SUPPRESSED", mid)


def _warning(pick: int, mid: str) -> tuple[list[str], dict[str, Any]]:
    """A WARNING/INFO that keeps the listing buyable, or a search suppression (status, issue)."""
    both = ["BUYABLE", "DISCOVERABLE"]
    if pick % 3 == 0:
        message = "'bullet_point' is recommended to improve discoverability."
        return both, _issue(
            "99022", message, "WARNING", ["bullet_point"], ["MISSING_ATTRIBUTE"], None, mid
        )
    if pick % 3 == 1:
        message = "Your offer is not currently eligible for the Featured Offer."
        return both, _issue("100314", message, "INFO", [], [], None, mid)
    message = "The main image does not meet Amazon's image requirements."
    attrs = ["main_product_image_locator"]
    return ["BUYABLE"], _issue(
        "99300", message, "ERROR", attrs, ["INVALID_IMAGE"], "SEARCH_SUPPRESSED", mid
    )


def write_issues_jsonl(listings: Listings, store: WorldStore, seed: int, path: Path) -> int:
    """Write one Listings Items ``{sku, status, issues}`` object per inactive, incomplete or warned
    listing (Issue schema of Listings Items 2021-08-01); returns the line count."""
    rng = rng_for(seed, "issues", store.id)
    mid = MARKETPLACES[store.marketplace].marketplace_id
    rows = np.flatnonzero(np.isin(listings.reason, (OUT_OF_STOCK, SUPPRESSED, INCOMPLETE, WARNED)))
    picks = rng.integers(0, 1 << 30, (len(rows), 2)).tolist()
    skus = listings.columns["seller-sku"][rows].tolist()
    reasons = listings.reason[rows].tolist()
    blank_price = (listings.price_cents[rows] < 0).tolist()
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for sku, reason, no_price, (a, b) in zip(skus, reasons, blank_price, picks, strict=True):
            status: list[str] = []
            issues: list[dict[str, Any]] = []
            if reason == OUT_OF_STOCK:
                status = ["DISCOVERABLE"]
            elif reason == WARNED:
                status, issue = _warning(a, mid)
                issues.append(issue)
            elif reason == INCOMPLETE:
                attrs = {_MISSING_ATTRIBUTES[a % 4], _MISSING_ATTRIBUTES[b % 4]}
                issues.extend(_suppression(0, attr, mid) for attr in sorted(attrs))
            else:
                issues.append(_suppression(a, _MISSING_ATTRIBUTES[b % 4], mid))
            if no_price and reason in (SUPPRESSED, INCOMPLETE, OUT_OF_STOCK):
                message = "The listing has no price: add a price to make it buyable."
                attrs = ["purchasable_offer"]
                issues.append(
                    _issue(
                        "90111",
                        message,
                        "ERROR",
                        attrs,
                        ["MISSING_PRICE"],
                        "LISTING_SUPPRESSED",
                        mid,
                    )
                )
            handle.write(
                json.dumps({"sku": sku, "status": status, "issues": issues}, ensure_ascii=False)
            )
            handle.write("\n")
    return len(rows)


def _money(currency: str, cents: int) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": f"{cents // 100}.{cents % 100:02d}"}


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _order_status(rng: np.random.Generator, age: int, afn: bool) -> str:
    """Order status by age: recent orders are still pending or unshipped, old ones shipped."""
    draw = rng.random()
    if afn:
        if age < 1800 and draw < 0.5:
            return "Pending"
        return "Canceled" if draw > 0.96 else "Shipped"
    if age < _DAY:
        return (
            "Pending"
            if draw < 0.3
            else "Unshipped"
            if draw < 0.8
            else "Shipped"
            if draw < 0.95
            else "Canceled"
        )
    if age < 3 * _DAY:
        return "Unshipped" if draw < 0.4 else "Shipped" if draw < 0.95 else "Canceled"
    return "Shipped" if draw < 0.94 else "Canceled"


def build_orders(
    listings: Listings, store: WorldStore, seed: int, now: int, count: int
) -> list[dict[str, Any]]:
    """SP-API Orders v0 ``Order`` objects over the 30 days before ``now``, each with its
    ``OrderItems`` (v0 ``OrderItem``) drawn from the store's active, sellable listings."""
    rng = rng_for(seed, "orders", store.id)
    market = MARKETPLACES[store.marketplace]
    sellable = (
        (listings.columns["status"] == "Active")
        & (listings.price_cents > 0)
        & (listings.fba | (listings.quantity > 0))
    )
    sellable[list(listings.malformed)] = False
    pool = np.flatnonzero(sellable)
    if len(pool) == 0:
        return []
    pools = {True: pool[listings.fba[pool]], False: pool[~listings.fba[pool]]}
    cols = listings.columns
    prefixes = ORDER_ID_PREFIXES[market.code]
    purchases = np.sort(now - rng.integers(60, 30 * _DAY, count))
    orders: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for purchase in purchases.tolist():
        first = int(pool[rng.integers(0, len(pool))])
        afn = bool(listings.fba[first])
        same = pools[afn]
        lines = 1 + int(rng.random() < 0.2) + int(rng.random() < 0.05)
        picked = [first, *(int(x) for x in same[rng.integers(0, len(same), lines - 1)])]
        picked = list(dict.fromkeys(picked))
        age = now - purchase
        status = _order_status(rng, age, afn)
        prefix, middle, last = prefixes[rng.integers(0, len(prefixes))], *rng.integers(0, 10**7, 2)
        order_id = f"{prefix}-{middle:07d}-{last:07d}"
        while order_id in seen_ids:
            order_id = order_id[:-1] + str((int(order_id[-1]) + 1) % 10)
        seen_ids.add(order_id)
        updated = purchase
        if status == "Shipped":
            updated = min(now, purchase + int(rng.integers(3600, 2 * _DAY)))
        elif status == "Canceled":
            updated = min(now, purchase + int(rng.integers(600, _DAY)))
        elif status == "Unshipped":
            updated = min(now, purchase + int(rng.integers(60, 1800)))
        items: list[dict[str, Any]] = []
        total = shipped_units = units = 0
        for row in picked:
            quantity = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
            condition, subtype = _ORDER_CONDITIONS.get(
                str(cols["item-condition"][row]), ("New", "New")
            )
            item: dict[str, Any] = {
                "ASIN": str(cols["asin1"][row]),
                "SellerSKU": str(cols["seller-sku"][row]),
                "OrderItemId": f"{rng.integers(10**13, 10**14):014d}",
                "Title": str(cols["item-name"][row]),
                "QuantityOrdered": quantity,
                "QuantityShipped": quantity if status == "Shipped" else 0,
                "ProductInfo": {"NumberOfItems": "1"},
            }
            if status != "Pending":  # Amazon omits pricing on Pending orders (ordersV0 model)
                line = int(listings.price_cents[row]) * quantity
                shipping = 0 if afn or rng.random() < 0.9 else 499
                item["ItemPrice"] = _money(market.currency, line)
                item["ShippingPrice"] = _money(market.currency, shipping)
                item["PromotionDiscount"] = _money(market.currency, 0)
                total += line + shipping
            item.update(
                {
                    "IsGift": "false",
                    "ConditionId": condition,
                    "ConditionSubtypeId": subtype,
                    "IsTransparency": False,
                    "SerialNumberRequired": False,
                }
            )
            items.append(item)
            units += quantity
            shipped_units += item["QuantityShipped"]
        order: dict[str, Any] = {
            "AmazonOrderId": order_id,
            "SellerOrderId": order_id,
            "PurchaseDate": _iso(purchase),
            "LastUpdateDate": _iso(updated),
            "OrderStatus": status,
            "FulfillmentChannel": "AFN" if afn else "MFN",
            "SalesChannel": market.sales_channel,
            "ShipServiceLevel": SHIP_SERVICE_LEVELS[market.code],
        }
        if status != "Pending":
            order["OrderTotal"] = _money(market.currency, total)
        unshipped = 0 if status in ("Shipped", "Canceled") else units - shipped_units
        order.update(
            {
                "NumberOfItemsShipped": shipped_units,
                "NumberOfItemsUnshipped": unshipped,
                "PaymentMethod": "Other",
                "PaymentMethodDetails": ["Standard"],
                "MarketplaceId": market.marketplace_id,
                "ShipmentServiceLevelCategory": "Standard",
                "OrderType": "StandardOrder",
                "EarliestShipDate": _iso(purchase + _DAY),
                "LatestShipDate": _iso(purchase + 2 * _DAY),
                "IsBusinessOrder": False,
                "IsPrime": bool(rng.random() < (0.6 if afn else 0.1)),
                "IsPremiumOrder": False,
                "IsGlobalExpressEnabled": False,
                "IsReplacementOrder": False,
                "IsSoldByAB": False,
                "IsISPU": False,
                "IsAccessPointOrder": False,
                "HasRegulatedItems": False,
                "OrderItems": items,
            }
        )
        orders.append(order)
    return orders


def write_orders_jsonl(orders: list[dict[str, Any]], path: Path) -> None:
    """One ``Order`` per line, oldest purchase first."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for order in orders:
            handle.write(json.dumps(order, ensure_ascii=False) + "\n")


def catalog_rows(
    cat: Catalog, store: WorldStore, listings: Listings, seed: int
) -> list[tuple[str, ...]]:
    """catalog.csv rows for the identifiers of eligible products this store does not list.

    Per product: 60% resolve to its ASIN, 15% to its ASIN as a child of a variation parent,
    10% to two ASINs (ambiguous), 15% to nothing; wrong check digits never resolve. Products with
    an ``amazon_asin`` attribute also get an ASIN row resolving to itself.
    """
    rng = rng_for(seed, "catalog-items", store.id)
    eligible = np.isin(cat.kind, LISTABLE_KINDS) & (
        (cat.websites & WEBSITE_BITS[store.website]) != 0
    )
    rows = np.flatnonzero(eligible & ~listings.listed)
    draw = rng.random(len(rows))
    market = store.marketplace
    out: list[tuple[str, ...]] = []
    has_barcode = (cat.id_kind[rows] != 0) & ~cat.id_wrong[rows] & (draw < 0.85)
    parent_row = cat.parent[rows]
    parent_asin = np.where(
        parent_row >= 0,
        cat.asin[np.maximum(parent_row, 0)],
        asin_text(_PARENT_ASINS + rows // 4),
    )
    twin_asin = asin_text(_TWIN_ASINS + rows)
    id_names = np.array(["", "UPC", "EAN", "ISBN", "GTIN"], object)[cat.id_kind[rows]]
    columns = zip(
        rows.tolist(),
        has_barcode.tolist(),
        draw.tolist(),
        id_names.tolist(),
        parent_asin.tolist(),
        twin_asin.tolist(),
        strict=True,
    )
    for row, barcode, d, id_name, parent, twin in columns:
        asin = cat.asin[row]
        if cat.has_asin[row]:
            out.append((market, "ASIN", asin, asin, ""))
        if not barcode:
            continue
        identifier = cat.id_text[row]
        if d < 0.60:
            out.append((market, id_name, identifier, asin, ""))
        elif d < 0.75:
            out.append((market, id_name, identifier, asin, parent))
        else:
            out.append((market, id_name, identifier, asin, ""))
            out.append((market, id_name, identifier, twin, ""))
    return out


def write_catalog_csv(parts: list[list[tuple[str, ...]]], path: Path) -> int:
    """Write amazon/catalog.csv (one block per store marketplace); returns the data row count."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CATALOG_HEADER)
        for rows in parts:
            writer.writerows(rows)
    return sum(len(rows) for rows in parts)
