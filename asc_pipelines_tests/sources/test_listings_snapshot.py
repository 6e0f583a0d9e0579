"""What a tick lands of a store's listing report outcome, on a real DuckDB warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from asc_pipelines import constants
from asc_pipelines.logic.snapshot_guard import SnapshotRejected
from asc_pipelines.sources.download import DownloadedReport
from asc_pipelines.sources.listings_report import REJECT_SOURCE
from asc_pipelines.sources.listings_snapshot import (
    REPORT_TYPE,
    LandedReport,
    land_listing_report,
)
from asc_pipelines.sources.report_flow import ReportOutcome
from asc_pipelines.warehouse.report_requests import (
    ReportRequest,
    keep_in_flight,
    requests_in_flight,
)
from asc_pipelines_tests.warehouse.memory_warehouse import memory_warehouse, temp_tables

H29 = list(constants.REPORT_HEADER_ALL_DATA_29)
NOW = datetime(2031, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return memory_warehouse()


def _report(tmp_path: Path, skus: list[str], *, bad_price: bool = False) -> Path:
    def line(sku: str, price: str = "9.99") -> str:
        fields = dict.fromkeys(H29, "")
        fields.update({"seller-sku": sku, "price": price, "quantity": "1", "status": "Active"})
        return "\t".join(fields[name] for name in H29)

    lines = ["\t".join(H29), *(line(sku) for sku in skus)]
    if bad_price:
        lines.append(line("BAD", price="abc"))
    path = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return path


def _done(path: Path, report_id: str = "R1") -> ReportOutcome:
    request = ReportRequest(report_id, REPORT_TYPE, NOW - timedelta(minutes=2), "DONE", "DOC1")
    report = DownloadedReport(path, "cp1252", path.stat().st_size, False)
    return ReportOutcome("done", request, report, f"downloaded report {report_id}")


def _land(
    conn: duckdb.DuckDBPyConnection,
    outcome: ReportOutcome,
    tmp_path: Path,
    *,
    now: datetime = NOW,
    max_shrink_share: float = 0.5,
) -> LandedReport:
    return land_listing_report(
        conn,
        outcome,
        store_id="us",
        marketplace_code="US",
        work_dir=tmp_path / "staging",
        now=now,
        run_id="run-1",
        max_shrink_share=max_shrink_share,
    )


def _listed(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute("SELECT seller_sku FROM raw.amazon_listings ORDER BY 1").fetchall()
    return [sku for (sku,) in rows]


def _keep_request(conn: duckdb.DuckDBPyConnection, report_id: str = "R1") -> None:
    request = ReportRequest(report_id, REPORT_TYPE, NOW - timedelta(minutes=2), "IN_PROGRESS")
    keep_in_flight(conn, "us", request, NOW - timedelta(minutes=1))


def test_a_done_report_replaces_the_store_rows_and_ends_its_request(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _keep_request(conn)
    path = _report(tmp_path, ["A", "B"], bad_price=True)
    landed = _land(conn, _done(path), tmp_path)
    assert landed == LandedReport("ok", rows=2, rejected=1)
    assert _listed(conn) == ["A", "B"]
    rejected = conn.execute("SELECT source, store_id, report_id FROM raw.rejected_rows").fetchall()
    assert rejected == [(REJECT_SOURCE, "us", "R1")]
    snapshot = conn.execute(
        "SELECT report_id, rows_loaded, rows_rejected FROM raw.amazon_listing_snapshots"
    ).fetchall()
    assert snapshot == [("R1", 2, 1)]
    assert requests_in_flight(conn, REPORT_TYPE) == {}
    assert temp_tables(conn) == [] and not path.exists()


def test_a_snapshot_that_shrank_is_refused_its_request_forgotten_no_staged_table_left(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _land(conn, _done(_report(tmp_path, ["A", "B", "C", "D"])), tmp_path)
    _keep_request(conn, "R2")
    path = _report(tmp_path, ["A"])
    with pytest.raises(SnapshotRejected):
        _land(conn, _done(path, "R2"), tmp_path, now=NOW + timedelta(minutes=5))
    assert _listed(conn) == ["A", "B", "C", "D"]
    assert requests_in_flight(conn, REPORT_TYPE) == {}
    assert temp_tables(conn) == [] and not path.exists()


def test_a_write_that_fails_keeps_the_last_snapshot_and_leaves_no_staged_table(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _land(conn, _done(_report(tmp_path, ["A", "B"])), tmp_path)
    _keep_request(conn, "R2")
    conn.execute("DROP TABLE raw.rejected_rows")  # the swap fails after replacing the listings
    with pytest.raises(duckdb.CatalogException):
        _land(conn, _done(_report(tmp_path, ["C", "D"]), "R2"), tmp_path)
    assert _listed(conn) == ["A", "B"]
    assert list(requests_in_flight(conn, REPORT_TYPE)) == ["us"]
    assert temp_tables(conn) == []


def test_a_pending_report_keeps_its_request_for_the_next_tick(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    request = ReportRequest("R9", REPORT_TYPE, NOW - timedelta(minutes=2), "IN_QUEUE")
    outcome = ReportOutcome("pending", request, None, "report R9 still IN_QUEUE")
    landed = _land(conn, outcome, tmp_path)
    assert landed == LandedReport("pending", message="report R9 still IN_QUEUE")
    assert requests_in_flight(conn, REPORT_TYPE) == {"us": request}
    assert conn.execute("SELECT count(*) FROM raw.api_errors").fetchone() == (0,)


def test_a_failed_report_forgets_its_request_and_records_amazons_verdict(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    _keep_request(conn, "R9")
    request = ReportRequest("R9", REPORT_TYPE, NOW - timedelta(minutes=2), "CANCELLED")
    outcome = ReportOutcome("failed", request, None, "report R9 ended CANCELLED")
    landed = _land(conn, outcome, tmp_path)
    assert landed == LandedReport("failed", message="report R9 ended CANCELLED")
    assert requests_in_flight(conn, REPORT_TYPE) == {}
    errors = conn.execute("SELECT store_id, operation, code, occurred_at FROM raw.api_errors")
    assert errors.fetchall() == [("us", "getReport", "CANCELLED", NOW)]
