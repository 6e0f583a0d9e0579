"""Feeds API 2021-06-30 for ``JSON_LISTINGS_FEED``: documents, feeds, their processing report.

The flow (protocols.md 10.2): ``createFeedDocument`` (201 ``{feedDocumentId, url}``), PUT the
JSON to ``url`` (``feed_uploads``), ``createFeed`` (202 ``{feedId}``), ``getFeed`` until it ends,
``getFeedDocument`` of its ``resultFeedDocumentId`` (a pre-signed download URL of the processing
report, served like report documents and not compressed). ``getFeeds`` lists a seller's feeds
newest first; ``cancelFeed`` cancels a feed still ``IN_QUEUE`` (200, no body).

A feed is ``IN_QUEUE`` for the first third of ``delay_seconds`` of sandbox time, then
``IN_PROGRESS``, then ``DONE`` (or ``FATAL`` when its document cannot be read): only then are its
messages processed (``feed_processing``) and its changes queued. Any other feed type is accepted
and ends ``FATAL`` without a report: the sandbox only knows ``JSON_LISTINGS_FEED``, and Amazon
ends the removed XML and flat-file listings feeds that way (protocols.md 10.2).

Faults (armed on ``createFeed``, kind ``feed_status``): the next feed ends ``FATAL`` without
touching a listing, or stays ``IN_PROGRESS`` for ever, like the feeds Amazon support had to cancel
by hand (models issue #2633); a stuck feed cannot be cancelled.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from asc_pipelines.sandbox.amazon_state import AmazonState
from asc_pipelines.sandbox.documents import DocumentStore
from asc_pipelines.sandbox.faults import FaultInjector
from asc_pipelines.sandbox.feed_processing import fatal_report, process_feed
from asc_pipelines.sandbox.feed_uploads import FeedUploads
from asc_pipelines.sandbox.listing_pages import ListedKind, list_page
from asc_pipelines.sandbox.listing_pages import invalid_input as _invalid
from asc_pipelines.sandbox.listings_writes import ListingsWrites
from asc_pipelines.sandbox.responses import json_response, report_time, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
FEED_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
DEFAULT_FEED_DELAY_SECONDS = 120.0
STUCK = "IN_PROGRESS"
_FEED_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
# What getFeeds lists, in the Feeds API's names.
_FEEDS = ListedKind(
    types_param="feedTypes",
    results_key="feeds",
    statuses=FEED_STATUSES,
    status_error="Invalid input in processing status.",
    type_of=lambda feed: feed.feed_type,
    id_of=lambda feed: feed.feed_id,
)


@dataclass
class Feed:
    """A submitted feed and where it stands on the sandbox clock."""

    feed_id: str
    store_id: str
    feed_type: str
    marketplace_ids: list[str]
    created: datetime
    delay: timedelta
    input_document_id: str
    forced_end: str | None  # FATAL or IN_PROGRESS (stuck) from a fault; None: by its content
    end_status: str | None = None  # set once processed
    result_document_id: str | None = None
    cancelled_at: datetime | None = None

    @property
    def started(self) -> datetime:
        """When processing starts (a third of the delay after creation)."""
        return self.created + self.delay / 3

    @property
    def ends(self) -> datetime:
        """When processing ends, unless the feed is stuck."""
        return self.created + self.delay

    def due(self, now: datetime) -> bool:
        """Whether the feed should be processed now (its time has come, not yet done)."""
        return (
            self.end_status is None
            and self.cancelled_at is None
            and self.forced_end != STUCK
            and now >= self.ends
        )

    def status(self, now: datetime) -> str:
        """Where the feed stands at ``now``."""
        if self.cancelled_at is not None:
            return "CANCELLED"
        if self.end_status is not None:
            return self.end_status
        return "IN_QUEUE" if now < self.started else "IN_PROGRESS"

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The model's ``Feed``."""
        status = self.status(now)
        body: dict[str, Any] = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": list(self.marketplace_ids),
            "createdTime": report_time(self.created),
            "processingStatus": status,
        }
        if status == "CANCELLED" and self.cancelled_at is not None:
            body["processingEndTime"] = report_time(self.cancelled_at)
        elif status != "IN_QUEUE":
            body["processingStartTime"] = report_time(self.started)
            if status in ("DONE", "FATAL"):
                body["processingEndTime"] = report_time(self.ends)
        if self.result_document_id is not None:
            body["resultFeedDocumentId"] = self.result_document_id
        return body


class FeedsApi:
    """All stores' feeds and the handlers of the Feeds API operations."""

    def __init__(
        self,
        uploads: FeedUploads,
        documents: DocumentStore,
        faults: FaultInjector,
        writes: ListingsWrites,
        delay_seconds: float = DEFAULT_FEED_DELAY_SECONDS,
    ) -> None:
        if delay_seconds < 0:
            raise ValueError("the feed delay must be >= 0 seconds")
        self.uploads = uploads
        self.documents = documents
        self.faults = faults
        self.writes = writes
        self.delay = timedelta(seconds=delay_seconds)
        self._feeds: dict[str, Feed] = {}
        self._ids = itertools.count(231_000_019_001)
        self._lock = threading.Lock()

    # -- processing ----------------------------------------------------------------------------

    def process_due(self, amazon: AmazonState, now: datetime) -> int:
        """Process every feed whose processing time has come, oldest first; returns how many.

        Callers hold the sandbox lock (the feed's messages change the Amazon state).
        """
        with self._lock:
            due = sorted((f for f in self._feeds.values() if f.due(now)), key=lambda f: f.ends)
        for feed in due:
            state = amazon.stores[feed.store_id]
            if feed.forced_end == "FATAL" or feed.feed_type != JSON_LISTINGS_FEED:
                feed.end_status = "FATAL"
                if feed.feed_type != JSON_LISTINGS_FEED:
                    continue
                report = fatal_report(
                    state, feed.feed_id, "The feed could not be processed; please resubmit it."
                )
            else:
                upload = self.uploads.get(feed.input_document_id)
                document = upload.body if upload is not None else None
                feed.end_status, report = process_feed(
                    state, self.writes, feed.feed_id, document, feed.ends
                )
            feed.result_document_id = self.documents.put(
                state.store.id,
                state.store.marketplace.region,
                feed.feed_id,
                json.dumps(report, ensure_ascii=False).encode("utf-8"),
                "UTF-8",
            )
        return len(due)

    # -- operations ----------------------------------------------------------------------------

    def create_feed_document(self, call: Call) -> Response:
        """createFeedDocument: 201 ``{feedDocumentId, url}``; the URL takes one PUT."""
        body = call.request.get_json(silent=True, force=True)
        if not isinstance(body, dict) or not isinstance(body.get("contentType"), str):
            return _invalid('The request body must be {"contentType": "..."}.')
        if not body["contentType"].strip():
            return _invalid("contentType must not be empty.")
        store = call.store.store
        upload = self.uploads.reserve(store.id, store.marketplace.region, body["contentType"])
        url = self.uploads.presigned_url(call.request.host_url, upload, call.now)
        return json_response(201, {"feedDocumentId": upload.document_id, "url": url})

    def create_feed(self, call: Call) -> Response:
        """createFeed: 202 ``{feedId}``; processing follows on the sandbox clock."""
        body = call.request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            return _invalid("The request body must be a CreateFeedSpecification JSON object.")
        feed_type = body.get("feedType")
        marketplace_ids = body.get("marketplaceIds")
        document_id = body.get("inputFeedDocumentId")
        if not isinstance(feed_type, str) or not _FEED_TYPE.match(feed_type):
            return _invalid("feedType is missing or not a valid feed type.")
        if (
            not isinstance(marketplace_ids, list)
            or not 1 <= len(marketplace_ids) <= 25
            or any(m != call.marketplace_id for m in marketplace_ids)
        ):
            return _invalid(f"marketplaceIds must be [{call.marketplace_id!r}] for this seller.")
        upload = self.uploads.get(document_id) if isinstance(document_id, str) else None
        if upload is None or upload.store_id != call.store.store.id:
            return _invalid("inputFeedDocumentId is not a feed document of this seller.")
        options = body.get("feedOptions", {})
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            return _invalid("feedOptions must map names to strings.")
        forced = self.faults.take("createFeed", "feed_status")
        feed = Feed(
            str(next(self._ids)),
            call.store.store.id,
            feed_type,
            list(marketplace_ids),
            call.now,
            self.delay,
            upload.document_id,
            str(forced.status) if forced else None,
        )
        with self._lock:
            self._feeds[feed.feed_id] = feed
        return json_response(202, {"feedId": feed.feed_id})

    def _find(self, call: Call) -> Feed | None:
        with self._lock:
            feed = self._feeds.get(call.params["feedId"])
        return feed if feed is not None and feed.store_id == call.store.store.id else None

    def get_feed(self, call: Call) -> Response:
        """getFeed: the ``Feed`` with its current processing status."""
        feed = self._find(call)
        if feed is None:
            return spapi_error(404, "NotFound", "The requested feed was not found.")
        return json_response(200, feed.to_json(call.now))

    def cancel_feed(self, call: Call) -> Response:
        """cancelFeed: only a feed still IN_QUEUE can be cancelled; 200 with no body."""
        feed = self._find(call)
        if feed is None:
            return spapi_error(404, "NotFound", "The requested feed was not found.")
        status = feed.status(call.now)
        if status != "IN_QUEUE":
            return _invalid(f"Only IN_QUEUE feeds can be cancelled; this one is {status}.")
        feed.cancelled_at = call.now
        return Response(b"", status=200)

    def get_feed_document(self, call: Call) -> Response:
        """getFeedDocument: a pre-signed URL (five minutes) to a feed's processing report."""
        document = self.documents.get(call.params["feedDocumentId"])
        if document is None or document.store_id != call.store.store.id:
            return spapi_error(404, "NotFound", "The requested feed document was not found.")
        url = self.documents.presigned_url(call.request.host_url, document.document_id, call.now)
        return json_response(200, {"feedDocumentId": document.document_id, "url": url})

    def get_feeds(self, call: Call) -> Response:
        """getFeeds: a seller's feeds, newest first; ``nextToken`` must be the only parameter."""
        with self._lock:
            items = list(self._feeds.values())
        return list_page(call, _FEEDS, items, Feed.to_json)
