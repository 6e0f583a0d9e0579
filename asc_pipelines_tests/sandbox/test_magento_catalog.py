"""Reading a world's Magento files: the export format, store views, websites, MSI source items."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from asc_pipelines.sandbox.magento_catalog import (
    MagentoCatalog,
    WorldFileError,
    parse_additional_attributes,
    parse_export_datetime,
    url_key_from_name,
)
from asc_pipelines_tests.sandbox.magento_world import (
    START,
    product,
    standard_products,
    view_row,
    write_world,
)


def _load(root: Path) -> MagentoCatalog:
    return MagentoCatalog.load(root / "magento", START)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("upc=012345678905,color=Black", {"upc": "012345678905", "color": "Black"}),
        ('material="steel, glass",ean=1', {"material": "steel, glass", "ean": "1"}),
        ('note="say ""hi""",x=1', {"note": 'say "hi"', "x": "1"}),
        ("activity=yoga,running,size=M", {"activity": "yoga,running", "size": "M"}),
        ("multi=a|b, size=S", {"multi": "a|b", "size": "S"}),
        ("empty=,x=2", {"empty": "", "x": "2"}),
        ("", {}),
    ],
)
def test_additional_attributes_parse_like_magentos_importer(
    raw: str, expected: dict[str, str]
) -> None:
    assert parse_additional_attributes(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10 08:00:00", datetime(2026, 1, 10, 8, 0, tzinfo=UTC)),
        ("11/29/26, 5:51 AM", datetime(2026, 11, 29, 5, 51, tzinfo=UTC)),
        ("01/15/26, 5:51 PM", datetime(2026, 1, 15, 17, 51, tzinfo=UTC)),
        ("2026-01-10T10:00:00+02:00", datetime(2026, 1, 10, 8, 0, tzinfo=UTC)),
    ],
)
def test_export_dates_are_read_as_utc(text: str, expected: datetime) -> None:
    assert parse_export_datetime(text) == int(expected.timestamp())


def test_url_key_is_derived_from_the_name_without_accents() -> None:
    assert url_key_from_name("Café Crème Tasse", "CAFÉ-01") == "cafe-creme-tasse"
    assert url_key_from_name("日本茶", "JP-01") == "jp-01"


def test_global_rows_become_products_in_file_order(tmp_path: Path) -> None:
    catalog = _load(write_world(tmp_path, standard_products()))
    assert catalog.sku[:3] == ["24-MB01", "CAFÉ-01", "JP-01"]
    assert len(catalog) == 9  # store-view rows are not products
    row = catalog.index["JP-01"]
    assert catalog.name[row] == "日本茶 湯呑み"
    assert catalog.created_at[row] == int(datetime(2025, 11, 29, 5, 51, tzinfo=UTC).timestamp())
    assert catalog.status[catalog.index["OFF-01"]] == 2
    assert catalog.visibility[catalog.index["MH01-S-Red"]] == 1
    assert catalog.visibility[catalog.index["BNDL-01"]] == 2


def test_store_view_rows_override_only_the_values_they_carry(tmp_path: Path) -> None:
    catalog = _load(write_world(tmp_path, standard_products()))
    row = catalog.index["24-MB01"]
    override = catalog.override(row, "fr")
    assert override is not None
    assert (override.name, override.visibility, override.price) == ("Sac de sport Joust", 3, 39.9)
    assert override.status is None
    assert catalog.attributes(row, "fr")["color"] == "Noir"
    assert catalog.attributes(row, "fr")["upc"] == "012345678905"
    assert catalog.attributes(row)["color"] == "Black"
    assert catalog.store_views == ["default", "fr"]


def test_websites_number_base_first_then_codes_in_order(tmp_path: Path) -> None:
    products = [product("A", product_websites="eu,base"), product("B", product_websites="de")]
    catalog = _load(write_world(tmp_path, products))
    assert [(w.id, w.code) for w in catalog.websites] == [(1, "base"), (2, "de"), (3, "eu")]
    assert catalog.website_ids == [(3, 1), (2,)]
    assert catalog.websites[0].name == "Main Website"


def test_default_source_items_are_synthesized_from_qty_for_stock_types_only(
    tmp_path: Path,
) -> None:
    catalog = _load(write_world(tmp_path, standard_products()))
    items = catalog.source_items
    by_sku = {
        sku: (items.source_code[i], items.quantity[i], items.status[i])
        for i, sku in enumerate(items.sku)
    }
    assert by_sku["24-MB01"] == ("default", 5.0, 1)
    assert by_sku["OFF-01"] == ("default", 0.0, 0)
    assert "VIRT-01" in by_sku
    assert "MH01" not in by_sku  # configurable and bundle parents carry no stock
    assert "BNDL-01" not in by_sku
    assert catalog.source_items.default_row[catalog.index["MH01"]] == -1


def test_source_items_file_wins_and_unlisted_products_are_synthesized(tmp_path: Path) -> None:
    products = [product("A", qty=7), product("B", qty=3)]
    listed = [("A", "default", 2, 1), ("A", "eu_warehouse", 9, 1), ("GHOST", "default", 1, 1)]
    catalog = _load(write_world(tmp_path, products, listed))
    items = catalog.source_items
    rows = list(zip(items.sku, items.source_code, items.quantity, items.status, strict=True))
    assert rows == [
        ("A", "default", 2.0, 1),
        ("A", "eu_warehouse", 9.0, 1),
        ("B", "default", 3.0, 1),
        ("GHOST", "default", 1.0, 1),
    ]


def test_a_repeated_global_row_updates_the_product(tmp_path: Path) -> None:
    catalog = _load(write_world(tmp_path, [product("A", price=1), product("A", price=2)]))
    assert len(catalog) == 1
    assert catalog.price[0] == 2.0


def test_unreadable_values_name_the_file_line_and_sku(tmp_path: Path) -> None:
    write_world(tmp_path, [product("A"), product("B", visibility="Everywhere")])
    with pytest.raises(WorldFileError, match=r"products\.csv:3 \(B\).*Everywhere"):
        _load(tmp_path)


def test_a_world_without_magento_files_has_an_empty_store(tmp_path: Path) -> None:
    catalog = _load(tmp_path)
    assert len(catalog) == 0
    assert [w.code for w in catalog.websites] == ["base"]


def test_rows_missing_optional_columns_use_magentos_defaults(tmp_path: Path) -> None:
    magento = tmp_path / "magento"
    magento.mkdir()
    (magento / "products.csv").write_text("sku,name\nONLY,Bare product\n", encoding="utf-8")
    catalog = _load(tmp_path)
    assert (catalog.type_id[0], catalog.status[0], catalog.visibility[0]) == ("simple", 1, 4)
    assert catalog.created_at[0] == int(START.timestamp())


def test_store_view_row_without_global_row_is_ignored(tmp_path: Path) -> None:
    catalog = _load(write_world(tmp_path, [product("A"), view_row("NOPE", "fr", name="x")]))
    assert catalog.overrides.get("fr", {}) == {}
