"""Forget old settled listing changes, so the outbox grows with the changes in flight, not with
every change ever made.

A change ``confirmed`` or ``superseded`` before the purge horizon (the start of the UTC day
``outbox.keep_settled_days`` before the tick) is deleted from ``core.listing_outbox``, and so is a
feed that ended before it (``core.listing_feeds`` and its messages). Changes still waiting
(``pending``, ``sent``, ``accepted``) and those that need the merchant (``invalid``, ``failed``:
their sync issues name them) are kept whatever their age. ``core.listing_outbox_purges`` keeps the
latest horizon: the sync-latency trend has complete data only from that day on, and keeps its
rows for earlier days as they were computed (``logic.sync_latency``).

Times are the tick's, by the sources' clock. No Dagster here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import duckdb

SETTLED = ("confirmed", "superseded")
FEEDS_ENDED = ("done", "fatal", "cancelled", "given_up", "abandoned")


@dataclass(frozen=True)
class Purged:
    """What one purge deleted, and the horizon it used."""

    changes: int
    feeds: int
    horizon: datetime


def purge_horizon(now: datetime, keep_days: int) -> datetime:
    """The start (UTC) of the day ``keep_days`` before ``now``: settled before it is forgotten."""
    day = (now.astimezone(UTC) - timedelta(days=keep_days)).date()
    return datetime.combine(day, time(), tzinfo=UTC)


def purge_settled(conn: duckdb.DuckDBPyConnection, *, now: datetime, keep_days: int) -> Purged:
    """Delete settled changes and ended feeds older than the horizon (module docstring); the
    caller owns the transaction."""
    horizon = purge_horizon(now, keep_days)
    params = {"horizon": horizon, "ended": list(FEEDS_ENDED)}
    changes = conn.execute(
        "DELETE FROM core.listing_outbox "
        "WHERE list_contains($settled, status) AND updated_at < $horizon",
        {"horizon": horizon, "settled": list(SETTLED)},
    ).fetchone()
    conn.execute(
        "DELETE FROM core.listing_feed_messages WHERE feed_ref IN ("
        "    SELECT feed_ref FROM core.listing_feeds "
        "    WHERE list_contains($ended, status) AND finished_at < $horizon)",
        params,
    )
    feeds = conn.execute(
        "DELETE FROM core.listing_feeds "
        "WHERE list_contains($ended, status) AND finished_at < $horizon",
        params,
    ).fetchone()
    conn.execute(
        "INSERT INTO core.listing_outbox_purges VALUES (1, $horizon) ON CONFLICT (id) "
        "DO UPDATE SET purged_before = greatest(purged_before, excluded.purged_before)",
        {"horizon": horizon},
    )
    return Purged(int(changes[0]) if changes else 0, int(feeds[0]) if feeds else 0, horizon)


def complete_from(conn: duckdb.DuckDBPyConnection) -> date | None:
    """The first UTC day whose changes are all still in the outbox (None: nothing was ever
    purged, every day is complete)."""
    row = conn.execute("SELECT max(purged_before) FROM core.listing_outbox_purges").fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].astimezone(UTC).date()
