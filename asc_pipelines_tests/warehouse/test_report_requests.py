"""Report requests kept between ticks (``raw.report_requests``), on a real DuckDB warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from asc_pipelines.warehouse.report_requests import (
    ReportRequest,
    forget_in_flight,
    keep_in_flight,
    requests_in_flight,
)
from asc_pipelines_tests.warehouse.memory_warehouse import memory_warehouse

LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
OTHER = "GET_FLAT_FILE_OPEN_LISTINGS_DATA"
NOW = datetime(2031, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return memory_warehouse()


def _request(report_id: str, report_type: str = LISTINGS, **changes: object) -> ReportRequest:
    fields: dict = {"requested_at": NOW - timedelta(minutes=3), "status": "IN_QUEUE"}
    return ReportRequest(report_id, report_type, **{**fields, **changes})


def test_a_kept_request_comes_back_by_store_and_a_newer_one_replaces_it(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    keep_in_flight(conn, "us", _request("R1"), NOW)
    keep_in_flight(conn, "uk", _request("R2"), NOW)
    later = _request("R1", status="IN_PROGRESS", document_id="DOC1")
    keep_in_flight(conn, "us", later, NOW + timedelta(minutes=5))
    assert requests_in_flight(conn, LISTINGS) == {"us": later, "uk": _request("R2")}
    assert requests_in_flight(conn, OTHER) == {}


def test_forgetting_a_request_leaves_other_stores_and_report_types(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    for store in ("us", "uk"):
        keep_in_flight(conn, store, _request(f"R-{store}"), NOW)
    keep_in_flight(conn, "us", _request("R-other", OTHER), NOW)
    forget_in_flight(conn, "us", LISTINGS)
    assert list(requests_in_flight(conn, LISTINGS)) == ["uk"]
    assert list(requests_in_flight(conn, OTHER)) == ["us"]
