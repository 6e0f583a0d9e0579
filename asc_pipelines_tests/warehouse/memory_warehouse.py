"""A real warehouse in memory for unit tests of its writers, and what is staged on it."""

from __future__ import annotations

import duckdb

from asc_pipelines.warehouse.schema import ensure_schema


def memory_warehouse() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the warehouse's whole schema."""
    conn = duckdb.connect()
    ensure_schema(conn)
    return conn


def temp_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The TEMP tables on ``conn``: what staging left behind."""
    rows = conn.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    return sorted(table for (table,) in rows)
