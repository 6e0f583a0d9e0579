"""The send step's rules (issue 11, section 3) on a tiny warehouse: what is due, with which
values, and how each outcome is recorded on the outbox."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from asc_pipelines.logic.pushes import (
    ListingChange,
    Verdict,
    changes_to_send,
    record_answer,
    record_dry_run,
    record_failure,
    record_sending,
)
from asc_pipelines_tests.logic.test_outbox import LATER, tick, want
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse


def _drifted() -> duckdb.DuckDBPyConnection:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    add_listing(conn, "us", "B", price=10, quantity=5)
    want(conn, "A", quantity=7, price="12.00")
    want(conn, "B", quantity=0, price="10.00")
    tick(conn)
    return conn


def _status(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int]]:
    return conn.execute(
        "SELECT seller_sku, attribute, status, attempts FROM core.listing_outbox ORDER BY ALL"
    ).fetchall()


def test_one_change_per_listing_carries_quantity_and_price_most_urgent_first() -> None:
    conn = _drifted()

    due = changes_to_send(conn, "us", mode="live", limit=10, now=LATER)

    assert [(c.seller_sku, c.quantity, c.price, c.currency) for c in due] == [
        ("B", 0, None, "USD"),  # a quantity dropping to 0 goes first
        ("A", 7, Decimal("12.0000"), "USD"),
    ]
    assert len(due[1].change_ids) == 2
    assert [c.seller_sku for c in changes_to_send(conn, "us", mode="live", limit=1, now=LATER)] == [
        "B"
    ]


def test_the_values_sent_are_the_desired_state_at_send_time() -> None:
    conn = _drifted()
    want(conn, "A", quantity=6, price="12.00")  # Magento moved on after the outbox was built

    due = changes_to_send(conn, "us", mode="live", limit=10, now=LATER)

    a = [c for c in due if c.seller_sku == "A"]
    assert [(c.quantity, c.price) for c in a] == [(None, Decimal("12.0000"))]
    assert ("A", "quantity", "superseded", 0) in _status(conn)


def test_dry_run_and_preview_look_at_a_change_once_per_mode_live_sends_it_anyway() -> None:
    conn = _drifted()
    for change in changes_to_send(conn, "us", mode="dry_run", limit=10, now=NOW):
        record_dry_run(conn, change, {"patches": []}, now=NOW)

    assert changes_to_send(conn, "us", mode="dry_run", limit=10, now=NOW) == []
    previewed = changes_to_send(conn, "us", mode="preview", limit=10, now=NOW)
    for change in previewed:
        verdict = Verdict("VALID", "s1")
        record_answer(conn, change, verdict, preview=True, request={}, now=NOW)
    assert len(previewed) == 2
    assert changes_to_send(conn, "us", mode="preview", limit=10, now=NOW) == []
    assert len(changes_to_send(conn, "us", mode="live", limit=10, now=NOW)) == 2
    assert {row[2] for row in _status(conn)} == {"pending"}


def _b(conn: duckdb.DuckDBPyConnection) -> ListingChange:
    [change] = [
        c
        for c in changes_to_send(conn, "us", mode="live", limit=10, now=NOW)
        if c.seller_sku == "B"
    ]
    return change


def test_answers_make_changes_accepted_or_invalid_with_amazon_s_issues() -> None:
    conn = _drifted()
    for change in changes_to_send(conn, "us", mode="live", limit=10, now=NOW):
        record_sending(conn, change, {}, now=NOW)
        status = "ACCEPTED" if change.seller_sku == "A" else "INVALID"
        verdict = Verdict(status, "s1", ("ERROR 1 [fulfillment_availability]: no",))
        record_answer(conn, change, verdict, preview=False, request={}, now=NOW)

    assert _status(conn) == [
        ("A", "price", "accepted", 1),
        ("A", "quantity", "accepted", 1),
        ("B", "quantity", "invalid", 1),
    ]
    assert changes_to_send(conn, "us", mode="live", limit=10, now=NOW) == []


def test_failed_calls_count_until_max_attempts_then_the_change_is_failed() -> None:
    conn = _drifted()
    for _ in range(3):
        change = _b(conn)
        record_sending(conn, change, {}, now=NOW)
        record_failure(conn, change, "500 InternalFailure", max_attempts=3, counted=True, now=NOW)
        if _ < 2:
            assert ("B", "quantity", "pending", _ + 1) in _status(conn)

    assert ("B", "quantity", "failed", 3) in _status(conn)
    assert [c.seller_sku for c in changes_to_send(conn, "us", mode="live", limit=10, now=NOW)] == [
        "A"
    ]


def test_a_call_the_tick_s_deadline_stopped_gives_its_attempt_back() -> None:
    conn = _drifted()
    change = _b(conn)
    record_sending(conn, change, {}, now=NOW)

    record_failure(conn, change, "deadline", max_attempts=1, counted=False, now=NOW)

    assert ("B", "quantity", "pending", 0) in _status(conn)
