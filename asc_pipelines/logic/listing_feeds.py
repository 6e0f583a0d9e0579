"""Many listing changes in one ``JSON_LISTINGS_FEED``: what is recorded before, during and after.

Issue 11, section 3. A store with at least ``push.feed_threshold`` listings due sends them (up to
``push.max_feed_messages``) as one feed instead of one patch each. Amazon processes a feed in its
own time, so a feed lives across ticks in ``core.listing_feeds``, and which outbox changes each
message carries in ``core.listing_feed_messages``:

1. :func:`record_prepared`, committed before anything leaves: the feed ``preparing``, its messages,
   and every change it carries ``sent`` (one attempt more, ``sent_at``, the message as
   ``last_request``). :func:`record_document` and :func:`record_submitted` follow the
   ``createFeedDocument`` and ``createFeed`` answers.
2. A feed still ``preparing`` at the next tick never reached Amazon as far as anyone knows (the
   process stopped, or a call failed): :func:`abandon_unsubmitted` ends it ``abandoned`` and its
   changes are ``pending`` again, to go out with the value then desired (the outbox's recover step
   has already done that when ``listing_updates`` ran). If ``createFeed`` had in fact answered
   before the process died, Amazon applies the same values the changes carried: the same change
   twice, never two different values for one change.
3. While a feed is ``submitted``, its changes stay ``sent`` (the outbox's recover step leaves them)
   and no patch is sent for its listings, so an older feed cannot land after a newer patch.
4. Each tick polls it once (``getFeed``, never waiting): ``DONE`` -> :func:`record_processed` maps
   the processing report back by ``messageId``: a message with an ``ERROR`` issue is ``invalid``
   with Amazon's issues, every other one ``accepted`` (confirmed later by a listings snapshot, as
   a patch is); ``FATAL`` or ``CANCELLED`` -> :func:`record_ended`; still ``IN_QUEUE`` or
   ``IN_PROGRESS`` ``push.feed_give_up_minutes`` after it was submitted -> given up (Amazon's feeds
   have been stuck for days, protocols.md 10.2), also :func:`record_ended`.
5. Changes of a feed that ended without being processed are ``pending`` again (or ``failed`` after
   ``push.max_attempts`` sends) and go out as patches only (:data:`PATCH_ONLY_FEED_STATUSES`): the
   feed path already failed them once.

Only changes still ``sent`` are settled by a feed's outcome: one confirmed or superseded meanwhile
keeps that status. Times are the tick's, by the sources' clock. No Dagster here, no HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from asc_pipelines.logic.pushes import ListingChange, record_failure

FEED_STATUSES = ("preparing", "submitted", "done", "fatal", "cancelled", "given_up", "abandoned")
# A change carried by a feed that ended so goes out as a patch from then on.
PATCH_ONLY_FEED_STATUSES = ("fatal", "cancelled", "given_up")


@dataclass(frozen=True)
class FeedInFlight:
    """A feed Amazon has taken (``submitted``) and not yet finished, as last recorded."""

    feed_ref: str
    feed_id: str
    submitted_at: datetime
    messages: int

    def overdue(self, now: datetime, give_up_minutes: int) -> bool:
        """Amazon has had it ``give_up_minutes`` or longer."""
        return now - self.submitted_at >= timedelta(minutes=give_up_minutes)


def feeds_in_flight(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[FeedInFlight]:
    """The store's ``submitted`` feeds, oldest first."""
    rows = conn.execute(
        "SELECT feed_ref, feed_id, submitted_at, messages FROM core.listing_feeds "
        "WHERE store_id = ? AND status = 'submitted' ORDER BY submitted_at, feed_ref",
        [store_id],
    ).fetchall()
    return [FeedInFlight(ref, feed_id, at, int(n)) for ref, feed_id, at, n in rows]


def _changes_of(feed_ref: str) -> str:
    return (
        "list_contains((SELECT flatten(list(m.change_ids)) FROM core.listing_feed_messages m "
        f"WHERE m.feed_ref = {feed_ref}), change_id)"
    )


def abandon_unsubmitted(conn: duckdb.DuckDBPyConnection, store_id: str, *, now: datetime) -> int:
    """End the store's feeds still ``preparing`` (module docstring, step 2); their changes still
    ``sent`` are ``pending`` again. Returns how many feeds were abandoned."""
    refs = [
        ref
        for (ref,) in conn.execute(
            "SELECT feed_ref FROM core.listing_feeds WHERE store_id = ? AND status = 'preparing'",
            [store_id],
        ).fetchall()
    ]
    for ref in refs:
        conn.execute(
            f"UPDATE core.listing_outbox SET status = 'pending', updated_at = $now "
            f"WHERE status = 'sent' AND {_changes_of('$ref')}",
            {"ref": ref, "now": now},
        )
        conn.execute(
            "UPDATE core.listing_feeds SET status = 'abandoned', finished_at = $now, "
            "last_error = coalesce(last_error, 'the feed was not handed to Amazon: '"
            "    || 'the process stopped before createFeed answered') "
            "WHERE feed_ref = $ref",
            {"ref": ref, "now": now},
        )
    return len(refs)


def record_prepared(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    feed_ref: str,
    changes: Sequence[ListingChange],
    messages: Sequence[dict[str, Any]],
    *,
    now: datetime,
) -> None:
    """Before anything leaves: the feed ``preparing``, one message per change (``messages[i]`` is
    the ``i + 1``-th message, carrying ``changes[i]``), and the changes ``sent``. One
    transaction, which the caller commits before the first call."""
    if len(changes) != len(messages) or not changes:
        raise ValueError("a feed needs one message per listing change, and at least one")
    conn.execute(
        "INSERT INTO core.listing_feeds (feed_ref, store_id, status, messages, created_at) "
        "VALUES (?, ?, 'preparing', ?, ?)",
        [feed_ref, store_id, len(changes), now],
    )
    conn.execute(
        "INSERT INTO core.listing_feed_messages "
        "SELECT $ref, unnest(range(1, $n + 1)), unnest(CAST($skus AS VARCHAR[])), "
        "    unnest(CAST($ids AS VARCHAR[][]))",
        {
            "ref": feed_ref,
            "n": len(changes),
            "skus": [change.seller_sku for change in changes],
            "ids": [list(change.change_ids) for change in changes],
        },
    )
    conn.execute(
        "UPDATE core.listing_outbox o SET status = 'sent', attempts = o.attempts + 1, "
        "    sent_at = $now, updated_at = $now, last_request = CAST(r.request AS JSON), "
        "    last_error = NULL "
        "FROM (SELECT unnest(CAST($ids AS VARCHAR[])) AS change_id, "
        "    unnest(CAST($requests AS VARCHAR[])) AS request) r "
        "WHERE o.change_id = r.change_id",
        {
            "now": now,
            "ids": [cid for change in changes for cid in change.change_ids],
            "requests": [
                json.dumps(message)
                for change, message in zip(changes, messages, strict=True)
                for _ in change.change_ids
            ],
        },
    )


def record_document(conn: duckdb.DuckDBPyConnection, feed_ref: str, document_id: str) -> None:
    """``createFeedDocument`` answered: the upload's document id."""
    conn.execute(
        "UPDATE core.listing_feeds SET feed_document_id = ? WHERE feed_ref = ?",
        [document_id, feed_ref],
    )


def record_submitted(
    conn: duckdb.DuckDBPyConnection, feed_ref: str, feed_id: str, *, now: datetime
) -> None:
    """``createFeed`` answered: Amazon has the feed, polled from now on."""
    conn.execute(
        "UPDATE core.listing_feeds SET status = 'submitted', feed_id = ?, submitted_at = ?, "
        "processing_status = 'IN_QUEUE', checked_at = ? WHERE feed_ref = ?",
        [feed_id, now, now, feed_ref],
    )


def record_unsubmitted(
    conn: duckdb.DuckDBPyConnection,
    feed_ref: str,
    error: str,
    *,
    counted: bool,
    max_attempts: int,
    now: datetime,
) -> None:
    """A call before ``createFeed`` answered failed: the feed is ``abandoned`` and its changes
    ``pending`` again (``failed`` once ``max_attempts`` sends were made); ``counted=False`` (the
    tick's deadline stopped it) gives the attempt back."""
    conn.execute(
        "UPDATE core.listing_feeds SET status = 'abandoned', finished_at = $now, "
        "last_error = $error WHERE feed_ref = $ref",
        {"ref": feed_ref, "now": now, "error": error[:2000]},
    )
    _back_to_pending(conn, feed_ref, error, counted=counted, max_attempts=max_attempts, now=now)


@dataclass(frozen=True)
class _StillSent:
    """A feed's changes still ``sent``, as ``logic.pushes.record_failure`` takes them."""

    change_ids: tuple[str, ...]


def _back_to_pending(
    conn: duckdb.DuckDBPyConnection,
    feed_ref: str,
    error: str,
    *,
    counted: bool,
    max_attempts: int,
    now: datetime,
) -> None:
    """The feed's changes still ``sent`` failed in transport, as one patch's would."""
    rows = conn.execute(
        "SELECT change_id FROM core.listing_outbox "
        f"WHERE status = 'sent' AND {_changes_of('$ref')}",
        {"ref": feed_ref},
    ).fetchall()
    if rows:
        record_failure(
            conn,
            _StillSent(tuple(str(change_id) for (change_id,) in rows)),
            error,
            max_attempts=max_attempts,
            counted=counted,
            now=now,
        )


def record_checked(
    conn: duckdb.DuckDBPyConnection, feed_ref: str, processing_status: str, *, now: datetime
) -> None:
    """A ``getFeed`` answer for a feed Amazon has not finished."""
    conn.execute(
        "UPDATE core.listing_feeds SET processing_status = ?, checked_at = ?, last_error = NULL "
        "WHERE feed_ref = ?",
        [processing_status, now, feed_ref],
    )


def record_poll_failure(
    conn: duckdb.DuckDBPyConnection, feed_ref: str, error: str, *, now: datetime
) -> None:
    """A call about a submitted feed failed: it stays ``submitted`` and is polled next tick."""
    conn.execute(
        "UPDATE core.listing_feeds SET checked_at = ?, last_error = ? WHERE feed_ref = ?",
        [now, error[:2000], feed_ref],
    )


def record_processed(
    conn: duckdb.DuckDBPyConnection,
    feed_ref: str,
    feed_id: str,
    refused: Mapping[int, Sequence[str]],
    *,
    now: datetime,
) -> tuple[int, int]:
    """The processing report read: messages in ``refused`` (messageId -> Amazon's issue lines)
    are ``invalid``, every other message ``accepted``; returns (accepted, invalid) messages."""
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE feed_refusals AS "
        "SELECT unnest(CAST($ids AS INTEGER[])) AS message_id, "
        "    unnest(CAST($issues AS VARCHAR[])) AS issues",
        {
            "ids": list(refused),
            "issues": ["\n".join(lines) or "refused" for lines in refused.values()],
        },
    )
    conn.execute(
        "UPDATE core.listing_outbox o SET "
        "    status = CASE WHEN r.message_id IS NULL THEN 'accepted' ELSE 'invalid' END, "
        "    last_verdict = CASE WHEN r.message_id IS NULL THEN 'ACCEPTED' ELSE 'INVALID' END, "
        "    last_issues = r.issues, submission_id = $feed_id, updated_at = $now, "
        "    last_error = NULL "
        "FROM core.listing_feed_messages m "
        "LEFT JOIN feed_refusals r ON r.message_id = m.message_id "
        "WHERE m.feed_ref = $ref AND list_contains(m.change_ids, o.change_id) "
        "    AND o.status = 'sent'",
        {"ref": feed_ref, "feed_id": feed_id, "now": now},
    )
    conn.execute("DROP TABLE feed_refusals")
    [(messages,)] = conn.execute(
        "SELECT messages FROM core.listing_feeds WHERE feed_ref = ?", [feed_ref]
    ).fetchall()
    invalid = len(refused)
    accepted = int(messages) - invalid
    conn.execute(
        "UPDATE core.listing_feeds SET status = 'done', processing_status = 'DONE', "
        "checked_at = $now, finished_at = $now, accepted = $accepted, invalid = $invalid, "
        "last_error = NULL WHERE feed_ref = $ref",
        {"ref": feed_ref, "now": now, "accepted": accepted, "invalid": invalid},
    )
    return accepted, invalid


def record_ended(
    conn: duckdb.DuckDBPyConnection,
    feed_ref: str,
    status: str,
    reason: str,
    *,
    processing_status: str | None,
    max_attempts: int,
    now: datetime,
) -> None:
    """The feed ended without being processed (``fatal``, ``cancelled`` or ``given_up``): its
    changes still ``sent`` are ``pending`` again, for patches only, or ``failed`` once
    ``max_attempts`` sends were made."""
    if status not in PATCH_ONLY_FEED_STATUSES:
        raise ValueError(f"a feed ends unprocessed as one of {PATCH_ONLY_FEED_STATUSES}")
    conn.execute(
        "UPDATE core.listing_feeds SET status = $status, "
        "processing_status = coalesce($processing, processing_status), checked_at = $now, "
        "finished_at = $now, last_error = $reason WHERE feed_ref = $ref",
        {
            "ref": feed_ref,
            "status": status,
            "processing": processing_status,
            "now": now,
            "reason": reason,
        },
    )
    _back_to_pending(conn, feed_ref, reason, counted=True, max_attempts=max_attempts, now=now)


def refusals(report_issues: Sequence[Any]) -> dict[int, tuple[str, ...]]:
    """A processing report's ``ERROR`` issues by messageId, as ``severity code [attribute]:
    message`` lines (its warnings are kept with the refused messages' lines only)."""
    refused: dict[int, list[str]] = {}
    for issue in report_issues:
        if issue.severity == "ERROR" and issue.message_id is not None:
            refused.setdefault(issue.message_id, [])
    for issue in report_issues:
        if issue.message_id in refused:
            attribute = issue.attribute_name or ""
            refused[issue.message_id].append(
                f"{issue.severity} {issue.code or ''} [{attribute}]: {issue.message}"
            )
    return {message_id: tuple(lines) for message_id, lines in refused.items()}
