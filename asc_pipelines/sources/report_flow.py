"""One non-blocking step of the "request a report, wait, download it" conversation with Amazon.

A listing report takes from seconds to many minutes to build. A five-minute tick must not sit and
wait for it, so each tick calls `advance_report` once: it creates a report request (or picks up the
one the previous tick left in flight), polls ``getReport`` for at most ``wait_seconds``, and
either downloads the finished document (``done``), hands the request back to be persisted for the
next tick (``pending``), or reports why Amazon gave up (``failed``: FATAL, or CANCELLED which
Amazon also uses for "no data"). A request older than `MAX_REQUEST_AGE` is abandoned and a new one
created, so a report stuck in Amazon's queue cannot block a store forever.

Between ticks the request lives in ``raw.report_requests`` (`warehouse.report_requests`):
`settle_unfinished` keeps a pending one and forgets a failed one, `forget_unknown_request` forgets
one Amazon no longer knows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb

from asc_pipelines import constants
from asc_pipelines.sources.download import DEFAULT_REPORT_CHARSET, DownloadedReport
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sources.waits import waiting
from asc_pipelines.warehouse.records import record_api_error
from asc_pipelines.warehouse.report_requests import (
    ReportRequest,
    forget_in_flight,
    keep_in_flight,
)

MAX_REQUEST_AGE = timedelta(hours=1)
CLOCK_SKEW_TOLERANCE = timedelta(minutes=5)
# getReport / getReportDocument answers meaning the report in flight is gone for good.
FORGOTTEN_REQUEST_STATUSES = frozenset({400, 404})


@dataclass(frozen=True)
class ReportOutcome:
    """What one tick achieved: a downloaded report, a request still pending, or a failure."""

    state: Literal["done", "pending", "failed"]
    request: ReportRequest | None
    report: DownloadedReport | None
    message: str


def marketplace_charset(marketplace_id: str) -> str:
    """The charset of a marketplace's listing reports (used when the download names none)."""
    for market in constants.MARKETPLACES.values():
        if market.marketplace_id == marketplace_id:
            return market.report_charset
    return DEFAULT_REPORT_CHARSET


def advance_report(
    client: SpApiClient,
    *,
    report_type: str,
    marketplace_id: str,
    in_flight: ReportRequest | None,
    wait_seconds: float,
    poll_seconds: float,
    dest_dir: Path,
    report_options: dict[str, str] | None = None,
    max_request_age: timedelta = MAX_REQUEST_AGE,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> ReportOutcome:
    """Move a report request one step forward without ever waiting more than ``wait_seconds``."""
    notes: list[str] = []
    request = in_flight
    if request is not None and request.report_type != report_type:
        notes.append(f"ignored in-flight {request.report_type} report {request.report_id}")
        request = None
    age = None if request is None else client.server_now() - request.requested_at
    if request is not None and age is not None and age < -CLOCK_SKEW_TOLERANCE:
        # Requested "in the future": the server's clock went back (a restarted sandbox, a
        # restored backup). Its report ids may now name other reports: start afresh.
        notes.append(f"abandoned report {request.report_id} requested after the server's now")
        request = None
    if request is not None and age is not None and age > max_request_age:
        notes.append(
            f"abandoned report {request.report_id} requested at {request.requested_at.isoformat()}"
            f" (still {request.status})"
        )
        request = None
    if request is None:
        report_id = client.create_report(report_type, [marketplace_id], report_options)
        request = ReportRequest(report_id, report_type, client.server_now(), "IN_QUEUE")
        notes.append(f"requested report {report_id}")

    # Never wait past the tick's deadline: the request is kept for the next tick instead.
    deadline = monotonic() + client.guard.wait(wait_seconds)
    while True:
        try:
            report = client.get_report(request.report_id)
        except TickLimitReached as stopped:
            if not stopped.deadline:
                raise
            notes.append(f"report {request.report_id} left for the next tick: {stopped}")
            return ReportOutcome("pending", request, None, "; ".join(notes))
        request = replace(
            request,
            status=str(report.get("processingStatus")),
            document_id=report.get("reportDocumentId") or request.document_id,
        )
        if request.status == "DONE":
            break
        if request.status in ("FATAL", "CANCELLED"):
            meaning = (
                "no data or cancelled" if request.status == "CANCELLED" else "Amazon aborted it"
            )
            notes.append(f"report {request.report_id} ended {request.status} ({meaning})")
            return ReportOutcome("failed", request, None, "; ".join(notes))
        remaining = deadline - monotonic()
        if remaining <= 0:
            notes.append(f"report {request.report_id} still {request.status}; next tick continues")
            return ReportOutcome("pending", request, None, "; ".join(notes))
        with waiting():
            sleep(min(poll_seconds, remaining))

    if not request.document_id:
        raise SourceError(f"report {request.report_id} is DONE but has no reportDocumentId")
    dest = Path(dest_dir) / f"{report_type}-{request.report_id}.txt"
    downloaded = _download(client, request.document_id, dest, marketplace_charset(marketplace_id))
    notes.append(
        f"downloaded report {request.report_id}: {downloaded.bytes_downloaded} bytes"
        f"{' gzip' if downloaded.compressed else ''}, {downloaded.charset}"
    )
    return ReportOutcome("done", request, downloaded, "; ".join(notes))


def _download(
    client: SpApiClient, document_id: str, dest: Path, default_charset: str
) -> DownloadedReport:
    """Download a document; a refused URL (expired after five minutes) gets one fresh URL."""
    document = client.get_report_document(document_id)
    try:
        return client.download_report_document(document, dest, default_charset=default_charset)
    except SourceError as exc:
        if exc.retryable:
            raise
        document = client.get_report_document(document_id)
        return client.download_report_document(document, dest, default_charset=default_charset)


def settle_unfinished(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    outcome: ReportOutcome,
    *,
    report_type: str,
    now: datetime,
    run_id: str | None,
) -> str:
    """Keep a pending request for the next tick; forget a failed one and record Amazon's verdict.

    Returns the outcome's message. ``now`` is the source's clock (`warehouse.source_clock`). A done
    report is not settled here: its caller lands it.
    """
    assert outcome.state != "done", "a done report is landed, not settled"
    if outcome.state == "pending":
        assert outcome.request is not None
        keep_in_flight(conn, store_id, outcome.request, now)
        return outcome.message
    forget_in_flight(conn, store_id, report_type)
    record_api_error(
        conn,
        store_id=store_id,
        operation="getReport",
        http_status=None,
        code=(outcome.request.status if outcome.request else None) or "FAILED",
        message=outcome.message,
        occurred_at=now,
        run_id=run_id,
    )
    return outcome.message


def forget_unknown_request(
    conn: duckdb.DuckDBPyConnection, store_id: str, report_type: str, error: BaseException
) -> None:
    """Forget the store's request when ``error`` says Amazon no longer knows it (expired, or
    another server's id), so the next tick requests a new report."""
    if getattr(error, "http_status", None) in FORGOTTEN_REQUEST_STATUSES:
        forget_in_flight(conn, store_id, report_type)
