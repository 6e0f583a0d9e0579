"""Hand Amazon one store's many listing changes as a ``JSON_LISTINGS_FEED``, and follow the feeds
it holds, one look per tick.

The rules (what is recorded before, during and after) are ``asc_pipelines.logic.listing_feeds``;
this module makes the calls. :func:`follow_feeds` first: a feed left ``preparing`` is abandoned,
each ``submitted`` feed gets one ``getFeed`` (never a wait), and a feed that is done is read back
through its processing report; an overdue one is cancelled if Amazon still can and given up.
Then :func:`send_feed`: the feed is recorded with its changes ``sent`` and committed, and only
then ``createFeedDocument``, the upload and ``createFeed`` go out. Each message is a ``PATCH`` of
the listing's quantity and price, as the per-listing patch would be.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.listing_feeds import (
    abandon_unsubmitted,
    feeds_in_flight,
    record_checked,
    record_document,
    record_ended,
    record_poll_failure,
    record_prepared,
    record_processed,
    record_submitted,
    record_unsubmitted,
    refusals,
)
from asc_pipelines.logic.pushes import ListingChange
from asc_pipelines.sources.listings_feed import (
    CONTENT_TYPE,
    FEED_TYPE,
    encode_feed,
    listings_feed,
    patch_message,
)
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.spapi.feeds_api import Feed
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sync.stores import record_call_error
from asc_pipelines.warehouse.transaction import transaction


@dataclass
class StoreFeeds:
    """What one store's feeds did this tick."""

    messages_sent: int = 0  # messages of the feed handed to Amazon this tick
    feed_id: str | None = None  # Amazon's id of that feed
    processed: int = 0  # feeds read back this tick
    accepted: int = 0  # their messages Amazon accepted
    invalid: int = 0  # and refused
    ended: list[str] = field(default_factory=list)  # feeds fatal, cancelled or given up
    errors: list[str] = field(default_factory=list)


def _record_error(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    exc: BaseException,
    operation: str,
    *,
    now: datetime,
    run_id: str | None,
) -> str:
    fields = record_call_error(
        conn, exc, store_id=store.id, default_operation=operation, occurred_at=now, run_id=run_id
    )
    return f"{fields.operation} {fields.http_status or ''} {fields.code}: {fields.message}"


def follow_feeds(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    *,
    now: datetime,
    run_id: str | None,
) -> StoreFeeds:
    """Abandon the store's unsubmitted feeds and look once at each feed Amazon holds."""
    result = StoreFeeds()
    abandon_unsubmitted(conn, store.id, now=now)
    settings = store.push
    for feed in feeds_in_flight(conn, store.id):
        overdue = feed.overdue(now, settings.feed_give_up_minutes)
        try:
            state = client.get_feed(feed.feed_id)
            if state.processing_status == "DONE":
                accepted, invalid = _read_back(conn, client, feed.feed_ref, state, now=now)
                result.processed += 1
                result.accepted += accepted
                result.invalid += invalid
                continue
        except TickLimitReached:
            raise
        except Exception as exc:  # a failed look is this feed's problem: polled again next tick
            error = _record_error(conn, store, exc, "getFeed", now=now, run_id=run_id)
            record_poll_failure(conn, feed.feed_ref, error, now=now)
            result.errors.append(f"feed {feed.feed_id}: {error}")
            if overdue:
                _give_up(conn, client, store, feed.feed_ref, feed.feed_id, None, now=now)
                result.ended.append(f"feed {feed.feed_id} given up")
            continue
        status = state.processing_status
        if status in ("FATAL", "CANCELLED"):
            record_ended(
                conn,
                feed.feed_ref,
                status.lower(),
                f"Amazon ended feed {feed.feed_id} {status} without processing it",
                processing_status=status,
                max_attempts=settings.max_attempts,
                now=now,
            )
            result.ended.append(f"feed {feed.feed_id} {status}")
        elif overdue:
            _give_up(conn, client, store, feed.feed_ref, feed.feed_id, status, now=now)
            result.ended.append(f"feed {feed.feed_id} given up ({status})")
        else:
            record_checked(conn, feed.feed_ref, status, now=now)
    return result


def _read_back(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    feed_ref: str,
    state: Feed,
    *,
    now: datetime,
) -> tuple[int, int]:
    """A ``DONE`` feed's processing report, mapped back to its changes by messageId."""
    if not state.result_feed_document_id:
        raise ValueError(f"Amazon's feed {state.feed_id} is DONE without a processing report")
    document = client.get_feed_document(state.result_feed_document_id)
    with tempfile.TemporaryDirectory(prefix="asc-feed-") as scratch:
        report = client.download_feed_processing_report(document, Path(scratch) / "report.json")
    return record_processed(conn, feed_ref, state.feed_id, refusals(report.issues), now=now)


def _give_up(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    feed_ref: str,
    feed_id: str,
    status: str | None,
    *,
    now: datetime,
) -> None:
    """Cancel the feed if Amazon still can (only ``IN_QUEUE``), and give its changes to patches."""
    cancelled = ""
    if status == "IN_QUEUE":
        try:
            client.cancel_feed(feed_id)
            cancelled = "; cancelled"
        except TickLimitReached:
            raise
        except Exception as exc:  # Amazon may have started it meanwhile: given up all the same
            cancelled = f"; cancelFeed failed: {exc}"
    minutes = store.push.feed_give_up_minutes
    record_ended(
        conn,
        feed_ref,
        "given_up",
        f"Amazon had not processed feed {feed_id} {minutes} minutes after it was submitted "
        f"({status or 'status unknown'}){cancelled}: its changes go out as patches",
        processing_status=status,
        max_attempts=store.push.max_attempts,
        now=now,
    )


def send_feed(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    changes: Sequence[ListingChange],
    patches: Sequence[tuple[str, list[dict]]],
    result: StoreFeeds,
    *,
    now: datetime,
    run_id: str | None,
) -> None:
    """Hand ``changes`` to Amazon as one feed; ``patches[i]`` is ``changes[i]``'s product type and
    JSON Patch operations. Recorded and committed before the first call (module docstring)."""
    messages = [
        patch_message(change.seller_sku, product_type, operations)
        for change, (product_type, operations) in zip(changes, patches, strict=True)
    ]
    feed = listings_feed(store.seller_id, messages)
    feed_ref = uuid.uuid4().hex
    with transaction(conn):
        record_prepared(conn, store.id, feed_ref, changes, feed["messages"], now=now)
    operation = "createFeedDocument"
    try:
        upload = client.create_feed_document(CONTENT_TYPE)
        record_document(conn, feed_ref, upload.feed_document_id)
        operation = "uploadFeedDocument"
        client.upload_feed_document(upload.url, encode_feed(feed), CONTENT_TYPE)
        operation = "createFeed"
        feed_id = client.create_feed(FEED_TYPE, [store.marketplace_id], upload.feed_document_id)
    except TickLimitReached as exc:
        record_unsubmitted(
            conn,
            feed_ref,
            str(exc),
            counted=False,
            max_attempts=store.push.max_attempts,
            now=now,
        )
        raise
    except Exception as exc:  # the feed never reached Amazon: its changes wait for another tick
        error = _record_error(conn, store, exc, operation, now=now, run_id=run_id)
        record_unsubmitted(
            conn, feed_ref, error, counted=True, max_attempts=store.push.max_attempts, now=now
        )
        result.errors.append(f"feed not sent: {error}")
        return
    record_submitted(conn, feed_ref, feed_id, now=now)
    result.messages_sent = len(messages)
    result.feed_id = feed_id
