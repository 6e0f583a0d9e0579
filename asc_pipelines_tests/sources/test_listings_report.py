"""Listing report parsing: header variants, charsets, typing, rejects (protocols.md 2.7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from asc_pipelines import constants
from asc_pipelines.sources.errors import ReportFormatError
from asc_pipelines.sources.listings_report import (
    LONGEST_LINE,
    StagedListings,
    normalize_header,
    stage_listing_report,
)
from asc_pipelines_tests.warehouse.memory_warehouse import temp_tables

# protocols.md 2.7, variant 1.
H29 = list(constants.REPORT_HEADER_ALL_DATA_29)
H31 = [*H29, "Minimum order quantity", "Sell remainder"]
QTY_B2B = ["Quantity Price Type"] + [
    f"Quantity {kind} {n}" for n in range(1, 6) for kind in ("Lower Bound", "Price")
]
PROGRESSIVE = ["Progressive Price Type"] + [
    f"Progressive {kind} {n}" for n in range(1, 4) for kind in ("Lower Bound", "Price")
]
H47 = [*H29[:27], "Business Price", *QTY_B2B, "merchant-shipping-group", *PROGRESSIVE]
HFR34 = [
    *("item-name", "listing-id", "seller-sku", "price", "quantity", "open-date"),
    *("product-id-type", "item-note", "item-condition", "will-ship-internationally"),
    *("expedited-shipping", "product-id", "pending-quantity", "fulfillment-channel"),
    "Business Price",
    *QTY_B2B,
    "merchant-shipping-group",
    *PROGRESSIVE,
]


def line(header: list[str], **values: str) -> str:
    fields = {normalize_header(name): "" for name in header}
    for key, value in values.items():
        fields[normalize_header(key)] = value
    return "\t".join(fields[normalize_header(name)] for name in header)


def write_report(
    tmp_path: Path, header: list[str], rows: list[str], *, charset: str = "cp1252", eol: str = "\n"
) -> Path:
    path = tmp_path / "report.txt"
    text = eol.join(["\t".join(header), *rows]) + eol
    path.write_bytes(text.encode(charset))
    return path


def stage(
    path: Path, *, charset: str = "cp1252", market: str = "US", tmp_path: Path
) -> StagedListings:
    return stage_listing_report(
        duckdb.connect(),
        path,
        charset=charset,
        marketplace_code=market,
        store_id="s1",
        work_dir=tmp_path / "w",
    )


def rows_by_sku(staged: StagedListings) -> dict[str, dict]:
    cursor = staged.conn.execute(f"SELECT * FROM {staged.listings_table} ORDER BY line_number")
    names = [d[0] for d in cursor.description]
    return {
        row[names.index("seller_sku")]: dict(zip(names, row, strict=True))
        for row in cursor.fetchall()
    }


def rejected(staged: StagedListings) -> list[tuple[int, str, str]]:
    return staged.conn.execute(
        f"SELECT line_number, raw_line, reason FROM {staged.rejected_table} ORDER BY line_number"
    ).fetchall()


GOOD = {"price": "12.99", "quantity": "3", "open-date": "2022-03-15 02:26:37 PDT"}


@pytest.mark.parametrize(
    ("header", "variant"),
    [
        (H29, "all-listings-29"),
        (H31, "all-listings-31"),
        (H47, "active-listings-47"),
        (HFR34, "active-listings-fr-34"),
    ],
)
def test_header_variants_are_read_by_name(tmp_path: Path, header: list[str], variant: str) -> None:
    path = write_report(tmp_path, header, [line(header, **{"seller-sku": "A-1"}, **GOOD)])
    staged = stage(path, tmp_path=tmp_path)
    assert (staged.variant, staged.rows, staged.rejected) == (variant, 1, 0)
    row = rows_by_sku(staged)["A-1"]
    assert row["price"] == Decimal("12.99") and row["quantity"] == 3
    if "status" not in header:
        assert row["status"] is None


def test_31_column_header_maps_spaced_names(tmp_path: Path) -> None:
    values = {"seller-sku": "A-1", "Minimum order quantity": "2", "Sell remainder": "y"}
    path = write_report(tmp_path, H31, [line(H31, **values, **GOOD)])
    staged = stage(path, tmp_path=tmp_path)
    row = rows_by_sku(staged)["A-1"]
    assert (row["minimum_order_quantity"], row["sell_remainder"]) == ("2", "y")
    assert row["extra"] is None


def test_47_column_b2b_columns_land_in_extra_json(tmp_path: Path) -> None:
    values = {"seller-sku": "A-1", "Business Price": "11.50", "Quantity Price 1": "10.00"}
    path = write_report(tmp_path, H47, [line(H47, **values, **GOOD)])
    staged = stage(path, tmp_path=tmp_path)
    row = rows_by_sku(staged)["A-1"]
    assert row["business_price"] == "11.50"
    assert json.loads(row["extra"])["Quantity Price 1"] == "10.00"
    assert row["status"] is None


def test_unknown_header_names_are_bound_not_spliced_into_sql(tmp_path: Path) -> None:
    odd = "Seller's note'); DROP TABLE stage_listings; --"
    header = [*H29, odd]
    path = write_report(
        tmp_path, header, [line(header, **{"seller-sku": "A-1", odd: "x'y"}, **GOOD)]
    )
    staged = stage(path, tmp_path=tmp_path)
    assert staged.rows == 1
    assert json.loads(rows_by_sku(staged)["A-1"]["extra"]) == {odd: "x'y"}


def test_cp1252_accents_and_literal_quote(tmp_path: Path) -> None:
    name = 'Café "Crème" 12" – Größe'
    path = write_report(
        tmp_path, H29, [line(H29, **{"item-name": name, "seller-sku": "é-1"}, **GOOD)]
    )
    staged = stage(path, tmp_path=tmp_path)
    assert staged.charset == "cp1252"
    assert rows_by_sku(staged)["é-1"]["item_name"] == name


def test_utf8_and_cp932(tmp_path: Path) -> None:
    name = "日本語の商品 ＆ ℃"
    path = write_report(
        tmp_path,
        H29,
        [line(H29, **{"item-name": name, "seller-sku": "J"}, **GOOD)],
        charset="utf-8",
    )
    staged = stage(path, charset="utf-8", tmp_path=tmp_path)
    assert rows_by_sku(staged)["J"]["item_name"] == name
    jp = {"item-name": "日本の商品", "seller-sku": "JP-1", "open-date": "2009/09/18 15:18:58 JST"}
    path = write_report(tmp_path, H29, [line(H29, **jp)], charset="cp932")
    staged = stage(path, charset="cp932", market="JP", tmp_path=tmp_path)
    row = rows_by_sku(staged)["JP-1"]
    assert row["item_name"] == "日本の商品"
    assert row["open_date"] == datetime(2009, 9, 18, 6, 18, 58, tzinfo=UTC)


def test_crlf_line_ends_are_tolerated(tmp_path: Path) -> None:
    rows = [line(H29, **{"seller-sku": f"S{i}"}, **GOOD) for i in range(3)]
    path = write_report(tmp_path, H29, rows, eol="\r\n")
    staged = stage(path, tmp_path=tmp_path)
    assert (staged.rows, staged.rejected) == (3, 0)
    assert all(not sku.endswith("\r") for sku in rows_by_sku(staged))


def test_fba_rows_with_blank_price_and_quantity_are_null(tmp_path: Path) -> None:
    values = {
        "seller-sku": "FBA-1",
        "fulfillment-channel": "AMAZON_NA",
        "open-date": GOOD["open-date"],
    }
    path = write_report(tmp_path, H29, [line(H29, **values)])
    staged = stage(path, tmp_path=tmp_path)
    row = rows_by_sku(staged)["FBA-1"]
    assert (row["price"], row["quantity"], staged.rejected) == (None, None, 0)


def test_bad_rows_are_rejected_with_reasons_and_nothing_is_dropped(tmp_path: Path) -> None:
    rows = [
        line(H29, **{"seller-sku": "OK"}, **GOOD),
        line(H29, **{"seller-sku": "COMMA", "price": "12,99"}),
        "too\tfew\tfields",
        line(H29, **{"seller-sku": "QTY", "quantity": "3.5"}),
        line(H29, **{"seller-sku": "", "price": "1.00"}),
        line(H29, **{"seller-sku": "OK", "price": "2.00"}),
        line(H29, **{"seller-sku": "TZ", "open-date": "2022-03-15 02:26:37 XYZ"}),
        line(H29, **{"seller-sku": "FMT", "open-date": "15.03.2022 02:26:37 PDT"}),
    ]
    path = write_report(tmp_path, H29, rows)
    staged = stage(path, tmp_path=tmp_path)
    reasons = {number: reason for number, _, reason in rejected(staged)}
    assert staged.rows + staged.rejected == len(rows)
    assert staged.rows == 1
    assert reasons[3] == "price '12,99' is not a number"
    assert reasons[4] == "expected 29 tab-separated fields, found 3"
    assert reasons[5] == "quantity '3.5' is not an integer"
    assert reasons[6] == "empty seller-sku"
    assert reasons[7] == "duplicate seller-sku (first on line 2)"
    assert reasons[8] == "unknown time zone abbreviation 'XYZ' in open-date"
    assert reasons[9].startswith("open-date '15.03.2022 02:26:37 PDT' matches none of")
    raw = {number: raw for number, raw, _ in rejected(staged)}
    assert raw[4] == "too\tfew\tfields"
    assert raw[3] == rows[1]


def test_undecodable_line_is_rejected_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    good = line(H29, **{"seller-sku": "OK"}, **GOOD).encode()
    bad = line(H29, **{"seller-sku": "BAD", "item-name": "X"}).encode().replace(b"X", b"\xff\xfe")
    path.write_bytes("\t".join(H29).encode() + b"\n" + good + b"\n" + bad + b"\n")
    staged = stage(path, charset="utf-8", tmp_path=tmp_path)
    assert (staged.rows, staged.rejected) == (1, 1)
    assert rejected(staged)[0][2] == "bytes not valid utf-8 at offset 0"


@pytest.mark.parametrize(
    ("market", "raw", "expected"),
    [
        ("US", "2022-03-15 02:26:37 PDT", datetime(2022, 3, 15, 9, 26, 37, tzinfo=UTC)),
        ("UK", "29/09/2025 16:19:39 BST", datetime(2025, 9, 29, 15, 19, 39, tzinfo=UTC)),
        ("UK", "30/03/2011 16:23:57 GMT", datetime(2011, 3, 30, 16, 23, 57, tzinfo=UTC)),
        ("JP", "2009/09/18 15:18:58 JST", datetime(2009, 9, 18, 6, 18, 58, tzinfo=UTC)),
        ("DE", "2008-02-27 20:15:20 GMT", datetime(2008, 2, 27, 20, 15, 20, tzinfo=UTC)),
        ("UK", "2008-02-27 20:15:20 GMT", datetime(2008, 2, 27, 20, 15, 20, tzinfo=UTC)),
    ],
)
def test_open_date_formats(tmp_path: Path, market: str, raw: str, expected: datetime) -> None:
    path = write_report(tmp_path, H29, [line(H29, **{"seller-sku": "D", "open-date": raw})])
    staged = stage(path, market=market, tmp_path=tmp_path)
    assert staged.rejected == 0, rejected(staged)
    row = rows_by_sku(staged)["D"]
    assert row["open_date"] == expected and row["open_date_raw"] == raw


def test_product_id_type_codes_are_named_and_unknown_kept(tmp_path: Path) -> None:
    rows = [
        line(H29, **{"seller-sku": "A", "product-id-type": "4", "product-id": "4006381333931"}),
        line(H29, **{"seller-sku": "B", "product-id-type": "9"}),
    ]
    staged = stage(write_report(tmp_path, H29, rows), tmp_path=tmp_path)
    listings = rows_by_sku(staged)
    assert (listings["A"]["product_id_type"], listings["B"]["product_id_type"]) == ("EAN", "9")


def test_blank_lines_are_counted_not_staged(tmp_path: Path) -> None:
    rows = [line(H29, **{"seller-sku": "A"}), "", line(H29, **{"seller-sku": "B"}), ""]
    staged = stage(write_report(tmp_path, H29, rows), tmp_path=tmp_path)
    assert (staged.rows, staged.rejected, staged.blank_lines) == (2, 0, 2)


def test_report_without_seller_sku_column_is_refused(tmp_path: Path) -> None:
    path = write_report(tmp_path, ["item-name", "price"], ["x\t1"])
    with pytest.raises(ReportFormatError, match="seller-sku"):
        stage(path, tmp_path=tmp_path)


def test_stage_listings_column_types(tmp_path: Path) -> None:
    staged = stage(
        write_report(tmp_path, H29, [line(H29, **{"seller-sku": "A"}, **GOOD)]), tmp_path=tmp_path
    )
    types = dict(
        staged.conn.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE {staged.listings_table})"
        ).fetchall()
    )
    assert types["price"] == "DECIMAL(18,2)"
    assert types["quantity"] == "INTEGER" and types["line_number"] == "BIGINT"
    assert types["open_date"] == "TIMESTAMP WITH TIME ZONE"
    assert types["extra"] == "JSON"
    rejected_types = staged.conn.execute(
        f"SELECT column_name FROM (DESCRIBE {staged.rejected_table})"
    ).fetchall()
    assert [c for (c,) in rejected_types] == [
        "source",
        "store_id",
        "line_number",
        "raw_line",
        "reason",
    ]


# One stray character in a line affects that line only (issue 9): the line either loads with the
# character as data or is rejected with a reason naming it; the lines around it always load.
# Each case is the middle line of three, as bytes without its line end, then what must happen to
# it: ("loaded", column, value) or ("rejected", reason).
def _listing(sku: str, **values: str) -> bytes:
    return line(H29, **{"seller-sku": sku, "status": "Active", **GOOD, **values}).encode("cp1252")


_LONG = _listing("LONG", **{"item-description": "x" * 3_000_000})
_STRAY_BYTES = {
    "lone CR inside a field is data": (
        _listing("CR", **{"item-name": "two\rlines"}),
        ("loaded", "item_name", "two\rlines"),
    ),
    "lone CR at the end of a field is data": (
        _listing("CR", **{"item-note": "note\r"}),
        ("loaded", "item_note", "note\r"),
    ),
    "lone CR in the seller-sku is kept": (
        _listing("C\rR"),
        ("loaded", "seller_sku", "C\rR"),
    ),
    "CR before the line end is part of the line end": (
        _listing("CR") + b"\r",
        ("loaded", "status", "Active"),
    ),
    "CR CR LF, a doubled Windows line end": (
        _listing("CR") + b"\r\r",
        ("loaded", "status", "Active"),
    ),
    "a line ended by a lone CR runs into the next": (
        _listing("CR") + b"\r" + _listing("CR2"),
        ("rejected", "expected 29 tab-separated fields, found 57"),
    ),
    "NUL byte": (
        _listing("NUL", **{"item-name": "ab\x00c"}),
        ("rejected", "NUL byte at offset 2"),
    ),
    "NUL byte in the seller-sku": (
        _listing("N\x00UL", **{"item-name": "Café"}),
        ("rejected", "NUL byte at offset 8"),
    ),
    "lone quote is data": (
        _listing("Q", **{"item-name": '12" ruler'}),
        ("loaded", "item_name", '12" ruler'),
    ),
    "quote opening a field is data": (
        _listing("Q", **{"item-name": '"Best" ruler', "item-note": '"'}),
        ("loaded", "item_name", '"Best" ruler'),
    ),
    "too many tabs": (
        _listing("T") + b"\textra",
        ("rejected", "expected 29 tab-separated fields, found 30"),
    ),
    "only spaces": (b"   ", ("rejected", "expected 29 tab-separated fields, found 1")),
    "only whitespace": (b" \t \x0b", ("rejected", "expected 29 tab-separated fields, found 2")),
    "only tabs, the right number": (b"\t" * 28, ("rejected", "empty seller-sku")),
    "longer than any listing": (
        _LONG,
        (
            "rejected",
            f"line has {len(_LONG)} characters, more than the 100000 a listing line can have"
            " (raw_line holds the first 100000)",
        ),
    ),
    "form feed and other controls are data": (
        _listing("FF", **{"item-name": "a\x0cb\x1bc\x7fd"}),
        ("loaded", "item_name", "a\x0cb\x1bc\x7fd"),
    ),
}


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize(("middle", "outcome"), list(_STRAY_BYTES.values()), ids=list(_STRAY_BYTES))
def test_a_stray_character_affects_only_its_own_line(
    tmp_path: Path, eol: bytes, middle: bytes, outcome: tuple[str, ...]
) -> None:
    path = tmp_path / "report.txt"
    lines = ["\t".join(H29).encode(), _listing("BEFORE"), middle, _listing("AFTER")]
    path.write_bytes(eol.join(lines) + eol)
    staged = stage(path, tmp_path=tmp_path)
    listings = rows_by_sku(staged)
    for sku in ("BEFORE", "AFTER"):
        assert listings[sku]["status"] == "Active"
        assert listings[sku]["price"] == Decimal("12.99")
    assert staged.rows + staged.rejected == 3
    if outcome[0] == "loaded":
        _, column, value = outcome
        assert staged.rejected == 0, rejected(staged)
        (loaded,) = [row for row in listings.values() if row["line_number"] == 3]
        assert loaded[column] == value
        assert loaded["status"] == "Active" and loaded["price"] == Decimal("12.99")
    else:
        assert [(number, reason) for number, _, reason in rejected(staged)] == [(3, outcome[1])]


def test_a_rejected_line_keeps_its_stray_characters_in_raw_line(tmp_path: Path) -> None:
    bad = _listing("NUL", **{"item-name": "a\rb\x00c"})
    path = tmp_path / "report.txt"
    path.write_bytes(b"\n".join(["\t".join(H29).encode(), bad]) + b"\n")
    staged = stage(path, tmp_path=tmp_path)
    assert [raw for _, raw, _ in rejected(staged)] == [bad.decode("cp1252")]


def test_an_overlong_rejected_line_is_kept_cut_to_its_start(tmp_path: Path) -> None:
    bad = b"x" * 300_000
    path = tmp_path / "report.txt"
    path.write_bytes(b"\n".join(["\t".join(H29).encode(), bad, _listing("OK")]) + b"\n")
    staged = stage(path, tmp_path=tmp_path)
    ((number, raw, reason),) = rejected(staged)
    assert (number, raw, staged.rows) == (2, "x" * 100_000, 1)
    assert reason == (
        "line has 300000 characters, more than the 100000 a listing line can have"
        " (raw_line holds the first 100000)"
    )


def test_mixed_line_ends_load_every_line(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    header = "\t".join(H29).encode()
    ends = [b"\r\n", b"\n", b"\r\n", b"\n", b"\r\r\n"]
    skus = [f"S{i}" for i in range(len(ends) - 1)]
    path.write_bytes(
        header + ends[0] + b"".join(_listing(s) + e for s, e in zip(skus, ends[1:], strict=True))
    )
    staged = stage(path, tmp_path=tmp_path)
    assert (staged.rows, staged.rejected) == (len(skus), 0)
    assert {sku: row["status"] for sku, row in rows_by_sku(staged).items()} == dict.fromkeys(
        skus, "Active"
    )


@pytest.mark.parametrize("declared", ["cp1252", "utf-8", "cp932"])
def test_a_utf8_byte_order_mark_means_utf8_whatever_the_download_said(
    tmp_path: Path, declared: str
) -> None:
    path = tmp_path / "report.txt"
    text = "\n".join(["\t".join(H29), line(H29, **{"seller-sku": "M", "item-name": "Café ü"})])
    path.write_bytes(b"\xef\xbb\xbf" + (text + "\n").encode("utf-8"))
    staged = stage(path, charset=declared, tmp_path=tmp_path)
    row = rows_by_sku(staged)["M"]
    assert (staged.charset, staged.rows, staged.rejected) == ("utf-8", 1, 0)
    assert (row["item_name"], row["extra"]) == ("Café ü", None)


def test_a_header_with_a_lone_cr_is_refused_not_read_as_one_line(tmp_path: Path) -> None:
    # Classic Mac OS line ends: without a single LF the whole file would be one header line,
    # and the report would load zero listings without a word.
    rows = [line(H29, **{"seller-sku": f"S{i}"}, **GOOD) for i in range(3)]
    path = write_report(tmp_path, H29, rows, eol="\r")
    with pytest.raises(ReportFormatError, match="carriage return"):
        stage(path, tmp_path=tmp_path)


def test_a_header_with_a_nul_byte_is_refused_not_read_as_an_unknown_column(tmp_path: Path) -> None:
    header = ["item-na\x00me", *H29[1:]]
    path = write_report(tmp_path, header, [line(H29, **{"seller-sku": "A"}, **GOOD)])
    with pytest.raises(ReportFormatError, match="U\\+0000"):
        stage(path, tmp_path=tmp_path)


def test_a_line_at_the_length_limit_loads_even_in_four_byte_characters(tmp_path: Path) -> None:
    # The limit is in characters; DuckDB's reader must take such a line in UTF-8 bytes.
    short = line(H29, **{"seller-sku": "WIDE", "item-description": ""}, **GOOD)
    description = "😀" * (LONGEST_LINE - len(short))
    wide = line(H29, **{"seller-sku": "WIDE", "item-description": description}, **GOOD)
    assert len(wide) == LONGEST_LINE
    path = write_report(tmp_path, H29, [wide], charset="utf-8")
    staged = stage(path, charset="utf-8", tmp_path=tmp_path)
    assert (staged.rows, staged.rejected) == (1, 0)
    assert rows_by_sku(staged)["WIDE"]["item_description"] == description


def test_the_staged_tables_live_until_the_with_block_ends(tmp_path: Path) -> None:
    rows = [
        line(H29, **{"seller-sku": "A"}, **GOOD),
        line(H29, **{"seller-sku": "B", "price": "x"}),
    ]
    with stage(write_report(tmp_path, H29, rows), tmp_path=tmp_path) as staged:
        assert temp_tables(staged.conn) == sorted([staged.listings_table, staged.rejected_table])
        assert list(rows_by_sku(staged)) == ["A"]
        assert [reason for _, _, reason in rejected(staged)] == ["price 'x' is not a number"]
        sources = staged.conn.execute(f"SELECT DISTINCT source FROM {staged.rejected_table}")
        assert sources.fetchall() == [(staged.reject_source,)]
    assert temp_tables(staged.conn) == []


def test_the_staged_tables_are_gone_when_the_write_in_the_with_block_fails(tmp_path: Path) -> None:
    rows = [line(H29, **{"seller-sku": "A"}, **GOOD)]
    staged = stage(write_report(tmp_path, H29, rows), tmp_path=tmp_path)
    with pytest.raises(duckdb.CatalogException), staged:
        staged.conn.execute(
            f"INSERT INTO raw.amazon_listings SELECT * FROM {staged.listings_table}"
        )
    assert temp_tables(staged.conn) == []
    staged.drop()  # dropping again is harmless
