"""The feed path's rules (issue 11, section 3) on a tiny warehouse: a feed is recorded with its
changes before anything leaves, its processing report maps back by messageId, a feed Amazon is
still processing keeps its listings from other sends, and a feed that never reached Amazon, or
ended unprocessed, gives its changes back (the latter to patches only)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import duckdb

from asc_pipelines.logic.listing_feeds import (
    abandon_unsubmitted,
    feeds_in_flight,
    record_ended,
    record_prepared,
    record_processed,
    record_submitted,
    record_unsubmitted,
    refusals,
)
from asc_pipelines.logic.outbox import refresh_outbox
from asc_pipelines.logic.pushes import changes_to_send
from asc_pipelines_tests.logic.test_outbox import LATER, want
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse


def _three_drifted() -> duckdb.DuckDBPyConnection:
    conn = warehouse()
    for sku in ("A", "B", "C"):
        add_listing(conn, "us", sku, price=10, quantity=5)
        want(conn, sku, quantity=7, price="10.00")
    refresh_outbox(conn, now=NOW, price_tolerance=Decimal("0.01"))
    return conn


def _prepare(conn: duckdb.DuckDBPyConnection, ref: str = "f1") -> list:
    changes = changes_to_send(conn, "us", mode="live", limit=10, now=NOW, for_feed=True)
    messages = [{"messageId": i, "sku": c.seller_sku} for i, c in enumerate(changes, 1)]
    record_prepared(conn, "us", ref, changes, messages, now=NOW)
    return changes


def _statuses(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute("SELECT seller_sku, status FROM core.listing_outbox").fetchall())


def test_a_prepared_feed_records_its_messages_and_sends_its_changes_before_any_call() -> None:
    conn = _three_drifted()

    changes = _prepare(conn)

    assert [c.seller_sku for c in changes] == ["A", "B", "C"]
    assert set(_statuses(conn).values()) == {"sent"}
    assert conn.execute(
        "SELECT message_id, seller_sku, len(change_ids) FROM core.listing_feed_messages ORDER BY 1"
    ).fetchall() == [(1, "A", 1), (2, "B", 1), (3, "C", 1)]
    assert conn.execute(
        "SELECT DISTINCT attempts, last_request->>'sku' = seller_sku FROM core.listing_outbox"
    ).fetchall() == [(1, True)]
    assert conn.execute("SELECT status, messages FROM core.listing_feeds").fetchall() == [
        ("preparing", 3)
    ]


def test_the_processing_report_maps_back_by_message_id() -> None:
    conn = _three_drifted()
    _prepare(conn)
    record_submitted(conn, "f1", "F-1", now=NOW)
    issue = SimpleNamespace(
        severity="ERROR", message_id=2, code="4000001", attribute_name="x", message="bad"
    )
    warning = SimpleNamespace(
        severity="WARNING", message_id=3, code="1", attribute_name=None, message="fine"
    )

    refused = refusals([issue, warning])
    accepted, invalid = record_processed(conn, "f1", "F-1", refused, now=LATER)

    assert (accepted, invalid) == (2, 1)
    assert _statuses(conn) == {"A": "accepted", "B": "invalid", "C": "accepted"}
    assert conn.execute(
        "SELECT last_issues, submission_id FROM core.listing_outbox WHERE seller_sku = 'B'"
    ).fetchall() == [("ERROR 4000001 [x]: bad", "F-1")]
    assert conn.execute("SELECT status, accepted, invalid FROM core.listing_feeds").fetchall() == [
        ("done", 2, 1)
    ]


def test_a_feed_amazon_holds_keeps_its_changes_sent_and_its_listings_from_patches() -> None:
    conn = _three_drifted()
    _prepare(conn)
    record_submitted(conn, "f1", "F-1", now=NOW)
    want(conn, "A", quantity=9, price="10.00")  # Magento moved on while Amazon holds the feed

    refresh_outbox(conn, now=LATER, price_tolerance=Decimal("0.01"))

    statuses = conn.execute(
        "SELECT seller_sku, value, status FROM core.listing_outbox ORDER BY ALL"
    ).fetchall()
    assert statuses == [
        ("A", "7", "superseded"),
        ("A", "9", "pending"),
        ("B", "7", "sent"),  # not recovered: the feed settles it
        ("C", "7", "sent"),
    ]
    # A's new value waits until the feed ends: an older feed must not land after a newer patch.
    assert changes_to_send(conn, "us", mode="live", limit=10, now=LATER) == []
    assert [f.feed_id for f in feeds_in_flight(conn, "us")] == ["F-1"]


def test_a_feed_left_preparing_is_abandoned_and_its_changes_go_out_again() -> None:
    conn = _three_drifted()
    _prepare(conn)  # the process died before createFeed answered

    refresh_outbox(conn, now=LATER, price_tolerance=Decimal("0.01"))
    assert abandon_unsubmitted(conn, "us", now=LATER) == 1

    assert set(_statuses(conn).values()) == {"pending"}
    again = changes_to_send(conn, "us", mode="live", limit=10, now=LATER, for_feed=True)
    assert [c.seller_sku for c in again] == ["A", "B", "C"]  # a new feed may carry them
    assert conn.execute("SELECT status FROM core.listing_feeds").fetchall() == [("abandoned",)]


def test_a_failed_upload_gives_the_attempt_back_only_when_the_tick_ran_out() -> None:
    conn = _three_drifted()
    _prepare(conn, "f1")
    record_unsubmitted(conn, "f1", "deadline", counted=False, max_attempts=5, now=NOW)
    assert conn.execute("SELECT DISTINCT status, attempts FROM core.listing_outbox").fetchall() == [
        ("pending", 0)
    ]
    _prepare(conn, "f2")
    record_unsubmitted(conn, "f2", "HTTP 500", counted=True, max_attempts=1, now=NOW)
    assert conn.execute("SELECT DISTINCT status, attempts FROM core.listing_outbox").fetchall() == [
        ("failed", 1)
    ]


def test_changes_of_a_feed_given_up_go_out_as_patches_only() -> None:
    conn = _three_drifted()
    _prepare(conn)
    record_submitted(conn, "f1", "F-1", now=NOW)

    record_ended(
        conn,
        "f1",
        "given_up",
        "stuck",
        processing_status="IN_PROGRESS",
        max_attempts=5,
        now=NOW + timedelta(hours=2),
    )

    assert set(_statuses(conn).values()) == {"pending"}
    assert changes_to_send(conn, "us", mode="live", limit=10, now=LATER, for_feed=True) == []
    patches = changes_to_send(conn, "us", mode="live", limit=10, now=LATER)
    assert [c.seller_sku for c in patches] == ["A", "B", "C"]
    assert conn.execute(
        "SELECT status, processing_status, last_error FROM core.listing_feeds"
    ).fetchall() == [("given_up", "IN_PROGRESS", "stuck")]


def test_only_changes_still_sent_are_settled_by_a_feed() -> None:
    conn = _three_drifted()
    _prepare(conn)
    record_submitted(conn, "f1", "F-1", now=NOW)
    conn.execute("UPDATE core.listing_outbox SET status = 'confirmed' WHERE seller_sku = 'A'")

    record_ended(conn, "f1", "fatal", "FATAL", processing_status="FATAL", max_attempts=5, now=LATER)

    assert _statuses(conn) == {"A": "confirmed", "B": "pending", "C": "pending"}
