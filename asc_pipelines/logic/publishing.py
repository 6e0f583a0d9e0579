"""Publishing Ready to List products: which new listings go out this tick, and what is recorded
around each call.

Issue 11, section 3, ``push.publish``. The outbox (``logic/outbox.py``) holds an ``offer`` change
per Ready to List product of a publishing store: seller SKU the Magento SKU, value the ASIN. Here,
per store, the ``pending`` ones go out oldest first, at most ``limit`` a tick, each as one
``putListingsItem`` with ``requirements=LISTING_OFFER_ONLY``. What is sent (the ASIN, the
condition, the quantity, the price) is read from ``core.desired_listings`` at send time: an offer
whose product is no longer Ready to List with that ASIN, a price and a quantity above 0 is
``superseded`` here and not sent.

The statuses mean what they mean for quantity and price changes (``logic/pushes.py``):
:func:`record_sending` before a live call (``sent``, one more attempt, ``sent_at``; committed
before the request leaves, so a process killed during the call leaves a ``sent`` offer the next
tick sends again: putting the same offer twice lists it once), then :func:`record_answer`
(``ACCEPTED`` -> ``accepted``, confirmed only when a listings snapshot shows the seller SKU on
that ASIN; ``INVALID`` -> ``invalid`` with Amazon's issues, a ``push_rejected`` sync issue, not
sent again until the product's ASIN, price or condition changes: then the outbox starts a new
offer) or :func:`record_failure` (back to ``pending``, or ``failed``
after ``max_attempts``). A dry run (:func:`record_dry_run`) and a preview (:func:`record_answer`
with ``preview=True``) leave the offer ``pending``, checked in that mode, so each mode looks at an
offer once. :func:`record_refusal`: an offer that cannot be sent as it is, ``invalid`` like a
refusal by Amazon.

No Dagster here, and no HTTP: the calls are ``asc_pipelines.sync.publishing``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from asc_pipelines.logic.pushes import Verdict

# A Ready to List row of core.desired_listings (alias d) that an offer (alias o) may still list.
_STILL_WANTED = """
d.store_id = o.store_id AND d.magento_sku = o.seller_sku AND d.seller_sku IS NULL
    AND d.status = 'ready_to_list' AND upper(trim(d.asin)) = o.value
    AND d.price IS NOT NULL AND d.quantity > 0 AND d.condition_type IS NOT NULL
"""

_SUPERSEDE_OUTDATED_SQL = f"""
UPDATE core.listing_outbox o SET status = 'superseded', updated_at = $now
WHERE o.store_id = $store_id AND o.status = 'pending' AND o.attribute = 'offer'
    AND NOT EXISTS (SELECT 1 FROM core.desired_listings d WHERE {_STILL_WANTED})
"""

_DUE_SQL = f"""
SELECT o.change_id, o.seller_sku, o.value, d.condition_type, d.quantity, d.price, d.currency
FROM core.listing_outbox o
JOIN core.desired_listings d ON {_STILL_WANTED}
WHERE o.store_id = $store_id AND o.status = 'pending' AND o.attribute = 'offer'
    AND ($mode = 'live' OR o.checked_mode IS DISTINCT FROM $mode)
ORDER BY o.priority, o.first_seen_at, o.seller_sku
LIMIT $limit
"""


@dataclass(frozen=True)
class NewOffer:
    """One Ready to List product to list: under ``seller_sku`` on ``asin``, with the condition,
    quantity and price (marketplace ``currency``) ``core.desired_listings`` holds now."""

    change_id: str
    seller_sku: str
    asin: str
    condition: str
    quantity: int
    price: Decimal
    currency: str


def offers_to_send(
    conn: duckdb.DuckDBPyConnection, store_id: str, *, mode: str, limit: int, now: datetime
) -> list[NewOffer]:
    """The store's new listings to put this tick (at most ``limit``), oldest first, with the
    values ``core.desired_listings`` holds now. Pending offers no longer wanted are superseded
    first. ``dry_run`` and ``preview`` skip offers already checked in that mode."""
    conn.execute(_SUPERSEDE_OUTDATED_SQL, {"store_id": store_id, "now": now})
    if limit <= 0:
        return []
    rows = conn.execute(_DUE_SQL, {"store_id": store_id, "mode": mode, "limit": limit}).fetchall()
    return [
        NewOffer(
            change_id=change_id,
            seller_sku=sku,
            asin=asin,
            condition=condition,
            quantity=int(quantity),
            price=price,
            currency=currency,
        )
        for change_id, sku, asin, condition, quantity, price, currency in rows
    ]


def record_sending(
    conn: duckdb.DuckDBPyConnection, offer: NewOffer, request: dict[str, Any], *, now: datetime
) -> None:
    """Before a live call: the offer is ``sent``, one attempt more, at ``now``. Committed by the
    caller before the request leaves."""
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'sent', attempts = attempts + 1, "
        "sent_at = $now, updated_at = $now, last_request = $request, last_error = NULL "
        "WHERE change_id = $id",
        {"id": offer.change_id, "now": now, "request": json.dumps(request)},
    )


def record_answer(
    conn: duckdb.DuckDBPyConnection,
    offer: NewOffer,
    verdict: Verdict,
    *,
    preview: bool,
    request: dict[str, Any],
    now: datetime,
) -> None:
    """Amazon's verdict: live ``ACCEPTED`` -> ``accepted``, ``INVALID`` -> ``invalid``; a preview
    leaves the offer ``pending``, checked in ``preview`` mode."""
    if preview:
        status_sql, checked = "status", "preview"
    else:
        status_sql = "CASE WHEN $verdict = 'INVALID' THEN 'invalid' ELSE 'accepted' END"
        checked = None
    conn.execute(
        f"UPDATE core.listing_outbox SET status = {status_sql}, checked_mode = $checked, "
        "updated_at = $now, submission_id = $submission_id, last_verdict = $verdict, "
        "last_issues = $issues, last_request = $request, last_error = NULL "
        "WHERE change_id = $id",
        {
            "id": offer.change_id,
            "checked": checked,
            "now": now,
            "submission_id": verdict.submission_id,
            "verdict": verdict.status,
            "issues": "\n".join(verdict.issues) or None,
            "request": json.dumps(request),
        },
    )


def record_refusal(
    conn: duckdb.DuckDBPyConnection, offer: NewOffer, reason: str, *, now: datetime
) -> None:
    """An offer that cannot be sent as it is (e.g. a price a JSON number cannot carry exactly):
    ``invalid`` with the reason, like a refusal by Amazon."""
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'invalid', updated_at = $now, "
        "last_verdict = 'INVALID', last_issues = $reason WHERE change_id = $id",
        {"id": offer.change_id, "now": now, "reason": reason},
    )


def record_failure(
    conn: duckdb.DuckDBPyConnection,
    offer: NewOffer,
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
        "updated_at = $now, last_error = $error WHERE change_id = $id",
        {"id": offer.change_id, "now": now, "error": error[:2000], "counted": counted},
    )
    conn.execute(
        "UPDATE core.listing_outbox SET status = CASE WHEN attempts >= $max_attempts "
        "THEN 'failed' ELSE 'pending' END WHERE change_id = $id",
        {"id": offer.change_id, "max_attempts": max_attempts},
    )


def record_dry_run(
    conn: duckdb.DuckDBPyConnection, offer: NewOffer, request: dict[str, Any], *, now: datetime
) -> None:
    """What would have been sent, kept on the offer (still ``pending``, checked in ``dry_run``
    mode); no call is made."""
    conn.execute(
        "UPDATE core.listing_outbox SET checked_mode = 'dry_run', updated_at = $now, "
        "last_verdict = 'WOULD_SEND', last_request = $request WHERE change_id = $id",
        {"id": offer.change_id, "now": now, "request": json.dumps(request)},
    )
