"""The outbox rules (issue 11, section 2) on a tiny warehouse: what differs is queued once, in
priority order; a newer value supersedes; a snapshot showing the value confirms; an accepted
change a snapshot taken long enough after the send still does not show is sent again; FBA never."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import duckdb

from asc_pipelines.config import PushSettings
from asc_pipelines.logic.outbox import OutboxTick, refresh_outbox
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse

TOLERANCE = Decimal("0.01")
LATER = NOW + timedelta(minutes=5)


def want(
    conn: duckdb.DuckDBPyConnection,
    sku: str,
    *,
    quantity: int | None,
    price: str | None,
    store_id: str = "us",
    channel: str = "DEFAULT",
) -> None:
    """A ``core.desired_listings`` row for listing ``sku`` (replacing any earlier one)."""
    conn.execute(
        "DELETE FROM core.desired_listings WHERE store_id = ? AND seller_sku = ?", [store_id, sku]
    )
    conn.execute(
        "INSERT INTO core.desired_listings (store_id, seller_sku, magento_sku, status, "
        "fulfillment_channel, quantity, currency, price, computed_at) "
        "VALUES (?, ?, ?, 'active', ?, ?, 'USD', ?, ?)",
        [store_id, sku, sku, channel, quantity, None if price is None else Decimal(price), NOW],
    )


def show(
    conn: duckdb.DuckDBPyConnection,
    sku: str,
    *,
    quantity: int | None,
    price: float | None,
    at: datetime = LATER,
) -> None:
    """A newer listings snapshot of ``sku``."""
    conn.execute(
        "UPDATE raw.amazon_listings SET quantity = ?, price = ?, snapshot_at = ? "
        "WHERE seller_sku = ?",
        [quantity, price, at, sku],
    )


def tick(
    conn: duckdb.DuckDBPyConnection,
    now: datetime = NOW,
    push: dict[str, PushSettings] | None = None,
) -> OutboxTick:
    return refresh_outbox(conn, now=now, price_tolerance=TOLERANCE, push=push)


def changes(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str, int]]:
    return conn.execute(
        "SELECT seller_sku, attribute, value, status, priority FROM core.listing_outbox "
        "ORDER BY seller_sku, attribute, first_seen_at"
    ).fetchall()


def test_only_what_amazon_does_not_show_is_queued_with_its_priority() -> None:
    conn = warehouse()
    add_listing(conn, "us", "SAME", price=10, quantity=5)
    add_listing(conn, "us", "DRIFT", price=10, quantity=5)
    add_listing(conn, "us", "SOLDOUT", price=10, quantity=5)
    add_listing(conn, "us", "CENT", price=10, quantity=5)
    want(conn, "SAME", quantity=5, price="10.00")
    want(conn, "DRIFT", quantity=7, price="12.50")
    want(conn, "SOLDOUT", quantity=0, price="10.00")
    want(conn, "CENT", quantity=5, price="10.01")  # within the price tolerance

    result = tick(conn)

    assert changes(conn) == [
        ("DRIFT", "price", "12.5000", "pending", 2),
        ("DRIFT", "quantity", "7", "pending", 1),
        ("SOLDOUT", "quantity", "0", "pending", 0),
    ]
    assert (result.queued, result.by_store["us"]["pending"]) == (3, 3)


def test_amazon_fulfilled_listings_are_never_queued() -> None:
    conn = warehouse()
    add_listing(conn, "us", "FBA", price=10, quantity=None, fulfillment_channel="AMAZON_NA")
    want(conn, "FBA", quantity=None, price="12.00", channel="AMAZON_NA")
    # Even a desired state that claimed a quantity for it is not sent: Amazon's report says FBA.
    add_listing(conn, "us", "FBA2", price=10, quantity=None, fulfillment_channel="AMAZON_NA")
    want(conn, "FBA2", quantity=3, price="10.00")

    tick(conn)

    assert changes(conn) == []


def test_the_same_difference_seen_again_is_queued_once() -> None:
    conn = warehouse()
    add_listing(conn, "us", "DRIFT", price=10, quantity=5)
    want(conn, "DRIFT", quantity=7, price="10.00")

    tick(conn)
    again = tick(conn, LATER)

    assert again.queued == 0
    assert changes(conn) == [("DRIFT", "quantity", "7", "pending", 1)]
    keys = conn.execute("SELECT DISTINCT idempotency_key FROM core.listing_outbox").fetchall()
    assert len(keys) == 1


def test_a_newer_desired_value_supersedes_a_pending_or_failed_change() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    add_listing(conn, "us", "B", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    want(conn, "B", quantity=8, price="10.00")
    tick(conn)
    conn.execute("UPDATE core.listing_outbox SET status = 'failed' WHERE seller_sku = 'B'")
    want(conn, "A", quantity=6, price="10.00")
    want(conn, "B", quantity=9, price="10.00")

    result = tick(conn, LATER)

    assert result.superseded == 2
    assert changes(conn) == [
        ("A", "quantity", "7", "superseded", 1),
        ("A", "quantity", "6", "pending", 1),
        ("B", "quantity", "8", "superseded", 1),
        ("B", "quantity", "9", "pending", 1),
    ]


def test_an_invalid_change_stays_until_the_desired_value_changes() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=5, price="12.00")
    tick(conn)
    conn.execute("UPDATE core.listing_outbox SET status = 'invalid'")

    tick(conn, LATER)
    assert changes(conn) == [("A", "price", "12.0000", "invalid", 2)]

    want(conn, "A", quantity=5, price="13.00")
    tick(conn, LATER + timedelta(minutes=5))
    assert changes(conn) == [
        ("A", "price", "12.0000", "superseded", 2),
        ("A", "price", "13.0000", "pending", 2),
    ]


def test_a_later_snapshot_showing_the_value_confirms_the_change() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="12.00")
    tick(conn)
    conn.execute("UPDATE core.listing_outbox SET status = 'accepted'")
    show(conn, "A", quantity=7, price=12.0)

    result = tick(conn, LATER)

    assert result.confirmed == 2
    assert changes(conn) == [
        ("A", "price", "12.0000", "confirmed", 2),
        ("A", "quantity", "7", "confirmed", 1),
    ]
    confirmed_at = conn.execute("SELECT DISTINCT confirmed_at FROM core.listing_outbox").fetchall()
    assert confirmed_at == [(LATER,)]


def test_a_change_left_sent_by_a_dead_tick_is_pending_again_with_the_same_value() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    conn.execute("UPDATE core.listing_outbox SET status = 'sent', attempts = 1")

    tick(conn, LATER)

    assert conn.execute("SELECT value, status, attempts FROM core.listing_outbox").fetchall() == [
        ("7", "pending", 1)
    ]


def test_drift_after_a_confirmation_is_a_new_change_but_a_lagging_snapshot_is_not() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    show(conn, "A", quantity=7, price=10.0)
    tick(conn, LATER)  # confirmed at LATER
    # A snapshot taken before the confirmation (an older report) shows 5 again: not new.
    show(conn, "A", quantity=5, price=10.0, at=NOW + timedelta(minutes=2))
    assert tick(conn, LATER).queued == 0
    # A newer snapshot shows someone set 5 on Amazon: queued again, as a new change.
    show(conn, "A", quantity=5, price=10.0, at=LATER + timedelta(minutes=5))
    assert tick(conn, LATER + timedelta(minutes=5)).queued == 1
    assert [row[3] for row in changes(conn)] == ["confirmed", "pending"]


def test_a_listing_that_leaves_the_desired_state_supersedes_its_changes() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="12.00")
    tick(conn)
    want(conn, "A", quantity=7, price=None)  # price withheld now

    tick(conn, LATER)

    assert changes(conn) == [
        ("A", "price", "12.0000", "superseded", 2),
        ("A", "quantity", "7", "pending", 1),
    ]


def accepted_quantity(conn: duckdb.DuckDBPyConnection, *, attempts: int = 1) -> None:
    """Listing A at 5 units, 7 wanted, sent at NOW (``attempts`` sends so far) and accepted."""
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'accepted', attempts = ?, sent_at = ?",
        [attempts, NOW],
    )


def outcome(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    return conn.execute("SELECT value, status, attempts FROM core.listing_outbox").fetchall()


def test_an_accepted_change_a_snapshot_taken_too_soon_does_not_show_stays_accepted() -> None:
    conn = warehouse()
    accepted_quantity(conn)
    # A sale right after the patch landed: the report shows 6, not the 7 sent.
    soon = NOW + timedelta(minutes=29)
    show(conn, "A", quantity=6, price=10.0, at=soon)

    tick(conn, soon)

    assert outcome(conn) == [("7", "accepted", 1)]


def test_an_accepted_change_still_not_shown_after_resend_after_is_pending_again() -> None:
    conn = warehouse()
    accepted_quantity(conn)
    later = NOW + timedelta(minutes=30)
    show(conn, "A", quantity=6, price=10.0, at=later)

    result = tick(conn, later)

    # Sent again with the same value, the attempt already made still counted.
    assert outcome(conn) == [("7", "pending", 1)]
    assert (result.queued, result.by_store["us"]["pending"]) == (0, 1)


def test_resend_after_is_the_store_s_own_setting() -> None:
    conn = warehouse()
    accepted_quantity(conn)
    at = NOW + timedelta(minutes=10)
    show(conn, "A", quantity=6, price=10.0, at=at)

    tick(conn, at, push={"uk": PushSettings(resend_after_minutes=5)})
    assert outcome(conn) == [("7", "accepted", 1)]

    tick(conn, at, push={"us": PushSettings(resend_after_minutes=10)})
    assert outcome(conn) == [("7", "pending", 1)]


def test_a_late_snapshot_showing_the_value_confirms_rather_than_resends() -> None:
    conn = warehouse()
    accepted_quantity(conn)
    later = NOW + timedelta(minutes=45)
    show(conn, "A", quantity=7, price=10.0, at=later)

    tick(conn, later)

    assert outcome(conn) == [("7", "confirmed", 1)]


def test_an_accepted_change_never_shown_after_max_attempts_sends_is_given_up() -> None:
    conn = warehouse()
    accepted_quantity(conn, attempts=3)
    later = NOW + timedelta(minutes=30)
    show(conn, "A", quantity=6, price=10.0, at=later)

    tick(conn, later, push={"us": PushSettings(max_attempts=3)})

    assert outcome(conn) == [("7", "failed", 3)]
    [error] = conn.execute("SELECT last_error FROM core.listing_outbox").fetchone() or [None]
    assert error == (
        "Amazon accepted it but no listings snapshot 30 minutes after the last send showed it"
    )
