"""Feeds API 2021-06-30: hand Amazon many listing changes at once (protocols.md 10.2).

A feed goes out in three calls and comes back asynchronously, like a report: `create_feed_document`
gives a document id and a pre-signed upload URL, `upload_feed_document` PUTs the feed there (no
SP-API headers), and `create_feed` asks Amazon to process that document. `get_feed` says when the
feed is ``DONE`` (or ``CANCELLED``/``FATAL``) and names its result document; `get_feed_document`
gives that document's URL and `download_feed_processing_report` reads it, compressed or not.
`cancel_feed` stops a feed still ``IN_QUEUE``. Each call waits for its own rate bucket
(``createFeed`` allows one feed every two minutes after a burst of 15).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from asc_pipelines.sources.download import download_document
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.listings_feed import FeedProcessingReport, parse_processing_report
from asc_pipelines.sources.spapi.connection import SpApiConnection, parse_iso
from asc_pipelines.sources.upload import upload_document

_FEEDS = "/feeds/2021-06-30"
FEED_STATUSES_FINISHED = ("DONE", "CANCELLED", "FATAL")


@dataclass(frozen=True)
class FeedUpload:
    """Where to upload a feed: its document id (for `FeedsApi.create_feed`) and the pre-signed
    URL, valid five minutes."""

    feed_document_id: str
    url: str


@dataclass(frozen=True)
class Feed:
    """A feed's state at Amazon: ``IN_QUEUE``, ``IN_PROGRESS``, then ``DONE``, ``CANCELLED`` or
    ``FATAL``; once processed, ``result_feed_document_id`` names its processing report."""

    feed_id: str
    feed_type: str
    processing_status: str
    created_time: datetime | None
    processing_start_time: datetime | None = None
    processing_end_time: datetime | None = None
    result_feed_document_id: str | None = None

    @property
    def finished(self) -> bool:
        """Amazon will not process this feed any further."""
        return self.processing_status in FEED_STATUSES_FINISHED


def _required(operation: str, status: int, answer: dict[str, Any], *fields: str) -> list[str]:
    """The text of fields an answer must carry; an answer without them is no answer."""
    missing = [field for field in fields if not answer.get(field)]
    if missing:
        raise SpApiError(
            operation, status, "InvalidBody", f"the answer has no {', '.join(missing)}"
        )
    return [str(answer[field]) for field in fields]


class FeedsApi(SpApiConnection):
    """The Feeds API operations of one store's connection."""

    def create_feed_document(self, content_type: str) -> FeedUpload:
        """Ask for a place to upload a feed of ``content_type`` (the upload must use the same)."""
        answer = self._call(
            "createFeedDocument",
            "POST",
            f"{_FEEDS}/documents",
            body={"contentType": content_type},
            expected=201,
        )
        document_id, url = _required("createFeedDocument", 201, answer, "feedDocumentId", "url")
        return FeedUpload(document_id, url)

    def upload_feed_document(self, url: str, body: bytes, content_type: str) -> None:
        """PUT the feed to its pre-signed URL: no SP-API headers, no rate bucket (S3's, not
        Amazon's API)."""
        upload_document(self._transport, url, body, content_type)

    def create_feed(
        self,
        feed_type: str,
        marketplace_ids: Sequence[str],
        input_feed_document_id: str,
        feed_options: dict[str, str] | None = None,
    ) -> str:
        """Ask Amazon to process an uploaded document; returns the feedId."""
        body: dict[str, Any] = {
            "feedType": feed_type,
            "marketplaceIds": list(marketplace_ids),
            "inputFeedDocumentId": input_feed_document_id,
        }
        if feed_options:
            body["feedOptions"] = dict(feed_options)
        answer = self._call("createFeed", "POST", f"{_FEEDS}/feeds", body=body, expected=202)
        (feed_id,) = _required("createFeed", 202, answer, "feedId")
        return feed_id

    def get_feed(self, feed_id: str) -> Feed:
        """A feed's processing status and, once processed, its result document."""
        answer = self._call("getFeed", "GET", f"{_FEEDS}/feeds/{quote(feed_id, safe='')}")
        found_id, feed_type, status = _required(
            "getFeed", 200, answer, "feedId", "feedType", "processingStatus"
        )
        return Feed(
            feed_id=found_id,
            feed_type=feed_type,
            processing_status=status,
            created_time=parse_iso(answer.get("createdTime")),
            processing_start_time=parse_iso(answer.get("processingStartTime")),
            processing_end_time=parse_iso(answer.get("processingEndTime")),
            result_feed_document_id=answer.get("resultFeedDocumentId") or None,
        )

    def cancel_feed(self, feed_id: str) -> None:
        """Cancel a feed Amazon has not started (Amazon answers 200 without a body)."""
        self._command("cancelFeed", "DELETE", f"{_FEEDS}/feeds/{quote(feed_id, safe='')}")

    def get_feed_document(self, feed_document_id: str) -> dict[str, Any]:
        """A feed document's pre-signed ``url`` (five minutes) and ``compressionAlgorithm``."""
        return self._call(
            "getFeedDocument", "GET", f"{_FEEDS}/documents/{quote(feed_document_id, safe='')}"
        )

    def download_feed_processing_report(
        self, document: dict[str, Any], dest: Path
    ) -> FeedProcessingReport:
        """Fetch a ``JSON_LISTINGS_FEED`` processing report to ``dest`` (gzip detected from the
        bytes, as for reports) and read it."""
        downloaded = download_document(self._transport, str(document["url"]), Path(dest))
        return parse_processing_report(downloaded.path.read_bytes())
