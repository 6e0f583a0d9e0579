"""``amazon_listings_snapshot``: each store's All Listings report, in ``raw.amazon_listings``.

A tick asks Amazon for a GET_MERCHANT_LISTINGS_ALL_DATA report (or picks up the request still in
flight), waits a bounded time, and when the report is done replaces the store's rows in one
transaction. A pending report stays for the next tick; a failed one leaves the last good snapshot.
"""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sources.listings_snapshot import REPORT_TYPE, LandedReport, land_listing_report
from asc_pipelines.sources.report_flow import ReportOutcome, advance_report, forget_unknown_request
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, record_failure
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.report_requests import requests_in_flight
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import failure_time, settle_source_times

DATASET = "amazon_listings"


def _land(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    result: StoreFetch[tuple[ReportOutcome, datetime]],
    *,
    now: datetime,
    work_dir: Path,
    run_id: str,
    max_shrink_share: float,
    log: Callable[[str], None],
) -> LandedReport:
    """Land one store's report outcome, or record why it failed (its last good snapshot stays)."""
    try:
        if not result.ok:
            raise result.error  # type: ignore[misc]
        outcome, _ = result.value  # type: ignore[misc]
        return land_listing_report(
            conn,
            outcome,
            store_id=store.id,
            marketplace_code=store.marketplace,
            work_dir=work_dir,
            now=now,
            run_id=run_id,
            max_shrink_share=max_shrink_share,
        )
    except Exception as exc:  # recorded; the store keeps its last good snapshot
        failure = record_failure(
            conn,
            exc,
            store_id=store.id,
            default_operation="amazon_listings_snapshot",
            occurred_at=now,
            run_id=run_id,
        )
        log(f"store {store.id}: listings snapshot failed: {failure}")
        forget_unknown_request(conn, store.id, REPORT_TYPE, exc)
        return LandedReport("failed", message=failure)


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
        in_flight = requests_in_flight(conn, REPORT_TYPE)

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
            landed = _land(
                conn,
                store,
                result,
                now=now,
                work_dir=settings.work_dir(f"staging/{store.id}"),
                run_id=run_id,
                max_shrink_share=cfg.checks.max_snapshot_shrink_share,
                log=context.log.error,
            )
            record_fetch(
                conn,
                run_id=run_id,
                store_id=store.id,
                dataset=DATASET,
                outcome=landed.state,
                rows_loaded=landed.rows,
                rows_rejected=landed.rejected,
                seconds=result.seconds,
                message=landed.message,
                finished_at=now,
            )
            outcomes[store.id] = landed.state
            summary.append(
                [
                    store.id,
                    landed.state,
                    landed.rows,
                    landed.rejected,
                    f"{result.seconds:.1f}",
                    landed.message,
                ]
            )
        metadata = table_metadata(conn, "raw.amazon_listings")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_listings")
    metadata["store_outcomes"] = outcomes
    metadata["rejected_rows_this_tick"] = sum(int(r[3] or 0) for r in summary)
    metadata["fetch_seconds"] = {str(r[0]): float(str(r[4])) for r in summary}
    metadata["summary"] = markdown_table(
        ["store", "outcome", "rows", "rejected", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)
