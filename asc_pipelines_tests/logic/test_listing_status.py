"""Issue 3, sections 2, 4 and 5: hand-built worlds, each asserting the exact status and reason.

Every test builds a tiny in-memory warehouse, runs one (or two) ticks of identifiers → matches →
eligibility → statuses, and reads ``core.listing_status`` keyed by ``(store, seller SKU or
Magento SKU)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pytest
from stdnum import ean

from asc_pipelines.logic import eligibility
from asc_pipelines.logic.identifiers import refresh_identifier_cache
from asc_pipelines.logic.matching import refresh_matches
from asc_pipelines.logic.status import STATUSES
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_issue,
    add_listing,
    add_lookup,
    add_product,
    match_row,
    remove_listing,
    run,
    store,
    warehouse,
)

UPC_A = "036000291452"
EAN_OF_UPC_A = "0036000291452"
ISBN10 = "0306406152"
ISBN13 = "9780306406157"
US = store("us")


def upc(n: int) -> str:
    """A valid 12-digit UPC-A built from ``n``."""
    body = f"1{n:010d}"
    return body + ean.calc_check_digit(body)


def asin(n: int) -> str:
    return f"B{n:09d}"


def candidates(conn: duckdb.DuckDBPyConnection, seller_sku: str) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT method, magento_sku FROM core.match_candidates WHERE seller_sku = ? ORDER BY 2",
        [seller_sku],
    ).fetchall()


# --- Matching (section 2) -----------------------------------------------------------------------


def test_rule_1_seller_sku_equals_magento_sku() -> None:
    conn = warehouse()
    add_product(conn, "MUG-1", asin=asin(2))
    add_listing(conn, "us", "MUG-1", asin=asin(1))
    assert run(conn, US)[("us", "MUG-1")][:2] == ("active", "listed")
    row = match_row(conn, "us", "MUG-1")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == ("MUG-1", "seller_sku", 1)
    assert row["asin"] == asin(1)
    assert row["shared_product"] is False
    assert row["matched_at"] == NOW


def test_rule_1_seller_sku_attribute_is_configurable() -> None:
    conn = warehouse()
    add_product(conn, "MAG-1", name="AMZ-SKU-1")
    add_product(conn, "AMZ-SKU-1")  # the product SKU no longer decides
    add_listing(conn, "us", "AMZ-SKU-1", asin=asin(1))
    refresh_identifier_cache(conn)
    refresh_matches(conn, seller_sku_attribute="name")
    row = match_row(conn, "us", "AMZ-SKU-1")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == ("MAG-1", "seller_sku", 1)
    with pytest.raises(ValueError, match="seller_sku_attribute"):
        refresh_matches(conn, seller_sku_attribute="sku; DROP TABLE raw.magento_products")


def test_rule_2_asin_matches_amazon_asin_case_insensitively() -> None:
    conn = warehouse()
    add_product(conn, "MUG-1", asin="b00abcdef1")
    add_listing(conn, "us", "AMZ-77", asin="B00ABCDEF1")
    assert run(conn, US)[("us", "AMZ-77")][:2] == ("active", "listed")
    row = match_row(conn, "us", "AMZ-77")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == ("MUG-1", "asin", 1)


@pytest.mark.parametrize(
    ("attributes", "product_id", "product_id_type"),
    [
        ({"ean": EAN_OF_UPC_A}, UPC_A, "UPC"),  # UPC listing ↔ EAN attribute with a leading 0
        ({"upc": UPC_A}, EAN_OF_UPC_A, "EAN"),  # EAN listing ↔ UPC attribute
        ({"gtin": "00" + UPC_A}, UPC_A, "UPC"),  # UPC listing ↔ GTIN-14 attribute
        ({"isbn": ISBN10}, ISBN13, "ISBN"),  # ISBN-10 attribute ↔ ISBN-13 listing
        ({"isbn": ISBN13}, ISBN10, "ISBN"),  # ISBN-13 attribute ↔ ISBN-10 listing
        ({"ean": ISBN13}, ISBN13, "ISBN"),  # a book's EAN is its ISBN-13
        ({"upc": "0-36000-29145-2"}, UPC_A, "UPC"),  # hyphens in Magento
    ],
)
def test_rule_3_product_id_matches_normalized_identifier(
    attributes: dict[str, str], product_id: str, product_id_type: str
) -> None:
    conn = warehouse()
    add_product(conn, "BOOK-OR-MUG", **attributes)
    add_product(conn, "OTHER", upc=upc(1))
    add_listing(
        conn,
        "us",
        "AMZ-1",
        asin=asin(1),
        product_id=product_id,
        product_id_type=product_id_type,
    )
    assert run(conn, US)[("us", "AMZ-1")][:2] == ("active", "listed")
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == (
        "BOOK-OR-MUG",
        "product_id",
        1,
    )


def test_rule_3_one_product_with_the_same_code_in_two_attributes_is_one_candidate() -> None:
    conn = warehouse()
    add_product(conn, "MUG", upc=UPC_A, ean=EAN_OF_UPC_A, gtin="00" + UPC_A)
    add_listing(conn, "us", "AMZ-1", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    assert run(conn, US)[("us", "AMZ-1")][:2] == ("active", "listed")
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["candidate_count"]) == ("MUG", 1)


def test_first_rule_with_candidates_decides_seller_sku_over_asin() -> None:
    conn = warehouse()
    add_product(conn, "SKU-A")
    add_product(conn, "SKU-B", asin=asin(1))
    add_listing(conn, "us", "SKU-A", asin=asin(1))
    run(conn, US)
    row = match_row(conn, "us", "SKU-A")
    assert (row["magento_sku"], row["method"]) == ("SKU-A", "seller_sku")


def test_first_rule_with_candidates_decides_asin_over_product_id() -> None:
    conn = warehouse()
    add_product(conn, "BY-ASIN", asin=asin(1))
    add_product(conn, "BY-UPC", upc=UPC_A)
    add_listing(conn, "us", "AMZ-1", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    run(conn, US)
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["method"]) == ("BY-ASIN", "asin")


def test_ambiguous_under_the_deciding_rule_is_not_rescued_by_a_later_rule() -> None:
    conn = warehouse()
    add_product(conn, "TWIN-1", asin=asin(1))
    add_product(conn, "TWIN-2", asin=asin(1).lower())
    add_product(conn, "BY-UPC", upc=UPC_A)
    add_listing(conn, "us", "AMZ-1", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    result = run(conn, US)
    assert result[("us", "AMZ-1")][:2] == ("new_third_party", "ambiguous_match")
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == (None, "asin", 2)
    assert candidates(conn, "AMZ-1") == [("asin", "TWIN-1"), ("asin", "TWIN-2")]


def test_ambiguous_asin_keeps_both_candidates() -> None:
    conn = warehouse()
    add_product(conn, "TWIN-1", asin=asin(1))
    add_product(conn, "TWIN-2", asin=asin(1))
    add_listing(conn, "us", "AMZ-1", asin=asin(1))
    run(conn, US)
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["candidate_count"]) == (None, 2)
    assert candidates(conn, "AMZ-1") == [("asin", "TWIN-1"), ("asin", "TWIN-2")]


def test_ambiguous_product_id_keeps_both_candidates() -> None:
    conn = warehouse()
    add_product(conn, "UPC-HOLDER", upc=UPC_A)
    add_product(conn, "EAN-HOLDER", ean=EAN_OF_UPC_A)
    add_listing(conn, "us", "AMZ-1", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    assert run(conn, US)[("us", "AMZ-1")][:2] == ("new_third_party", "ambiguous_match")
    assert candidates(conn, "AMZ-1") == [
        ("product_id", "EAN-HOLDER"),
        ("product_id", "UPC-HOLDER"),
    ]


def test_bad_check_digit_identifier_is_not_used_for_matching() -> None:
    conn = warehouse()
    bad = "036000291453"
    add_product(conn, "BAD-UPC", upc=bad)
    add_listing(conn, "us", "AMZ-1", asin=asin(1), product_id=bad, product_id_type="UPC")
    result = run(conn, US)
    assert result[("us", "AMZ-1")][:2] == ("new_third_party", "no_catalog_match")
    row = match_row(conn, "us", "AMZ-1")
    assert (row["magento_sku"], row["method"], row["candidate_count"]) == (None, None, 0)
    # The product with only a bad identifier cannot be looked up either.
    assert result[("us", "BAD-UPC")][:2] == ("incomplete", "unable_to_assign")


def test_fba_and_fbm_listings_of_one_product_are_both_matched_and_flagged() -> None:
    uk = store("uk", marketplace="UK")
    conn = warehouse()
    add_product(conn, "MUG", upc=UPC_A)
    add_product(conn, "PLATE", upc=upc(2))
    add_listing(conn, "us", "MUG", asin=asin(1), fulfillment_channel="DEFAULT")
    add_listing(
        conn,
        "us",
        "MUG-FBA",
        asin=asin(1),
        product_id=UPC_A,
        product_id_type="UPC",
        fulfillment_channel="AMAZON_NA",
        quantity=None,
    )
    add_listing(conn, "us", "PLATE", asin=asin(2))
    add_listing(conn, "uk", "MUG", asin=asin(1))
    result = run(conn, [US, uk])
    assert result[("us", "MUG")][:2] == ("active", "listed")
    assert result[("us", "MUG-FBA")][:2] == ("active", "listed")
    fbm, fba = match_row(conn, "us", "MUG"), match_row(conn, "us", "MUG-FBA")
    assert (fbm["magento_sku"], fbm["method"], fbm["shared_product"]) == ("MUG", "seller_sku", True)
    assert (fba["magento_sku"], fba["method"], fba["shared_product"]) == ("MUG", "product_id", True)
    # One listing per product elsewhere is not shared, even if another store lists it too.
    assert match_row(conn, "us", "PLATE")["shared_product"] is False
    assert match_row(conn, "uk", "MUG")["shared_product"] is False
    # Both products are listed in us, so neither has a row of its own there.
    assert conn.execute(
        "SELECT count(*) FROM core.listing_status WHERE store_id = 'us' AND seller_sku IS NULL"
    ).fetchone() == (0,)


# --- Listings: new third party, ineligible, incomplete, inactive, active (section 5) -------------


def test_new_third_party_no_catalog_match() -> None:
    conn = warehouse()
    add_product(conn, "MUG", upc=UPC_A)
    add_listing(conn, "us", "STRANGER", asin=asin(9), product_id=upc(9), product_id_type="UPC")
    status, reason, _ = run(conn, US)[("us", "STRANGER")]
    assert (status, reason) == ("new_third_party", "no_catalog_match")


def test_new_third_party_ambiguous_match() -> None:
    conn = warehouse()
    add_product(conn, "TWIN-1", asin=asin(1))
    add_product(conn, "TWIN-2", asin=asin(1))
    add_listing(conn, "us", "AMZ-1", asin=asin(1))
    status, reason, _ = run(conn, US)[("us", "AMZ-1")]
    assert (status, reason) == ("new_third_party", "ambiguous_match")


@pytest.mark.parametrize(
    "attributes",
    [
        {"type_id": "configurable"},
        {"type_id": "bundle"},
        {"type_id": "grouped"},
        {"required_options": 1},
        {"type_id": "bundle", "status": 2, "salable_qty": 0},  # first failing rule wins
    ],
)
def test_ineligible_unsupported_type(attributes: dict[str, Any]) -> None:
    conn = warehouse()
    add_product(conn, "P", **attributes)
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, US)[("us", "P")] == ("ineligible", "unsupported_type", None)


def test_virtual_product_is_eligible() -> None:
    conn = warehouse()
    add_product(conn, "P", type_id="virtual")
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, US)[("us", "P")][:2] == ("active", "listed")


def test_the_listable_types_are_the_ones_named_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule reads ``LISTABLE_TYPES``; the SQL names no product type of its own."""
    monkeypatch.setattr(eligibility, "LISTABLE_TYPES", ["simple"])
    conn = warehouse()
    add_product(conn, "P", type_id="virtual")
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, US)[("us", "P")] == ("ineligible", "unsupported_type", None)


@pytest.mark.parametrize("status", [2, None])
def test_ineligible_disabled(status: int | None) -> None:
    conn = warehouse()
    add_product(conn, "P", status=status, website_codes=["other"], salable_qty=0)
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, US)[("us", "P")][:2] == ("ineligible", "disabled")


@pytest.mark.parametrize("websites", [["other"], []])
def test_ineligible_not_in_website(websites: list[str]) -> None:
    conn = warehouse()
    add_product(conn, "P", website_codes=websites, salable_qty=0)
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, US)[("us", "P")][:2] == ("ineligible", "not_in_website")


def test_ineligible_not_in_the_stores_website() -> None:
    uk = store("uk", marketplace="UK", website="uk")
    conn = warehouse()
    add_product(conn, "P", website_codes=["base"])
    add_listing(conn, "uk", "P", asin=asin(1))
    assert run(conn, uk)[("uk", "P")][:2] == ("ineligible", "not_in_website")


@pytest.mark.parametrize(
    ("threshold", "salable", "expected"),
    [
        (0, 0, ("ineligible", "out_of_stock")),
        (0, None, ("ineligible", "out_of_stock")),
        (0, 1, ("active", "listed")),
        (3, 3, ("ineligible", "out_of_stock")),
        (3, 2, ("ineligible", "out_of_stock")),
        (3, 4, ("active", "listed")),
    ],
)
def test_ineligible_out_of_stock_at_or_below_threshold(
    threshold: int, salable: int | None, expected: tuple[str, str]
) -> None:
    conn = warehouse()
    add_product(conn, "P", salable_qty=salable)
    add_listing(conn, "us", "P", asin=asin(1))
    result = run(conn, store("us", out_of_stock_threshold=threshold))
    assert result[("us", "P")][:2] == expected


def test_max_listed_quantity_caps_but_does_not_make_out_of_stock() -> None:
    conn = warehouse()
    add_product(conn, "P", salable_qty=50)
    add_listing(conn, "us", "P", asin=asin(1))
    result = run(conn, store("us", max_listed_quantity=5, out_of_stock_threshold=10))
    assert result[("us", "P")][:2] == ("active", "listed")
    listed = conn.execute(
        "SELECT salable_qty, listed_qty FROM core.product_eligibility WHERE magento_sku = 'P'"
    ).fetchone()
    assert listed == (50, 5)


def test_ineligible_rule_n_is_the_failing_rules_position() -> None:
    rules = [
        {"attribute": "price", "op": "gte", "value": 5},
        {"attribute": "name", "op": "contains", "value": "widget"},
    ]
    conn = warehouse()
    add_product(conn, "CHEAP-GADGET", price=1, name="Gadget")
    add_product(conn, "GADGET", price=10, name="Gadget")
    add_product(conn, "WIDGET", price=10, name="Widget")
    for sku in ("CHEAP-GADGET", "GADGET", "WIDGET"):
        add_listing(conn, "us", sku, asin=asin(len(sku)))
    result = run(conn, store("us", rules=rules))
    assert result[("us", "CHEAP-GADGET")][:2] == ("ineligible", "rule:1")
    assert result[("us", "GADGET")][:2] == ("ineligible", "rule:2")
    assert result[("us", "WIDGET")][:2] == ("active", "listed")


def test_ineligible_rules_come_after_stock() -> None:
    rules = [{"attribute": "price", "op": "gte", "value": 5}]
    conn = warehouse()
    add_product(conn, "P", price=1, salable_qty=0)
    add_listing(conn, "us", "P", asin=asin(1))
    assert run(conn, store("us", rules=rules))[("us", "P")][:2] == ("ineligible", "out_of_stock")


def test_ineligible_match_any_when_no_condition_holds() -> None:
    rules = [
        {"attribute": "price", "op": "gt", "value": 100},
        {"attribute": "name", "op": "contains", "value": "widget"},
    ]
    conn = warehouse()
    add_product(conn, "NEITHER", price=10, name="Gadget")
    add_product(conn, "SECOND-ONLY", price=10, name="Widget")
    add_product(conn, "FIRST-ONLY", price=200, name="Gadget")
    for n, sku in enumerate(("NEITHER", "SECOND-ONLY", "FIRST-ONLY")):
        add_listing(conn, "us", sku, asin=asin(n))
    result = run(conn, store("us", rules=rules, match="any"))
    # With match: any every condition fails; the first failing one is rule 1.
    assert result[("us", "NEITHER")][:2] == ("ineligible", "rule:1")
    assert result[("us", "SECOND-ONLY")][:2] == ("active", "listed")
    assert result[("us", "FIRST-ONLY")][:2] == ("active", "listed")


def test_incomplete_amazon_missing_attribute_from_error_issue() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    add_issue(
        conn,
        "us",
        "P",
        code="90220",
        message="'item_weight' is required but not supplied.",
        categories=["MISSING_ATTRIBUTE"],
        attribute_names=["item_weight"],
    )
    add_issue(
        conn,
        "us",
        "P",
        code="90220",
        message="'brand' is required but not supplied.",
        categories=["MISSING_ATTRIBUTE", "INVALID_ATTRIBUTE"],
        attribute_names=["brand"],
    )
    status, reason, detail = run(conn, US)[("us", "P")]
    assert (status, reason) == ("incomplete", "amazon_missing_attribute")
    assert detail is not None
    assert sorted(detail.split(", ")) == ["brand", "item_weight"]


def test_missing_attribute_warning_does_not_make_incomplete() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    add_issue(
        conn,
        "us",
        "P",
        code="99300",
        message="Recommended attribute missing",
        severity="WARNING",
        categories=["MISSING_ATTRIBUTE"],
        attribute_names=["color"],
    )
    assert run(conn, US)[("us", "P")] == ("active", "listed", None)


@pytest.mark.parametrize(
    "report_status", ["Incomplete", "INCOMPLETE", "incomplete", " Incomplete "]
)
def test_incomplete_amazon_missing_attribute_from_report_status(report_status: str) -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status=report_status)
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "amazon_missing_attribute")


def test_ineligible_comes_before_amazon_missing_attribute() -> None:
    conn = warehouse()
    add_product(conn, "P", salable_qty=0)
    add_listing(conn, "us", "P", asin=asin(1), status="Incomplete")
    add_issue(
        conn,
        "us",
        "P",
        code="90220",
        message="missing",
        categories=["MISSING_ATTRIBUTE"],
        attribute_names=["brand"],
    )
    assert run(conn, US)[("us", "P")][:2] == ("ineligible", "out_of_stock")


@pytest.mark.parametrize("report_status", ["Inactive", "INACTIVE", "Inactive "])
def test_inactive_not_provided_from_report_status_without_issue(report_status: str) -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status=report_status)
    status, reason, _ = run(conn, US)[("us", "P")]
    assert (status, reason) == ("inactive", "not_provided")


def test_inactive_from_listing_suppressed_issue_gives_code_and_message() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status="Active")
    add_issue(
        conn,
        "us",
        "P",
        code="18027",
        message="Main image does not meet requirements",
        categories=["INVALID_ATTRIBUTE"],
        attribute_names=["main_product_image_locator"],
        enforcement_actions=["LISTING_SUPPRESSED"],
    )
    assert run(conn, US)[("us", "P")] == (
        "inactive",
        "18027",
        "Main image does not meet requirements",
    )


def test_inactive_report_status_with_suppression_issue_gives_its_code() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status="Inactive")
    add_issue(
        conn,
        "us",
        "P",
        code="8541",
        message="Pricing error",
        severity="WARNING",
        categories=[],
        enforcement_actions=["LISTING_SUPPRESSED"],
    )
    assert run(conn, US)[("us", "P")] == ("inactive", "8541", "Pricing error")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("", id="empty"),
        pytest.param(None, id="null"),
        pytest.param("   ", id="spaces"),
        pytest.param("\t\n", id="tab-newline"),
    ],
)
@pytest.mark.parametrize(
    ("report_status", "severity", "enforcement_actions"),
    [
        ("Active", "WARNING", ["LISTING_SUPPRESSED"]),  # suppressed by the issue
        ("Inactive", "ERROR", []),  # inactive in the report, an ERROR issue explains it
    ],
)
def test_inactive_issue_without_a_code_gives_not_provided(
    code: str | None, report_status: str, severity: str, enforcement_actions: list[str]
) -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status=report_status)
    add_issue(
        conn,
        "us",
        "P",
        code=code,
        message="Listing removed",
        severity=severity,
        enforcement_actions=enforcement_actions,
    )
    assert run(conn, US)[("us", "P")] == ("inactive", "not_provided", "Listing removed")


def test_inactive_prefers_a_suppressing_issue_with_a_code_over_one_without() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    for code, message in (("", "No code"), ("18027", "Main image"), (None, "Null code")):
        add_issue(
            conn,
            "us",
            "P",
            code=code,
            message=message,
            enforcement_actions=["LISTING_SUPPRESSED"],
        )
    assert run(conn, US)[("us", "P")] == ("inactive", "18027", "Main image")


def test_inactive_code_is_trimmed() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    add_issue(
        conn,
        "us",
        "P",
        code=" 18027\t",
        message="Main image",
        enforcement_actions=["LISTING_SUPPRESSED"],
    )
    assert run(conn, US)[("us", "P")] == ("inactive", "18027", "Main image")


def test_missing_attribute_comes_before_suppression() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1), status="Inactive")
    add_issue(
        conn,
        "us",
        "P",
        code="90220",
        message="brand missing",
        categories=["MISSING_ATTRIBUTE"],
        attribute_names=["brand"],
        enforcement_actions=["LISTING_SUPPRESSED"],
    )
    assert run(conn, US)[("us", "P")] == ("incomplete", "amazon_missing_attribute", "brand")


def test_active_listed() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_listing(conn, "us", "P", asin=asin(1), status="Active")
    assert run(conn, US) == {("us", "P"): ("active", "listed", None)}


def test_issues_of_another_store_do_not_leak() -> None:
    uk = store("uk", marketplace="UK")
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    add_listing(conn, "uk", "P", asin=asin(1))
    add_issue(
        conn,
        "uk",
        "P",
        code="18027",
        message="suppressed in the UK",
        enforcement_actions=["LISTING_SUPPRESSED"],
    )
    result = run(conn, [US, uk])
    assert result[("us", "P")] == ("active", "listed", None)
    assert result[("uk", "P")] == ("inactive", "18027", "suppressed in the UK")


# --- Unlisted eligible products: ended, incomplete, ready to list (section 5) ---------------------


def test_ended_removed_from_amazon_across_two_ticks() -> None:
    uk = store("uk", marketplace="UK")
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_listing(conn, "us", "AMZ-P", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    tick1 = run(conn, [US, uk], NOW)
    assert tick1[("us", "AMZ-P")] == ("active", "listed", None)
    assert ("us", "P") not in tick1
    assert tick1[("uk", "P")][:2] == ("incomplete", "asin_lookup_pending")

    remove_listing(conn, "us", "AMZ-P")
    tick2 = run(conn, [US, uk], NOW + timedelta(hours=1))
    assert ("us", "AMZ-P") not in tick2
    assert tick2[("us", "P")][:2] == ("ended", "removed_from_amazon")
    # Another store never listed it: not ended there.
    assert tick2[("uk", "P")][:2] == ("incomplete", "asin_lookup_pending")

    # Listed again: active again, no ended row.
    add_listing(conn, "us", "AMZ-P", asin=asin(1), product_id=UPC_A, product_id_type="UPC")
    tick3 = run(conn, [US, uk], NOW + timedelta(hours=2))
    assert tick3[("us", "AMZ-P")] == ("active", "listed", None)
    assert ("us", "P") not in tick3


def test_ended_product_that_became_ineligible_has_no_row() -> None:
    conn = warehouse()
    add_product(conn, "P")
    add_listing(conn, "us", "P", asin=asin(1))
    run(conn, US)
    remove_listing(conn, "us", "P")
    conn.execute("UPDATE raw.magento_products SET status = 2")
    assert run(conn, US, NOW + timedelta(hours=1)) == {}


@pytest.mark.parametrize("condition", ["Mint-ish", "like new", "11"])
def test_incomplete_missing_condition_from_product_attribute(condition: str) -> None:
    conn = warehouse()
    add_product(conn, "P", asin=asin(1), condition=condition)
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "missing_condition")


def test_incomplete_missing_condition_from_invalid_store_default() -> None:
    conn = warehouse()
    add_product(conn, "NO-CONDITION", asin=asin(1))
    add_product(conn, "EMPTY-CONDITION", asin=asin(2), condition="  ")
    add_product(conn, "OWN-CONDITION", asin=asin(3), condition="Used - Good")
    result = run(conn, store("us", default_condition="Pristine"))
    assert result[("us", "NO-CONDITION")][:2] == ("incomplete", "missing_condition")
    assert result[("us", "EMPTY-CONDITION")][:2] == ("incomplete", "missing_condition")
    assert result[("us", "OWN-CONDITION")][:2] == ("ready_to_list", "asin_resolved")


@pytest.mark.parametrize(
    ("condition", "condition_type"),
    [
        (None, "new_new"),
        ("New", "new_new"),
        ("new_new", "new_new"),
        ("Used - Like New", "used_like_new"),
        ("USED LIKE NEW", "used_like_new"),
        ("used_like_new", "used_like_new"),
        ("Collectible - Very Good", "collectible_very_good"),
        ("New - Open Box", "new_open_box"),
        ("Refurbished", "refurbished_refurbished"),
    ],
)
def test_condition_spellings_resolve(condition: str | None, condition_type: str) -> None:
    conn = warehouse()
    add_product(conn, "P", asin=asin(1), condition=condition)
    assert run(conn, US)[("us", "P")][:2] == ("ready_to_list", "asin_resolved")
    resolved = conn.execute("SELECT condition_type FROM core.product_eligibility").fetchone()
    assert resolved == (condition_type,)


def test_store_default_condition_as_asc_label() -> None:
    conn = warehouse()
    add_product(conn, "P", asin=asin(1))
    result = run(conn, store("us", default_condition="Used - Very Good"))
    assert result[("us", "P")][:2] == ("ready_to_list", "asin_resolved")


def test_missing_condition_comes_before_identifier_checks() -> None:
    conn = warehouse()
    add_product(conn, "P", condition="Mint-ish")  # no identifier either
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "missing_condition")


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"upc": "036000291453"},  # bad check digit
        {"ean": "12345", "isbn": "0306406153"},  # wrong length, bad ISBN
    ],
)
def test_incomplete_unable_to_assign_without_usable_identifier(attributes: dict[str, str]) -> None:
    conn = warehouse()
    add_product(conn, "P", **attributes)
    status, reason, detail = run(conn, US)[("us", "P")]
    assert (status, reason) == ("incomplete", "unable_to_assign")
    assert detail


def test_incomplete_unable_to_assign_when_lookup_found_nothing() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_lookup(conn, "UPC", UPC_A, [])
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "unable_to_assign")


def test_incomplete_multiple_matches_when_lookup_found_two_asins() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_lookup(conn, "UPC", UPC_A, [asin(1), asin(2)])
    status, reason, _ = run(conn, US)[("us", "P")]
    assert (status, reason) == ("incomplete", "multiple_matches")


def test_incomplete_has_variants_when_lookup_found_a_variation_parent() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_lookup(conn, "UPC", UPC_A, [asin(1)], variation_parent_asins=[asin(1)])
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "has_variants")


def test_incomplete_asin_lookup_pending_without_lookup_row() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    status, reason, _ = run(conn, US)[("us", "P")]
    assert (status, reason) == ("incomplete", "asin_lookup_pending")


def test_lookup_of_another_marketplace_does_not_count() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_lookup(conn, "UPC", UPC_A, [asin(1)], marketplace="UK")
    assert run(conn, US)[("us", "P")][:2] == ("incomplete", "asin_lookup_pending")


def test_first_valid_identifier_decides_the_lookup() -> None:
    conn = warehouse()
    # UPC beats EAN: a look-up of the EAN does not resolve a product that has a UPC.
    add_product(conn, "UPC-AND-EAN", upc=UPC_A, ean="4006381333931")
    add_lookup(conn, "EAN", "4006381333931", [asin(1)])
    # An invalid UPC is skipped: the ISBN is looked up.
    add_product(conn, "BAD-UPC-ISBN", upc="036000291453", isbn=ISBN10)
    add_lookup(conn, "ISBN", ISBN10, [asin(2)])
    result = run(conn, US)
    assert result[("us", "UPC-AND-EAN")][:2] == ("incomplete", "asin_lookup_pending")
    assert result[("us", "BAD-UPC-ISBN")][:2] == ("ready_to_list", "asin_resolved")


def test_ready_to_list_asin_resolved_from_amazon_asin_attribute() -> None:
    conn = warehouse()
    add_product(conn, "P", asin=asin(1))  # no identifier: the ASIN needs no look-up
    status, reason, detail = run(conn, US)[("us", "P")]
    assert (status, reason) == ("ready_to_list", "asin_resolved")
    assert detail
    row = conn.execute("SELECT asin, seller_sku FROM core.listing_status").fetchone()
    assert row == (asin(1), None)


def test_ready_to_list_asin_resolved_from_single_lookup_result() -> None:
    conn = warehouse()
    add_product(conn, "P", upc=UPC_A)
    add_lookup(conn, "UPC", UPC_A, [asin(7)])
    status, reason, detail = run(conn, US)[("us", "P")]
    assert (status, reason) == ("ready_to_list", "asin_resolved")
    assert detail
    row = conn.execute("SELECT asin, seller_sku, magento_sku FROM core.listing_status").fetchone()
    assert row == (asin(7), None, "P")


def test_ready_to_list_lookup_by_isbn10_found_under_its_isbn13() -> None:
    conn = warehouse()
    add_product(conn, "BOOK", isbn=ISBN10)
    add_lookup(conn, "ISBN", ISBN13, [asin(3)])
    assert run(conn, US)[("us", "BOOK")][:2] == ("ready_to_list", "asin_resolved")


# --- Listing rules: every op, and `today` (section 4) -------------------------------------------

RULE_CASES = [
    ("eq", "name", "Blue Mug", {"name": "Blue Mug"}, {"name": "Red Mug"}),
    ("eq", "price", 10, {"price": 10}, {"price": 11}),
    ("neq", "name", "Red Mug", {"name": "Blue Mug"}, {"name": "Red Mug"}),
    ("gt", "price", 10, {"price": 10.5}, {"price": 10}),
    ("gte", "price", 10, {"price": 10}, {"price": 9.99}),
    ("lt", "salable_qty", 100, {"salable_qty": 99}, {"salable_qty": 100}),
    ("lte", "price", 20, {"price": 20}, {"price": 20.01}),
    ("in", "name", ["Blue Mug", "Green Mug"], {"name": "Green Mug"}, {"name": "Red Mug"}),
    ("in", "visibility", [2, 4], {"visibility": 4}, {"visibility": 1}),
    ("nin", "name", ["Red Mug"], {"name": "Blue Mug"}, {"name": "Red Mug"}),
    ("nin", "visibility", [1], {"visibility": 4}, {"visibility": 1}),
    ("contains", "name", "mug", {"name": "Blue mug"}, {"name": "Blue cup"}),
    ("contains", "website_codes", "eu", {"website_codes": ["base", "eu"]}, {}),
    ("is_empty", "ean", None, {}, {"ean": "4006381333931"}),
    ("not_empty", "upc", None, {"upc": UPC_A}, {}),
    (
        "lte",
        "created_at",
        "today",
        {"created_at": NOW - timedelta(days=1)},
        {"created_at": NOW + timedelta(days=1)},
    ),
    (
        "gte",
        "created_at",
        "2024-01-01",
        {"created_at": NOW},
        {"created_at": NOW.replace(year=2023)},
    ),
]


@pytest.mark.parametrize(
    ("op", "attribute", "value", "passing", "failing"),
    RULE_CASES,
    ids=[f"{case[1]}-{case[0]}-{n}" for n, case in enumerate(RULE_CASES)],
)
def test_listing_rule_op(
    op: str, attribute: str, value: Any, passing: dict[str, Any], failing: dict[str, Any]
) -> None:
    rule: dict[str, Any] = {"attribute": attribute, "op": op}
    if value is not None:
        rule["value"] = value
    conn = warehouse()
    add_product(conn, "PASS", **passing)
    add_product(conn, "FAIL", **failing)
    add_listing(conn, "us", "PASS", asin=asin(1))
    add_listing(conn, "us", "FAIL", asin=asin(2))
    result = run(conn, store("us", rules=[{"attribute": "sku", "op": "not_empty"}, rule]))
    assert result[("us", "PASS")][:2] == ("active", "listed")
    assert result[("us", "FAIL")][:2] == ("ineligible", "rule:2")


def test_rule_lte_today_uses_the_ticks_date() -> None:
    rules = [{"attribute": "created_at", "op": "lte", "value": "today"}]
    conn = warehouse()
    add_product(conn, "YESTERDAY", asin=asin(1), created_at=NOW - timedelta(days=1))
    add_product(conn, "LATER-TODAY", asin=asin(2), created_at=NOW + timedelta(hours=6))
    add_product(conn, "TOMORROW", asin=asin(3), created_at=NOW + timedelta(days=1))
    add_product(conn, "NEVER", asin=asin(4), created_at=None)
    conn.execute("UPDATE raw.magento_products SET created_at = NULL WHERE sku = 'NEVER'")
    add_listing(conn, "us", "TOMORROW", asin=asin(3))
    result = run(conn, store("us", rules=rules))
    assert result[("us", "YESTERDAY")][:2] == ("ready_to_list", "asin_resolved")
    assert result[("us", "LATER-TODAY")][:2] == ("ready_to_list", "asin_resolved")
    assert result[("us", "TOMORROW")][:2] == ("ineligible", "rule:1")
    assert ("us", "NEVER") not in result  # a condition on a missing value is false
    # A day later the same product passes: `today` is the tick's date.
    result = run(conn, store("us", rules=rules), NOW + timedelta(days=1))
    assert result[("us", "TOMORROW")][:2] == ("active", "listed")


def test_rule_today_does_not_depend_on_the_session_time_zone() -> None:
    rules = [{"attribute": "created_at", "op": "lte", "value": "today"}]
    conn = warehouse()
    conn.execute("SET SESSION TimeZone = 'Pacific/Auckland'")  # what DuckDB picks up from TZ
    tick = NOW.replace(hour=13)
    add_product(conn, "EARLIER", asin=asin(1), created_at=tick - timedelta(minutes=30))
    result = run(conn, store("us", rules=rules), tick)
    assert result[("us", "EARLIER")][:2] == ("ready_to_list", "asin_resolved")


def test_rule_nin_on_a_missing_value_is_false_like_neq() -> None:
    conn = warehouse()
    add_product(conn, "NO-NAME", asin=asin(1))
    conn.execute("UPDATE raw.magento_products SET name = NULL")
    add_listing(conn, "us", "NO-NAME", asin=asin(1))
    neq = [{"attribute": "name", "op": "neq", "value": "Red Mug"}]
    nin = [{"attribute": "name", "op": "nin", "value": ["Red Mug"]}]
    assert run(conn, store("us", rules=neq))[("us", "NO-NAME")][:2] == ("ineligible", "rule:1")
    assert run(conn, store("us", rules=nin))[("us", "NO-NAME")][:2] == ("ineligible", "rule:1")


# --- Stores -------------------------------------------------------------------------------------


def test_product_listed_in_one_store_and_not_another() -> None:
    uk = store("uk", marketplace="UK", website="uk")
    conn = warehouse()
    add_product(conn, "BY-ASIN", asin=asin(1), website_codes=["base", "uk"])
    add_product(conn, "BY-UPC", upc=UPC_A, website_codes=["base", "uk"])
    add_product(conn, "US-ONLY", asin=asin(3), website_codes=["base"])
    add_listing(conn, "us", "BY-ASIN", asin=asin(1))
    add_listing(conn, "us", "BY-UPC", asin=asin(2), product_id=UPC_A, product_id_type="UPC")
    add_listing(conn, "us", "US-ONLY", asin=asin(3))
    add_lookup(conn, "UPC", UPC_A, [asin(2)], marketplace="US")  # the US answer is not the UK's
    result = run(conn, [US, uk])
    assert {key: value[:2] for key, value in result.items()} == {
        ("us", "BY-ASIN"): ("active", "listed"),
        ("us", "BY-UPC"): ("active", "listed"),
        ("us", "US-ONLY"): ("active", "listed"),
        ("uk", "BY-ASIN"): ("ready_to_list", "asin_resolved"),
        ("uk", "BY-UPC"): ("incomplete", "asin_lookup_pending"),
    }
    add_lookup(conn, "UPC", UPC_A, [asin(2)], marketplace="UK")
    assert run(conn, [US, uk])[("uk", "BY-UPC")][:2] == ("ready_to_list", "asin_resolved")


# --- Invariants (section 5, section 7) ----------------------------------------------------------


def _mixed_world() -> tuple[duckdb.DuckDBPyConnection, list]:
    uk = store("uk", marketplace="UK", website="uk", out_of_stock_threshold=2)
    stores = [store("us", rules=[{"attribute": "price", "op": "lt", "value": 100}]), uk]
    conn = warehouse()
    both = ["base", "uk"]
    add_product(conn, "ACTIVE", asin=asin(1), website_codes=both)
    add_product(conn, "FBA-FBM", upc=upc(2), website_codes=both)
    add_product(conn, "TWIN-1", asin=asin(3))
    add_product(conn, "TWIN-2", asin=asin(3))
    add_product(conn, "DISABLED", status=2)
    add_product(conn, "CONFIGURABLE", type_id="configurable", website_codes=both)
    add_product(conn, "PRICEY", price=500, asin=asin(5), website_codes=both)
    add_product(conn, "LOW-STOCK", salable_qty=2, upc=upc(6), website_codes=both)
    add_product(conn, "PENDING", upc=upc(7), website_codes=both)
    add_product(conn, "NO-ID", website_codes=both)
    add_product(conn, "SEVERAL", upc=upc(8))
    add_product(conn, "PARENT", upc=upc(9))
    add_product(conn, "RESOLVED", upc=upc(10), website_codes=both)
    add_product(conn, "MINT", asin=asin(11), condition="Mint-ish")
    add_product(conn, "GONE", asin=asin(12), website_codes=both)
    add_product(conn, "SUPPRESSED", asin=asin(13))
    add_product(conn, "NO-CODE", asin=asin(14), website_codes=both)
    add_lookup(conn, "UPC", upc(8), [asin(80), asin(81)])
    add_lookup(conn, "UPC", upc(9), [asin(90)], variation_parent_asins=[asin(90)])
    add_lookup(conn, "UPC", upc(10), [asin(100)])
    for store_id in ("us", "uk"):
        add_listing(conn, store_id, "ACTIVE", asin=asin(1))
        add_listing(conn, store_id, "FBA-FBM", asin=asin(2))
        add_listing(
            conn,
            store_id,
            "FBA-FBM-AFN",
            asin=asin(2),
            product_id=upc(2),
            product_id_type="UPC",
            fulfillment_channel="AMAZON_EU",
        )
        add_listing(conn, store_id, "AMBIGUOUS", asin=asin(3))
        add_listing(conn, store_id, "STRANGER", asin=asin(99))
        add_listing(conn, store_id, "DISABLED", asin=asin(4))
        add_listing(conn, store_id, "PRICEY", asin=asin(5), status="Inactive")
        add_listing(conn, store_id, "LOW-STOCK", asin=asin(6), status="Incomplete")
        add_listing(conn, store_id, "GONE", asin=asin(12))
        add_listing(conn, store_id, "SUPPRESSED", asin=asin(13))
        add_issue(
            conn,
            store_id,
            "SUPPRESSED",
            code="5461",
            message="Suppressed",
            enforcement_actions=["LISTING_SUPPRESSED"],
        )
        add_listing(conn, store_id, "NO-CODE", asin=asin(14))
        add_issue(
            conn,
            store_id,
            "NO-CODE",
            code="" if store_id == "us" else None,
            message="Suppressed without a code",
            enforcement_actions=["LISTING_SUPPRESSED"],
        )
    run(conn, stores)
    remove_listing(conn, "us", "GONE")
    return conn, stores


def test_mixed_world_statuses() -> None:
    conn, stores = _mixed_world()
    result = run(conn, stores, NOW + timedelta(hours=1))
    got = {key: value[:2] for key, value in result.items()}
    assert got == {
        ("us", "ACTIVE"): ("active", "listed"),
        ("us", "FBA-FBM"): ("active", "listed"),
        ("us", "FBA-FBM-AFN"): ("active", "listed"),
        ("us", "AMBIGUOUS"): ("new_third_party", "ambiguous_match"),
        ("us", "STRANGER"): ("new_third_party", "no_catalog_match"),
        ("us", "DISABLED"): ("ineligible", "disabled"),
        ("us", "PRICEY"): ("ineligible", "rule:1"),
        ("us", "LOW-STOCK"): ("incomplete", "amazon_missing_attribute"),
        ("us", "SUPPRESSED"): ("inactive", "5461"),
        ("us", "NO-CODE"): ("inactive", "not_provided"),
        ("us", "GONE"): ("ended", "removed_from_amazon"),
        ("us", "TWIN-1"): ("ready_to_list", "asin_resolved"),
        ("us", "TWIN-2"): ("ready_to_list", "asin_resolved"),
        ("us", "PENDING"): ("incomplete", "asin_lookup_pending"),
        ("us", "NO-ID"): ("incomplete", "unable_to_assign"),
        ("us", "SEVERAL"): ("incomplete", "multiple_matches"),
        ("us", "PARENT"): ("incomplete", "has_variants"),
        ("us", "RESOLVED"): ("ready_to_list", "asin_resolved"),
        ("us", "MINT"): ("incomplete", "missing_condition"),
        ("uk", "ACTIVE"): ("active", "listed"),
        ("uk", "FBA-FBM"): ("active", "listed"),
        ("uk", "FBA-FBM-AFN"): ("active", "listed"),
        ("uk", "AMBIGUOUS"): ("new_third_party", "ambiguous_match"),
        ("uk", "STRANGER"): ("new_third_party", "no_catalog_match"),
        ("uk", "DISABLED"): ("ineligible", "disabled"),
        ("uk", "PRICEY"): ("inactive", "not_provided"),
        ("uk", "LOW-STOCK"): ("ineligible", "out_of_stock"),
        ("uk", "GONE"): ("active", "listed"),
        ("uk", "SUPPRESSED"): ("ineligible", "not_in_website"),
        ("uk", "NO-CODE"): ("inactive", "not_provided"),
        ("uk", "PENDING"): ("incomplete", "asin_lookup_pending"),
        ("uk", "NO-ID"): ("incomplete", "unable_to_assign"),
        ("uk", "RESOLVED"): ("incomplete", "asin_lookup_pending"),
    }
    assert {value[0] for value in result.values()} == set(STATUSES)


def test_every_listing_of_the_snapshot_has_exactly_one_status() -> None:
    conn, stores = _mixed_world()
    run(conn, stores, NOW + timedelta(hours=1))
    listings = conn.execute(
        "SELECT store_id, seller_sku FROM raw.amazon_listings ORDER BY ALL"
    ).fetchall()
    keyed = conn.execute(
        "SELECT store_id, seller_sku FROM core.listing_status WHERE seller_sku IS NOT NULL "
        "ORDER BY ALL"
    ).fetchall()
    assert keyed == listings  # each exactly once, none extra
    statuses = conn.execute("SELECT DISTINCT status FROM core.listing_status").fetchall()
    assert {s for (s,) in statuses} <= set(STATUSES)
    # No reason is ever missing or blank, whatever Amazon sent (README, Listing statuses).
    assert conn.execute(
        "SELECT count(*) FROM core.listing_status "
        "WHERE status IS NULL OR coalesce(trim(reason_code), '') = ''"
    ).fetchone() == (0,)


def test_products_neither_listed_nor_eligible_have_no_row() -> None:
    conn, stores = _mixed_world()
    run(conn, stores, NOW + timedelta(hours=1))
    orphans = conn.execute(
        """
        SELECT e.store_id, e.magento_sku FROM core.product_eligibility e
        WHERE NOT e.eligible
          AND NOT EXISTS (SELECT 1 FROM core.product_matches m
                          WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku)
          AND EXISTS (SELECT 1 FROM core.listing_status s
                      WHERE s.store_id = e.store_id AND s.magento_sku = e.magento_sku)
        """
    ).fetchall()
    assert orphans == []
    # e.g. the configurable product, listed nowhere: no row in either store.
    assert conn.execute(
        "SELECT count(*) FROM core.listing_status WHERE magento_sku = 'CONFIGURABLE'"
    ).fetchone() == (0,)


def test_unlisted_eligible_products_have_exactly_one_row_keyed_by_magento_sku() -> None:
    conn, stores = _mixed_world()
    run(conn, stores, NOW + timedelta(hours=1))
    expected = conn.execute(
        """
        SELECT e.store_id, e.magento_sku FROM core.product_eligibility e
        WHERE e.eligible AND NOT EXISTS (
            SELECT 1 FROM core.product_matches m
            WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku)
        ORDER BY ALL
        """
    ).fetchall()
    keyed = conn.execute(
        "SELECT store_id, magento_sku FROM core.listing_status WHERE seller_sku IS NULL "
        "ORDER BY ALL"
    ).fetchall()
    assert keyed == expected
    assert len(expected) > 10


def test_a_second_tick_with_nothing_changed_gives_the_same_statuses() -> None:
    conn, stores = _mixed_world()
    first = run(conn, stores, NOW + timedelta(hours=1))
    second = run(conn, stores, NOW + timedelta(hours=2))
    assert first == second
    assert conn.execute("SELECT DISTINCT computed_at FROM core.listing_status").fetchall() == [
        (NOW + timedelta(hours=2),)
    ]
