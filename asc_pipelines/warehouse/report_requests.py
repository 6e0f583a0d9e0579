"""Report requests in flight (``raw.report_requests``): what a tick leaves for the next one.

Amazon builds a report in seconds to many minutes; a tick that cannot wait for it keeps the
request here, and the next tick picks it up instead of asking for a new report. One row per store
and report type; the steps that create, poll and abandon requests are `sources.report_flow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class ReportRequest:
    """A report Amazon is building for us, kept between ticks."""

    report_id: str
    report_type: str
    requested_at: datetime  # Amazon's clock
    status: str
    document_id: str | None = None


def requests_in_flight(
    conn: duckdb.DuckDBPyConnection, report_type: str
) -> dict[str, ReportRequest]:
    """Each store's request of ``report_type`` that an earlier tick left in flight."""
    rows = conn.execute(
        "SELECT store_id, report_id, report_type, requested_at, status, document_id "
        "FROM raw.report_requests WHERE report_type = ?",
        [report_type],
    ).fetchall()
    return {
        store_id: ReportRequest(
            report_id=report_id,
            report_type=report_type,
            requested_at=requested_at,
            status=status,
            document_id=document_id,
        )
        for store_id, report_id, report_type, requested_at, status, document_id in rows
    }


def keep_in_flight(
    conn: duckdb.DuckDBPyConnection, store_id: str, request: ReportRequest, now: datetime
) -> None:
    """Keep a store's pending request for the next tick, in place of the one kept before."""
    conn.execute(
        "INSERT OR REPLACE INTO raw.report_requests VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            store_id,
            request.report_type,
            request.report_id,
            request.status,
            request.requested_at,
            request.document_id,
            now,
        ],
    )


def forget_in_flight(conn: duckdb.DuckDBPyConnection, store_id: str, report_type: str) -> None:
    """Forget a store's request: the next tick asks Amazon for a new report."""
    conn.execute(
        "DELETE FROM raw.report_requests WHERE store_id = ? AND report_type = ?",
        [store_id, report_type],
    )
