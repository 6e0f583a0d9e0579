"""Issue 3, section 1: identifiers normalized to GTIN-14; bad ones are reported, never used."""

from __future__ import annotations

import pytest

from asc_pipelines.logic.identifiers import normalize, refresh_identifier_cache
from asc_pipelines.logic.matching import refresh_matches
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product, warehouse

UPC_A = "036000291452"
GTIN = "00036000291452"


def test_upc_a_ean13_with_leading_zero_and_gtin14_are_the_same_gtin() -> None:
    assert normalize("upc", UPC_A) == (GTIN, None)
    assert normalize("ean", "0" + UPC_A) == (GTIN, None)
    assert normalize("gtin", GTIN) == (GTIN, None)
    assert normalize("gtin", UPC_A) == (GTIN, None)


def test_upc_written_as_ean13_with_leading_zero_is_the_same_gtin() -> None:
    assert normalize("upc", "0" + UPC_A) == (GTIN, None)


def test_ean13_and_ean8_become_gtin14() -> None:
    assert normalize("ean", "4006381333931") == ("04006381333931", None)
    assert normalize("ean", "96385074") == ("00000096385074", None)


def test_isbn10_and_its_isbn13_are_the_same_gtin() -> None:
    assert normalize("isbn", "0306406152") == ("09780306406157", None)
    assert normalize("isbn", "9780306406157") == ("09780306406157", None)


def test_isbn10_with_x_check_digit_becomes_isbn13() -> None:
    assert normalize("isbn", "080442957X") == ("09780804429573", None)


@pytest.mark.parametrize(
    ("kind", "value", "gtin14"),
    [
        ("upc", "0 36000 29145 2", GTIN),
        ("upc", "0-36000-29145-2", GTIN),
        ("ean", " 0036000-291452 ", GTIN),
        ("isbn", "0-306-40615-2", "09780306406157"),
        ("isbn", "978 0 306 40615 7", "09780306406157"),
    ],
)
def test_spaces_and_hyphens_are_stripped(kind: str, value: str, gtin14: str) -> None:
    assert normalize(kind, value) == (gtin14, None)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("upc", "036000291453"),
        ("ean", "0036000291453"),
        ("ean", "4006381333932"),
        ("gtin", "00036000291453"),
        ("isbn", "0306406153"),
        ("isbn", "9780306406158"),
    ],
)
def test_bad_check_digit_is_a_problem_never_a_gtin(kind: str, value: str) -> None:
    gtin14, problem = normalize(kind, value)
    assert gtin14 is None
    assert problem == "check digit does not match"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("upc", "12345"),
        ("upc", "4006381333931"),  # a valid EAN-13 that is no UPC-A
        ("ean", "036000291452"),  # 12 digits is no EAN-8/13
        ("gtin", "123456789012345"),
        ("isbn", "030640615"),
    ],
)
def test_wrong_length_is_a_problem(kind: str, value: str) -> None:
    gtin14, problem = normalize(kind, value)
    assert gtin14 is None
    assert problem


@pytest.mark.parametrize("value", ["", "  ", "abc", "03600029145A"])
def test_empty_or_non_digit_values_are_problems(value: str) -> None:
    gtin14, problem = normalize("upc", value)
    assert gtin14 is None
    assert problem


def test_refresh_identifier_cache_normalizes_only_new_values() -> None:
    conn = warehouse()
    add_product(conn, "A", upc=UPC_A, isbn="0306406152")
    add_listing(conn, "us", "L1", asin="B000000001", product_id=UPC_A, product_id_type="UPC")
    # Magento's upc and Amazon's UPC product-id are the same (kind, value): cached once.
    assert refresh_identifier_cache(conn) == 2
    assert refresh_identifier_cache(conn) == 0
    add_product(conn, "B", ean="4006381333931")
    assert refresh_identifier_cache(conn) == 1
    cached = dict(
        conn.execute("SELECT kind || ':' || value, gtin14 FROM core.identifier_cache").fetchall()
    )
    assert cached == {
        f"upc:{UPC_A}": GTIN,
        "isbn:0306406152": "09780306406157",
        "ean:4006381333931": "04006381333931",
    }


def test_asin_product_ids_are_not_identifiers() -> None:
    conn = warehouse()
    add_listing(conn, "us", "L1", asin="B000000001")
    assert refresh_identifier_cache(conn) == 0


def test_bad_magento_attributes_and_amazon_product_ids_are_reported() -> None:
    conn = warehouse()
    add_product(conn, "GOOD", upc=UPC_A)
    add_product(conn, "BADUPC", upc="036000291453", ean="4006381333931")
    add_product(conn, "BADISBN", isbn="0306406153", gtin="123")
    add_listing(conn, "us", "LBAD", product_id="4006381333932", product_id_type="EAN")
    add_listing(conn, "uk", "LOK", product_id=UPC_A, product_id_type="UPC")
    refresh_identifier_cache(conn)
    refresh_matches(conn, seller_sku_attribute="sku")
    problems = conn.execute(
        "SELECT source, store_id, sku, attribute, value, problem FROM core.identifier_problems "
        "ORDER BY source, sku, attribute"
    ).fetchall()
    assert [row[:5] for row in problems] == [
        ("amazon", "us", "LBAD", "product-id", "4006381333932"),
        ("magento", None, "BADISBN", "gtin", "123"),
        ("magento", None, "BADISBN", "isbn", "0306406153"),
        ("magento", None, "BADUPC", "upc", "036000291453"),
    ]
    assert all(row[5] for row in problems)
    by_value = {row[4]: row[5] for row in problems}
    assert by_value["036000291453"] == "check digit does not match"
    assert by_value["4006381333932"] == "check digit does not match"


def test_identifier_problems_are_rebuilt_when_fixed() -> None:
    conn = warehouse()
    add_product(conn, "A", upc="036000291453")
    refresh_identifier_cache(conn)
    refresh_matches(conn, seller_sku_attribute="sku")
    assert conn.execute("SELECT count(*) FROM core.identifier_problems").fetchone() == (1,)
    conn.execute("UPDATE raw.magento_products SET upc = ? WHERE sku = 'A'", [UPC_A])
    refresh_identifier_cache(conn)
    refresh_matches(conn, seller_sku_attribute="sku")
    assert conn.execute("SELECT count(*) FROM core.identifier_problems").fetchone() == (0,)
