"""Sync issues: problems between Amazon and Magento, kept as issues that open, persist, resolve.

Issue 4, section 2. Every tick computes the current problems from the warehouse as it stands, then
updates ``core.sync_issues`` in a few set-based statements: issues still present get
``last_seen_at`` (and their detail) refreshed, open issues no longer present get ``resolved_at``,
problems without an open issue open a new one, and mismatches open long enough escalate. Each
opening, escalation and resolution is appended to ``core.sync_issue_events`` under an
ever-growing ``event_id``, which is what the alerting sensor follows. An issue is identified by
``(store_id, kind, subject)`` while it is open; its ``issue_id`` is the md5 of
``store_id|kind|subject|first_seen_at``, so it is stable across ticks, and a problem that comes back
after being resolved is a new issue with a new id.

Kinds (each from current data every tick):

- ``price_mismatch``: an active (``core.listing_status``), merchant-fulfilled (``DEFAULT`` or no
  channel) listing whose Amazon price differs from the price it should show
  (``core.desired_listings.price``, in the marketplace currency) by more than ``price_tolerance``
  (absolute, strictly more). Skipped when either price is unknown or withheld.
- ``quantity_mismatch``: such a listing whose Amazon quantity differs from
  ``core.desired_listings.quantity``; skipped when either is unknown. A listing the desired state
  has no row for yet (``desired_listings`` never materialized since an upgrade, or not since the
  listing appeared) is not judged: its open mismatches are kept as they are and none opens, so
  materializing ``sync_issues`` alone never resolves them wholesale.
- ``price_out_of_bounds``: a row of ``core.desired_listings`` whose calculated price lies outside
  the store's ``price.minimum_price`` / ``price.maximum_price``, so no price is sent; subject: the
  seller SKU, or ``"<magento sku> (ready to list)"`` for a product not listed yet.
- ``push_rejected``: a change of ``core.listing_outbox`` Amazon answered ``INVALID`` (it stays
  ``invalid``, not resent, until the desired value changes or Amazon shows it); subject
  ``"<seller sku> <attribute>"``, the detail Amazon's issues. In ``preview``, a change Amazon's
  validation answered ``INVALID`` is one too ("Amazon would refuse (preview)"): what going live
  would be refused, said before it is.
- ``push_failed``: a change given up after ``push.max_attempts`` sends: calls that kept failing,
  or sends Amazon accepted but no later listings snapshot showed.
  Both cover new listings of Ready to List products too (attribute ``offer``, subject
  ``"<magento sku> offer"``); an offer the pipeline would not send (its SKU is not one Amazon
  takes, or another ASIN's listing holds it) is a ``push_rejected`` that says "not sent".
- ``slow_sync``: a change of a store whose ``push.mode`` is ``live`` that Amazon has not shown
  more than ``slow_sync_minutes`` after the tick that first saw it, while it is ``pending``,
  ``sent`` or ``accepted`` (``invalid`` and ``failed`` have their own errors); subject
  ``"<seller sku> <attribute>"``. It resolves when the change is confirmed or superseded. Stores
  that do not send (``off``, ``dry_run``, ``preview``) never have one: nothing is on its way.
  It stays a warning: a change that cannot go out is already an error of its own, and the
  listing's mismatch escalates after ``escalate_after_minutes``.
- ``unmatched_listing`` / ``ambiguous_match``: ``new_third_party`` listings with reason
  ``no_catalog_match`` / ``ambiguous_match``.
- ``amazon_listing_error``: a listing with at least one ERROR-severity Amazon issue (one issue per
  listing; the detail lists the codes and messages).
- ``invalid_identifier``: a row of ``core.identifier_problems`` (store ``magento`` for Magento
  products); subject ``"<sku> <attribute>"``.
- ``stale_store``: a configured store whose last successful listings snapshot
  (``raw.amazon_listing_snapshots``, or an ``ok`` ``amazon_listings`` row in ``raw.store_fetches``)
  is more than ``stale_store_minutes`` before the tick; a store that never had one counts from its
  first recorded attempt (a store never attempted has no issue yet).
- ``api_failure``: at least ``api_failure_threshold`` rows of ``raw.api_errors`` for one store and
  operation within the ``api_failure_window_minutes`` before the tick (subject: the operation);
  calls a tick did not make (``TickLimitReached``: its deadline passed or a breaker was open) are
  not failures of the operation.

Severity rule: ``error`` for ``amazon_listing_error``, ``stale_store``, ``api_failure``,
``price_out_of_bounds``, ``push_rejected`` and ``push_failed`` (the store or listing is not
selling or not syncing, or a change cannot be sent); ``warning`` for everything else, except
that a ``price_mismatch`` or ``quantity_mismatch`` open for at least ``escalate_after_minutes``
of tick time escalates to ``error``, and ``escalated_at`` records the tick that escalated it.
Severity is a function of ``kind`` and ``escalated_at`` alone (:data:`SEVERITY_SQL`, built from
:data:`ERROR_KINDS` and :data:`ESCALATING_KINDS`), so the stored severity always agrees with it.

All times are the tick's time by the sources' clock, passed in by the caller; nothing here reads
the machine's clock. No Dagster here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources

import duckdb

from asc_pipelines.config import SyncIssueSettings
from asc_pipelines.logic.desired_listings import OUT_OF_BOUNDS_REASONS
from asc_pipelines.warehouse.counts import counts_by_key
from asc_pipelines.warehouse.source_clock import Rewind, SourceClockWentBack

KINDS = (
    "price_mismatch",
    "quantity_mismatch",
    "unmatched_listing",
    "ambiguous_match",
    "amazon_listing_error",
    "invalid_identifier",
    "stale_store",
    "api_failure",
    "price_out_of_bounds",
    "push_rejected",
    "push_failed",
    "slow_sync",
)
ERROR_KINDS = (
    "amazon_listing_error",
    "stale_store",
    "api_failure",
    "price_out_of_bounds",
    "push_rejected",
    "push_failed",
)
ESCALATING_KINDS = ("price_mismatch", "quantity_mismatch")
SCHEMA_FILE = "sync_issues.sql"


@dataclass
class SyncIssueTick:
    """What one tick did to ``core.sync_issues``."""

    opened: int
    resolved: int
    escalated: int
    # Open issues after the tick: {store_id: {kind: count}}.
    open_by_store: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def open_total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.open_by_store.values())


def sync_issue_schema_sql() -> str:
    """The DDL of ``core.sync_issues``, with a COMMENT on the table and every column."""
    return resources.files("asc_pipelines.warehouse").joinpath(SCHEMA_FILE).read_text("utf-8")


def ensure_sync_issue_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create ``core.sync_issues`` if it does not exist yet; existing issues are untouched."""
    conn.execute(sync_issue_schema_sql())


def money(column: str) -> str:
    """SQL showing a price as merchants read it: two decimals when it has no more, else all."""
    return (
        f"CASE WHEN {column} = round({column}, 2) "
        f"THEN CAST(CAST({column} AS DECIMAL(18, 2)) AS VARCHAR) ELSE CAST({column} AS VARCHAR) END"
    )


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Current problems, one row per (store_id, kind, subject). ``$stores`` NULL = every store.
_CURRENT_SQL = f"""
CREATE OR REPLACE TEMP TABLE sync_issue_current AS
WITH active_fbm AS (
    -- Compared with core.desired_listings only (issue 11: one definition of what Amazon should
    -- show; Magento's own price would flag every listing of a store selling in another currency).
    SELECT s.store_id, s.seller_sku, s.magento_sku,
        l.price AS amazon_price,
        -- The price desired_listings started from (the website's, with price_scope website).
        coalesce(d.magento_price, p.price) AS magento_price, d.magento_currency,
        l.quantity AS amazon_qty,
        d.quantity AS desired_qty,
        d.price AS desired_price,
        d.currency,
        d.store_id IS NOT NULL AS desired_known
    FROM core.listing_status s
    JOIN raw.amazon_listings l ON l.store_id = s.store_id AND l.seller_sku = s.seller_sku
    JOIN raw.magento_products p ON p.sku = s.magento_sku
    LEFT JOIN core.desired_listings d
        ON d.store_id = s.store_id AND d.seller_sku = s.seller_sku
    WHERE s.status = 'active' AND s.seller_sku IS NOT NULL AND s.magento_sku IS NOT NULL
        AND upper(coalesce(l.fulfillment_channel, 'DEFAULT')) = 'DEFAULT'
),
listing_errors AS (
    SELECT store_id, seller_sku,
        string_agg(coalesce(nullif(trim(code), ''), '?') || ': ' || coalesce(message, ''), '; '
            ORDER BY code, message) AS detail
    FROM raw.amazon_listing_issues
    WHERE upper(severity) = 'ERROR'
    GROUP BY store_id, seller_sku
),
last_snapshot AS (
    SELECT store_id, max(ok_at) AS last_ok FROM (
        SELECT store_id, snapshot_at AS ok_at FROM raw.amazon_listing_snapshots
        UNION ALL
        SELECT store_id, finished_at FROM raw.store_fetches
        WHERE dataset = 'amazon_listings' AND outcome = 'ok'
    ) GROUP BY store_id
),
first_attempt AS (
    SELECT store_id, min(finished_at) AS first_at FROM raw.store_fetches
    WHERE dataset = 'amazon_listings' GROUP BY store_id
),
failures AS (
    SELECT coalesce(store_id, 'magento') AS store_id, operation, count(*) AS failures,
        arg_max(coalesce(CAST(http_status AS VARCHAR) || ' ', '') || coalesce(code || ': ', '')
            || coalesce(message, ''), occurred_at) AS last_message,
        max(occurred_at) AS last_at
    FROM raw.api_errors
    WHERE occurred_at > $failure_since AND occurred_at <= $now
        -- A call the tick did not make (deadline passed, breaker open) is not a failed call.
        AND code IS DISTINCT FROM 'TickLimitReached'
    GROUP BY ALL
    HAVING count(*) >= $failure_threshold
),
problems AS (
    SELECT store_id, 'price_mismatch' AS kind, seller_sku AS sku, seller_sku AS subject,
        'Amazon price ' || CAST(amazon_price AS VARCHAR)
            || CASE WHEN desired_price = magento_price
                THEN ', Magento price ' || {money("magento_price")}
                    || coalesce(' ' || magento_currency, '') || ' (product '
                ELSE ', should be ' || {money("desired_price")} || ' ' || currency
                    || ' (Magento price ' || {money("magento_price")}
                    || coalesce(' ' || magento_currency, '') || ', product ' END
            || magento_sku || ')' AS detail
    FROM active_fbm
    WHERE abs(amazon_price - desired_price) > $tolerance
    UNION ALL
    SELECT store_id, 'quantity_mismatch', seller_sku, seller_sku,
        'Amazon quantity ' || amazon_qty || ', should be ' || desired_qty
            || ' (product ' || magento_sku || ')'
    FROM active_fbm
    WHERE amazon_qty <> desired_qty
    UNION ALL
    -- A listing desired_listings has no row for (it never ran since an upgrade, or sync_issues
    -- was materialized alone after the statuses changed) is not judged: its open mismatches
    -- stay as they are, none is opened, and none is resolved for want of a desired value.
    SELECT i.store_id, i.kind, i.sku, i.subject, i.detail
    FROM core.sync_issues i
    JOIN active_fbm a ON a.store_id = i.store_id AND a.seller_sku = i.subject
    WHERE i.resolved_at IS NULL AND NOT a.desired_known
        AND i.kind IN ('price_mismatch', 'quantity_mismatch')
    UNION ALL
    SELECT store_id, 'price_out_of_bounds', coalesce(seller_sku, magento_sku),
        coalesce(seller_sku, magento_sku || ' (ready to list)'),
        'price ' || {money("calculated_price")} || ' ' || currency || ' is '
            || CASE price_withheld_reason WHEN 'below_minimum_price' THEN 'below the minimum '
                ELSE 'above the maximum ' END
            || 'price; not sent (Magento price ' || {money("magento_price")}
            || coalesce(' ' || magento_currency, '') || ', product ' || magento_sku || ')'
    FROM core.desired_listings
    WHERE price_withheld_reason IN ({_sql_list(OUT_OF_BOUNDS_REASONS)})
    UNION ALL
    SELECT store_id, CASE status WHEN 'failed' THEN 'push_failed' ELSE 'push_rejected' END,
        seller_sku, seller_sku || ' ' || attribute,
        CASE WHEN status = 'invalid' AND last_verdict = 'REFUSED' THEN 'not sent: '
            WHEN status = 'invalid' THEN 'Amazon refused '
            WHEN status = 'pending' THEN 'Amazon would refuse (preview) '
            ELSE 'gave up sending ' END
            || CASE attribute WHEN 'offer' THEN 'new listing on ASIN ' || value
                ELSE attribute || ' ' || value END
            || ' (Amazon shows ' || coalesce(amazon_value, 'none') || '): '
            -- a refusal's reason is Amazon's issues; a give-up's is why it stopped (a failing
            -- call, or sends Amazon accepted but never showed), not an earlier answer's warnings
            || CASE status WHEN 'failed' THEN coalesce(last_error, last_issues, 'no reason given')
                ELSE coalesce(last_issues, last_error, 'no reason given') END
            || CASE status WHEN 'failed' THEN ' (' || attempts || ' attempts)' ELSE '' END
    FROM core.listing_outbox
    -- A preview Amazon answered INVALID is what going live would be refused: said now.
    WHERE status IN ('invalid', 'failed')
        OR (status = 'pending' AND checked_mode = 'preview' AND last_verdict = 'INVALID')
    UNION ALL
    SELECT store_id, 'slow_sync', seller_sku, seller_sku || ' ' || attribute,
        attribute || ' ' || value || ' not shown by Amazon '
            || CAST(CAST(floor((epoch($now) - epoch(first_seen_at)) / 60) AS BIGINT) AS VARCHAR)
            || ' minutes after it was first seen (' || status
            || CASE attempts WHEN 0 THEN ', not sent yet' WHEN 1 THEN ', sent once'
                ELSE ', sent ' || attempts || ' times' END
            || '; Amazon shows ' || coalesce(amazon_value, 'none') || ')'
    FROM core.listing_outbox
    WHERE status IN ('pending', 'sent', 'accepted') AND first_seen_at < $slow_before
        AND list_contains($live_stores, store_id)
    UNION ALL
    SELECT store_id,
        CASE reason_code WHEN 'no_catalog_match' THEN 'unmatched_listing'
            ELSE 'ambiguous_match' END,
        seller_sku, seller_sku,
        CASE reason_code
            WHEN 'no_catalog_match' THEN 'listing ' || seller_sku
                || coalesce(' (ASIN ' || asin || ')', '') || ' matches no Magento product'
            ELSE coalesce(reason_detail, 'several Magento products match') END
    FROM core.listing_status
    WHERE status = 'new_third_party' AND seller_sku IS NOT NULL
        AND reason_code IN ('no_catalog_match', 'ambiguous_match')
    UNION ALL
    SELECT store_id, 'amazon_listing_error', seller_sku, seller_sku, detail FROM listing_errors
    UNION ALL
    SELECT coalesce(store_id, 'magento'), 'invalid_identifier', sku, sku || ' ' || attribute,
        CASE WHEN store_id IS NULL THEN 'Magento product ' ELSE 'Amazon listing ' END
            || sku || ' ' || attribute || ' ' || coalesce('''' || value || '''', '(empty)')
            || ': ' || problem
    FROM core.identifier_problems
    UNION ALL
    SELECT f.store_id, 'stale_store', NULL, 'amazon_listings',
        CASE WHEN s.last_ok IS NULL
            THEN 'no successful listings snapshot yet (first attempt ' || f.first_at || ')'
            ELSE 'last successful listings snapshot ' || s.last_ok END
    FROM first_attempt f
    LEFT JOIN last_snapshot s USING (store_id)
    WHERE coalesce(s.last_ok, f.first_at) < $stale_before
    UNION ALL
    SELECT store_id, 'api_failure', NULL, operation,
        operation || ' failed ' || failures || ' times in the last ' || $window_minutes
            || ' minutes; last (' || last_at || '): ' || last_message
    FROM failures
)
SELECT store_id, kind, any_value(sku) AS sku, subject, min(detail) AS detail
FROM problems
WHERE $stores IS NULL OR store_id = 'magento' OR list_contains($stores, store_id)
GROUP BY store_id, kind, subject
"""


# The one severity rule (module docstring): what an issue's row says and what the data implies
# never disagree, because every statement below derives severity from this expression alone.
SEVERITY_SQL = f"""
CASE
    WHEN kind IN ({_sql_list(ERROR_KINDS)}) THEN 'error'
    WHEN kind IN ({_sql_list(ESCALATING_KINDS)}) AND escalated_at IS NOT NULL THEN 'error'
    ELSE 'warning'
END
"""

# A mismatch escalates once, at the first tick at least escalate_after_minutes after it opened;
# escalated_at is never cleared (the sources' clock never runs backwards: source_clock.py).
_ESCALATE_SQL = f"""
UPDATE core.sync_issues SET escalated_at = $now
WHERE resolved_at IS NULL AND escalated_at IS NULL
    AND kind IN ({_sql_list(ESCALATING_KINDS)}) AND first_seen_at <= $escalate_before
"""

_SEVERITY_SQL = f"""
UPDATE core.sync_issues SET severity = {SEVERITY_SQL}
WHERE severity IS DISTINCT FROM ({SEVERITY_SQL})
"""

_TOUCH_SQL = """
UPDATE core.sync_issues AS t SET
    last_seen_at = $now,
    detail = c.detail,
    sku = c.sku
FROM sync_issue_current c
WHERE t.resolved_at IS NULL
    AND t.store_id = c.store_id AND t.kind = c.kind AND t.subject = c.subject
"""

_RESOLVE_SQL = """
UPDATE core.sync_issues AS t SET resolved_at = $now
WHERE t.resolved_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM sync_issue_current c
    WHERE c.store_id = t.store_id AND c.kind = t.kind AND c.subject = t.subject)
"""

_OPEN_SQL = """
INSERT INTO core.sync_issues
    (issue_id, store_id, kind, severity, sku, subject, detail, first_seen_at, last_seen_at,
     escalated_at, resolved_at)
SELECT md5(c.store_id || '|' || c.kind || '|' || c.subject || '|' || $opened_key),
    c.store_id, c.kind, 'warning', c.sku, c.subject, c.detail, $now, $now, NULL, NULL
FROM sync_issue_current c
WHERE NOT EXISTS (
    SELECT 1 FROM core.sync_issues t
    WHERE t.resolved_at IS NULL
        AND t.store_id = c.store_id AND t.kind = c.kind AND t.subject = c.subject)
"""

# What this tick did, appended to core.sync_issue_events in a stable order. Each issue opens,
# escalates and resolves at most once, so recording a tick again adds nothing twice.
_EVENTS_SQL = """
INSERT INTO core.sync_issue_events
    (event_id, issue_id, change, event_at, store_id, kind, severity, sku, detail)
SELECT (SELECT coalesce(max(event_id), 0) FROM core.sync_issue_events)
        + row_number() OVER (ORDER BY change_order, severity = 'error' DESC, store_id, kind,
                             subject),
    issue_id, change, $now, store_id, kind, severity, sku, detail
FROM (
    SELECT i.*, e.change, e.change_order FROM core.sync_issues AS i,
        (VALUES ('opened', 1), ('escalated', 2), ('resolved', 3)) AS e(change, change_order)
    WHERE CASE e.change WHEN 'opened' THEN i.first_seen_at = $now
                        WHEN 'escalated' THEN i.escalated_at = $now
                        ELSE i.resolved_at = $now END
) AS happened
WHERE NOT EXISTS (SELECT 1 FROM core.sync_issue_events AS old
                  WHERE old.issue_id = happened.issue_id AND old.change = happened.change)
RETURNING change
"""

# A warehouse whose issues predate the event log gets their past events derived once.
_ESCALATING = _sql_list(ESCALATING_KINDS)
_BACKFILL_EVENTS_SQL = f"""
INSERT INTO core.sync_issue_events
    (event_id, issue_id, change, event_at, store_id, kind, severity, sku, detail)
SELECT row_number() OVER (ORDER BY event_at, change_order, event_severity = 'error' DESC,
                                   store_id, kind, subject),
    issue_id, change, event_at, store_id, kind, event_severity, sku, detail
FROM (
    SELECT *, CASE WHEN change = 'opened' AND kind IN ({_ESCALATING}) THEN 'warning'
                   ELSE severity END AS event_severity
    FROM (
        SELECT *, 'opened' AS change, 1 AS change_order, first_seen_at AS event_at
        FROM core.sync_issues
        UNION ALL
        SELECT *, 'escalated', 2, escalated_at FROM core.sync_issues
        WHERE escalated_at IS NOT NULL
        UNION ALL
        SELECT *, 'resolved', 3, resolved_at FROM core.sync_issues WHERE resolved_at IS NOT NULL
    )
)
WHERE NOT EXISTS (SELECT 1 FROM core.sync_issue_events)
"""

# The latest tick each store's issues were judged at: a tick before it is the past.
_LAST_JUDGED_SQL = """
SELECT store_id, max(greatest(last_seen_at, coalesce(resolved_at, last_seen_at)))
FROM core.sync_issues GROUP BY store_id
"""


def refuse_earlier_tick(conn: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Raise :class:`SourceClockWentBack` when a store's issues were already judged later than
    ``now``: resolving and reopening everything at an earlier time would invent history."""
    rewinds = [
        Rewind(store, now, last.astimezone(UTC))
        for store, last in conn.execute(_LAST_JUDGED_SQL).fetchall()
        if last is not None and now < last
    ]
    if rewinds:
        raise SourceClockWentBack("core.sync_issues", rewinds)


def refresh_sync_issues(
    conn: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    settings: SyncIssueSettings | None = None,
    store_ids: Sequence[str] | None = None,
    live_store_ids: Sequence[str] = (),
) -> SyncIssueTick:
    """One tick of ``core.sync_issues`` at ``now`` (the tick's time by the sources' clock).

    ``store_ids``: the configured Amazon stores; problems of other stores are not (or no longer)
    reported (``magento`` rows always are). ``None`` keeps every store. ``live_store_ids``: the
    stores whose ``push.mode`` is ``live``, the only ones judged for ``slow_sync``. What the tick
    did (issues opened, escalated, resolved) is appended to ``core.sync_issue_events``. A
    ``now`` earlier than a tick already judged raises :class:`SourceClockWentBack` and changes
    nothing. The caller owns the transaction; the tables must exist
    (``ensure_sync_issue_schema``).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (the sources' clock, UTC)")
    settings = settings or SyncIssueSettings()
    now = now.astimezone(UTC)
    refuse_earlier_tick(conn, now)
    conn.execute(_BACKFILL_EVENTS_SQL)
    window = settings.api_failure_window_minutes
    current_params: dict[str, object] = {
        "now": now,
        "tolerance": settings.price_tolerance,
        "stale_before": now - timedelta(minutes=settings.stale_store_minutes),
        "failure_since": now - timedelta(minutes=window),
        "failure_threshold": settings.api_failure_threshold,
        "window_minutes": f"{window:g}",
        "stores": None if store_ids is None else list(store_ids),
        "slow_before": now - timedelta(minutes=settings.slow_sync_minutes),
        "live_stores": list(live_store_ids),
    }
    conn.execute(_CURRENT_SQL, current_params)
    escalate_before = now - timedelta(minutes=settings.escalate_after_minutes)
    conn.execute(_TOUCH_SQL, {"now": now})
    conn.execute(_RESOLVE_SQL, {"now": now})
    conn.execute(_OPEN_SQL, {"now": now, "opened_key": now.isoformat()})
    conn.execute(_ESCALATE_SQL, {"now": now, "escalate_before": escalate_before})
    conn.execute(_SEVERITY_SQL)
    changes = Counter(row[0] for row in conn.execute(_EVENTS_SQL, {"now": now}).fetchall())
    conn.execute("DROP TABLE IF EXISTS sync_issue_current")
    return SyncIssueTick(
        opened=changes["opened"],
        resolved=changes["resolved"],
        escalated=changes["escalated"],
        open_by_store=open_issue_counts(conn),
    )


def open_issue_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Open issues per store and kind: ``{store_id: {kind: count}}``."""
    rows = conn.execute(
        "SELECT store_id, kind, count(*) FROM core.sync_issues WHERE resolved_at IS NULL "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for store_id, kind, n in rows:
        counts.setdefault(store_id, {})[kind] = int(n)
    return counts


def opened_or_escalated(
    conn: duckdb.DuckDBPyConnection, now: datetime, *, limit: int
) -> list[tuple[str, str, str, str, str | None]]:
    """Open issues the tick at ``now`` opened or escalated, errors first, at most ``limit``:
    ``(store_id, kind, severity, sku or subject, detail)``."""
    return conn.execute(
        "SELECT store_id, kind, severity, coalesce(sku, subject), detail FROM core.sync_issues "
        "WHERE resolved_at IS NULL AND (first_seen_at = $now OR escalated_at = $now) "
        "ORDER BY severity = 'error' DESC, store_id, kind, subject LIMIT $limit",
        {"now": now, "limit": limit},
    ).fetchall()


def open_issues_per_severity(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Open issues per severity (``error``, ``warning``; a severity with none left out)."""
    return counts_by_key(
        conn,
        "SELECT severity, count(*) FROM core.sync_issues WHERE resolved_at IS NULL "
        "GROUP BY severity",
    )
