"""Issue 11, section 1: what Amazon should show, one rule at a time, on a tiny warehouse.

Each test builds products and listings, runs the classification path and then
``refresh_desired_listings``, and reads ``core.desired_listings`` (and, for the mismatch rules,
``core.sync_issues``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from asc_pipelines.config import PriceRules, StoreConfig
from asc_pipelines.logic.desired_listings import desired_listing_counts, refresh_desired_listings
from asc_pipelines.logic.sync_issues import ensure_sync_issue_schema, refresh_sync_issues
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_listing,
    add_product,
    config,
    run,
    store,
    warehouse,
)


def desired(conn: duckdb.DuckDBPyConnection, *stores: StoreConfig) -> dict[str, dict[str, Any]]:
    """One tick of classification and desired state; the rows keyed by seller or Magento SKU."""
    run(conn, list(stores))
    refresh_desired_listings(conn, config(list(stores)), computed_at=NOW)
    cursor = conn.execute("SELECT * FROM core.desired_listings")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    keyed = {f"{r['store_id']}/{r['seller_sku'] or r['magento_sku']}": r for r in rows}
    assert len(keyed) == len(rows), "two rows for one listing"
    return keyed


def priced(**rules: Any) -> StoreConfig:
    """The US store with these ``price:`` rules (numbers as text, read as decimals)."""
    return store("us", price=PriceRules(**{k: Decimal(v) for k, v in rules.items()}))


def price_of(magento_price: str, us: StoreConfig) -> tuple[Decimal | None, str | None]:
    """The desired price and withheld reason of a listing of a product at ``magento_price``."""
    conn = warehouse()
    add_product(conn, "P", price=Decimal(magento_price))
    add_listing(conn, "us", "P")
    row = desired(conn, us)["us/P"]
    return row["price"], row["price_withheld_reason"]


# --- Quantity -----------------------------------------------------------------------------------


def test_quantity_is_the_salable_quantity_of_an_eligible_product() -> None:
    conn = warehouse()
    add_product(conn, "MUG", salable_qty=12)
    add_listing(conn, "us", "MUG", quantity=3)
    row = desired(conn, store("us"))["us/MUG"]
    assert (row["quantity"], row["salable_qty"], row["status"]) == (12, 12, "active")


def test_quantity_is_zero_at_or_below_the_out_of_stock_threshold() -> None:
    conn = warehouse()
    for sku, stock in (("AT", 3), ("BELOW", 1), ("ABOVE", 4)):
        add_product(conn, sku, salable_qty=stock)
        add_listing(conn, "us", sku)
    rows = desired(conn, store("us", out_of_stock_threshold=3))
    assert {sku: rows[f"us/{sku}"]["quantity"] for sku in ("AT", "BELOW", "ABOVE")} == {
        "AT": 0,
        "BELOW": 0,
        "ABOVE": 4,
    }
    assert rows["us/AT"]["status"] == "ineligible"


def test_a_listing_whose_product_fails_a_listing_rule_should_show_zero() -> None:
    conn = warehouse()
    add_product(conn, "CHEAP", price=2, salable_qty=50)
    add_listing(conn, "us", "CHEAP")
    rules = [{"attribute": "price", "op": "gte", "value": 5}]
    assert desired(conn, store("us", rules=rules))["us/CHEAP"]["quantity"] == 0


def test_quantity_is_capped_by_max_listed_quantity() -> None:
    conn = warehouse()
    add_product(conn, "MANY", salable_qty=80)
    add_product(conn, "FEW", salable_qty=4)
    add_listing(conn, "us", "MANY")
    add_listing(conn, "us", "FEW")
    rows = desired(conn, store("us", max_listed_quantity=10))
    assert (rows["us/MANY"]["quantity"], rows["us/FEW"]["quantity"]) == (10, 4)


def test_the_buffer_comes_off_the_capped_quantity_and_never_below_zero() -> None:
    conn = warehouse()
    for sku, stock in (("MANY", 80), ("SOME", 7), ("TWO", 2)):
        add_product(conn, sku, salable_qty=stock)
        add_listing(conn, "us", sku)
    rows = desired(conn, store("us", max_listed_quantity=10, quantity_buffer=3))
    assert {sku: rows[f"us/{sku}"]["quantity"] for sku in ("MANY", "SOME", "TWO")} == {
        "MANY": 7,
        "SOME": 4,
        "TWO": 0,
    }


def test_an_amazon_fulfilled_listing_gets_no_quantity_but_a_price() -> None:
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=12)
    add_listing(conn, "us", "MUG-FBA", asin="B000000001", fulfillment_channel="AMAZON_NA")
    conn.execute("UPDATE raw.magento_products SET asin = 'B000000001'")
    row = desired(conn, store("us"))["us/MUG-FBA"]
    assert (row["fulfillment_channel"], row["quantity"]) == ("AMAZON_NA", None)
    assert row["price"] == Decimal("10.00") and row["magento_sku"] == "MUG"


def test_only_matched_listings_and_ready_to_list_products_have_a_desired_state() -> None:
    conn = warehouse()
    add_listing(conn, "us", "STRANGER", asin="B000000009")  # no product matches
    add_product(conn, "NEW", asin="B0000000N1", salable_qty=6, condition="Used - Like New")
    add_product(conn, "NO-ASIN", salable_qty=6)  # incomplete: nothing to list it under
    add_product(conn, "OFF", salable_qty=0)  # neither listed nor eligible
    rows = desired(conn, store("us", handling_time=3))
    assert set(rows) == {"us/NEW"}
    new = rows["us/NEW"]
    assert (new["seller_sku"], new["status"], new["asin"]) == (None, "ready_to_list", "B0000000N1")
    assert (new["fulfillment_channel"], new["quantity"]) == ("DEFAULT", 6)
    assert (new["condition_type"], new["handling_time"]) == ("used_like_new", 3)


def test_condition_comes_from_the_store_default_and_handling_time_is_none_by_default() -> None:
    conn = warehouse()
    add_product(conn, "MUG")
    add_listing(conn, "us", "MUG")
    row = desired(conn, store("us", default_condition="Used - Good"))["us/MUG"]
    assert (row["condition_type"], row["handling_time"]) == ("used_good", None)


# --- Price --------------------------------------------------------------------------------------


def test_without_price_rules_the_listing_shows_the_magento_price_in_whole_cents() -> None:
    conn = warehouse()
    add_product(conn, "ODD", price=Decimal("9.995"))
    add_product(conn, "EVEN", price=Decimal("12.34"))
    add_listing(conn, "us", "ODD")
    add_listing(conn, "us", "EVEN")
    rows = desired(conn, store("us"))
    row = rows["us/ODD"]
    assert row["magento_price"] == Decimal("9.995")
    assert row["price"] == row["calculated_price"] == Decimal("10.00")  # Amazon shows cents
    assert rows["us/EVEN"]["price"] == Decimal("12.34")
    assert (row["currency"], row["currency_rate"], row["price_withheld_reason"]) == (
        "USD",
        None,
        None,
    )


def test_the_currency_rate_converts_into_the_marketplace_currency() -> None:
    uk = store(
        "uk",
        marketplace="UK",
        price=PriceRules(magento_currency="USD", currency_rate=Decimal("0.79")),
    )
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("10.00"))
    add_listing(conn, "uk", "MUG")
    row = desired(conn, uk)["uk/MUG"]
    assert (row["price"], row["currency"], row["currency_rate"]) == (
        Decimal("7.90"),
        "GBP",
        Decimal("0.79"),
    )
    assert row["magento_price"] == Decimal("10.00")


def test_adjust_percent_then_adjust_amount() -> None:
    us = priced(adjust_percent="10", adjust_amount="-0.50")
    assert price_of("20.00", us) == (Decimal("21.50"), None)  # 20 * 1.10 - 0.50


def test_rounding_is_to_the_nearest_multiple_half_away_from_zero_in_decimals() -> None:
    # 9.995 / 0.01 is 999.4999... in floating point: decimal arithmetic rounds it up.
    assert price_of("9.995", priced(round_to="0.01")) == (Decimal("10.00"), None)
    assert price_of("9.994", priced(round_to="0.01")) == (Decimal("9.99"), None)
    assert price_of("10.12", priced(round_to="0.05")) == (Decimal("10.10"), None)
    assert price_of("10.125", priced(round_to="0.05")) == (Decimal("10.15"), None)
    assert price_of("12.49", priced(round_to="1")) == (Decimal("12"), None)


def test_rate_adjustment_and_rounding_apply_in_that_order() -> None:
    us = priced(currency_rate="0.79", adjust_percent="10", round_to="0.05")
    # 9.995 * 0.79 = 7.89605; * 1.10 = 8.685655; to 0.05: 8.70
    assert price_of("9.995", us) == (Decimal("8.70"), None)


def test_a_price_outside_the_bounds_is_withheld_with_its_reason() -> None:
    us = priced(minimum_price="5", maximum_price="100", round_to="0.01")
    assert price_of("4.99", us) == (None, "below_minimum_price")
    assert price_of("5.00", us) == (Decimal("5.00"), None)
    assert price_of("100.00", us) == (Decimal("100.00"), None)
    assert price_of("100.01", us) == (None, "above_maximum_price")


def test_bounds_hold_the_converted_rounded_price_not_magento_s() -> None:
    us = priced(currency_rate="0.5", minimum_price="6")
    assert price_of("11.98", us) == (None, "below_minimum_price")  # 5.99 in the marketplace
    assert price_of("12.00", us) == (Decimal("6.00"), None)


def test_a_product_without_a_price_has_no_desired_price() -> None:
    conn = warehouse()
    add_product(conn, "P", price=None)
    add_listing(conn, "us", "P")
    row = desired(conn, store("us"))["us/P"]
    assert (row["price"], row["price_withheld_reason"]) == (None, "no_magento_price")


# --- Stores -------------------------------------------------------------------------------------


def test_each_store_has_its_own_rules_and_a_removed_store_is_dropped() -> None:
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("10.00"), salable_qty=9)
    add_listing(conn, "us", "MUG")
    add_listing(conn, "ca", "MUG")
    ca = store("ca", marketplace="CA", quantity_buffer=4, price=PriceRules(currency_rate=2))
    rows = desired(conn, store("us"), ca)
    assert (rows["us/MUG"]["quantity"], rows["us/MUG"]["price"]) == (9, Decimal("10.00"))
    assert (rows["ca/MUG"]["quantity"], rows["ca/MUG"]["price"]) == (5, Decimal("20.00"))
    assert rows["ca/MUG"]["currency"] == "CAD"
    assert set(desired(conn, store("us"))) == {"us/MUG"}


def test_counts_per_store_include_stores_without_rows() -> None:
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("3"), salable_qty=0)
    add_listing(conn, "us", "MUG")
    add_product(conn, "NEW", price=Decimal("4"), asin="B0000000N1")
    desired(conn, priced(minimum_price="5"))
    counts = {c.store_id: c for c in desired_listing_counts(conn, ["us", "ca"])}
    us, ca = counts["us"], counts["ca"]
    assert (us.listings, us.ready_to_list, us.quantity_zero) == (1, 1, 1)
    assert (us.price_withheld, us.price_out_of_bounds, us.amazon_fulfilled) == (2, 2, 0)
    assert (ca.listings, ca.ready_to_list, ca.price_withheld) == (0, 0, 0)


# --- The mismatch issues compare against the desired state --------------------------------------


def issues_after(
    conn: duckdb.DuckDBPyConnection, *stores: StoreConfig, now: datetime = NOW
) -> dict[tuple[str, str], dict[str, Any]]:
    """Desired state, then the sync issues of the tick: open issues by (kind, sku)."""
    ensure_sync_issue_schema(conn)
    desired(conn, *stores)
    refresh_sync_issues(conn, now=now, store_ids=[s.id for s in stores])
    cursor = conn.execute("SELECT * FROM core.sync_issues WHERE resolved_at IS NULL")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(r["kind"], r["sku"]): r for r in rows}


def test_a_store_with_a_currency_rate_is_compared_in_the_marketplace_currency() -> None:
    uk = store(
        "uk",
        marketplace="UK",
        price=PriceRules(magento_currency="USD", currency_rate=Decimal("0.80")),
    )
    conn = warehouse()
    add_product(conn, "IN-STEP", price=Decimal("10.00"))
    add_listing(conn, "uk", "IN-STEP", price=8.00, quantity=10)
    add_product(conn, "DRIFTED", price=Decimal("20.00"))
    add_listing(conn, "uk", "DRIFTED", price=20.00, quantity=10)
    found = issues_after(conn, uk)
    assert set(found) == {("price_mismatch", "DRIFTED")}
    assert found[("price_mismatch", "DRIFTED")]["detail"] == (
        "Amazon price 20.00, should be 16.00 GBP (Magento price 20.00 USD, product DRIFTED)"
    )


def test_quantity_mismatch_compares_with_the_buffered_quantity() -> None:
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("9.99"), salable_qty=10)
    add_listing(conn, "us", "MUG", price=9.99, quantity=10)
    found = issues_after(conn, store("us", quantity_buffer=2))
    assert set(found) == {("quantity_mismatch", "MUG")}
    assert found[("quantity_mismatch", "MUG")]["detail"] == (
        "Amazon quantity 10, should be 8 (product MUG)"
    )


def test_without_rules_the_mismatches_are_those_against_magento_as_before() -> None:
    conn = warehouse()
    add_product(conn, "PRICE", price=Decimal("10.00"), salable_qty=5)
    add_listing(conn, "us", "PRICE", price=12.50, quantity=5)
    add_product(conn, "QTY", price=Decimal("9.99"), salable_qty=7)
    add_listing(conn, "us", "QTY", price=9.99, quantity=3)
    add_product(conn, "SAME", price=Decimal("9.99"), salable_qty=5)
    add_listing(conn, "us", "SAME", price=9.99, quantity=5)
    found = issues_after(conn, store("us"))
    assert set(found) == {("price_mismatch", "PRICE"), ("quantity_mismatch", "QTY")}
    assert found[("price_mismatch", "PRICE")]["detail"] == (
        "Amazon price 12.50, Magento price 10.00 (product PRICE)"
    )


def test_a_price_out_of_bounds_opens_an_error_instead_of_a_mismatch() -> None:
    conn = warehouse()
    add_product(conn, "LOW", price=Decimal("3.00"), salable_qty=5)
    add_listing(conn, "us", "LOW", price=9.99, quantity=5)
    add_product(conn, "NEW", price=Decimal("2.00"), asin="B0000000N1")
    found = issues_after(conn, priced(minimum_price="5"))
    assert set(found) == {("price_out_of_bounds", "LOW"), ("price_out_of_bounds", "NEW")}
    low, new = found[("price_out_of_bounds", "LOW")], found[("price_out_of_bounds", "NEW")]
    assert (low["severity"], low["subject"]) == ("error", "LOW")
    assert low["detail"] == (
        "price 3.00 USD is below the minimum price; not sent (Magento price 3.00, product LOW)"
    )
    assert (new["severity"], new["subject"]) == ("error", "NEW (ready to list)")


def test_a_price_back_within_bounds_resolves_its_issue() -> None:
    conn = warehouse()
    add_product(conn, "LOW", price=Decimal("3.00"), salable_qty=5)
    add_listing(conn, "us", "LOW", price=3.00, quantity=5)
    assert set(issues_after(conn, priced(minimum_price="5"))) == {("price_out_of_bounds", "LOW")}
    later = NOW + timedelta(minutes=5)
    assert issues_after(conn, priced(minimum_price="2"), now=later) == {}
    resolved = conn.execute("SELECT kind, resolved_at FROM core.sync_issues").fetchall()
    assert resolved == [("price_out_of_bounds", later)]


def test_every_column_of_the_desired_state_is_documented() -> None:
    conn = warehouse()
    table = conn.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'core' "
        "AND table_name = 'desired_listings'"
    ).fetchone()
    assert table is not None and table[0]
    missing = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'core' "
        "AND table_name = 'desired_listings' AND coalesce(comment, '') = ''"
    ).fetchall()
    assert missing == []


def test_a_yen_price_is_rounded_to_whole_yen() -> None:
    jp = store(
        "jp",
        marketplace="JP",
        price=PriceRules(magento_currency="USD", currency_rate=Decimal("151.237")),
    )
    conn = warehouse()
    add_product(conn, "MUG", price=Decimal("10.00"))
    add_listing(conn, "jp", "MUG")
    row = desired(conn, jp)["jp/MUG"]
    assert (row["price"], row["currency"]) == (Decimal("1512"), "JPY")  # 1512.37 yen
