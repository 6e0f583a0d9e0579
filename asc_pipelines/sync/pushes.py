"""Send one store's pending listing changes to Amazon: one ``patchListingsItem`` per listing, or
many at once in a ``JSON_LISTINGS_FEED``.

The rules (what is due, what is recorded before and after each call) are
``asc_pipelines.logic.pushes``; this module makes the calls. Per ``push.mode``: ``off`` (or every
store paused by ``ASC_PUSH_PAUSED``) sends nothing and records nothing; ``dry_run`` records the
patch that would be sent and makes no call at all; ``preview`` sends it with
``mode=VALIDATION_PREVIEW`` and records Amazon's verdict, changing nothing; ``live`` sends it.
In ``live``, the store's feeds are followed first (``sync.listing_feeds``); with none in flight and
at least ``push.feed_threshold`` listings due, they go out as one feed, and patches take the rest
(at most ``push.max_patches_per_tick``); a listing inside a feed Amazon is still processing gets
no patch. A patch or a feed message names the listing's product type, read once from Amazon
(``searchListingsItems`` by SKU, 20 a call) and kept in ``core.listing_product_types``. Stores
are sent one after the other on the one DuckDB connection, each call recorded as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.listing_feeds import feeds_in_flight
from asc_pipelines.logic.pushes import (
    ListingChange,
    cached_product_type,
    changes_to_send,
    record_dry_run,
    record_refusal,
    remember_product_type,
)
from asc_pipelines.sources.listing_patches import price_patch, quantity_patch
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sync.listing_feeds import StoreFeeds, follow_feeds, send_feed
from asc_pipelines.sync.stores import record_call_error
from asc_pipelines.sync.submissions import submit_recorded

PATCH_OPERATION = "patchListingsItem"
NO_PRODUCT_TYPE = "Amazon gives this listing no product type (getListingsItem summaries)"


@dataclass
class StorePushes:
    """What one store's sending did this tick."""

    store_id: str
    mode: str
    listings: int = 0  # listings patched, previewed or (dry_run) recorded
    accepted: int = 0
    invalid: int = 0
    valid: int = 0
    failed_calls: int = 0
    stopped: str | None = None  # why the store stopped early (the tick's deadline)
    errors: list[str] = field(default_factory=list)
    feeds: StoreFeeds = field(default_factory=StoreFeeds)  # live: the JSON_LISTINGS_FEED path


def patch_body(change: ListingChange, store: StoreConfig, product_type: str | None) -> dict:
    """The ``patchListingsItem`` body of a change: its quantity and price together."""
    patches = []
    if change.quantity is not None:
        patches.append(quantity_patch(change.quantity))
    if change.price is not None:
        patches.append(price_patch(change.price, change.currency, store.marketplace_id))
    return {"productType": product_type, "patches": patches}


def _product_types(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    skus: list[str],
    now: datetime,
) -> dict[str, str]:
    """Each listing's product type: kept ones from ``core.listing_product_types``, the others
    read from Amazon 20 to a ``searchListingsItems`` call and kept."""
    found = {sku: cached_product_type(conn, store.id, sku) for sku in skus}
    known = {sku: product_type for sku, product_type in found.items() if product_type}
    missing = [sku for sku in skus if sku not in known]
    if missing:
        fetched = client.product_types(store.seller_id, store.marketplace_id, missing)
        for sku, product_type in fetched.items():
            remember_product_type(conn, store.id, sku, product_type, now=now)
        known.update(fetched)
    return known


def push_store(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    client: SpApiClient | None,
    *,
    paused: bool,
    now: datetime,
    run_id: str | None,
) -> StorePushes:
    """Send (or dry-run, or preview) up to the store's budget of due changes; see the module
    docstring. ``client`` may be None for ``off``, paused and ``dry_run`` (no call is made)."""
    settings = store.push
    result = StorePushes(store.id, "paused" if paused else settings.mode)
    if paused or settings.mode == "off":
        return result
    if settings.mode == "live":
        assert client is not None, "live needs a client"
        try:
            _feed(conn, client, store, result, now=now, run_id=run_id)
        except TickLimitReached as exc:
            result.stopped = str(exc)
            return result
    changes = changes_to_send(
        conn, store.id, mode=settings.mode, limit=settings.max_patches_per_tick, now=now
    )
    if settings.mode == "dry_run":
        for change in changes:
            result.listings += 1
            product_type = cached_product_type(conn, store.id, change.seller_sku)
            record_dry_run(conn, change, patch_body(change, store, product_type), now=now)
        return result
    assert client is not None, "preview and live need a client"
    types = _types_or_stop(conn, client, store, changes, result, now=now, run_id=run_id)
    if types is None:
        return result
    for change in changes:
        result.listings += 1
        product_type = types.get(change.seller_sku)
        if product_type is None:
            record_refusal(conn, change, NO_PRODUCT_TYPE, now=now)
            result.invalid += 1
            continue
        if not _send(conn, client, store, change, product_type, result, now=now, run_id=run_id):
            break
    return result


def _types_or_stop(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    changes: list[ListingChange],
    result: StorePushes,
    *,
    now: datetime,
    run_id: str | None,
) -> dict[str, str] | None:
    """The changes' product types, or None (the store stops this tick) when they cannot be read:
    the tick's deadline, or a failed search (recorded; nothing is sent, so no attempt counts)."""
    try:
        return _product_types(conn, client, store, [c.seller_sku for c in changes], now)
    except TickLimitReached as exc:
        result.stopped = str(exc)
    except Exception as exc:  # the store's sending waits for the next tick
        record_call_error(
            conn,
            exc,
            store_id=store.id,
            default_operation="searchListingsItems",
            occurred_at=now,
            run_id=run_id,
        )
        result.failed_calls += 1
        result.errors.append(f"product types: {exc}")
    return None


def _feed(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    result: StorePushes,
    *,
    now: datetime,
    run_id: str | None,
) -> None:
    """Follow the store's feeds; with none in flight and at least ``push.feed_threshold``
    listings due, send them (at most ``push.max_feed_messages``) as one feed."""
    settings = store.push
    result.feeds = follow_feeds(conn, client, store, now=now, run_id=run_id)
    result.errors.extend(result.feeds.errors)
    if feeds_in_flight(conn, store.id):
        return
    candidates = changes_to_send(
        conn, store.id, mode="live", limit=settings.max_feed_messages, now=now, for_feed=True
    )
    if len(candidates) < settings.feed_threshold:
        return
    types = _types_or_stop(conn, client, store, candidates, result, now=now, run_id=run_id)
    if types is None:
        if result.stopped:
            raise TickLimitReached(result.stopped)
        return
    sendable = []
    for change in candidates:
        if change.seller_sku in types:
            sendable.append(change)
        else:
            record_refusal(conn, change, NO_PRODUCT_TYPE, now=now)
            result.invalid += 1
    if not sendable:
        return
    bodies = [patch_body(change, store, types[change.seller_sku]) for change in sendable]
    send_feed(
        conn,
        client,
        store,
        sendable,
        [(body["productType"], body["patches"]) for body in bodies],
        result.feeds,
        now=now,
        run_id=run_id,
    )
    result.errors.extend(error for error in result.feeds.errors if error not in result.errors)


def _send(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    change: ListingChange,
    product_type: str,
    result: StorePushes,
    *,
    now: datetime,
    run_id: str | None,
) -> bool:
    """One listing's preview or live patch, recorded around the call; False when the tick's
    deadline stops the store."""
    body = patch_body(change, store, product_type)
    return submit_recorded(
        conn,
        store,
        change,
        body,
        lambda preview: client.patch_listings_item(
            store.seller_id,
            change.seller_sku,
            store.marketplace_id,
            product_type,
            body["patches"],
            preview=preview,
        ),
        result,
        operation=PATCH_OPERATION,
        label=change.seller_sku,
        now=now,
        run_id=run_id,
    )


SUMMARY_HEADERS = (
    "store",
    "mode",
    "listings",
    "accepted",
    "valid (preview)",
    "invalid",
    "failed calls",
    "feed messages",
    "feeds read back",
    "feeds ended unprocessed",
    "stopped",
)


def summary_row(pushes: StorePushes) -> list[Any]:
    """One store's line of the asset's summary table (``SUMMARY_HEADERS``)."""
    return [
        pushes.store_id,
        pushes.mode,
        pushes.listings,
        pushes.accepted,
        pushes.valid,
        pushes.invalid,
        pushes.failed_calls,
        pushes.feeds.messages_sent,
        pushes.feeds.processed,
        len(pushes.feeds.ended),
        pushes.stopped or "",
    ]
