"""The non-blocking report state machine, against a fake SP-API client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from asc_pipelines.sources.download import DownloadedReport
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.report_flow import advance_report, forget_unknown_request
from asc_pipelines.sources.tick_guard import TickGuard, TickLimitReached
from asc_pipelines.warehouse.report_requests import (
    ReportRequest,
    keep_in_flight,
    requests_in_flight,
)
from asc_pipelines_tests.warehouse.memory_warehouse import memory_warehouse

from .conftest import FakeTime

NOW = datetime(2031, 1, 1, tzinfo=UTC)


@dataclass
class FakeReports:
    statuses: list[str]
    created: list[str] = field(default_factory=list)
    polls: int = 0
    guard: TickGuard = field(default_factory=TickGuard)
    stop_after_polls: TickLimitReached | None = None

    def server_now(self) -> datetime:
        return NOW

    def create_report(self, report_type: str, marketplace_ids: list[str], options: Any) -> str:
        self.created.append(report_type)
        return f"R{len(self.created)}"

    def get_report(self, report_id: str) -> dict[str, Any]:
        if self.stop_after_polls is not None and self.polls >= 2:
            raise self.stop_after_polls
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        body = {"reportId": report_id, "processingStatus": status}
        if status == "DONE":
            body["reportDocumentId"] = "DOC1"
        return body

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        return {"reportDocumentId": document_id, "url": "http://x/doc"}

    def download_report_document(self, document, dest: Path, *, default_charset: str):  # type: ignore[no-untyped-def]
        dest.write_text("seller-sku\n")
        return DownloadedReport(dest, default_charset, 11, False)


def tick(client: FakeReports, in_flight: ReportRequest | None, clock: FakeTime, tmp_path: Path):  # type: ignore[no-untyped-def]
    return advance_report(
        client,  # type: ignore[arg-type]
        report_type="GET_MERCHANT_LISTINGS_ALL_DATA",
        marketplace_id="A1VC38T7YXB528",
        in_flight=in_flight,
        wait_seconds=10,
        poll_seconds=2,
        dest_dir=tmp_path,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )


def test_pending_then_done_on_a_later_tick(tmp_path: Path, fake_time: FakeTime) -> None:
    client = FakeReports(["IN_QUEUE"] * 6 + ["DONE"])
    first = tick(client, None, fake_time, tmp_path)
    assert first.state == "pending" and first.request is not None
    assert sum(fake_time.sleeps) <= 10
    second = tick(client, first.request, fake_time, tmp_path)
    assert second.state == "done" and client.created == ["GET_MERCHANT_LISTINGS_ALL_DATA"]
    assert second.report is not None and second.report.charset == "Windows-31J"


def test_cancelled_is_a_failure_meaning_no_data(tmp_path: Path, fake_time: FakeTime) -> None:
    outcome = tick(FakeReports(["IN_PROGRESS", "CANCELLED"]), None, fake_time, tmp_path)
    assert outcome.state == "failed" and "CANCELLED" in outcome.message


def test_stale_in_flight_request_is_abandoned(tmp_path: Path, fake_time: FakeTime) -> None:
    client = FakeReports(["DONE"])
    old = ReportRequest(
        "R0", "GET_MERCHANT_LISTINGS_ALL_DATA", NOW - timedelta(hours=2), "IN_QUEUE"
    )
    outcome = tick(client, old, fake_time, tmp_path)
    assert outcome.state == "done" and outcome.request is not None
    assert outcome.request.report_id == "R1" and "abandoned report R0" in outcome.message


def test_a_report_wait_ends_at_the_ticks_deadline(tmp_path: Path, fake_time: FakeTime) -> None:
    client = FakeReports(["IN_QUEUE"] * 20, guard=TickGuard(3, monotonic=fake_time.monotonic))
    outcome = tick(client, None, fake_time, tmp_path)
    assert outcome.state == "pending" and outcome.request is not None
    assert sum(fake_time.sleeps) <= 3  # not report_wait_seconds (10)


def test_a_deadline_while_polling_keeps_the_request_for_the_next_tick(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    client = FakeReports(["IN_QUEUE"] * 20)
    client.stop_after_polls = TickLimitReached("getReport not completed", deadline=True)
    outcome = tick(client, None, fake_time, tmp_path)
    assert outcome.state == "pending" and outcome.request is not None
    assert outcome.request.report_id == "R1" and "left for the next tick" in outcome.message


def test_an_open_breaker_while_polling_is_a_failure_not_a_wait(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    client = FakeReports(["IN_QUEUE"] * 20)
    client.stop_after_polls = TickLimitReached("getReport not attempted: refused")
    with pytest.raises(TickLimitReached, match="refused"):
        tick(client, None, fake_time, tmp_path)


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    return memory_warehouse()


@pytest.mark.parametrize(("status", "forgotten"), [(404, True), (400, True), (503, False)])
def test_a_request_amazon_no_longer_knows_is_forgotten(
    warehouse: duckdb.DuckDBPyConnection, status: int, forgotten: bool
) -> None:
    request = ReportRequest("R1", "GET_MERCHANT_LISTINGS_ALL_DATA", NOW, "IN_QUEUE")
    keep_in_flight(warehouse, "us", request, NOW)
    error = SpApiError("getReport", status, "NotFound", "no such report")
    forget_unknown_request(warehouse, "us", request.report_type, error)
    forget_unknown_request(warehouse, "us", request.report_type, RuntimeError("no answer"))
    kept = requests_in_flight(warehouse, request.report_type)
    assert kept == ({} if forgotten else {"us": request})
