"""merge_rows leaves exactly the rows a rebuild would, touching only what changed."""

from __future__ import annotations

import duckdb

from asc_pipelines.warehouse.row_merge import merge_rows


def _table() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA core")
    conn.execute(
        "CREATE TABLE core.t (store VARCHAR, sku VARCHAR, verdict VARCHAR, note VARCHAR, "
        "seen INTEGER, PRIMARY KEY (store, sku))"
    )
    conn.execute(
        "INSERT INTO core.t VALUES ('us', 'A', 'yes', NULL, 1), ('us', 'B', 'no', 'x', 1), "
        "('us', 'GONE', 'yes', NULL, 1), ('uk', 'A', 'no', NULL, 1)"
    )
    conn.execute("CREATE TEMP TABLE fresh AS SELECT * FROM core.t LIMIT 0")
    conn.execute(
        "INSERT INTO fresh VALUES ('us', 'A', 'yes', NULL, 2), ('us', 'B', 'yes', 'x', 2), "
        "('us', 'NEW', 'no', NULL, 2)"
    )
    return conn


def test_the_scope_ends_up_as_the_fresh_rows_and_only_changes_are_rewritten() -> None:
    conn = _table()

    deleted, inserted = merge_rows(
        conn, "core.t", "fresh", keys=("store", "sku"), touched=("seen",), scope="t.store = ?",
        params=["us"],
    )  # fmt: skip

    assert (deleted, inserted) == (2, 2)  # B changed and GONE went; B and NEW came
    assert conn.execute("SELECT * FROM core.t ORDER BY ALL").fetchall() == [
        ("uk", "A", "no", None, 1),  # outside the scope: untouched
        ("us", "A", "yes", None, 2),  # unchanged row, its tick time moved in place
        ("us", "B", "yes", "x", 2),
        ("us", "NEW", "no", None, 2),
    ]


def test_a_null_compared_with_a_null_is_no_change() -> None:
    conn = _table()
    conn.execute("DELETE FROM fresh")
    conn.execute("INSERT INTO fresh SELECT * FROM core.t WHERE store = 'us'")

    assert merge_rows(conn, "core.t", "fresh", keys=("store", "sku"), scope="t.store = 'us'") == (
        0,
        0,
    )
