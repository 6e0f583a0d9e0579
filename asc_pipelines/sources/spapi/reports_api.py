"""Reports API 2021-06-30: ask Amazon for a report, follow it, fetch its document (protocols.md 2).

Reports are built asynchronously: `ReportsApi.create_report` returns an id at once, `get_report`
says when it is DONE and names its document, `get_report_document` gives the document's pre-signed
URL, and `download_report_document` fetches it (`asc_pipelines.sources.download`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from asc_pipelines.sources.download import (
    DEFAULT_REPORT_CHARSET,
    DownloadedReport,
    download_document,
)
from asc_pipelines.sources.spapi.connection import SpApiConnection

_REPORTS = "/reports/2021-06-30"


class ReportsApi(SpApiConnection):
    """The Reports API operations of one store's connection."""

    def create_report(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        report_options: dict[str, str] | None = None,
    ) -> str:
        """Ask Amazon to build a report; returns its reportId (processing is asynchronous)."""
        body: dict[str, Any] = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}
        if report_options:
            body["reportOptions"] = dict(report_options)
        result = self._call("createReport", "POST", f"{_REPORTS}/reports", body=body, expected=202)
        return str(result["reportId"])

    def get_report(self, report_id: str) -> dict[str, Any]:
        """A report's status (``processingStatus``) and, once DONE, its ``reportDocumentId``."""
        return self._call("getReport", "GET", f"{_REPORTS}/reports/{quote(report_id, safe='')}")

    def get_reports(
        self,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] | None = None,
        page_size: int = 10,
    ) -> list[dict[str, Any]]:
        """All reports of the given types (newest first), following ``nextToken`` alone."""
        params: dict[str, Any] = {"reportTypes": ",".join(report_types), "pageSize": page_size}
        if processing_statuses:
            params["processingStatuses"] = ",".join(processing_statuses)
        reports: list[dict[str, Any]] = []
        while True:
            page = self._call("getReports", "GET", f"{_REPORTS}/reports", params=params)
            reports.extend(page.get("reports") or [])
            token = page.get("nextToken")
            if not token:
                return reports
            params = {"nextToken": token}  # must be the only parameter (protocols.md 2.4)

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        """The document's pre-signed ``url`` (valid five minutes) and ``compressionAlgorithm``."""
        return self._call(
            "getReportDocument", "GET", f"{_REPORTS}/documents/{quote(document_id, safe='')}"
        )

    def download_report_document(
        self,
        document: dict[str, Any],
        dest: Path,
        *,
        default_charset: str = DEFAULT_REPORT_CHARSET,
    ) -> DownloadedReport:
        """Download a document to ``dest`` (decompressed); no SP-API headers are sent to S3."""
        return download_document(
            self._transport, str(document["url"]), Path(dest), default_charset=default_charset
        )
