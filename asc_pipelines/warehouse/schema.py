"""Create the warehouse's schemas and tables (idempotent) from ``schema.sql``."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import duckdb

WAREHOUSE_FILE = "warehouse.duckdb"
PUBLISHED_FILE = "asc.duckdb"
REPORTS_DIR = "reports"  # the report pages, beside the DuckDB files in ASC_DATA_DIR


SCHEMA_FILES = ("schema.sql", "core.sql", "outbox.sql", "sync_issues.sql", "reporting.sql")


# The warehouse remembers which DDL it last applied, so the assets of a tick (a dozen of them,
# each making sure of the schema) do not re-run some 500 statements each (0.25 s a time).
_APPLIED_TABLE = "raw.applied_schema"
_APPLIED_DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS {_APPLIED_TABLE} (ddl_sha256 VARCHAR NOT NULL, applied_at TIMESTAMPTZ);
COMMENT ON TABLE {_APPLIED_TABLE} IS 'Digest of the schema DDL last applied to this file (one row)';
COMMENT ON COLUMN {_APPLIED_TABLE}.ddl_sha256 IS 'sha256 of the concatenated schema files';
COMMENT ON COLUMN {_APPLIED_TABLE}.applied_at IS 'When it was applied (this machine''s clock)';
"""


@cache
def schema_sql() -> str:
    """The DDL of the raw, core and reporting layers, with a COMMENT on every table, view and
    column (a replaced view loses its comments; they follow it, so they come back with it)."""
    files = resources.files("asc_pipelines.warehouse")
    return "\n".join(files.joinpath(name).read_text("utf-8") for name in SCHEMA_FILES)


@cache
def _digest() -> str:
    return hashlib.sha256((_APPLIED_DDL + schema_sql()).encode("utf-8")).hexdigest()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and table that does not exist yet; existing data is untouched.

    Skipped when this exact DDL was already applied to the file (the digest in
    ``raw.applied_schema``); a new release's DDL is applied once, at its first tick.
    """
    try:
        row = conn.execute(f"SELECT ddl_sha256 FROM {_APPLIED_TABLE}").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is not None and row[0] == _digest():
        return
    conn.execute(_APPLIED_DDL + schema_sql())
    conn.execute(f"DELETE FROM {_APPLIED_TABLE}")
    conn.execute(f"INSERT INTO {_APPLIED_TABLE} VALUES (?, now())", [_digest()])
