"""The one check that the warehouse documents itself: README promises analysts that every table,
view and column of ``raw``, ``core`` and ``reporting`` carries a COMMENT saying what it means."""

from __future__ import annotations

import duckdb

DOCUMENTED_SCHEMAS = ("raw", "core", "reporting")

# Tables and views (``schema.table``) and their columns (``schema.table.column``) of the connected
# database, never the connection's temp tables; ``comment`` is '' when none was set.
_CATALOG_SQL = """
SELECT schema_name || '.' || table_name AS name, coalesce(trim(comment), '') AS comment
FROM duckdb_tables()
WHERE database_name = current_database() AND list_contains($schemas, schema_name)
UNION ALL
SELECT schema_name || '.' || view_name, coalesce(trim(comment), '')
FROM duckdb_views()
WHERE database_name = current_database() AND list_contains($schemas, schema_name) AND NOT internal
UNION ALL
SELECT schema_name || '.' || table_name || '.' || column_name, coalesce(trim(comment), '')
FROM duckdb_columns()
WHERE database_name = current_database() AND list_contains($schemas, schema_name)
"""


def comments(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every table, view and column of the documented schemas, by name, with its COMMENT."""
    rows = conn.execute(_CATALOG_SQL, {"schemas": list(DOCUMENTED_SCHEMAS)}).fetchall()
    return dict(rows)


def undocumented(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables, views and columns of the documented schemas that have no COMMENT, sorted."""
    return sorted(name for name, comment in comments(conn).items() if not comment)
