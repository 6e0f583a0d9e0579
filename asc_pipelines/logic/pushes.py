"""Sending the outbox: which changes go out this tick, and what is recorded around each call.

Issue 11, section 3. Per store, the ``pending`` changes of ``core.listing_outbox`` go out in
priority order, one patch per listing carrying its quantity and its price together, at most
``push.max_patches_per_tick`` listings a tick (many at once go as one ``JSON_LISTINGS_FEED``
instead: ``logic.listing_feeds``, which records a feed's messages with the same changes). The
values sent are read from ``core.desired_listings`` at send time, never from an older snapshot: a
pending change whose value is no longer the desired one is ``superseded`` here and not sent.

Around each live call (the caller's order): :func:`record_sending` first (``sent``, one more
attempt, ``sent_at``; committed before the request leaves, so a process killed during the call
leaves a ``sent`` change the next tick sends again with the same value), then
:func:`record_answer` (``ACCEPTED`` -> ``accepted``, still to be confirmed by a snapshot;
``INVALID`` -> ``invalid`` with Amazon's issues, not resent until the desired value changes) or
:func:`record_failure` (back to ``pending``, or ``failed`` after ``max_attempts``). A dry run
(:func:`record_dry_run`) and a preview (:func:`record_answer` with ``preview=True``) leave the
change ``pending`` and mark it checked in that mode, so each mode looks at a change once.

No Dagster here, and no HTTP: the sending loop is ``asc_pipelines.sync.pushes``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import duckdb

# The value a pending change carries, as core.desired_listings holds it now.
_DESIRED_VALUE = """
CASE o.attribute WHEN 'quantity' THEN CAST(d.quantity AS VARCHAR)
    ELSE CAST(d.price AS VARCHAR) END
"""

_SUPERSEDE_OUTDATED_SQL = f"""
UPDATE core.listing_outbox o SET status = 'superseded', updated_at = $now
WHERE o.store_id = $store_id AND o.status = 'pending' AND o.attribute IN ('quantity', 'price')
    AND NOT EXISTS (
    SELECT 1 FROM core.desired_listings d
    WHERE d.store_id = o.store_id AND d.seller_sku = o.seller_sku
        AND {_DESIRED_VALUE} = o.value
)
"""

_TO_SEND_SQL = f"""
WITH due AS (
    SELECT o.change_id, o.seller_sku, o.attribute, o.priority, o.first_seen_at,
        d.quantity, d.price, d.currency
    FROM core.listing_outbox o
    JOIN core.desired_listings d ON d.store_id = o.store_id AND d.seller_sku = o.seller_sku
    WHERE o.store_id = $store_id AND o.status = 'pending' AND o.attribute IN ('quantity', 'price')
        AND ($mode = 'live' OR o.checked_mode IS DISTINCT FROM $mode)
        AND {_DESIRED_VALUE} = o.value
        AND NOT EXISTS (
            SELECT 1 FROM core.listing_feed_messages m
            JOIN core.listing_feeds f ON f.feed_ref = m.feed_ref
            WHERE f.store_id = o.store_id AND m.seller_sku = o.seller_sku
                AND (f.status = 'submitted'
                     OR ($for_feed AND f.status IN ('fatal', 'cancelled', 'given_up')
                         AND list_contains(m.change_ids, o.change_id)))
        )
),
listings AS (
    SELECT seller_sku, min(priority) AS priority, min(first_seen_at) AS first_seen_at
    FROM due GROUP BY seller_sku
    ORDER BY priority, first_seen_at, seller_sku
    LIMIT $limit
)
SELECT due.seller_sku, list(change_id ORDER BY attribute),
    max(quantity) FILTER (WHERE attribute = 'quantity'),
    max(price) FILTER (WHERE attribute = 'price'),
    any_value(currency)
FROM due JOIN listings USING (seller_sku)
GROUP BY due.seller_sku, listings.priority, listings.first_seen_at
ORDER BY listings.priority, listings.first_seen_at, due.seller_sku
"""


class Outgoing(Protocol):
    """What goes out in one call (a listing's changes, a new offer): the outbox changes it
    settles, which the ``record_*`` functions update together."""

    @property
    def change_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ListingChange:
    """What one listing should show and the outbox changes it settles: ``quantity`` and
    ``price`` (marketplace ``currency``) are None when that attribute is not changing."""

    seller_sku: str
    change_ids: tuple[str, ...]
    quantity: int | None
    price: Decimal | None
    currency: str


@dataclass(frozen=True)
class Verdict:
    """Amazon's answer to one patch, as recorded: ``ACCEPTED``, ``INVALID`` or ``VALID``."""

    status: str
    submission_id: str
    issues: tuple[str, ...] = ()


def changes_to_send(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    *,
    mode: str,
    limit: int,
    now: datetime,
    for_feed: bool = False,
) -> list[ListingChange]:
    """The store's listings to send this tick (at most ``limit``), most urgent first, with the
    values ``core.desired_listings`` holds now. Pending changes whose value is no longer desired
    are superseded first. ``dry_run`` and ``preview`` skip changes already checked in that mode.
    A listing in a ``JSON_LISTINGS_FEED`` Amazon is still processing is not sent again until the
    feed ends; ``for_feed``: leave out changes a feed already failed to deliver (they go out as
    patches, ``logic.listing_feeds``)."""
    conn.execute(_SUPERSEDE_OUTDATED_SQL, {"store_id": store_id, "now": now})
    rows = conn.execute(
        _TO_SEND_SQL,
        {"store_id": store_id, "mode": mode, "limit": limit, "for_feed": for_feed},
    ).fetchall()
    return [
        ListingChange(
            seller_sku=sku,
            change_ids=tuple(ids),
            quantity=None if quantity is None else int(quantity),
            price=price,
            currency=currency,
        )
        for sku, ids, quantity, price, currency in rows
    ]


def _ids(change: Outgoing) -> dict[str, Any]:
    return {"ids": list(change.change_ids)}


def record_sending(
    conn: duckdb.DuckDBPyConnection,
    change: Outgoing,
    request: dict[str, Any],
    *,
    now: datetime,
) -> None:
    """Before a live call: the changes are ``sent``, one attempt more, at ``now``. Committed
    by the caller before the request leaves."""
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'sent', attempts = attempts + 1, "
        "sent_at = $now, updated_at = $now, last_request = $request, last_error = NULL "
        "WHERE list_contains($ids, change_id)",
        {**_ids(change), "now": now, "request": json.dumps(request)},
    )


def record_answer(
    conn: duckdb.DuckDBPyConnection,
    change: Outgoing,
    verdict: Verdict,
    *,
    preview: bool,
    request: dict[str, Any],
    now: datetime,
) -> None:
    """Amazon's verdict: live ``ACCEPTED`` -> ``accepted``, ``INVALID`` -> ``invalid``; a
    preview leaves the changes ``pending``, checked in ``preview`` mode."""
    if preview:
        status_sql, checked = "status", "preview"
    else:
        status_sql = "CASE WHEN $verdict = 'INVALID' THEN 'invalid' ELSE 'accepted' END"
        checked = None
    conn.execute(
        f"UPDATE core.listing_outbox SET status = {status_sql}, checked_mode = $checked, "
        "updated_at = $now, submission_id = $submission_id, last_verdict = $verdict, "
        "last_issues = $issues, last_request = $request, last_error = NULL "
        "WHERE list_contains($ids, change_id)",
        {
            **_ids(change),
            "checked": checked,
            "now": now,
            "submission_id": verdict.submission_id,
            "verdict": verdict.status,
            "issues": "\n".join(verdict.issues) or None,
            "request": json.dumps(request),
        },
    )


def record_refusal(
    conn: duckdb.DuckDBPyConnection, change: Outgoing, reason: str, *, now: datetime
) -> None:
    """A change that cannot be sent as it is (Amazon gives the listing no product type, a price
    a JSON number cannot carry exactly): ``invalid`` with the reason, like a refusal by Amazon."""
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'invalid', updated_at = $now, "
        "last_verdict = 'INVALID', last_issues = $reason WHERE list_contains($ids, change_id)",
        {**_ids(change), "now": now, "reason": reason},
    )


def record_failure(
    conn: duckdb.DuckDBPyConnection,
    change: Outgoing,
    error: str,
    *,
    max_attempts: int,
    counted: bool,
    now: datetime,
) -> None:
    """The call failed in transport: ``pending`` again, or ``failed`` once ``max_attempts``
    attempts are used. ``counted=False`` (the tick's deadline stopped the call) gives the attempt
    back."""
    conn.execute(
        "UPDATE core.listing_outbox SET "
        "attempts = CASE WHEN status = 'sent' AND NOT $counted THEN attempts - 1 "
        "    WHEN status <> 'sent' AND $counted THEN attempts + 1 ELSE attempts END, "
        "updated_at = $now, last_error = $error WHERE list_contains($ids, change_id)",
        {**_ids(change), "now": now, "error": error[:2000], "counted": counted},
    )
    conn.execute(
        "UPDATE core.listing_outbox SET status = CASE WHEN attempts >= $max_attempts "
        "THEN 'failed' ELSE 'pending' END WHERE list_contains($ids, change_id)",
        {**_ids(change), "max_attempts": max_attempts},
    )


def record_dry_run(
    conn: duckdb.DuckDBPyConnection,
    change: Outgoing,
    request: dict[str, Any],
    *,
    now: datetime,
) -> None:
    """What would have been sent, kept on the changes (still ``pending``, checked in
    ``dry_run`` mode); no call is made."""
    conn.execute(
        "UPDATE core.listing_outbox SET checked_mode = 'dry_run', updated_at = $now, "
        "last_verdict = 'WOULD_SEND', last_request = $request "
        "WHERE list_contains($ids, change_id)",
        {**_ids(change), "now": now, "request": json.dumps(request)},
    )


def cached_product_type(
    conn: duckdb.DuckDBPyConnection, store_id: str, seller_sku: str
) -> str | None:
    """The listing's product type read earlier, if any (``core.listing_product_types``)."""
    row = conn.execute(
        "SELECT product_type FROM core.listing_product_types WHERE store_id = ? AND seller_sku = ?",
        [store_id, seller_sku],
    ).fetchone()
    return None if row is None else str(row[0])


def remember_product_type(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    seller_sku: str,
    product_type: str,
    *,
    now: datetime,
) -> None:
    """Keep the listing's product type, so later patches need no ``getListingsItem``."""
    conn.execute(
        "INSERT OR REPLACE INTO core.listing_product_types VALUES (?, ?, ?, ?)",
        [store_id, seller_sku, product_type, now],
    )


def issue_lines(issues: Sequence[Any]) -> tuple[str, ...]:
    """Amazon's issues as ``severity code [attributes]: message`` lines."""
    return tuple(
        f"{issue.severity} {issue.code} [{', '.join(issue.attribute_names)}]: {issue.message}"
        for issue in issues
    )
