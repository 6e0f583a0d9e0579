"""Create the warehouse's schemas and tables (idempotent) from ``schema.sql``."""

from __future__ import annotations

from importlib import resources

import duckdb

WAREHOUSE_FILE = "warehouse.duckdb"
PUBLISHED_FILE = "asc.duckdb"


def schema_sql() -> str:
    """The DDL of the raw layer, with a COMMENT on every table and column."""
    return resources.files("asc_pipelines.warehouse").joinpath("schema.sql").read_text("utf-8")


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and table that does not exist yet; existing data is untouched."""
    conn.execute(schema_sql())
