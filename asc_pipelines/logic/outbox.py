"""The outbox: which listing changes Amazon still has to show, and where each one stands.

Issue 11, section 2. ``core.listing_outbox`` holds one row per store, merchant-fulfilled listing,
attribute and value that ``core.desired_listings`` wants and the latest listings snapshot
(``raw.amazon_listings``) does not show. Every tick, in one transaction, after the desired state:

1. confirm: a change not yet confirmed or superseded whose value the snapshot now shows is
   ``confirmed`` (Amazon's ``ACCEPTED`` is not enough: only what Amazon shows counts);
2. supersede: a change whose value is no longer the desired one (the desired value moved on, the
   listing is gone, turned FBA or its price is withheld) is ``superseded``, whatever its status;
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
   not older than the snapshot (a snapshot that has not caught up is not a new difference).

Quantities of listings fulfilled by Amazon are Amazon's and are never queued; FBA listings get no
rows at all (their prices are a later step). Prices differ when they are more than
``sync_issues.price_tolerance`` apart, as ``price_mismatch`` judges them, so the outbox and the
mismatch issues agree. Rows are kept for every store whatever its ``push.mode``: a store that is
``off`` shows what it would send and sends nothing (the sending step reads the mode). Priority:
a quantity dropping to 0 first (overselling), then other quantities, then prices.

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
ATTRIBUTES = ("quantity", "price")
STATUSES = ("pending", "sent", "accepted", "invalid", "confirmed", "superseded", "failed")
# A change in one of these statuses may still need Amazon to show it.
LIVE_STATUSES = ("pending", "sent", "accepted", "invalid", "failed")
PRIORITY_QUANTITY_TO_ZERO, PRIORITY_QUANTITY, PRIORITY_PRICE = 0, 1, 2

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
    CASE WHEN desired_qty = 0 THEN $to_zero ELSE $quantity END AS priority, snapshot_at
FROM listed WHERE desired_qty IS NOT NULL
UNION ALL
SELECT store_id, seller_sku, 'price', CAST(desired_price AS VARCHAR), CAST(amazon_price AS VARCHAR),
    coalesce(abs(amazon_price - desired_price) <= $tolerance, false), $price, snapshot_at
FROM listed WHERE desired_price IS NOT NULL
"""

# Whether the current snapshot shows a change's own value (not necessarily the desired one).
_SHOWS_SQL = """
    SELECT 1 FROM raw.amazon_listings l
    WHERE l.store_id = o.store_id AND l.seller_sku = o.seller_sku
        AND upper(coalesce(l.fulfillment_channel, 'DEFAULT')) = 'DEFAULT'
        AND CASE o.attribute
            WHEN 'quantity' THEN l.quantity = CAST(o.value AS BIGINT)
            ELSE abs(l.price - CAST(o.value AS DECIMAL(18, 4))) <= $tolerance END
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
        SELECT 1 FROM raw.amazon_listings l
        WHERE l.store_id = o.store_id AND l.seller_sku = o.seller_sku
            AND l.snapshot_at >= o.sent_at + to_minutes(s.resend_after_minutes)
    )
    AND NOT EXISTS ({_SHOWS_SQL})
"""

_QUEUE_SQL = f"""
INSERT INTO core.listing_outbox (change_id, idempotency_key, store_id, seller_sku, attribute,
    value, amazon_value, priority, status, attempts, first_seen_at, updated_at)
SELECT md5(key || '|' || CAST($now AS VARCHAR)), key, store_id, seller_sku, attribute, value,
    amazon_value, priority, 'pending', 0, $now, $now
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
    """Confirm, supersede, recover, resend and queue (module docstring); the caller owns the
    transaction. ``push``: each store's push settings (a store not named gets the defaults)."""
    push = push or {}
    tolerance = {"tolerance": price_tolerance}
    conn.execute(
        _WANTED_SQL,
        {
            **tolerance,
            "to_zero": PRIORITY_QUANTITY_TO_ZERO,
            "quantity": PRIORITY_QUANTITY,
            "price": PRIORITY_PRICE,
        },
    )
    confirmed = _changed(conn, _CONFIRM_SQL, {**tolerance, "now": now})
    superseded = _changed(conn, _SUPERSEDE_SQL, {"now": now})
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
    queued = _changed(conn, _QUEUE_SQL, {"now": now})
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
