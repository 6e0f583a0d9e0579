"""``raw.amazon_listing_issues``: a store's current issues replace its previous ones."""

from __future__ import annotations

import duckdb
import pandas as pd

from asc_pipelines.warehouse.transaction import transaction


def replace_issues(conn: duckdb.DuckDBPyConnection, store_id: str, frame: pd.DataFrame) -> None:
    """Swap in a store's current issues (rows of ``raw.amazon_listing_issues``), all or nothing."""
    try:
        with transaction(conn):
            conn.execute("DELETE FROM raw.amazon_listing_issues WHERE store_id = ?", [store_id])
            conn.register("issue_frame", frame)
            conn.execute("INSERT INTO raw.amazon_listing_issues BY NAME SELECT * FROM issue_frame")
    finally:
        conn.unregister("issue_frame")
