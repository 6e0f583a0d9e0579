"""Issue 11, section 1: a store's price is its Magento website's, in its website's currency,
converted at the configured rate or Magento's own (``magento.price_scope: website``,
``price.currency_rate: magento``), on a tiny warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest

from asc_pipelines.config import AscConfig, MagentoConfig, PriceRules, StoreConfig
from asc_pipelines.logic.classification import classify
from asc_pipelines.logic.desired_listings import refresh_desired_listings
from asc_pipelines.logic.store_views import StoreView, StoreViewError, price_view
from asc_pipelines.logic.sync_issues import ensure_sync_issue_schema, refresh_sync_issues
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_listing,
    add_product,
    store,
    warehouse,
)


def website_config(*stores: StoreConfig, scope: str = "website") -> AscConfig:
    return AscConfig(
        stores=list(stores),
        magento=MagentoConfig(base_url="http://127.0.0.1:9", price_scope=scope),
    )


def add_view(
    conn: duckdb.DuckDBPyConnection,
    code: str,
    website: str,
    currency: str,
    *,
    default: bool = True,
    display: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO raw.magento_store_views VALUES "
        "(?, (SELECT count(*) + 1 FROM raw.magento_store_views), 1, ?, 1, ?, true, ?, ?, ?)",
        [code, website, default, currency, display or currency, NOW],
    )


def add_website_price(conn: duckdb.DuckDBPyConnection, view: str, sku: str, price: str) -> None:
    conn.execute(
        "INSERT INTO raw.magento_website_prices VALUES (?, ?, ?, ?, ?)",
        [view, sku, Decimal(price), NOW, NOW],
    )


def add_rate(
    conn: duckdb.DuckDBPyConnection, scope: str, base: str, to: str, rate: str | None
) -> None:
    conn.execute(
        "INSERT INTO raw.magento_currency_rates VALUES (?, ?, ?, ?, ?)",
        [scope, base, to, None if rate is None else Decimal(rate), NOW],
    )


def uk_store(**options: Any) -> StoreConfig:
    return store("uk", marketplace="UK", website="uk", **options)


def desired(conn: duckdb.DuckDBPyConnection, cfg: AscConfig) -> dict[str, dict[str, Any]]:
    classify(conn, cfg, computed_at=NOW)
    refresh_desired_listings(conn, cfg, computed_at=NOW)
    cursor = conn.execute("SELECT * FROM core.desired_listings")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {f"{r['store_id']}/{r['seller_sku'] or r['magento_sku']}": r for r in rows}


def pricing(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = (
        "price",
        "magento_price",
        "price_source",
        "price_store_view",
        "magento_currency",
        "currency_rate",
        "currency_rate_source",
        "price_withheld_reason",
    )
    return tuple(row[k] for k in keys)


def a_uk_catalog() -> duckdb.DuckDBPyConnection:
    """USD base currency; the uk website (view uk_en) sells in GBP with its own prices."""
    conn = warehouse()
    add_view(conn, "default", "base", "USD")
    add_view(conn, "uk_en", "uk", "GBP")
    add_view(conn, "uk_cy", "uk", "GBP", default=False)
    add_rate(conn, "all", "USD", "USD", "1")
    add_rate(conn, "all", "USD", "GBP", "0.7912345678")
    add_rate(conn, "uk_en", "GBP", "GBP", "1")
    for sku, usd in (("TEA", "10.00"), ("MUG", "20.00")):
        add_product(conn, sku, price=Decimal(usd), website_codes=("base", "uk"))
        add_listing(conn, "uk", sku, price=8.5, quantity=10)
    add_website_price(conn, "uk_en", "TEA", "8.50")
    add_website_price(conn, "uk_cy", "TEA", "9.99")
    return conn


def test_a_website_price_in_the_marketplace_currency_is_taken_as_it_is() -> None:
    rows = desired(a_uk_catalog(), website_config(uk_store()))
    assert pricing(rows["uk/TEA"]) == (
        Decimal("8.50"),
        Decimal("8.50"),
        "website",
        "uk_en",
        "GBP",
        None,
        None,
        None,
    )


def test_without_a_website_price_the_global_one_is_converted_at_magentos_rate() -> None:
    uk = uk_store(price=PriceRules(currency_rate="magento"))
    rows = desired(a_uk_catalog(), website_config(uk))
    # 20.00 USD x 0.791235 (Magento's 0.7912345678 to 6 decimals) = 15.8247 GBP, shown in pence
    assert pricing(rows["uk/MUG"]) == (
        Decimal("15.82"),
        Decimal("20.00"),
        "global",
        None,
        "USD",
        Decimal("0.791235"),
        "magento",
        None,
    )
    assert rows["uk/TEA"]["price"] == Decimal("8.50")  # GBP already: no rate


def test_a_global_price_in_another_currency_with_no_rate_is_withheld() -> None:
    rows = desired(a_uk_catalog(), website_config(uk_store()))
    row = rows["uk/MUG"]
    assert (row["price"], row["calculated_price"], row["price_withheld_reason"]) == (
        None,
        None,
        "no_currency_rate",
    )
    assert (row["magento_currency"], row["currency_rate"]) == ("USD", None)


def test_the_configured_rate_converts_only_a_price_in_another_currency() -> None:
    uk = uk_store(price=PriceRules(currency_rate=Decimal("0.8")))
    rows = desired(a_uk_catalog(), website_config(uk))
    assert pricing(rows["uk/MUG"])[:1] + pricing(rows["uk/MUG"])[5:7] == (
        Decimal("16.0000"),
        Decimal("0.8"),
        "config",
    )
    assert pricing(rows["uk/TEA"])[0::5] == (Decimal("8.50"), None)


def test_a_named_store_view_is_read_instead_of_the_default_one() -> None:
    rows = desired(a_uk_catalog(), website_config(uk_store(store_view="uk_cy")))
    assert (rows["uk/TEA"]["price"], rows["uk/TEA"]["price_store_view"]) == (
        Decimal("9.99"),
        "uk_cy",
    )


def test_a_usd_website_shown_in_gbp_is_priced_from_its_price_at_magentos_rate() -> None:
    conn = warehouse()
    add_view(conn, "uk", "uk", "USD", display="GBP")
    add_rate(conn, "uk", "USD", "GBP", "0.79")
    add_rate(conn, "all", "USD", "GBP", "0.5")  # the view's own scope is preferred
    add_product(conn, "TEA", price=Decimal("10.00"), website_codes=("uk",))
    add_listing(conn, "uk", "TEA")
    add_website_price(conn, "uk", "TEA", "12.00")
    uk = uk_store(price=PriceRules(currency_rate="magento"))
    row = desired(conn, website_config(uk))["uk/TEA"]
    assert pricing(row) == (
        Decimal("9.4800"),
        Decimal("12.00"),
        "website",
        "uk",
        "USD",
        Decimal("0.79"),
        "magento",
        None,
    )


def test_magentos_rate_serves_a_global_price_scope_too() -> None:
    conn = warehouse()
    add_rate(conn, "all", "USD", "GBP", "0.75")
    add_product(conn, "TEA", price=Decimal("10.00"))
    add_listing(conn, "uk", "TEA")
    uk = uk_store(price=PriceRules(currency_rate="magento"))
    row = desired(conn, website_config(uk, scope="global"))["uk/TEA"]
    assert pricing(row) == (
        Decimal("7.5000"),
        Decimal("10.00"),
        "global",
        None,
        "USD",
        Decimal("0.75"),
        "magento",
        None,
    )


def test_magentos_rate_unknown_withholds_the_price() -> None:
    conn = warehouse()  # Magento's rates never read (or it has none into GBP)
    add_product(conn, "TEA", price=Decimal("10.00"))
    add_listing(conn, "uk", "TEA")
    uk = uk_store(price=PriceRules(currency_rate="magento"))
    row = desired(conn, website_config(uk, scope="global"))["uk/TEA"]
    assert (row["price"], row["price_withheld_reason"]) == (None, "no_currency_rate")


def test_the_default_global_scope_ignores_website_prices_as_before() -> None:
    conn = a_uk_catalog()
    rows = desired(conn, website_config(uk_store(), scope="global"))
    assert pricing(rows["uk/TEA"]) == (
        Decimal("10.00"),
        Decimal("10.00"),
        "global",
        None,
        None,
        None,
        None,
        None,
    )


def test_a_store_whose_website_has_no_view_takes_the_global_price() -> None:
    conn = a_uk_catalog()
    lost = store("uk", marketplace="UK", website="gone", price=PriceRules(currency_rate="magento"))
    row = desired(conn, website_config(lost))["uk/TEA"]
    assert (row["price"], row["price_source"], row["magento_currency"]) == (
        Decimal("7.91"),
        "global",
        "USD",
    )


def test_a_gbp_website_over_a_usd_base_is_compared_in_gbp_and_not_flagged() -> None:
    conn = a_uk_catalog()
    add_product(conn, "DRIFTED", price=Decimal("30.00"), website_codes=("base", "uk"))
    add_website_price(conn, "uk_en", "DRIFTED", "24.00")
    add_listing(conn, "uk", "DRIFTED", price=30.0, quantity=10)
    ensure_sync_issue_schema(conn)
    uk = uk_store(price=PriceRules(currency_rate="magento"))
    rows = desired(conn, website_config(uk))
    refresh_sync_issues(conn, now=NOW, store_ids=["uk"])
    found = {
        (kind, sku): detail
        for kind, sku, detail in conn.execute(
            "SELECT kind, sku, detail FROM core.sync_issues WHERE resolved_at IS NULL"
        ).fetchall()
    }
    # TEA: Amazon 8.50 GBP = the website's 8.50 GBP; the global 10.00 USD would have flagged it.
    assert rows["uk/TEA"]["currency"] == "GBP"
    assert ("price_mismatch", "TEA") not in found
    assert ("price_mismatch", "MUG") in found  # 20.00 USD at 0.791235 = 15.82 GBP, not 8.50
    # Judged against the website's own price, named in its currency.
    assert "Magento price 24.00 GBP" in found[("price_mismatch", "DRIFTED")]


def test_price_view_errors_name_the_store_and_key() -> None:
    views = [StoreView("default", "base", True), StoreView("uk_en", "uk", True)]
    with pytest.raises(StoreViewError, match="store uk: store_view 'uk_xx' is not a store view"):
        price_view(uk_store(store_view="uk_xx"), views)
    with pytest.raises(StoreViewError, match="store uk: store_view 'default' belongs to"):
        price_view(uk_store(store_view="default"), views)
    with pytest.raises(StoreViewError, match="store uk: website 'eu' has no store view"):
        price_view(store("uk", marketplace="UK", website="eu"), views)
    assert price_view(uk_store(), views).code == "uk_en"
