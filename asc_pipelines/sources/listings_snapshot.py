"""What one tick lands of a store's All Listings report: a new snapshot, a wait, or a failure.

`report_flow.advance_report` moves the store's report request one step; `land_listing_report`
takes that outcome into the warehouse. A done report is staged (`listings_report`), held against
the snapshot guard (`logic.snapshot_guard`) and swapped in for the store's rows in one
transaction (`warehouse.listings`); a pending request is kept for the next tick; a failed one is
forgotten and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb

from asc_pipelines import constants
from asc_pipelines.logic.snapshot_guard import SnapshotRejected, previous_row_count, shrink_verdict
from asc_pipelines.sources.listings_report import stage_listing_report
from asc_pipelines.sources.report_flow import ReportOutcome, settle_unfinished
from asc_pipelines.warehouse.listings import replace_listings
from asc_pipelines.warehouse.report_requests import forget_in_flight

REPORT_TYPE = constants.REPORT_TYPE_ALL_LISTINGS


@dataclass(frozen=True)
class LandedReport:
    """One store's outcome for ``raw.store_fetches``: ok (a new snapshot), pending or failed."""

    state: Literal["ok", "pending", "failed"]
    rows: int | None = None
    rejected: int | None = None
    message: str | None = None


def land_listing_report(
    conn: duckdb.DuckDBPyConnection,
    outcome: ReportOutcome,
    *,
    store_id: str,
    marketplace_code: str,
    work_dir: Path,
    now: datetime,
    run_id: str,
    max_shrink_share: float,
) -> LandedReport:
    """Land one store's report outcome; ``now`` (the source's clock) stamps what is written.

    Raises `SnapshotRejected` when the new snapshot shrank too much (the last good one stays and
    the request is forgotten, so the next tick asks for a new report), and whatever staging or
    writing raised; the store's last good snapshot stays in every case.
    """
    if outcome.state != "done":
        message = settle_unfinished(
            conn, store_id, outcome, report_type=REPORT_TYPE, now=now, run_id=run_id
        )
        return LandedReport(outcome.state, message=message)
    assert outcome.report is not None and outcome.request is not None
    with stage_listing_report(
        conn,
        outcome.report.path,
        charset=outcome.report.charset,
        marketplace_code=marketplace_code,
        store_id=store_id,
        work_dir=work_dir,
    ) as staged:
        verdict = shrink_verdict(previous_row_count(conn, store_id), staged.rows, max_shrink_share)
        if not verdict.accepted:
            # Refused: the last good snapshot stays; the next tick asks Amazon for a new report
            # (otherwise it would download the same finished report and refuse it again).
            forget_in_flight(conn, store_id, REPORT_TYPE)
            outcome.report.path.unlink(missing_ok=True)
            raise SnapshotRejected(store_id, verdict)
        replace_listings(
            conn,
            staged,
            store_id=store_id,
            report_type=REPORT_TYPE,
            report_id=outcome.request.report_id,
            snapshot_at=now,
            bytes_downloaded=outcome.report.bytes_downloaded,
            run_id=run_id,
        )
    outcome.report.path.unlink(missing_ok=True)
    return LandedReport("ok", rows=staged.rows, rejected=staged.rejected)
