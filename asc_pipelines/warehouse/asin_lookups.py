"""``core.asin_lookups``: the Amazon catalog's answers per marketplace and identifier, upserted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from asc_pipelines.warehouse.transaction import transaction


@dataclass(frozen=True)
class LookupRow:
    """One ``core.asin_lookups`` row: the ASINs found for an identifier (possibly none)."""

    identifier_type: str
    gtin14: str
    identifier: str
    asins: tuple[str, ...]
    variation_parent_asins: tuple[str, ...]
    looked_up_at: datetime


def write_lookups(
    conn: duckdb.DuckDBPyConnection, marketplace_id: str, rows: list[LookupRow]
) -> None:
    """Upsert a store's answers, all or nothing."""
    if not rows:
        return
    with transaction(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO core.asin_lookups "
            "(marketplace_id, identifier_type, gtin14, identifier, asins, "
            "variation_parent_asins, looked_up_at) "
            "VALUES (?, ?, ?, ?, ?::VARCHAR[], ?::VARCHAR[], ?)",
            [
                [
                    marketplace_id,
                    row.identifier_type,
                    row.gtin14,
                    row.identifier,
                    list(row.asins),
                    list(row.variation_parent_asins),
                    row.looked_up_at,
                ]
                for row in rows
            ],
        )
