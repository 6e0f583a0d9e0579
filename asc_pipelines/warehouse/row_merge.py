"""Replace a table's rows with a freshly computed set, touching only the rows that changed.

A core table rebuilt every tick (``DELETE`` everything, ``INSERT`` everything) costs DuckDB
dearly at commit when it has a primary key: every key is removed from and put back into the
index. Measured on a 100,000-product warehouse, committing the rebuild of
``core.product_eligibility`` (300,000 rows) took 7.0 s against 0.09 s for deleting 1% of it.
:func:`merge_rows` leaves the same rows in the table as the rebuild would, but deletes and
inserts only rows that are new, gone or different; columns that change on every tick without
meaning a different row (the tick's time) are updated in place, which touches no index.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".", 1)
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database() ORDER BY column_index",
        [schema, name],
    ).fetchall()
    if not rows:
        raise ValueError(f"no table {table}")
    return [str(column) for (column,) in rows]


def merge_rows(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    fresh: str,
    *,
    keys: Sequence[str],
    touched: Sequence[str] = (),
    scope: str = "TRUE",
    params: Sequence[object] = (),
) -> tuple[int, int]:
    """Make the rows of ``table`` within ``scope`` (SQL over ``t``, with ``params``) those of
    ``fresh`` (a table with the same columns): rows whose ``keys`` are gone or whose other
    columns differ are deleted, rows whose keys are missing are inserted, and ``touched``
    columns are set from ``fresh`` in place. Returns (deleted, inserted). The caller owns the
    transaction; ``fresh`` must hold only rows within ``scope``."""
    columns = _columns(conn, table)
    compared = [c for c in columns if c not in keys and c not in touched]
    same_key = " AND ".join(f"f.{k} = t.{k}" for k in keys)
    same_values = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in compared) or "TRUE"
    deleted = conn.execute(
        f"DELETE FROM {table} t WHERE ({scope}) AND NOT EXISTS ("
        f"SELECT 1 FROM {fresh} f WHERE {same_key} AND {same_values})",
        list(params),
    ).fetchone()
    column_list = ", ".join(columns)
    inserted = conn.execute(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {fresh} f "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {same_key})"
    ).fetchone()
    if touched:
        updates = ", ".join(f"{c} = f.{c}" for c in touched)
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM f.{c}" for c in touched)
        conn.execute(
            f"UPDATE {table} t SET {updates} FROM {fresh} f WHERE {same_key} AND ({differs})"
        )
    return int(deleted[0]) if deleted else 0, int(inserted[0]) if inserted else 0
