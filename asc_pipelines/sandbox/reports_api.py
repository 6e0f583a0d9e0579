"""Reports API 2021-06-30: create, poll, list and cancel reports; fetch their documents.

A report captures the store's listings when it is created and then moves through IN_QUEUE (first
third of ``report_delay_seconds`` of sandbox time) and IN_PROGRESS to DONE. Only
GET_MERCHANT_LISTINGS_ALL_DATA has data; any other report type ends CANCELLED, which is what Amazon
does when a report has no data (protocols.md 2.3). Bodies are not wrapped in ``payload``.
"""

from __future__ import annotations

import gzip
import itertools
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from asc_pipelines.constants import REPORT_STATUSES, REPORT_TYPE_ALL_LISTINGS
from asc_pipelines.sandbox.documents import DocumentStore
from asc_pipelines.sandbox.faults import FaultInjector
from asc_pipelines.sandbox.listing_pages import ListedKind, list_page
from asc_pipelines.sandbox.listing_pages import invalid_input as _invalid
from asc_pipelines.sandbox.responses import json_response, parse_iso, report_time, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

_REPORT_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
# What getReports lists, in the Reports API's names.
_REPORTS = ListedKind(
    types_param="reportTypes",
    results_key="reports",
    statuses=REPORT_STATUSES,
    status_error="Invalid input in processing status",
    type_of=lambda report: report.report_type,
    id_of=lambda report: report.report_id,
)


@dataclass
class Report:
    """A report request and where it stands; its status follows from the sandbox clock."""

    report_id: str
    store_id: str
    report_type: str
    marketplace_ids: list[str]
    created: datetime
    data_start: datetime
    data_end: datetime
    delay: timedelta
    end_status: str  # DONE, FATAL or CANCELLED once processing ends
    document_id: str | None
    cancelled_at: datetime | None = None

    def status(self, now: datetime) -> str:
        """IN_QUEUE for the first third of the delay, IN_PROGRESS until it ends."""
        if self.cancelled_at is not None:
            return "CANCELLED"
        elapsed = now - self.created
        if elapsed >= self.delay:
            return self.end_status
        return "IN_QUEUE" if elapsed < self.delay / 3 else "IN_PROGRESS"

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The ``Report`` object of the model."""
        status = self.status(now)
        body: dict[str, Any] = {
            "reportType": self.report_type,
            "processingStartTime": report_time(self.created + self.delay / 3),
            "processingEndTime": report_time(self.created + self.delay),
            "marketplaceIds": list(self.marketplace_ids),
            "reportId": self.report_id,
            "dataStartTime": report_time(self.data_start),
            "dataEndTime": report_time(self.data_end),
            "createdTime": report_time(self.created),
            "processingStatus": status,
        }
        if self.cancelled_at is not None:
            del body["processingStartTime"]
            body["processingEndTime"] = report_time(self.cancelled_at)
        elif status == "IN_QUEUE":
            del body["processingStartTime"], body["processingEndTime"]
        elif status == "IN_PROGRESS":
            del body["processingEndTime"]
        if status == "DONE" and self.document_id:
            body["reportDocumentId"] = self.document_id
        return body


class ReportsApi:
    """Report requests of all stores and the handlers of the Reports API operations."""

    def __init__(
        self, documents: DocumentStore, faults: FaultInjector, delay_seconds: float
    ) -> None:
        self.documents = documents
        self.faults = faults
        self.delay = timedelta(seconds=delay_seconds)
        self._reports: dict[str, Report] = {}
        self._ids = itertools.count(50_001_019_000)
        self._lock = threading.Lock()

    def count(self, store_id: str) -> int:
        """How many reports a store has requested."""
        with self._lock:
            return sum(1 for r in self._reports.values() if r.store_id == store_id)

    def _find(self, call: Call) -> Report | None:
        with self._lock:
            report = self._reports.get(call.params["reportId"])
        return report if report is not None and report.store_id == call.store.store.id else None

    def create_report(self, call: Call) -> Response:
        """createReport: 202 ``{"reportId"}``; the listings are captured now."""
        body = call.request.get_json(silent=True)
        if not isinstance(body, dict):
            return _invalid("The request body must be a CreateReportSpecification JSON object.")
        report_type = body.get("reportType")
        marketplace_ids = body.get("marketplaceIds")
        if not isinstance(report_type, str) or not _REPORT_TYPE.match(report_type):
            return _invalid("reportType is missing or not a valid report type.")
        if (
            not isinstance(marketplace_ids, list)
            or not 1 <= len(marketplace_ids) <= 25
            or any(m != call.marketplace_id for m in marketplace_ids)
        ):
            return _invalid(f"marketplaceIds must be [{call.marketplace_id!r}] for this seller.")
        try:
            data_start = parse_iso(body["dataStartTime"]) if "dataStartTime" in body else call.now
            data_end = parse_iso(body["dataEndTime"]) if "dataEndTime" in body else call.now
        except (TypeError, ValueError):
            return _invalid("dataStartTime and dataEndTime must be ISO 8601 date-times.")
        if data_start > call.now or data_end < data_start:
            return _invalid("dataStartTime must not be in the future nor after dataEndTime.")
        forced = self.faults.take("createReport", "report_status")
        end_status = str(forced.status) if forced else "DONE"
        if report_type != REPORT_TYPE_ALL_LISTINGS:
            end_status = "CANCELLED"  # no data for this report type in the sandbox
        report_id = str(next(self._ids))
        document_id = None
        if end_status == "DONE":
            store = call.store.store
            document_id = self.documents.put(
                store.id,
                store.marketplace.region,
                report_id,
                gzip.compress(call.store.report_bytes(), mtime=0),
                call.store.file.charset,
            )
        report = Report(
            report_id,
            call.store.store.id,
            report_type,
            list(marketplace_ids),
            call.now,
            data_start,
            data_end,
            self.delay,
            end_status,
            document_id,
        )
        with self._lock:
            self._reports[report_id] = report
        return json_response(202, {"reportId": report_id})

    def get_report(self, call: Call) -> Response:
        """getReport: the ``Report`` with its current processing status."""
        report = self._find(call)
        if report is None:
            return spapi_error(404, "NotFound", "The requested report was not found.")
        return json_response(200, report.to_json(call.now))

    def cancel_report(self, call: Call) -> Response:
        """cancelReport: only a report still IN_QUEUE can be cancelled; 200 with no body."""
        report = self._find(call)
        if report is None:
            return spapi_error(404, "NotFound", "The requested report was not found.")
        status = report.status(call.now)
        if status != "IN_QUEUE":
            return _invalid(f"Only IN_QUEUE reports can be cancelled; this one is {status}.")
        report.cancelled_at = call.now
        return Response(b"", status=200)

    def get_reports(self, call: Call) -> Response:
        """getReports: newest first; ``nextToken`` must be the only parameter."""
        with self._lock:
            items = list(self._reports.values())
        return list_page(call, _REPORTS, items, Report.to_json)

    def get_report_document(self, call: Call) -> Response:
        """getReportDocument: a pre-signed URL (five minutes) to the gzip file."""
        document = self.documents.get(call.params["reportDocumentId"])
        if document is None or document.store_id != call.store.store.id:
            return spapi_error(404, "NotFound", "The requested report document was not found.")
        gzip_encoding = call.request.args.get("enableContentEncodingUrlHeader", "") == "true"
        url = self.documents.presigned_url(
            call.request.host_url, document.document_id, call.now, gzip_encoding
        )
        return json_response(
            200,
            {"reportDocumentId": document.document_id, "url": url, "compressionAlgorithm": "GZIP"},
        )
