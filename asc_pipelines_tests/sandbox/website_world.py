"""A small Magento world whose ``uk`` website has its own prices and currency (issue 11).

The catalog's price scope is per website; the global base currency is USD; the ``uk`` website
sells in GBP with its own base currency, through store views ``uk_en`` (its default) and
``uk_cy``; Magento's rates convert USD into GBP and EUR.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asc_pipelines_tests.sandbox.magento_world import product, view_row, write_world

STORES = {
    "price_scope": "website",
    "base_currency": "USD",
    "currency_rates": {"USD": {"GBP": 0.79, "EUR": 0.92}, "GBP": {"USD": 1.27}},
    "websites": {
        "uk": {
            "base_currency": "GBP",
            "display_currency": "GBP",
            "store_views": ["uk_en", "uk_cy"],
            "locale": "en_GB",
        }
    },
}


def website_products() -> list[dict[str, str]]:
    """TEA has a uk price (8.50 GBP); MUG has none (Magento answers its global 20); LAMP is
    not in the uk website."""
    return [
        product("TEA", price="10", product_websites="base,uk", updated_at="2026-01-10 08:00:00"),
        product("MUG", price="20", product_websites="base,uk", updated_at="2026-01-11 08:00:00"),
        product("LAMP", price="30", updated_at="2026-01-12 08:00:00"),
        view_row("TEA", "uk_en", price="8.5"),
    ]


def write_website_world(root: Path, stores: dict[str, Any] | None = None) -> Path:
    """The world's Magento files under ``root``: products and ``stores.json``."""
    write_world(root, website_products())
    (root / "magento" / "stores.json").write_text(
        json.dumps(STORES if stores is None else stores), encoding="utf-8"
    )
    return root


# The hand-made world's uk website: its own prices in USD (its base currency), shown in GBP.
GBP_DISPLAY_STORES = {
    "price_scope": "website",
    "base_currency": "USD",
    "currency_rates": {"USD": {"GBP": 0.8}},
    "websites": {
        "uk": {
            "base_currency": "USD",
            "display_currency": "GBP",
            "store_views": ["uk"],
            "locale": "en_GB",
        }
    },
}
# The uk website's own prices (USD); x 0.80, to the penny: the GBP prices of the UK listings.
UK_PRICES = {
    "HM-COFFEE-12": ("13.11", "10.49"),
    "HM-BOOK-ZL": ("18.75", "15.00"),
    "HM-TEA-JP": ("13.75", "11.00"),
    "HM-SHIRT-S-RED": ("21.25", "17.00"),
}


def with_a_gbp_website(world: Path) -> Path:
    """The hand-made world (a copy) with a uk website of its own USD prices, shown in GBP at
    Magento's rate of 0.80: ``stores.json`` and the uk store view's rows."""
    magento = world / "magento"
    (magento / "stores.json").write_text(json.dumps(GBP_DISPLAY_STORES), encoding="utf-8")
    with (magento / "products.csv").open("a", encoding="utf-8") as handle:
        for sku, (usd, _) in UK_PRICES.items():
            handle.write(f"{sku},uk,,,,,,,{usd},,,,,\n")
    return world
