"""Purging old settled listing changes: what goes, what stays, and the sync-latency trend keeps
the days whose changes are gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asc_pipelines.logic.outbox_purge import complete_from, purge_horizon, purge_settled
from asc_pipelines.logic.sync_latency import refresh_sync_latency
from asc_pipelines_tests.logic.test_sync_latency import DAY, _trend, change
from asc_pipelines_tests.logic.tiny_warehouse import warehouse

LATER = DAY + timedelta(days=40, hours=9)  # 40 days after DAY, 09:00 UTC


def test_the_horizon_is_the_start_of_the_utc_day_keep_days_back() -> None:
    assert purge_horizon(LATER, 35) == datetime(2026, 3, 7, tzinfo=UTC)


def test_old_settled_changes_go_and_everything_that_still_matters_stays() -> None:
    conn = warehouse()
    old = DAY + timedelta(hours=1)
    gone = {
        change(conn, seen=old, confirmed_after=10),
        change(conn, seen=old, status="superseded", updated=old + timedelta(hours=1)),
    }
    kept = {
        change(conn, seen=old, status="invalid"),  # the merchant still has to act
        change(conn, seen=old, status="failed"),
        change(conn, seen=old, status="accepted", sent_after=1),
        change(conn, seen=old, status="pending"),
        change(conn, seen=LATER - timedelta(days=2), confirmed_after=10),  # recent
    }
    conn.execute(
        "INSERT INTO core.listing_feeds (feed_ref, store_id, status, messages, created_at, "
        "finished_at) VALUES ('old', 'us', 'done', 1, $t, $t), ('stuck', 'us', 'submitted', 1, "
        "$t, NULL), ('new', 'us', 'done', 1, $n, $n)",
        {"t": old, "n": LATER},
    )
    conn.execute(
        "INSERT INTO core.listing_feed_messages VALUES ('old', 1, 'A', ['x']), "
        "('stuck', 1, 'B', ['y'])"
    )

    purged = purge_settled(conn, now=LATER, keep_days=35)

    left = {row[0] for row in conn.execute("SELECT change_id FROM core.listing_outbox").fetchall()}
    assert left == kept and not gone & left
    assert (purged.changes, purged.feeds) == (2, 1)
    assert conn.execute("SELECT feed_ref FROM core.listing_feeds ORDER BY 1").fetchall() == [
        ("new",),
        ("stuck",),
    ]
    assert conn.execute("SELECT feed_ref FROM core.listing_feed_messages").fetchall() == [
        ("stuck",)
    ]
    assert complete_from(conn) == purged.horizon.date()


def test_the_latency_trend_keeps_the_days_whose_changes_were_purged() -> None:
    conn = warehouse()
    for minutes in (10, 20, 30):
        change(conn, seen=DAY + timedelta(hours=1), confirmed_after=minutes)
    change(conn, seen=LATER - timedelta(hours=2), confirmed_after=5)
    refresh_sync_latency(conn, as_of=LATER)
    before = _trend(conn)

    purge_settled(conn, now=LATER, keep_days=35)
    refresh_sync_latency(conn, as_of=LATER, complete_from=complete_from(conn))

    after = _trend(conn)
    assert after[("us", DAY.date())] == before[("us", DAY.date())]
    assert after[("us", DAY.date())][:2] == (3, 3)  # seen, confirmed: from before the purge
    assert after == before
    assert conn.execute("SELECT count(*) FROM reporting.sync_latency").fetchone() == (1,)
    # Without the kept rows the old day would be rebuilt from nothing.
    refresh_sync_latency(conn, as_of=LATER)
    assert ("us", DAY.date()) not in _trend(conn)
