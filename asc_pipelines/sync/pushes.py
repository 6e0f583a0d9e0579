"""Send one store's pending listing changes to Amazon, one ``patchListingsItem`` per listing.

The rules (what is due, what is recorded before and after each call) are
``asc_pipelines.logic.pushes``; this module makes the calls. Per ``push.mode``: ``off`` (or every
store paused by ``ASC_PUSH_PAUSED``) sends nothing and records nothing; ``dry_run`` records the
patch that would be sent and makes no call at all; ``preview`` sends it with
``mode=VALIDATION_PREVIEW`` and records Amazon's verdict, changing nothing; ``live`` sends it.
A patch names the listing's product type, read once from ``getListingsItem`` summaries and kept
in ``core.listing_product_types``. Stores are sent one after the other on the one DuckDB
connection, each call recorded as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.pushes import (
    ListingChange,
    Verdict,
    cached_product_type,
    changes_to_send,
    issue_lines,
    record_answer,
    record_dry_run,
    record_failure,
    record_refusal,
    record_sending,
    remember_product_type,
)
from asc_pipelines.sources.listing_patches import price_patch, quantity_patch
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.spapi.listings_api import listing_product_type
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sync.stores import error_fields
from asc_pipelines.warehouse.records import record_api_error

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


def patch_body(change: ListingChange, store: StoreConfig, product_type: str | None) -> dict:
    """The ``patchListingsItem`` body of a change: its quantity and price together."""
    patches = []
    if change.quantity is not None:
        patches.append(quantity_patch(change.quantity))
    if change.price is not None:
        patches.append(price_patch(change.price, change.currency, store.marketplace_id))
    return {"productType": product_type, "patches": patches}


def _product_type(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    seller_sku: str,
    now: datetime,
) -> str | None:
    cached = cached_product_type(conn, store.id, seller_sku)
    if cached is not None:
        return cached
    item = client.get_listings_item(
        store.seller_id, seller_sku, store.marketplace_id, included_data=("summaries",)
    )
    found = listing_product_type(item, store.marketplace_id)
    if found is not None:
        remember_product_type(conn, store.id, seller_sku, found, now=now)
    return found


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
    changes = changes_to_send(
        conn, store.id, mode=settings.mode, limit=settings.max_patches_per_tick, now=now
    )
    for change in changes:
        result.listings += 1
        if settings.mode == "dry_run":
            product_type = cached_product_type(conn, store.id, change.seller_sku)
            record_dry_run(conn, change, patch_body(change, store, product_type), now=now)
            continue
        assert client is not None, "preview and live need a client"
        if not _send(conn, client, store, change, result, now=now, run_id=run_id):
            break
    return result


def _send(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    change: ListingChange,
    result: StorePushes,
    *,
    now: datetime,
    run_id: str | None,
) -> bool:
    """One listing's preview or live patch, recorded around the call; False when the tick's
    deadline stops the store."""
    preview = store.push.mode == "preview"
    try:
        product_type = _product_type(conn, client, store, change.seller_sku, now)
        if product_type is None:
            record_refusal(conn, change, NO_PRODUCT_TYPE, now=now)
            result.invalid += 1
            return True
        body = patch_body(change, store, product_type)
        if not preview:
            record_sending(conn, change, body, now=now)  # autocommitted: before the request
        submission = client.patch_listings_item(
            store.seller_id,
            change.seller_sku,
            store.marketplace_id,
            product_type,
            body["patches"],
            preview=preview,
        )
    except TickLimitReached as exc:
        record_failure(
            conn, change, str(exc), max_attempts=store.push.max_attempts, counted=False, now=now
        )
        result.stopped = str(exc)
        return False
    except Exception as exc:  # a failed call is this change's problem, not the tick's
        _record_transport_failure(conn, store, change, exc, now=now, run_id=run_id)
        result.failed_calls += 1
        result.errors.append(f"{change.seller_sku}: {exc}")
        return True
    verdict = Verdict(submission.status, submission.submission_id, issue_lines(submission.issues))
    record_answer(conn, change, verdict, preview=preview, request=body, now=now)
    if submission.status == "ACCEPTED":
        result.accepted += 1
    elif submission.status == "INVALID":
        result.invalid += 1
    else:
        result.valid += 1
    return True


def _record_transport_failure(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    change: ListingChange,
    exc: BaseException,
    *,
    now: datetime,
    run_id: str | None,
) -> None:
    fields = error_fields(exc, PATCH_OPERATION)
    message = f"{fields.http_status or ''} {fields.code}: {fields.message}".strip()
    record_failure(
        conn, change, message, max_attempts=store.push.max_attempts, counted=True, now=now
    )
    record_api_error(
        conn,
        store_id=store.id,
        operation=fields.operation,
        http_status=fields.http_status,
        code=fields.code,
        message=fields.message,
        occurred_at=now,
        run_id=run_id,
    )


def summary_row(pushes: StorePushes) -> list[Any]:
    """One store's line of the asset's summary table."""
    return [
        pushes.store_id,
        pushes.mode,
        pushes.listings,
        pushes.accepted,
        pushes.valid,
        pushes.invalid,
        pushes.failed_calls,
        pushes.stopped or "",
    ]
