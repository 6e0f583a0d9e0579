"""A store's listings snapshot swapped in from a staged report: all of it, or nothing.

``raw.amazon_listings`` holds each store's last good snapshot; its rejected lines in
``raw.rejected_rows`` and its row in ``raw.amazon_listing_snapshots`` belong to it, and the report
request that produced it is done (``raw.report_requests``). One transaction writes all four, so a
failure anywhere leaves the previous snapshot as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import duckdb

from asc_pipelines.warehouse.report_requests import forget_in_flight
from asc_pipelines.warehouse.row_merge import merge_rows
from asc_pipelines.warehouse.transaction import transaction


class StagedReport(Protocol):
    """What the swap needs of a staged listing report (`sources.listings_report.StagedListings`)."""

    @property
    def listings_table(self) -> str: ...
    @property
    def rejected_table(self) -> str: ...
    @property
    def reject_source(self) -> str: ...
    @property
    def rows(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def variant(self) -> str: ...
    @property
    def charset(self) -> str: ...


def replace_listings(
    conn: duckdb.DuckDBPyConnection,
    staged: StagedReport,
    *,
    store_id: str,
    report_type: str,
    report_id: str,
    snapshot_at: datetime,
    bytes_downloaded: int,
    run_id: str,
) -> None:
    """Swap the staged report in for the store's listings and rejected lines, in one transaction."""
    with transaction(conn):
        # Merged, not rebuilt: only listings new, gone or different are deleted and inserted;
        # the report's id, time and line numbers are set in place (warehouse.row_merge: a full
        # rebuild makes DuckDB re-index every seller SKU at commit).
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE fresh_listings AS "
            "SELECT * FROM raw.amazon_listings LIMIT 0"
        )
        conn.execute(
            "INSERT INTO fresh_listings BY NAME "
            "SELECT * EXCLUDE (store_id), ? AS store_id, ? AS report_id, ? AS snapshot_at "
            f"FROM {staged.listings_table}",
            [store_id, report_id, snapshot_at],
        )
        merge_rows(
            conn,
            "raw.amazon_listings",
            "fresh_listings",
            keys=("store_id", "seller_sku"),
            touched=("line_number", "report_id", "snapshot_at"),
            scope="t.store_id = ?",
            params=[store_id],
        )
        conn.execute("DROP TABLE fresh_listings")
        # Rejected lines belong to a snapshot: the new one's replace the previous one's.
        conn.execute(
            "DELETE FROM raw.rejected_rows WHERE source = ? AND store_id = ?",
            [staged.reject_source, store_id],
        )
        conn.execute(
            "INSERT INTO raw.rejected_rows BY NAME "
            "SELECT source, ? AS store_id, line_number, raw_line, reason, "
            f"? AS rejected_at, ? AS report_id FROM {staged.rejected_table}",
            [store_id, snapshot_at, report_id],
        )
        conn.execute(
            "INSERT INTO raw.amazon_listing_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                store_id,
                report_id,
                snapshot_at,
                staged.rows,
                staged.rejected,
                staged.variant,
                staged.charset,
                bytes_downloaded,
                run_id,
            ],
        )
        forget_in_flight(conn, store_id, report_type)
