"""A staged catalog pull swapped into a real DuckDB warehouse, all of it or none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from asc_pipelines.warehouse.magento_catalog import CatalogStaging, catalog_watermark
from asc_pipelines_tests.warehouse.memory_warehouse import memory_warehouse, temp_tables

T0 = datetime(2031, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return memory_warehouse()


def _product(sku: str, updated_at: datetime) -> dict[str, Any]:
    return {"sku": sku, "type_id": "simple", "status": 1, "updated_at": updated_at}


def _item(sku: str, source: str, quantity: float, status: int = 1) -> dict[str, Any]:
    return {"sku": sku, "source_code": source, "quantity": quantity, "status": status}


def _salable(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(conn.execute("SELECT sku, salable_qty FROM raw.magento_products").fetchall())


def test_a_pull_lands_with_salable_quantities_and_moves_the_watermark(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    with CatalogStaging(conn) as staging:
        staging.add_products([_product("A", T0), _product("B", T0 + timedelta(minutes=1))])
        staging.add_products([_product("C", T0 - timedelta(days=1))])
        staging.add_source_items(
            [_item("A", "eu", 2.5), _item("A", "us", 3), _item("A", "off", 40, status=0)]
        )
        staging.add_source_items([_item("B", "eu", 7, status=0)])
        staging.replace_catalog(
            full=True, now=T0 + timedelta(hours=1), watermark=None, last_full=None
        )
    # enabled sources summed and floored; only disabled ones, or none, is not salable
    assert _salable(conn) == {"A": 5, "B": 0, "C": 0}
    assert catalog_watermark(conn) == (T0 + timedelta(minutes=1), T0 + timedelta(hours=1))
    assert temp_tables(conn) == []


def test_a_pull_that_fails_to_land_keeps_the_catalog_and_leaves_no_staged_table(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    with CatalogStaging(conn) as staging:
        staging.add_products([_product("A", T0)])
        staging.replace_catalog(full=True, now=T0, watermark=None, last_full=None)
    with pytest.raises(duckdb.ConstraintException), CatalogStaging(conn) as staging:
        staging.add_products([_product("B", T0 + timedelta(minutes=5))])
        staging.add_products([_product(None, T0)])  # type: ignore[arg-type]  # no SKU
        staging.add_source_items([_item("B", "eu", 1)])
        staging.replace_catalog(
            full=True, now=T0 + timedelta(minutes=5), watermark=T0, last_full=T0
        )
    assert _salable(conn) == {"A": 0}
    assert catalog_watermark(conn) == (T0, T0)
    assert temp_tables(conn) == []
