"""``amazon_listings_snapshot``: each store's All Listings report, in ``raw.amazon_listings``.

A tick asks Amazon for a GET_MERCHANT_LISTINGS_ALL_DATA report (or picks up the request still in
flight), waits a bounded time, and when the report is done replaces the store's rows in one
transaction. A pending report stays for the next tick; a failed one leaves the last good snapshot.
"""

from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines import constants
from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.logic.snapshot_guard import (
    SnapshotRejected,
    previous_row_count,
    shrink_verdict,
)
from asc_pipelines.sources.report_flow import ReportOutcome, ReportRequest, advance_report
from asc_pipelines.sources.reports import REJECT_SOURCE, stage_listing_report
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, record_failure
from asc_pipelines.warehouse.records import record_api_error, record_fetch
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import failure_time, settle_source_times
from asc_pipelines.warehouse.transaction import transaction

DATASET = "amazon_listings"
REPORT_TYPE = constants.REPORT_TYPE_ALL_LISTINGS
# getReport / getReportDocument answers meaning the report in flight is gone for good.
FORGOTTEN_REQUEST_STATUSES = frozenset({400, 404})


def _in_flight(conn: duckdb.DuckDBPyConnection) -> dict[str, ReportRequest]:
    rows = conn.execute(
        "SELECT store_id, report_id, report_type, requested_at, status, document_id "
        "FROM raw.report_requests WHERE report_type = ?",
        [REPORT_TYPE],
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


def _save_in_flight(
    conn: duckdb.DuckDBPyConnection, store_id: str, request: ReportRequest, now: datetime
) -> None:
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


def _forget_in_flight(conn: duckdb.DuckDBPyConnection, store_id: str) -> None:
    conn.execute(
        "DELETE FROM raw.report_requests WHERE store_id = ? AND report_type = ?",
        [store_id, REPORT_TYPE],
    )


def _replace_snapshot(
    conn: duckdb.DuckDBPyConnection,
    *,
    store_id: str,
    outcome: ReportOutcome,
    marketplace_code: str,
    work_dir: Path,
    snapshot_at: datetime,
    run_id: str,
    max_shrink_share: float,
) -> tuple[int, int]:
    """Stage the downloaded report and swap it in for the store's rows, all or nothing."""
    assert outcome.report is not None and outcome.request is not None
    staged = stage_listing_report(
        conn,
        outcome.report.path,
        charset=outcome.report.charset,
        marketplace_code=marketplace_code,
        store_id=store_id,
        work_dir=work_dir,
    )
    report_id = outcome.request.report_id
    verdict = shrink_verdict(previous_row_count(conn, store_id), staged.rows, max_shrink_share)
    if not verdict.accepted:
        # Refused: the last good snapshot stays; the next tick asks Amazon for a new report
        # (otherwise it would download the same finished report and refuse it again).
        conn.execute("DROP TABLE IF EXISTS stage_listings")
        conn.execute("DROP TABLE IF EXISTS stage_rejected_rows")
        _forget_in_flight(conn, store_id)
        outcome.report.path.unlink(missing_ok=True)
        raise SnapshotRejected(store_id, verdict)
    try:
        with transaction(conn):
            conn.execute("DELETE FROM raw.amazon_listings WHERE store_id = ?", [store_id])
            conn.execute(
                "INSERT INTO raw.amazon_listings BY NAME "
                "SELECT * EXCLUDE (store_id), ? AS store_id, ? AS report_id, ? AS snapshot_at "
                "FROM stage_listings",
                [store_id, report_id, snapshot_at],
            )
            # Rejected lines belong to a snapshot: the new one's replace the previous one's.
            conn.execute(
                "DELETE FROM raw.rejected_rows WHERE source = ? AND store_id = ?",
                [REJECT_SOURCE, store_id],
            )
            conn.execute(
                "INSERT INTO raw.rejected_rows BY NAME "
                "SELECT source, ? AS store_id, line_number, raw_line, reason, "
                "? AS rejected_at, ? AS report_id FROM stage_rejected_rows",
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
                    outcome.report.bytes_downloaded,
                    run_id,
                ],
            )
            conn.execute(
                "DELETE FROM raw.report_requests WHERE store_id = ? AND report_type = ?",
                [store_id, REPORT_TYPE],
            )
    finally:
        conn.execute("DROP TABLE IF EXISTS stage_listings")
        conn.execute("DROP TABLE IF EXISTS stage_rejected_rows")
    return staged.rows, staged.rejected


@warehouse_asset(
    group="amazon",
    source=True,
    tags={"source": "amazon"},
)
def amazon_listings_snapshot(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Every Amazon listing of every store, from the All Listings report (one row per seller SKU).

    Lands in ``raw.amazon_listings``. Malformed report lines go to ``raw.rejected_rows`` with the
    reason; a store whose report failed keeps its last good snapshot and is recorded in
    ``raw.api_errors``; a report Amazon has not finished is picked up by the next tick.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    guard = tick_guard(run_id, cfg)
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        in_flight = _in_flight(conn)

    def fetch(store_id: str) -> tuple[ReportOutcome, datetime]:
        store = cfg.store(store_id)
        client = spapi_client(cfg, store, amazon_credentials, guard)
        outcome = advance_report(
            client,
            report_type=REPORT_TYPE,
            marketplace_id=store.marketplace_id,
            in_flight=in_flight.get(store_id),
            wait_seconds=cfg.amazon.report_wait_seconds,
            poll_seconds=cfg.amazon.report_poll_seconds,
            dest_dir=settings.work_dir(f"reports/{store_id}"),
        )
        return outcome, client.server_now()

    fetched: dict[str, StoreFetch[tuple[ReportOutcome, datetime]]] = fetch_all(
        [s.id for s in cfg.stores], fetch, log=context.log.warning, trace=context.log.debug
    )
    summary: list[list[object]] = []
    outcomes: dict[str, str] = {}
    with duckdb.get_connection() as conn:
        times = settle_source_times(
            conn, DATASET, {s: r.value[1] for s, r in fetched.items() if r.ok and r.value}
        )
        for store in cfg.stores:
            result = fetched[store.id]
            now = times[store.id] if result.ok else failure_time(conn, store.id)
            rows = rejected = None
            message: str | None = None
            try:
                if not result.ok:
                    raise result.error  # type: ignore[misc]
                outcome, _ = result.value  # type: ignore[misc]
                if outcome.state == "done":
                    rows, rejected = _replace_snapshot(
                        conn,
                        store_id=store.id,
                        outcome=outcome,
                        marketplace_code=store.marketplace,
                        work_dir=settings.work_dir(f"staging/{store.id}"),
                        snapshot_at=now,
                        run_id=run_id,
                        max_shrink_share=cfg.checks.max_snapshot_shrink_share,
                    )
                    state = "ok"
                    outcome.report.path.unlink(missing_ok=True)  # type: ignore[union-attr]
                elif outcome.state == "pending":
                    assert outcome.request is not None
                    _save_in_flight(conn, store.id, outcome.request, now)
                    state, message = "pending", outcome.message
                else:
                    _forget_in_flight(conn, store.id)
                    status = outcome.request.status if outcome.request else None
                    record_api_error(
                        conn,
                        store_id=store.id,
                        operation="getReport",
                        http_status=None,
                        code=status or "FAILED",
                        message=outcome.message,
                        occurred_at=now,
                        run_id=run_id,
                    )
                    state, message = "failed", outcome.message
            except Exception as exc:  # recorded; the store keeps its last good snapshot
                failure = record_failure(
                    conn,
                    exc,
                    store_id=store.id,
                    default_operation="amazon_listings_snapshot",
                    occurred_at=now,
                    run_id=run_id,
                )
                state, message = "failed", failure
                context.log.error(f"store {store.id}: listings snapshot failed: {failure}")
                if getattr(exc, "http_status", None) in FORGOTTEN_REQUEST_STATUSES:
                    # Amazon no longer knows the report in flight (expired, or another
                    # server's id): forget it so the next tick requests a new one.
                    _forget_in_flight(conn, store.id)
            record_fetch(
                conn,
                run_id=run_id,
                store_id=store.id,
                dataset=DATASET,
                outcome=state,
                rows_loaded=rows,
                rows_rejected=rejected,
                seconds=result.seconds,
                message=message,
                finished_at=now,
            )
            outcomes[store.id] = state
            summary.append([store.id, state, rows, rejected, f"{result.seconds:.1f}", message])
        metadata = table_metadata(conn, "raw.amazon_listings")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_listings")
    metadata["store_outcomes"] = outcomes
    metadata["rejected_rows_this_tick"] = sum(int(r[3] or 0) for r in summary)
    metadata["fetch_seconds"] = {str(r[0]): float(str(r[4])) for r in summary}
    metadata["summary"] = markdown_table(
        ["store", "outcome", "rows", "rejected", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)
