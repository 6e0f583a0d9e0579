"""Publishing Ready to List products: which new listings go out this tick, and what is recorded
around each call.

Issue 11, section 3, ``push.publish``. The outbox (``logic/outbox.py``) holds an ``offer`` change
per Ready to List product of a publishing store: seller SKU the Magento SKU, value the ASIN. Here,
per store, the ``pending`` ones go out oldest first, at most ``limit`` a tick, each as one
``putListingsItem`` with ``requirements=LISTING_OFFER_ONLY``. What is sent (the ASIN, the
condition, the quantity, the price) is read from ``core.desired_listings`` at send time: an offer
whose product is no longer Ready to List with that ASIN, a price and a quantity above 0 is
``superseded`` here and not sent.

The statuses mean what they mean for quantity and price changes, recorded by the same functions of
``logic/pushes.py``: ``record_sending`` before a live call (``sent``, one more attempt, ``sent_at``;
committed before the request leaves, so a process killed during the call leaves a ``sent`` offer the
next tick sends again: putting the same offer twice lists it once), then ``record_answer``
(``ACCEPTED`` -> ``accepted``, confirmed only when a listings snapshot shows the seller SKU on that
ASIN; ``INVALID`` -> ``invalid`` with Amazon's issues, a ``push_rejected`` sync issue, not sent
again until the product's ASIN, price or condition changes: then the outbox starts a new offer) or
``record_failure`` (back to ``pending``, or ``failed`` after ``max_attempts``). A dry run
(``record_dry_run``) and a preview (``record_answer`` with ``preview=True``) leave the offer
``pending``, checked in that mode, so each mode looks at an offer once. ``record_refusal``: an offer
that cannot be sent as it is, ``invalid`` like a refusal by Amazon.

No Dagster here, and no HTTP: the calls are ``asc_pipelines.sync.publishing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

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

    @property
    def change_ids(self) -> tuple[str, ...]:
        """The one outbox change this offer settles (``logic.pushes.record_*`` take it)."""
        return (self.change_id,)


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
