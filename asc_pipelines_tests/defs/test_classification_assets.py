"""The classification path run by the Dagster assets equals ``logic.classification.classify``.

The same small world (two stores, two ticks, a store no longer configured) goes once through the
real ``product_matches`` and ``listings_by_status`` assets in ``dg.materialize`` runs against a
DuckDB file, and once through ``classify`` on a tiny in-memory warehouse; every core table they
write must come out row for row the same. A stand-in snapshot asset records the tick's fetch
(that is where the assets take the tick time from); the catalog look-ups are already in place.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import load_config
from asc_pipelines.defs.core.matching import product_matches
from asc_pipelines.defs.core.status import ALL_STATUSES_TAGS, listings_by_status
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.classification import classify
from asc_pipelines.logic.status import STATUSES
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_issue,
    add_listing,
    add_lookup,
    add_product,
    add_status,
    remove_listing,
    warehouse,
)

CONFIG = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - id: uk
    marketplace: UK
    seller_id: A2
    website: uk
    listing_rules: {conditions: [{attribute: price, op: gte, value: 5}]}
magento: {base_url: "http://127.0.0.1:9"}
"""
VALID_UPC = "036000291452"
LOOKED_UP_UPC = "012345678905"
TABLES = {
    "core.listing_status": "SELECT * FROM core.listing_status ORDER BY ALL",
    "core.product_eligibility": "SELECT * FROM core.product_eligibility ORDER BY ALL",
    "core.product_matches": "SELECT * FROM core.product_matches ORDER BY ALL",
    "core.match_history": "SELECT * FROM core.match_history ORDER BY ALL",
}


def _first_tick(conn: duckdb.DuckDBPyConnection) -> None:
    """A listing in every tab, unlisted products, a store that left asc.yaml ("de")."""
    add_product(conn, "MUG", upc=VALID_UPC, website_codes=["base", "uk"])
    add_product(conn, "TWIN", upc=VALID_UPC, website_codes=["base", "uk"], price=3.0)
    add_product(conn, "CUP")
    add_product(conn, "PEN")
    add_product(conn, "KIT", type_id="bundle")
    add_product(conn, "BOX", asin="B0000000B0")
    add_product(conn, "BAG", upc=LOOKED_UP_UPC)
    add_product(conn, "HAT", condition="Pristine")
    add_lookup(conn, "UPC", LOOKED_UP_UPC, ["B0000000BA"])
    add_listing(conn, "us", "MUG", asin="B000000001")
    add_listing(conn, "us", "CUP", asin="B000000002", status="Inactive")
    add_listing(conn, "us", "PEN", asin="B000000003")
    add_issue(
        conn,
        "us",
        "PEN",
        code="90220",
        message="brand missing",
        categories=["MISSING_ATTRIBUTE"],
        attribute_names=["brand"],
    )
    add_listing(conn, "us", "KIT", asin="B000000004")
    add_listing(conn, "us", "STRANGER", asin="B000000005")
    add_listing(conn, "uk", "UK-MUG", product_id=VALID_UPC, product_id_type="UPC")
    add_listing(conn, "uk", "UK-CUP", asin="B000000002")
    add_status(conn, "de", "active", seller_sku="OLD", reason_code="listed", magento_sku=None)


def _second_tick(conn: duckdb.DuckDBPyConnection) -> None:
    """CUP leaves Amazon (ended), MUG runs out of stock, a new listing appears."""
    remove_listing(conn, "us", "CUP")
    conn.execute("UPDATE raw.magento_products SET salable_qty = 0 WHERE sku = 'MUG'")
    add_listing(conn, "us", "BOX", asin="B0000000B0")


TICKS: list[tuple[datetime, Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (NOW, _first_tick),
    (NOW + timedelta(hours=1), _second_tick),
]


def _fetched_at(at: datetime) -> dg.AssetsDefinition:
    """Stand-in for amazon_listings_snapshot: this run fetched the tick's data at ``at``."""

    @dg.asset(name="amazon_listings_snapshot")
    def stand_in(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute(
                "INSERT INTO raw.store_fetches (run_id, store_id, dataset, outcome, rows_loaded, "
                "rows_rejected, seconds, message, finished_at) "
                "VALUES (?, 'us', 'amazon_listings', 'ok', 0, 0, 1.0, NULL, ?)",
                [context.run.run_id, at],
            )

    return stand_in


@dg.asset(name="asin_lookups", deps=[product_matches])
def lookups_in_place() -> None:
    """Stand-in for asin_lookups: the catalog's answers are already in core.asin_lookups."""


def _tables(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {table: conn.execute(sql).fetchall() for table, sql in TABLES.items()}


def test_the_assets_classify_as_the_classification_path_does(tmp_path: Path) -> None:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    database = tmp_path / "warehouse.duckdb"
    resources = {
        "duckdb": DuckDBResource(database=str(database)),
        "settings": AscSettings(config_path=str(config), data_dir=str(tmp_path)),
    }
    by_function = warehouse()
    cfg = load_config(config)
    with duckdb.connect(str(database)) as conn:
        ensure_schema(conn)

    tabs_seen: set[str] = set()
    for at, change in TICKS:
        with duckdb.connect(str(database)) as conn:
            change(conn)
        result = dg.materialize(
            [_fetched_at(at), product_matches, lookups_in_place, listings_by_status],
            resources=resources,
            tags=ALL_STATUSES_TAGS,
        )
        assert result.success
        change(by_function)
        classify(by_function, cfg, computed_at=at)

        with duckdb.connect(str(database), read_only=True) as conn:
            by_assets = _tables(conn)
        assert by_assets == _tables(by_function), at
        rows = by_assets["core.listing_status"]
        statuses = {(row[0], row[4] or row[6]): row[1:3] for row in rows}
        assert ("de", "OLD") not in statuses
        assert {row[-1] for row in rows} == {at}
        tabs_seen |= {status for status, _ in statuses.values()}

    # The world reached every tab, so the comparison covered every branch of the path.
    assert tabs_seen == set(STATUSES)
