"""Metadata every raw asset reports to the Dagster UI: row counts, columns, per-store detail."""

from __future__ import annotations

import dagster as dg
import duckdb


def table_schema(conn: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type=t, description=d) for c, t, d in rows]
    )


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def rows_per_store(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    rows = conn.execute(
        f"SELECT store_id, count(*) FROM {table} GROUP BY store_id ORDER BY store_id"
    ).fetchall()
    return {store: int(n) for store, n in rows}


def _cell(value: object) -> str:
    """A table cell: empty for None, and a ``|`` in the text kept from splitting the row."""
    return "" if value is None else str(value).replace("|", "\\|")


def markdown_table(header: list[str], rows: list[list[object]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def table_metadata(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, object]:
    return {
        "dagster/row_count": row_count(conn, table),
        "dagster/column_schema": table_schema(conn, table),
        "dagster/table_name": table,
    }
