"""Loading the Amazon side of a world directory."""

from __future__ import annotations

import json
from pathlib import Path

from asc_pipelines.sandbox.world import load_world
from asc_pipelines_tests.sandbox.worlds import (
    HEADER_29,
    build_tiny_world,
    listing_row,
    tsv,
    write_store,
)


def test_the_tiny_world_loads_with_detected_charsets_and_extras(tmp_path: Path) -> None:
    world = load_world(build_tiny_world(tmp_path / "w"))
    assert world.now.isoformat() == "2025-10-01T12:00:00+00:00"
    us, uk = world.stores["us"], world.stores["uk"]
    assert (us.listings.charset, uk.listings.charset) == ("Cp1252", "UTF-8")
    assert uk.store.marketplace.code == "UK"  # "GB" in world.json
    assert len(us.listings.header) == 29 and len(uk.listings.header) == 31
    assert set(us.issues) == {"CAFE-12", "OLD-1"}
    assert len(us.orders) == 3 and uk.orders == []


def _single_store_world(root: Path, marketplace: str, data: bytes, **extra: str) -> Path:
    root.mkdir()
    store = {"id": "s", "marketplace": marketplace, "seller_id": "A1", **extra}
    (root / "world.json").write_text(json.dumps({"now": "2025-01-01T00:00:00Z", "stores": [store]}))
    write_store(root, "s", data)
    return root


def test_a_report_charset_in_world_json_wins_over_detection(tmp_path: Path) -> None:
    rows = [listing_row(HEADER_29, item_name="plain", seller_sku="P-1")]
    data = tsv(HEADER_29, rows).encode("ascii")
    world = load_world(_single_store_world(tmp_path / "w", "US", data, report_charset="UTF-8"))
    assert world.stores["s"].listings.charset == "UTF-8"


def test_a_japanese_store_defaults_to_windows_31j(tmp_path: Path) -> None:
    rows = [listing_row(HEADER_29, item_name="日本茶セット", seller_sku="JP-1")]
    data = tsv(HEADER_29, rows).encode("cp932")
    world = load_world(_single_store_world(tmp_path / "w", "JP", data))
    listings = world.stores["s"].listings
    assert listings.charset == "Windows-31J"
    assert listings.get(listings.rows[0], "item-name") == "日本茶セット"
