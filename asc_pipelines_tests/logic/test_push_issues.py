"""The sync issues of changes Amazon refused or that could not be sent (issue 11, section 3):
``push_rejected`` and ``push_failed``, errors, one per change, resolved when the change is
superseded or confirmed."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from asc_pipelines.logic.sync_issues import ensure_sync_issue_schema, refresh_sync_issues
from asc_pipelines_tests.logic.test_outbox import LATER, tick, want
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, warehouse


def _warehouse() -> duckdb.DuckDBPyConnection:
    conn = warehouse()
    ensure_sync_issue_schema(conn)
    return conn


def _issues(conn: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT kind, subject, severity, resolved_at FROM core.sync_issues "
        "WHERE kind LIKE 'push%' ORDER BY first_seen_at"
    ).fetchall()


def test_a_refused_change_is_one_push_rejected_error_until_the_value_changes() -> None:
    conn = _warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=5, price="12.00")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'invalid', "
        "last_issues = 'ERROR 4000001 [purchasable_offer]: the provided value is invalid'"
    )

    first = refresh_sync_issues(conn, now=NOW, store_ids=["us"])
    second = refresh_sync_issues(conn, now=LATER, store_ids=["us"])

    assert (first.opened, second.opened) == (1, 0)
    assert _issues(conn) == [("push_rejected", "A price", "error", None)]
    detail = conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    assert "Amazon refused price 12.0000 (Amazon shows 10.00)" in detail
    assert "4000001" in detail

    resolved = LATER + timedelta(minutes=5)
    want(conn, "A", quantity=5, price="13.00")
    tick(conn, resolved)
    refresh_sync_issues(conn, now=resolved, store_ids=["us"])
    assert _issues(conn) == [("push_rejected", "A price", "error", resolved)]


def test_a_change_given_up_in_transport_is_a_push_failed_error() -> None:
    conn = _warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=0, price="10.00")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'failed', attempts = 5, "
        "last_error = '503 ServiceUnavailable'"
    )

    refresh_sync_issues(conn, now=NOW, store_ids=["us"])

    row = conn.execute("SELECT kind, subject, severity, detail FROM core.sync_issues").fetchone()
    assert row[:3] == ("push_failed", "A quantity", "error")
    assert "gave up sending quantity 0" in row[3] and "503" in row[3] and "(5 attempts)" in row[3]


def test_a_change_given_up_after_accepted_sends_says_why_not_an_earlier_warning() -> None:
    conn = _warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'failed', attempts = 5, "
        "last_issues = '99001 WARNING: a warning Amazon gave with ACCEPTED', "
        "last_error = 'Amazon accepted it but no listings snapshot 30 minutes after the last "
        "send showed it'"
    )

    refresh_sync_issues(conn, now=NOW, store_ids=["us"])

    detail = conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    assert "no listings snapshot 30 minutes after the last send showed it" in detail
    assert "99001" not in detail


def test_a_preview_amazon_answered_invalid_says_what_going_live_would_be_refused() -> None:
    conn = _warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    add_listing(conn, "us", "B", price=10, quantity=5)
    want(conn, "A", quantity=5, price="12.00")
    want(conn, "B", quantity=5, price="12.00")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET checked_mode = 'preview', last_verdict = CASE seller_sku "
        "WHEN 'A' THEN 'INVALID' ELSE 'VALID' END, "
        "last_issues = 'ERROR 4000001 [purchasable_offer]: the provided value is invalid'"
    )

    refresh_sync_issues(conn, now=NOW, store_ids=["us"])

    assert _issues(conn) == [("push_rejected", "A price", "error", None)]  # not B: VALID
    detail = conn.execute("SELECT detail FROM core.sync_issues").fetchone()[0]
    assert detail.startswith("Amazon would refuse (preview) price 12.0000 (Amazon shows 10.00)")
