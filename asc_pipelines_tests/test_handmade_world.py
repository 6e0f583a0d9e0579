"""Acceptance: a hand-written world loads via `asc sandbox serve` + `asc sync`, all rows counted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

ASC = str(Path(sys.executable).with_name("asc"))


def _serve(world: Path, config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            ASC,
            "sandbox",
            "serve",
            "--world",
            str(world),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--write-config",
            str(config),
            "--report-delay",
            "0.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "wrote" in line and str(config) in line:
            return process
        if process.poll() is not None:
            raise AssertionError(f"asc sandbox serve exited: {line}{process.stdout.read()}")
    process.kill()
    raise AssertionError("asc sandbox serve did not write its config in 60 s")


def test_handmade_world_loads_with_every_row_accounted_for(
    handmade_world: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASC_", "DAGSTER_HOME"))}
    env["ASC_DATA_DIR"] = str(tmp_path / "data")
    config = tmp_path / "asc.yaml"
    server = _serve(handmade_world, config, env)
    try:
        assert re.search(r"http://127\.0\.0\.1:\d+", config.read_text(encoding="utf-8"))
        sync = subprocess.run(
            [ASC, "sync", "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert "raw.amazon_listings" in sync.stdout and "asc.duckdb" in sync.stdout

    conn = duckdb.connect(str(tmp_path / "data" / "asc.duckdb"), read_only=True)
    try:
        listings = dict(
            conn.execute(
                "SELECT seller_sku, item_name FROM raw.amazon_listings WHERE store_id = 'us'"
            ).fetchall()
        )
        rejected = conn.execute(
            "SELECT store_id, line_number, reason FROM raw.rejected_rows ORDER BY line_number"
        ).fetchall()
        uk = dict(
            conn.execute(
                "SELECT seller_sku, item_name FROM raw.amazon_listings WHERE store_id = 'uk'"
            ).fetchall()
        )
        open_dates = dict(
            conn.execute(
                "SELECT store_id || ':' || seller_sku, strftime(open_date AT TIME ZONE 'UTC', "
                "'%Y-%m-%d %H:%M:%S') FROM raw.amazon_listings"
            ).fetchall()
        )
        fba_qty = conn.execute(
            "SELECT quantity FROM raw.amazon_listings WHERE seller_sku = 'HM-GIFT-CARD-FBA'"
        ).fetchone()[0]
        products = conn.execute(
            "SELECT sku, name, salable_qty, website_codes FROM raw.magento_products ORDER BY sku"
        ).fetchall()
        orders = conn.execute("SELECT count(*) FROM raw.amazon_order_items").fetchone()[0]
        issues = conn.execute(
            "SELECT seller_sku, severity FROM raw.amazon_listing_issues ORDER BY 1"
        ).fetchall()
        statuses = {
            (store, sku): (status, reason)
            for store, sku, status, reason in conn.execute(
                "SELECT store_id, coalesce(seller_sku, magento_sku), status, reason_code "
                "FROM core.listing_status"
            ).fetchall()
        }
    finally:
        conn.close()

    # us: 7 data lines = 5 loaded + 2 rejected (too few fields; price "12,99")
    assert len(listings) == 5
    assert [(s, n) for s, n, _ in rejected] == [("us", 7), ("us", 8)]
    assert "field" in rejected[1][2] and "price" in rejected[0][2]
    assert listings["HM-COFFEE-12"] == "Café Crème – 12oz"  # cp1252, en dash included
    assert listings["HM-MUG-BLUE"] == 'Ceramic Mug "Blue" 350ml'  # a literal quote, no quoting
    # uk: the 31-column UTF-8 file, all 4 rows loaded with Polish and Japanese intact
    assert uk["HM-BOOK-ZL"] == "Łódź – Złoty przewodnik" and "日本" in uk["HM-TEA-JP"]
    assert open_dates["us:HM-COFFEE-12"] == "2026-03-15 09:26:37"  # PDT = UTC-7
    assert open_dates["uk:HM-COFFEE-12"] == "2025-09-29 15:19:39"  # BST = UTC+1, DD/MM/YYYY
    assert open_dates["uk:HM-BOOK-ZL"] == "2011-03-30 16:23:57"  # GMT
    assert fba_qty is None
    by_sku = {sku: (name, qty, sites) for sku, name, qty, sites in products}
    assert len(by_sku) == 8  # the store-view override row is not a product
    assert by_sku["HM-COFFEE-12"][1] == 40  # two enabled sources
    assert by_sku["HM-OLD-LAMP"][1] == 0  # its only source is disabled
    assert by_sku["HM-MUG-BLUE"][0] == "Ceramic Mug “Blue” 350ml"
    assert set(by_sku["HM-COFFEE-12"][2]) == {"base", "uk"}
    assert orders == 2
    assert issues == [("HM-MUG-BLUE", "WARNING"), ("HM-OLD-LAMP", "ERROR")]

    # Every listing and every listable product in its Amazon Sales Channel tab, for the reason
    # the world was written to show.
    assert statuses == {
        ("us", "HM-COFFEE-12"): ("active", "listed"),
        ("us", "HM-MUG-BLUE"): ("active", "listed"),  # a WARNING issue does not suppress
        ("us", "THIRD-PARTY-1"): ("new_third_party", "no_catalog_match"),
        ("us", "HM-GIFT-CARD-FBA"): ("new_third_party", "no_catalog_match"),
        ("us", "HM-OLD-LAMP"): ("ineligible", "disabled"),
        ("us", "HM-SHIRT-S-RED"): ("incomplete", "unable_to_assign"),  # no catalog.csv
        ("uk", "HM-COFFEE-12"): ("active", "listed"),
        ("uk", "HM-BOOK-ZL"): ("active", "listed"),
        ("uk", "HM-TEA-JP"): ("ineligible", "out_of_stock"),
        ("uk", "HM-SHIRT-S-RED"): ("active", "listed"),  # FBA, matched by seller SKU
        ("uk", "HM-MUG-BLUE"): ("incomplete", "unable_to_assign"),
    }
