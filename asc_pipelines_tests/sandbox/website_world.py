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
