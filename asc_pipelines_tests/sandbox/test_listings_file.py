"""The sandbox's own listings-report reader and writer (protocols.md 2.7)."""

from __future__ import annotations

from asc_pipelines.sandbox.listings_file import detect_charset, parse_listings_file
from asc_pipelines_tests.sandbox.worlds import HEADER_29, HEADER_31, listing_row, tsv


def test_cp1252_bytes_are_detected_as_cp1252_and_utf8_as_utf8() -> None:
    assert detect_charset("Café – 12oz".encode("cp1252")) == "Cp1252"
    assert detect_charset("Café – 12oz".encode()) == "UTF-8"
    assert detect_charset(b"plain ascii") == "Cp1252"
    assert detect_charset(b"plain ascii", default="Windows-31J") == "Windows-31J"


def test_columns_are_found_by_header_name_and_quotes_stay_literal() -> None:
    text = tsv(HEADER_31, [listing_row(HEADER_31, item_name='Mug "Big"', seller_sku="M-1")])
    listings = parse_listings_file(text.encode("utf-8"), "UTF-8")
    row = listings.rows[0]
    assert listings.get(row, "item-name") == 'Mug "Big"'
    assert listings.get(row, "seller-sku") == "M-1"
    assert listings.has("Minimum order quantity")
    assert listings.get(row, "no-such-column") == ""


def test_an_untouched_file_serializes_to_the_same_bytes() -> None:
    rows = [listing_row(HEADER_29, item_name="Café Crème – 12oz", seller_sku="C-1", price="1.00")]
    data = tsv(HEADER_29, rows).encode("cp1252")
    assert parse_listings_file(data, "Cp1252").serialize() == data


def test_characters_outside_cp1252_become_question_marks_like_amazon() -> None:
    rows = [listing_row(HEADER_29, item_name="Łódź ☕ Crème", seller_sku="L-1")]
    listings = parse_listings_file(tsv(HEADER_29, rows).encode("utf-8"), "UTF-8")
    listings.charset = "Cp1252"
    out = listings.serialize()
    assert out.split(b"\n")[1].startswith("?ód? ? Crème".encode("cp1252"))


def test_crlf_line_ends_and_a_missing_final_newline_are_kept() -> None:
    data = b"seller-sku\tprice\r\nA\t1.00\r\nB\t2.00"
    listings = parse_listings_file(data, "Cp1252")
    assert [listings.get(r, "seller-sku") for r in listings.rows] == ["A", "B"]
    assert listings.serialize() == data


def test_short_rows_are_padded_to_the_header() -> None:
    listings = parse_listings_file(b"seller-sku\tprice\tquantity\nA\t1.00\n", "Cp1252")
    assert listings.rows == [["A", "1.00", ""]]
