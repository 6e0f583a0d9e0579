"""Create the warehouse's schemas and tables (idempotent) from ``schema.sql``."""

from __future__ import annotations

from importlib import resources

import duckdb

WAREHOUSE_FILE = "warehouse.duckdb"
PUBLISHED_FILE = "asc.duckdb"


SCHEMA_FILES = ("schema.sql", "core.sql", "sync_issues.sql", "reporting.sql")


def schema_sql() -> str:
    """The DDL of the raw and core layers, with a COMMENT on every table and column."""
    files = resources.files("asc_pipelines.warehouse")
    return "\n".join(files.joinpath(name).read_text("utf-8") for name in SCHEMA_FILES)


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and table that does not exist yet; existing data is untouched."""
    conn.execute(schema_sql())
