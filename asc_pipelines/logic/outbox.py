"""The outbox: which listing changes Amazon still has to show, and where each one stands.

Issue 11, sections 2 and 3. ``core.listing_outbox`` holds one row per store, merchant-fulfilled
listing, attribute and value that ``core.desired_listings`` wants and the latest listings snapshot
(``raw.amazon_listings``) does not show, and, for a store with ``push.publish`` on, one ``offer``
row per Ready to List product to list on Amazon (see "New listings" below). Every tick, in one
transaction, after the desired state:

1. confirm: a change not yet confirmed or superseded whose value the snapshot now shows is
   ``confirmed`` (Amazon's ``ACCEPTED`` is not enough: only what Amazon shows counts);
2. supersede: a change whose value is no longer the desired one (the desired value moved on, the
   listing is gone, turned FBA or its price is withheld) is ``superseded``, whatever its status;
   so is an ``offer`` Amazon refused once the product's desired price or condition differs from
   the put Amazon refused (the offer's value is only the ASIN; the queue step starts a new one);
3. recover: a change left ``sent`` by an earlier tick (the process died between recording the
   send and recording the answer) is ``pending`` again: it carries the same value, so sending it
   once more leaves Amazon as sending it once. A change inside a ``JSON_LISTINGS_FEED`` that
   Amazon is still processing (``core.listing_feeds`` ``submitted``) stays ``sent``: the feed's
   processing report settles it;
4. resend: a change ``accepted`` by Amazon whose value a listings snapshot taken at least
   ``push.resend_after_minutes`` after its last send still does not show (a sale right after the
   patch landed, a patch Amazon dropped) is ``pending`` again, to be sent once more with the value
   the desired state holds at send time (the same value: a different one superseded it in step
   2); its attempts keep counting, and once ``push.max_attempts`` sends were made it is
   ``failed`` instead;
5. queue: every difference without a live change of the same idempotency key (store, SKU,
   attribute, value) becomes a ``pending`` change, unless the last confirmation of that value is
   not older than the snapshot (a snapshot that has not caught up is not a new difference);
6. refuse: an ``offer`` whose seller SKU Amazon would not take is ``invalid`` (``last_verdict``
   ``REFUSED``, the reason in ``last_issues``) without being sent, and ``pending`` again once the
   reason is gone (the listing that held the SKU was deleted).

New listings (``publish: true``): a Ready to List product of ``core.desired_listings`` with an
ASIN, a price (not withheld) and a quantity above 0 is an ``offer`` change: ``seller_sku`` is the
product's Magento SKU (Amazon Sales Channel lists a product under its Magento SKU), ``value`` the
ASIN. It is confirmed when a listings snapshot shows that seller SKU on that ASIN, superseded when
the product is no longer Ready to List with that ASIN (listed some other way, out of stock, its
price withheld) or the store's ``publish`` was turned off. Refused before sending: a Magento SKU
Amazon would not take as a seller SKU (more than 40 characters, leading or trailing spaces) or one
already used by a listing of another ASIN. Offers are queued only for stores with ``publish`` on
(whatever their ``push.mode``: an ``off`` store with ``publish`` on shows what it would list):
with ``publish`` off nothing is on its way, so no offer may wait as ``pending`` in a ``live``
store (a ``slow_sync`` warning, a latency that never ends). Their quantity, price and condition
are read from ``core.desired_listings`` when they are sent (``logic/publishing.py``); a put
replaces the whole offer, so an offer sent again (recovered, resent) carries the values desired
then, never older ones.

Quantities of listings fulfilled by Amazon are Amazon's and are never queued; FBA listings get no
rows at all (their prices are a later step). Prices differ when they are more than
``sync_issues.price_tolerance`` apart, as ``price_mismatch`` judges them, so the outbox and the
mismatch issues agree. Rows are kept for every store whatever its ``push.mode``: a store that is
``off`` shows what it would send and sends nothing (the sending step reads the mode). Priority:
a quantity dropping to 0 first (overselling), then other quantities, then prices, then new
listings.

Times are the tick's, by the sources' clock, passed in by the caller. No Dagster here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from asc_pipelines.config import PushSettings

TABLE = "core.listing_outbox"
ATTRIBUTES = ("quantity", "price", "offer")
STATUSES = ("pending", "sent", "accepted", "invalid", "confirmed", "superseded", "failed")
# A change in one of these statuses may still need Amazon to show it.
LIVE_STATUSES = ("pending", "sent", "accepted", "invalid", "failed")
PRIORITY_QUANTITY_TO_ZERO, PRIORITY_QUANTITY, PRIORITY_PRICE, PRIORITY_OFFER = 0, 1, 2, 3
# An Amazon seller SKU is at most 40 characters (Amazon's seller SKU rule).
MAX_SELLER_SKU_LENGTH = 40
# last_verdict of an offer the pipeline refused to send (its seller SKU), not Amazon's answer.
REFUSED = "REFUSED"

_LIVE = ", ".join(f"'{status}'" for status in LIVE_STATUSES)

# What each merchant-fulfilled listing should show and whether the snapshot shows it.
_WANTED_SQL = """
CREATE OR REPLACE TEMP TABLE outbox_wanted AS
WITH listed AS (
    SELECT d.store_id, d.seller_sku, d.quantity AS desired_qty, d.price AS desired_price,
        l.quantity AS amazon_qty, l.price AS amazon_price, l.snapshot_at
    FROM core.desired_listings d
    JOIN raw.amazon_listings l ON l.store_id = d.store_id AND l.seller_sku = d.seller_sku
    WHERE d.seller_sku IS NOT NULL
        AND upper(d.fulfillment_channel) = 'DEFAULT'
        AND upper(coalesce(l.fulfillment_channel, 'DEFAULT')) = 'DEFAULT'
)
SELECT store_id, seller_sku, 'quantity' AS attribute, CAST(desired_qty AS VARCHAR) AS value,
    CAST(amazon_qty AS VARCHAR) AS amazon_value,
    coalesce(amazon_qty = desired_qty, false) AS shown,
    CASE WHEN desired_qty = 0 THEN $to_zero ELSE $quantity END AS priority, snapshot_at,
    CAST(NULL AS VARCHAR) AS refusal
FROM listed WHERE desired_qty IS NOT NULL
UNION ALL
SELECT store_id, seller_sku, 'price', CAST(desired_price AS VARCHAR), CAST(amazon_price AS VARCHAR),
    coalesce(abs(amazon_price - desired_price) <= $tolerance, false), $price, snapshot_at, NULL
FROM listed WHERE desired_price IS NOT NULL
UNION ALL
-- New listings: Ready to List products of the stores that publish, under their Magento SKU.
SELECT d.store_id, d.magento_sku, 'offer', upper(trim(d.asin)), l.asin,
    coalesce(upper(trim(l.asin)) = upper(trim(d.asin)), false), $offer, s.snapshot_at,
    CASE WHEN length(d.magento_sku) > $max_sku_length
            THEN 'Magento SKU ' || d.magento_sku || ' is ' || length(d.magento_sku)
                || ' characters long; an Amazon seller SKU has at most ' || $max_sku_length
                || ': not listed'
        WHEN d.magento_sku <> trim(d.magento_sku)
            THEN 'Magento SKU "' || d.magento_sku || '" begins or ends with a space, which '
                || 'an Amazon seller SKU cannot: not listed'
        WHEN l.seller_sku IS NOT NULL
            THEN 'seller SKU ' || d.magento_sku || ' is already the listing of ASIN '
                || coalesce(nullif(l.asin, ''), '(none)') || ', not of '
                || upper(trim(d.asin)) || ': not listed'
    END
FROM core.desired_listings d
LEFT JOIN raw.amazon_listings l ON l.store_id = d.store_id AND l.seller_sku = d.magento_sku
LEFT JOIN (
    SELECT store_id, max(snapshot_at) AS snapshot_at FROM raw.amazon_listings GROUP BY store_id
) s ON s.store_id = d.store_id
WHERE d.seller_sku IS NULL AND d.status = 'ready_to_list' AND nullif(trim(d.asin), '') IS NOT NULL
    AND d.price IS NOT NULL AND d.quantity > 0 AND list_contains($publishing, d.store_id)
"""

# Whether the current snapshot shows a change's own value (not necessarily the desired one).
_SHOWS_SQL = """
    SELECT 1 FROM raw.amazon_listings l
    WHERE l.store_id = o.store_id AND l.seller_sku = o.seller_sku
        AND upper(coalesce(l.fulfillment_channel, 'DEFAULT')) = 'DEFAULT'
        AND CASE o.attribute
            WHEN 'quantity' THEN l.quantity = TRY_CAST(o.value AS BIGINT)
            WHEN 'price' THEN abs(l.price - TRY_CAST(o.value AS DECIMAL(18, 4))) <= $tolerance
            WHEN 'offer' THEN upper(trim(l.asin)) = o.value
            ELSE false END
"""

_CONFIRM_SQL = f"""
UPDATE core.listing_outbox o SET status = 'confirmed', confirmed_at = $now, updated_at = $now
WHERE o.status IN ({_LIVE}) AND EXISTS ({_SHOWS_SQL})
"""

_SUPERSEDE_SQL = f"""
UPDATE core.listing_outbox o SET status = 'superseded', updated_at = $now
WHERE o.status IN ({_LIVE}) AND NOT EXISTS (
    SELECT 1 FROM outbox_wanted w
    WHERE w.store_id = o.store_id AND w.seller_sku = o.seller_sku
        AND w.attribute = o.attribute AND w.value = o.value
)
"""

# An offer Amazon refused was judged with the price and condition it carried (its value is only
# the ASIN): once the product's desired price or condition differs from the refused put's, the
# refusal is settled (superseded) and the queue step starts a new offer. A quantity change alone
# does not: any quantity above 0 is one Amazon takes.
_SUPERSEDE_REFUSED_OFFER_SQL = """
UPDATE core.listing_outbox o SET status = 'superseded', updated_at = $now
FROM outbox_wanted w, core.desired_listings d
WHERE o.attribute = 'offer' AND o.status = 'invalid' AND o.last_verdict = 'INVALID'
    AND o.last_request IS NOT NULL
    AND w.store_id = o.store_id AND w.seller_sku = o.seller_sku AND w.attribute = 'offer'
    AND w.value = o.value
    AND d.store_id = o.store_id AND d.magento_sku = o.seller_sku AND d.seller_sku IS NULL
    AND d.status = 'ready_to_list'
    AND (d.condition_type IS DISTINCT FROM coalesce(json_extract_string(o.last_request,
            '$.attributes.condition_type[0].value'), d.condition_type)
        OR coalesce(abs(d.price - TRY_CAST(json_extract_string(o.last_request,
            '$.attributes.purchasable_offer[0].our_price[0].schedule[0].value_with_tax')
            AS DECIMAL(18, 4))) > $tolerance, false))
"""

_RECOVER_SQL = """
UPDATE core.listing_outbox o SET status = 'pending', updated_at = $now
WHERE o.status = 'sent' AND NOT EXISTS (
    SELECT 1 FROM core.listing_feed_messages m
    JOIN core.listing_feeds f ON f.feed_ref = m.feed_ref
    WHERE f.status = 'submitted' AND list_contains(m.change_ids, o.change_id)
)
"""

# Each store's resend_after_minutes and max_attempts, for every store in the outbox (a store not
# passed gets the defaults).
_PUSH_SETTINGS_SQL = """
CREATE OR REPLACE TEMP TABLE outbox_push_settings AS
WITH passed AS (
    SELECT unnest(CAST($stores AS VARCHAR[])) AS store_id,
        unnest(CAST($resend_after AS INTEGER[])) AS resend_after_minutes,
        unnest(CAST($max_attempts AS INTEGER[])) AS max_attempts
)
SELECT o.store_id,
    coalesce(p.resend_after_minutes, $default_resend_after) AS resend_after_minutes,
    coalesce(p.max_attempts, $default_max_attempts) AS max_attempts
FROM (SELECT DISTINCT store_id FROM core.listing_outbox) o
LEFT JOIN passed p ON p.store_id = o.store_id
"""

_RESEND_SQL = f"""
UPDATE core.listing_outbox o
SET status = CASE WHEN o.attempts >= s.max_attempts THEN 'failed' ELSE 'pending' END,
    last_error = CASE WHEN o.attempts >= s.max_attempts
        THEN 'Amazon accepted it but no listings snapshot ' || s.resend_after_minutes
            || ' minutes after the last send showed it'
        ELSE o.last_error END,
    updated_at = $now
FROM outbox_push_settings s
WHERE s.store_id = o.store_id AND o.status = 'accepted' AND o.sent_at IS NOT NULL
    AND EXISTS (
        -- a snapshot of the listing, or of the store for a new listing (not in any snapshot yet)
        SELECT 1 FROM raw.amazon_listings l
        WHERE l.store_id = o.store_id AND (l.seller_sku = o.seller_sku OR o.attribute = 'offer')
            AND l.snapshot_at >= o.sent_at + to_minutes(s.resend_after_minutes)
    )
    AND NOT EXISTS ({_SHOWS_SQL})
"""

_QUEUE_SQL = f"""
INSERT INTO core.listing_outbox (change_id, idempotency_key, store_id, seller_sku, attribute,
    value, amazon_value, priority, status, attempts, first_seen_at, updated_at, last_verdict,
    last_issues)
SELECT md5(key || '|' || CAST($now AS VARCHAR)), key, store_id, seller_sku, attribute, value,
    amazon_value, priority, CASE WHEN refusal IS NULL THEN 'pending' ELSE 'invalid' END, 0, $now,
    $now, CASE WHEN refusal IS NOT NULL THEN $refused END, refusal
FROM (
    SELECT *, md5(concat_ws('|', store_id, seller_sku, attribute, value)) AS key
    FROM outbox_wanted WHERE NOT shown
) w
WHERE NOT EXISTS (
    SELECT 1 FROM core.listing_outbox o
    WHERE o.idempotency_key = w.key
        AND (o.status IN ({_LIVE}) OR (o.status = 'confirmed' AND o.confirmed_at >= w.snapshot_at))
)
"""


# An offer refused before sending is judged again every tick: refused while its seller SKU is not
# one Amazon would take, pending again once it is.
_REFUSE_SQL = """
UPDATE core.listing_outbox o
SET status = CASE WHEN w.refusal IS NULL THEN 'pending' ELSE 'invalid' END,
    last_verdict = CASE WHEN w.refusal IS NULL THEN NULL ELSE $refused END,
    last_issues = w.refusal, amazon_value = w.amazon_value, updated_at = $now
FROM outbox_wanted w
WHERE w.store_id = o.store_id AND w.seller_sku = o.seller_sku AND w.attribute = o.attribute
    AND w.value = o.value AND o.attribute = 'offer'
    AND ((o.status = 'pending' AND w.refusal IS NOT NULL)
        OR (o.status = 'invalid' AND o.last_verdict = $refused
            AND w.refusal IS DISTINCT FROM o.last_issues))
"""


@dataclass(frozen=True)
class OutboxTick:
    """What one tick did to the outbox, and the live changes per store and status after it."""

    confirmed: int
    superseded: int
    queued: int
    by_store: dict[str, dict[str, int]]


def _changed(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def refresh_outbox(
    conn: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    price_tolerance: Decimal,
    push: Mapping[str, PushSettings] | None = None,
) -> OutboxTick:
    """Confirm, supersede, recover, resend, queue and refuse (module docstring); the caller owns
    the transaction. ``push``: each store's push settings (a store not named gets the defaults:
    no new listings queued)."""
    push = push or {}
    tolerance = {"tolerance": price_tolerance}
    conn.execute(
        _WANTED_SQL,
        {
            **tolerance,
            "to_zero": PRIORITY_QUANTITY_TO_ZERO,
            "quantity": PRIORITY_QUANTITY,
            "price": PRIORITY_PRICE,
            "offer": PRIORITY_OFFER,
            "max_sku_length": MAX_SELLER_SKU_LENGTH,
            "publishing": [store_id for store_id, settings in push.items() if settings.publish],
        },
    )
    confirmed = _changed(conn, _CONFIRM_SQL, {**tolerance, "now": now})
    superseded = _changed(conn, _SUPERSEDE_SQL, {"now": now})
    superseded += _changed(conn, _SUPERSEDE_REFUSED_OFFER_SQL, {**tolerance, "now": now})
    conn.execute(_RECOVER_SQL, {"now": now})
    conn.execute(
        _PUSH_SETTINGS_SQL,
        {
            "stores": list(push),
            "resend_after": [settings.resend_after_minutes for settings in push.values()],
            "max_attempts": [settings.max_attempts for settings in push.values()],
            "default_resend_after": PushSettings().resend_after_minutes,
            "default_max_attempts": PushSettings().max_attempts,
        },
    )
    conn.execute(_RESEND_SQL, {**tolerance, "now": now})
    queued = _changed(conn, _QUEUE_SQL, {"now": now, "refused": REFUSED})
    conn.execute(_REFUSE_SQL, {"now": now, "refused": REFUSED})
    conn.execute("DROP TABLE outbox_wanted")
    conn.execute("DROP TABLE outbox_push_settings")
    return OutboxTick(confirmed, superseded, queued, outbox_counts(conn))


def outbox_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Changes per store and status ({store_id: {status: count}}), every status included."""
    found: dict[str, dict[str, int]] = {}
    rows = conn.execute(f"SELECT store_id, status, count(*) FROM {TABLE} GROUP BY ALL").fetchall()
    for store_id, status, count in rows:
        found.setdefault(store_id, dict.fromkeys(STATUSES, 0))[status] = int(count)
    return found
