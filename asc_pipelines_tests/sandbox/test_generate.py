"""The world generator writes every file in the exact wire/export format, deterministically.

Files are read back with small readers written here (csv module, split on tabs), never with the
sandbox's or the clients' parsers, so a shared mistake cannot hide.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from stdnum import ean, isbn

from asc_pipelines.constants import FBA_CHANNELS, ITEM_CONDITIONS, MARKETPLACES, PRODUCT_ID_TYPES
from asc_pipelines.sandbox.generate import STORE_LAYOUT, generate_world
from asc_pipelines.sandbox.generate_amazon import HEADER_ALL_DATA, HEADER_ALL_DATA_31
from asc_pipelines.sandbox.generate_text import gs1_check_digit, open_date_text
from asc_pipelines_tests.spapi_models import assert_valid_response

NOW = datetime(2026, 11, 29, 5, 51, tzinfo=UTC)
STORE_IDS = [store_id for store_id, _, _ in STORE_LAYOUT]
PRODUCT_COLUMNS = [
    "sku",
    "store_view_code",
    "attribute_set_code",
    "product_type",
    "product_websites",
    "name",
    "product_online",
    "visibility",
    "price",
    "qty",
    "is_in_stock",
    "additional_attributes",
    "configurable_variations",
    "created_at",
    "updated_at",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2000-product world with every store of the layout (one per marketplace)."""
    out = tmp_path_factory.mktemp("world")
    generate_world(out, products=2000, stores=len(STORE_LAYOUT), seed=7, now=NOW)
    return out


def read_products(world: Path) -> list[dict[str, str]]:
    with (world / "magento" / "products.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def base_products(world: Path) -> dict[str, dict[str, str]]:
    return {row["sku"]: row for row in read_products(world) if not row["store_view_code"]}


def attributes(row: dict[str, str]) -> dict[str, str]:
    text = row["additional_attributes"]
    return dict(pair.split("=", 1) for pair in text.split(",")) if text else {}


def read_listings(world: Path, store_id: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a listing report, decoded with the store's charset."""
    data = (world / "amazon" / store_id / "listings.tsv").read_bytes()
    text = data.decode("utf-8" if store_id == "jp" else "cp1252")
    lines = text.split("\n")
    assert lines[-1] == "", "the report ends with a line feed"
    header, *rows = (line.split("\t") for line in lines[:-1])
    return header, rows


def well_formed(world: Path, store_id: str) -> list[dict[str, str]]:
    """Report rows with the right field count and a parseable price, as dicts by header name."""
    header, rows = read_listings(world, store_id)
    good = [row for row in rows if len(row) == len(header)]
    good = [row for row in good if re.fullmatch(r"(\d+\.\d\d)?", row[header.index("price")])]
    return [dict(zip(header, row, strict=True)) for row in good]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    first = generate_world(tmp_path / "a", products=400, stores=3, seed=3, now=NOW)
    second = generate_world(tmp_path / "b", products=400, stores=3, seed=3, now=NOW)
    files = sorted(p.relative_to(first.out) for p in first.out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.out) for p in second.out.rglob("*") if p.is_file())
    for name in files:
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    generate_world(tmp_path / "a", products=300, stores=1, seed=1, now=NOW)
    generate_world(tmp_path / "b", products=300, stores=1, seed=2, now=NOW)
    products = "magento/products.csv"
    assert (tmp_path / "a" / products).read_bytes() != (tmp_path / "b" / products).read_bytes()


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    summary = generate_world(tmp_path, products=500, stores=2, seed=5, now=NOW)
    rows = read_products(tmp_path)
    assert summary.products == len({row["sku"] for row in rows}) == 500
    assert summary.product_rows == len(rows)
    for store_id, count in summary.stores.items():
        assert count == len(read_listings(tmp_path, store_id)[1])
    orders = sum(len(read_jsonl(tmp_path / "amazon" / s / "orders.jsonl")) for s in summary.stores)
    assert summary.orders == orders
    assert summary.out == tmp_path


def test_world_json_lists_stores_in_layout_order(world: Path) -> None:
    spec = json.loads((world / "world.json").read_text(encoding="utf-8"))
    assert spec["now"] == "2026-11-29T05:51:00Z"
    assert [s["id"] for s in spec["stores"]] == STORE_IDS
    assert [(s["marketplace"], s["website"]) for s in spec["stores"]] == [
        (m, w) for _, m, w in STORE_LAYOUT
    ]
    for store in spec["stores"]:
        assert re.fullmatch(r"A[A-Z0-9]{13}", store["seller_id"])
        assert store["name"] == f"Demo {store['marketplace']} store"


def test_stores_beyond_the_layout_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="stores"):
        generate_world(tmp_path, products=10, stores=len(STORE_LAYOUT) + 1, now=NOW)


def test_products_csv_is_exactly_what_the_csv_module_writes(world: Path) -> None:
    data = (world / "magento" / "products.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == PRODUCT_COLUMNS
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows(rows)
    assert again.getvalue().encode("utf-8") == data
    assert all(len(row) == len(PRODUCT_COLUMNS) for row in rows)


def test_catalog_mixes_product_types_like_a_magento_store(world: Path) -> None:
    products = base_products(world)
    types = {row["product_type"] for row in products.values()}
    assert types == {"simple", "configurable", "virtual", "bundle"}
    assert {row["product_online"] for row in products.values()} == {"1", "2"}
    assert any(row["qty"] == "0" and row["is_in_stock"] == "0" for row in products.values())
    for row in products.values():
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["created_at"])
        assert row["updated_at"] >= row["created_at"]
        assert set(row["product_websites"].split(",")) <= {"", "base", "uk", "eu", "jp"}
        if row["product_type"] == "bundle":
            assert attributes(row)["required_options"] == "1"


def test_configurable_variations_name_size_colour_children(world: Path) -> None:
    products = base_products(world)
    parents = [row for row in products.values() if row["product_type"] == "configurable"]
    assert parents
    for parent in parents:
        for variation in parent["configurable_variations"].split("|"):
            fields = dict(pair.split("=", 1) for pair in variation.split(","))
            child = products[fields["sku"]]
            assert child["product_type"] == "simple"
            assert child["visibility"] == "Not Visible Individually"
            assert attributes(child)["size"] == fields["size"]
            assert attributes(child)["color"] == fields["color"]


def test_store_view_rows_override_only_the_name(world: Path) -> None:
    rows = read_products(world)
    views = [row for row in rows if row["store_view_code"]]
    assert {row["store_view_code"] for row in views} == {"de", "jp"}
    skus = {row["sku"] for row in rows if not row["store_view_code"]}
    for row in views:
        assert row["sku"] in skus and row["name"]
        filled = {key for key, value in row.items() if value}
        assert filled == {"sku", "store_view_code", "name"}
    assert any(re.search(r"[äöüß]", row["name"]) for row in views)


def test_names_carry_accents_symbols_cjk_and_polish(world: Path) -> None:
    names = " ".join(row["name"] for row in read_products(world))
    for text in ("é", "ü", "ñ", "™", "®", "°", '"', "–", "&", "日本語", "中文", "ł"):
        assert text in names


def test_additional_attributes_use_known_codes_and_clean_values(world: Path) -> None:
    codes = {"amazon_asin", "upc", "ean", "isbn", "gtin", "amazon_condition"}
    codes |= {"required_options", "size", "color"}
    conditions = set()
    for row in base_products(world).values():
        for pair in filter(None, row["additional_attributes"].split(",")):
            code, value = pair.split("=", 1)
            assert code in codes and value and "=" not in value
        attrs = attributes(row)
        if "amazon_asin" in attrs:
            assert re.fullmatch(r"B0[0-9A-Z]{8}", attrs["amazon_asin"])
        conditions.add(attrs.get("amazon_condition", ""))
    assert {"", "Used - Like New", "new", "Mint-ish"} <= conditions


def test_identifiers_have_valid_check_digits_except_about_two_percent(world: Path) -> None:
    checked = invalid = 0
    lengths = {"upc": 12, "ean": 13, "isbn": 13, "gtin": 14}
    for row in base_products(world).values():
        for code, length in lengths.items():
            value = attributes(row).get(code)
            if value is None:
                continue
            assert len(value) == length and value.isdigit()
            checked += 1
            try:
                (isbn if code == "isbn" else ean).validate(value)
            except ValueError:
                invalid += 1
                assert ean.calc_check_digit(value[:-1]) != value[-1]
    assert checked > 1000
    assert 0.005 < invalid / checked < 0.05


def test_vectorized_check_digit_agrees_with_stdnum() -> None:
    rng = np.random.default_rng(0)
    for length in (11, 12, 13):
        bodies = rng.integers(0, 10**length, 500)
        digits = gs1_check_digit(bodies, length)
        for body, digit in zip(bodies.tolist(), digits.tolist(), strict=True):
            assert ean.calc_check_digit(str(body).zfill(length)) == str(digit)


@pytest.mark.parametrize(
    ("market", "stamp", "expected"),
    [
        ("US", "2022-03-15T09:26:37Z", "2022-03-15 02:26:37 PDT"),
        ("US", "2022-01-15T09:26:37Z", "2022-01-15 01:26:37 PST"),
        ("UK", "2025-09-29T15:19:39Z", "29/09/2025 16:19:39 BST"),
        ("UK", "2011-03-20T16:23:57Z", "20/03/2011 16:23:57 GMT"),
        ("DE", "2025-09-29T14:19:39Z", "2025-09-29 16:19:39 MESZ"),
        ("DE", "2025-12-01T14:19:39Z", "2025-12-01 15:19:39 MEZ"),
        ("JP", "2009-09-18T06:18:58Z", "2009/09/18 15:18:58 JST"),
        ("FR", "2025-09-29T14:19:39Z", "2025-09-29 16:19:39 CEST"),
        ("FR", "2025-12-01T14:19:39Z", "2025-12-01 15:19:39 CET"),
        ("AU", "2025-09-29T14:19:39Z", "30/09/2025 00:19:39 AEST"),
        ("AU", "2025-12-01T14:19:39Z", "02/12/2025 01:19:39 AEDT"),
        ("BR", "2025-12-01T14:19:39Z", "2025-12-01 06:19:39 PST"),
    ],
)
def test_open_date_is_the_marketplace_wall_clock(market: str, stamp: str, expected: str) -> None:
    seconds = int(datetime.fromisoformat(stamp).timestamp())
    assert open_date_text(np.array([seconds]), market).tolist() == [expected]


def test_source_items_cover_most_products_with_two_sources_for_some(world: Path) -> None:
    with (world / "magento" / "source_items.csv").open(encoding="utf-8", newline="") as handle:
        items = list(csv.DictReader(handle))
    products = base_products(world)
    assert set(items[0]) == {"sku", "source_code", "quantity", "status"}
    skus = {item["sku"] for item in items}
    assert skus <= set(products) and 0.7 * len(products) < len(skus) < len(products)
    assert {item["source_code"] for item in items} == {"default", "warehouse_east"}
    assert {item["status"] for item in items} == {"0", "1"}
    pairs = [(item["sku"], item["source_code"]) for item in items]
    assert len(pairs) == len(set(pairs))
    assert len(pairs) > len(skus)


def test_listing_headers_vary_by_store(world: Path) -> None:
    headers = {store_id: read_listings(world, store_id)[0] for store_id in STORE_IDS}
    assert headers["us"] == list(HEADER_ALL_DATA) == headers["ca"] == headers["jp"]
    assert headers["uk"] == list(HEADER_ALL_DATA_31)
    assert headers["uk"][-2:] == ["Minimum order quantity", "Sell remainder"]
    assert headers["de"] != headers["us"] and sorted(headers["de"]) == sorted(headers["us"])


def test_reports_are_unquoted_lf_text(world: Path) -> None:
    for store_id in STORE_IDS:
        data = (world / "amazon" / store_id / "listings.tsv").read_bytes()
        assert b"\r" not in data
        names = [row["item-name"] for row in well_formed(world, store_id)]
        quoted = [name for name in names if '"' in name]
        assert quoted, store_id
        assert not any(name.startswith('"') and name.endswith('"') for name in quoted)


def test_cp1252_reports_replace_what_cp1252_cannot_hold(world: Path) -> None:
    for store_id in ("us", "uk", "de", "ca", "mx"):
        data = (world / "amazon" / store_id / "listings.tsv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        names = {row["item-name"] for row in well_formed(world, store_id)}
        assert "??? Notebook A5" in names, store_id
        assert "?ód? City Map Poster" in names, store_id
        assert "Café au Lait Mug – Large" in names, store_id
        assert "ProClean™ Bottle Brush" in names, store_id


def test_jp_report_is_utf8_with_cjk_names(world: Path) -> None:
    names = {row["item-name"] for row in well_formed(world, "jp")}
    assert "日本語 Notebook A5" in names
    spec = json.loads((world / "world.json").read_text(encoding="utf-8"))
    assert [s.get("report_charset") for s in spec["stores"] if s["id"] == "jp"] == ["UTF-8"]


def test_listing_fields_follow_amazon_codes(world: Path) -> None:
    patterns = {
        "us": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (PDT|PST)",
        "uk": r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d (BST|GMT)",
        "de": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (MESZ|MEZ)",
        "jp": r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d JST",
        "fr": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CEST|CET)",
        "au": r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d (AEDT|AEST)",
    }
    for store_id, pattern in patterns.items():
        rows = well_formed(world, store_id)
        assert {row["status"] for row in rows} == {"Active", "Inactive", "Incomplete"}
        for row in rows:
            assert re.fullmatch(pattern, row["open-date"]), row["open-date"]
            assert re.fullmatch(r"\d{4}[A-Z]\d{6}", row["listing-id"])
            assert re.fullmatch(r"B0[0-9A-Z]{8}", row["asin1"])
            assert row["product-id-type"] in PRODUCT_ID_TYPES
            assert row["item-condition"] in ITEM_CONDITIONS
            assert row["item-is-marketplace"] == "y"
        listing_ids = [row["listing-id"] for row in rows]
        assert len(listing_ids) == len(set(listing_ids))
        assert sum(row["item-condition"] == "11" for row in rows) > 0.8 * len(rows)
        assert any(row["status"] == "Inactive" and not row["price"] for row in rows)


def test_fba_rows_have_a_regional_channel_and_blank_quantity(world: Path) -> None:
    expected = {"us": "AMAZON_NA", "uk": "AMAZON_EU", "de": "AMAZON_EU", "jp": "AMAZON_FE"}
    for store_id, channel in expected.items():
        rows = well_formed(world, store_id)
        fba = [row for row in rows if row["fulfillment-channel"] != "DEFAULT"]
        assert fba and {row["fulfillment-channel"] for row in fba} == {channel} <= FBA_CHANNELS
        assert all(row["quantity"] == "" for row in fba)
        merchant = [row for row in rows if row["fulfillment-channel"] == "DEFAULT"]
        assert all(row["quantity"].isdigit() for row in merchant)


def test_listings_match_magento_by_sku_or_identifier_or_not_at_all(world: Path) -> None:
    products = base_products(world)
    identifiers = {}
    for row in products.values():
        for code, value in attributes(row).items():
            identifiers[value] = code
    for store_id in ("us", "uk"):
        rows = well_formed(world, store_id)
        by_sku = [row for row in rows if row["seller-sku"] in products]
        other = [row for row in rows if row["seller-sku"] not in products]
        assert len(by_sku) > 0.8 * len(rows)
        by_identifier = [row for row in other if row["product-id"] in identifiers]
        assert by_identifier
        for row in by_identifier:
            code = {"1": "amazon_asin", "2": "isbn", "3": "upc", "4": "ean"}[row["product-id-type"]]
            assert identifiers[row["product-id"]] == code
        third_party = [row for row in other if row["product-id"] not in identifiers]
        assert 0.02 * len(rows) < len(third_party) < 0.2 * len(rows)
        assert not any(row["seller-sku"] in products for row in third_party)
        listed_types = {products[row["seller-sku"]]["product_type"] for row in by_sku}
        assert listed_types <= {"simple", "virtual"}


def test_reports_contain_a_few_malformed_rows(world: Path) -> None:
    for store_id in STORE_IDS:
        header, rows = read_listings(world, store_id)
        short = [row for row in rows if len(row) != len(header)]
        comma = [
            row
            for row in rows
            if len(row) == len(header) and re.fullmatch(r"\d+,\d\d", row[header.index("price")])
        ]
        assert len(short) >= 1 and len(comma) >= 1, store_id
        assert len(short) + len(comma) < 0.01 * len(rows) + 2


def test_issues_follow_the_listings_items_issue_schema(world: Path) -> None:
    for store_id in STORE_IDS:
        entries = read_jsonl(world / "amazon" / store_id / "issues.jsonl")
        skus = {row["seller-sku"]: row["status"] for row in well_formed(world, store_id)}
        assert entries
        for entry in entries:
            assert set(entry) == {"sku", "status", "issues"}
            assert set(entry["status"]) <= {"BUYABLE", "DISCOVERABLE"}
            for issue in entry["issues"]:
                assert {"code", "message", "severity", "categories"} <= set(issue)
        every_issue = [issue for entry in entries for issue in entry["issues"]]
        body = {"sku": entries[0]["sku"], "issues": every_issue}
        assert_valid_response("listingsItems_2021-08-01.json", "getListingsItem", 200, body)
        statuses = {skus.get(entry["sku"]) for entry in entries}
        assert {"Inactive", "Incomplete", "Active"} <= statuses
        inactive = {sku for sku, status in skus.items() if status != "Active"}
        assert inactive <= {entry["sku"] for entry in entries}


def test_orders_are_v0_orders_of_the_store_listings(world: Path) -> None:
    now = NOW.timestamp()
    for store_id, market, _ in STORE_LAYOUT:
        marketplace = MARKETPLACES[market]
        listings = {row["seller-sku"]: row for row in well_formed(world, store_id)}
        orders = read_jsonl(world / "amazon" / store_id / "orders.jsonl")
        assert len(orders) == 100
        assert len({order["AmazonOrderId"] for order in orders}) == len(orders)
        items_by_order = {order["AmazonOrderId"]: order.pop("OrderItems") for order in orders}
        assert_valid_response("ordersV0.json", "getOrders", 200, {"payload": {"Orders": orders}})
        every_item = [item for items in items_by_order.values() for item in items]
        payload = {"AmazonOrderId": orders[0]["AmazonOrderId"], "OrderItems": every_item}
        assert_valid_response("ordersV0.json", "getOrderItems", 200, {"payload": payload})
        for order in orders:
            items = items_by_order[order["AmazonOrderId"]]
            assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order["AmazonOrderId"])
            purchased = datetime.fromisoformat(order["PurchaseDate"]).timestamp()
            updated = datetime.fromisoformat(order["LastUpdateDate"]).timestamp()
            assert now - 30 * 86400 <= purchased <= updated <= now
            assert order["OrderStatus"] in {"Pending", "Unshipped", "Shipped", "Canceled"}
            assert order["SalesChannel"] == marketplace.sales_channel
            assert order["MarketplaceId"] == marketplace.marketplace_id
            assert order["OrderType"] == "StandardOrder" and order["IsBusinessOrder"] is False
            merchant_fulfilled = order["FulfillmentChannel"] == "MFN"
            for item in items:
                listing = listings[item["SellerSKU"]]
                assert item["ASIN"] == listing["asin1"]
                assert (listing["fulfillment-channel"] == "DEFAULT") == merchant_fulfilled
                assert re.fullmatch(r"\d{14}", item["OrderItemId"])
                assert item["IsGift"] == "false"
            if order["OrderStatus"] != "Pending":
                total = sum(
                    float(i["ItemPrice"]["Amount"]) + float(i["ShippingPrice"]["Amount"])
                    for i in items
                )
                assert order["OrderTotal"]["CurrencyCode"] == marketplace.currency
                assert float(order["OrderTotal"]["Amount"]) == pytest.approx(total)


def test_catalog_resolves_identifiers_of_unlisted_products(world: Path) -> None:
    with (world / "amazon" / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["marketplace", "identifier_type", "identifier", "asin", "parent_asin"]
    assert {row["marketplace"] for row in rows} == {m for _, m, _ in STORE_LAYOUT}
    assert {row["identifier_type"] for row in rows} == {"ASIN", "UPC", "EAN", "ISBN", "GTIN"}
    us = [row for row in rows if row["marketplace"] == "US"]
    listed = {row["product-id"] for row in well_formed(world, "us")}
    listed |= {row["asin1"] for row in well_formed(world, "us")}
    assert not any(row["identifier"] in listed for row in us)
    hits: dict[str, set[str]] = {}
    for row in us:
        hits.setdefault(row["identifier"], set()).add(row["asin"])
    assert any(len(asins) == 2 for asins in hits.values())
    assert any(row["parent_asin"] for row in us)
    assert all(re.fullmatch(r"B0[0-9A-Z]{8}", row["asin"]) for row in rows)
