"""Issue 4, section 2: sync issues open, keep a stable id, escalate and resolve, tick by tick.

Each test builds a tiny in-memory warehouse, runs the matching/status pipeline and then
``refresh_sync_issues`` at a tick time, and reads ``core.sync_issues``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from asc_pipelines.config import SyncIssueSettings
from asc_pipelines.logic.sync_issues import (
    SEVERITY_SQL,
    SyncIssueTick,
    ensure_sync_issue_schema,
    open_issues_per_severity,
    opened_or_escalated,
    refresh_sync_issues,
)
from asc_pipelines.warehouse.source_clock import SourceClockWentBack
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_issue,
    add_listing,
    add_product,
    remove_listing,
    run,
    run_through_desired_listings,
    store,
    warehouse,
)

US = store("us")
BAD_UPC = "036000291453"  # check digit should be 2


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


def tiny() -> duckdb.DuckDBPyConnection:
    conn = warehouse()
    ensure_sync_issue_schema(conn)
    return conn


def tick(
    conn: duckdb.DuckDBPyConnection,
    now: datetime = NOW,
    settings: SyncIssueSettings | None = None,
    stores: tuple[Any, ...] = (US,),
) -> SyncIssueTick:
    """One pipeline tick at ``now``: matches, statuses and desired listings, then the sync
    issues."""
    run_through_desired_listings(conn, list(stores), now)
    return refresh_sync_issues(
        conn, now=now, settings=settings, store_ids=[each.id for each in stores]
    )


def issues(conn: duckdb.DuckDBPyConnection, *, open_only: bool = False) -> list[dict[str, Any]]:
    cursor = conn.execute(
        "SELECT * FROM core.sync_issues "
        + ("WHERE resolved_at IS NULL " if open_only else "")
        + "ORDER BY store_id, kind, subject, first_seen_at"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(conn: duckdb.DuckDBPyConnection, kind: str, **where: Any) -> dict[str, Any]:
    found = [
        i for i in issues(conn) if i["kind"] == kind and all(i[k] == v for k, v in where.items())
    ]
    assert len(found) == 1, found
    return found[0]


def open_ids(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str | None], str]:
    """The open issues' ids by ``(kind, sku)``."""
    return {(i["kind"], i["sku"]): i["issue_id"] for i in issues(conn, open_only=True)}


def kinds(conn: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str | None]]:
    return {(i["store_id"], i["kind"], i["sku"]) for i in issues(conn, open_only=True)}


def fetch(
    conn: duckdb.DuckDBPyConnection, store_id: str, outcome: str, at: datetime, run_id: str = "r"
) -> None:
    conn.execute(
        "INSERT INTO raw.store_fetches (run_id, store_id, dataset, outcome, rows_loaded, "
        "rows_rejected, seconds, message, finished_at) "
        "VALUES (?, ?, 'amazon_listings', ?, 0, 0, 1.0, NULL, ?)",
        [run_id, store_id, outcome, at],
    )


def api_error(
    conn: duckdb.DuckDBPyConnection, store_id: str, operation: str, at: datetime, message: str
) -> None:
    conn.execute(
        "INSERT INTO raw.api_errors VALUES (?, ?, 503, 'ServiceUnavailable', ?, ?, 'r')",
        [store_id, operation, message, at],
    )


# --- Each kind ----------------------------------------------------------------------------------


def test_every_kind_opens_with_its_severity_and_detail() -> None:
    conn = tiny()
    add_product(conn, "PRICE", price=10.00, salable_qty=5)
    add_listing(conn, "us", "PRICE", price=12.50, quantity=5)
    add_product(conn, "QTY", price=9.99, salable_qty=7)
    add_listing(conn, "us", "QTY", price=9.99, quantity=3)
    add_listing(conn, "us", "NOBODY", asin="B000000001")
    add_product(conn, "TWIN-1", asin="B000000002")
    add_product(conn, "TWIN-2", asin="B000000002")
    add_listing(conn, "us", "TWINS", asin="B000000002")
    add_product(conn, "ERR", salable_qty=5)
    add_listing(conn, "us", "ERR", quantity=5)
    add_issue(conn, "us", "ERR", code="18027", message="price too low")
    add_issue(conn, "us", "ERR", code="90220", message="brand missing")
    add_issue(conn, "us", "ERR", code="1", message="just a warning", severity="WARNING")
    add_product(conn, "BADUPC", upc=BAD_UPC, salable_qty=0)
    fetch(conn, "us", "failed", minutes(-20))
    for at in (-50, -30, -10):
        api_error(conn, "us", "getOrders", minutes(at), f"down at {at}")

    result = tick(conn)

    assert kinds(conn) == {
        ("us", "price_mismatch", "PRICE"),
        ("us", "quantity_mismatch", "QTY"),
        ("us", "unmatched_listing", "NOBODY"),
        ("us", "ambiguous_match", "TWINS"),
        ("us", "amazon_listing_error", "ERR"),
        ("magento", "invalid_identifier", "BADUPC"),
        ("us", "stale_store", None),
        ("us", "api_failure", None),
    }
    assert result.opened == 8 and result.resolved == 0 and result.escalated == 0
    assert result.open_by_store == {
        "magento": {"invalid_identifier": 1},
        "us": {
            "amazon_listing_error": 1,
            "ambiguous_match": 1,
            "api_failure": 1,
            "price_mismatch": 1,
            "quantity_mismatch": 1,
            "stale_store": 1,
            "unmatched_listing": 1,
        },
    }
    price = one(conn, "price_mismatch")
    assert price["detail"] == "Amazon price 12.50, Magento price 10.00 (product PRICE)"
    assert price["severity"] == "warning"
    assert one(conn, "quantity_mismatch")["detail"] == (
        "Amazon quantity 3, should be 7 (product QTY)"
    )
    assert "TWIN-1, TWIN-2" in one(conn, "ambiguous_match")["detail"]
    error = one(conn, "amazon_listing_error")
    assert error["severity"] == "error"
    assert error["detail"] == "18027: price too low; 90220: brand missing"
    identifier = one(conn, "invalid_identifier")
    assert identifier["subject"] == "BADUPC upc"
    assert BAD_UPC in identifier["detail"]
    stale = one(conn, "stale_store")
    assert (stale["severity"], stale["subject"]) == ("error", "amazon_listings")
    failure = one(conn, "api_failure")
    assert (failure["severity"], failure["subject"]) == ("error", "getOrders")
    assert "getOrders failed 3 times" in failure["detail"]
    assert failure["detail"].endswith("down at -10")
    for issue in issues(conn):
        assert issue["first_seen_at"] == issue["last_seen_at"] == NOW
        assert issue["resolved_at"] is None and issue["escalated_at"] is None


def test_an_amazon_identifier_problem_belongs_to_its_store() -> None:
    conn = tiny()
    add_listing(conn, "us", "AMZ-1", asin="B000000001", product_id=BAD_UPC, product_id_type="UPC")
    tick(conn)
    issue = one(conn, "invalid_identifier")
    assert (issue["store_id"], issue["sku"]) == ("us", "AMZ-1")


def test_only_matched_active_merchant_fulfilled_listings_are_compared() -> None:
    conn = tiny()
    add_product(conn, "FBA", price=10)
    add_listing(conn, "us", "FBA", price=20, quantity=None, fulfillment_channel="AMAZON_NA")
    add_product(conn, "OFF", price=10)
    add_listing(conn, "us", "OFF", price=20, quantity=1, status="Inactive")
    add_product(conn, "GONE", price=10, salable_qty=0)  # ineligible: out of stock
    add_listing(conn, "us", "GONE", price=20, quantity=3)
    add_product(conn, "NOPRICE", price=None)
    add_listing(conn, "us", "NOPRICE", price=12, quantity=10)
    tick(conn)
    assert kinds(conn) == set()


def test_price_tolerance_is_absolute_and_configurable() -> None:
    conn = tiny()
    for sku, amazon in (("SAME", 10.00), ("CENT", 10.01), ("TWO-CENTS", 10.02), ("LOW", 9.50)):
        add_product(conn, sku, price=10.00)
        add_listing(conn, "us", sku, price=amazon, quantity=10)
    tick(conn)
    assert {i["sku"] for i in issues(conn, open_only=True)} == {"TWO-CENTS", "LOW"}
    tick(conn, minutes(5), SyncIssueSettings(price_tolerance=Decimal("0.10")))
    assert {i["sku"] for i in issues(conn, open_only=True)} == {"LOW"}


def test_quantity_is_compared_with_the_capped_listed_quantity() -> None:
    capped = store("us", max_listed_quantity=5)
    conn = tiny()
    add_product(conn, "AT-CAP", salable_qty=20)
    add_listing(conn, "us", "AT-CAP", quantity=5)
    add_product(conn, "ALL-STOCK", salable_qty=20)
    add_listing(conn, "us", "ALL-STOCK", quantity=20)
    tick(conn, stores=(capped,))
    issue = one(conn, "quantity_mismatch")
    assert issue["sku"] == "ALL-STOCK"
    assert issue["detail"] == "Amazon quantity 20, should be 5 (product ALL-STOCK)"


# --- Life cycle ---------------------------------------------------------------------------------


def test_an_issue_seen_on_two_ticks_keeps_its_id_and_moves_last_seen_at() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    tick(conn)
    first = one(conn, "price_mismatch")
    second_tick = tick(conn, minutes(5))
    again = one(conn, "price_mismatch")
    assert second_tick.opened == 0 and second_tick.resolved == 0
    assert again["issue_id"] == first["issue_id"]
    assert again["first_seen_at"] == NOW
    assert again["last_seen_at"] == minutes(5)
    assert again["resolved_at"] is None


def _judged_without_desired_listings(conn: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """``sync_issues`` materialized alone after the statuses, ``desired_listings`` never run
    (a warehouse just upgraded to it: the table exists and is empty)."""
    conn.execute("DELETE FROM core.desired_listings")
    run(conn, [US], now)
    refresh_sync_issues(conn, now=now, store_ids=["us"])


def test_mismatches_judged_before_desired_listings_ever_ran_stay_open_and_none_opens() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10, salable_qty=10)
    add_listing(conn, "us", "MUG", price=12, quantity=3)
    tick(conn)
    before = open_ids(conn)
    add_product(conn, "CUP", price=20, salable_qty=5)
    add_listing(conn, "us", "CUP", price=25, quantity=1)  # a new mismatch, not judged yet

    _judged_without_desired_listings(conn, minutes(5))

    assert set(before) == {("price_mismatch", "MUG"), ("quantity_mismatch", "MUG")}
    assert open_ids(conn) == before
    assert (
        one(conn, "price_mismatch")["detail"]
        == "Amazon price 12.00, Magento price 10.00 (product MUG)"
    )
    changes = conn.execute(
        "SELECT change, count(*) FROM core.sync_issue_events GROUP BY change"
    ).fetchall()
    assert changes == [("opened", 2)]
    tick(conn, minutes(10))  # desired_listings ran: CUP is judged, MUG's issues go on
    after = open_ids(conn)
    assert set(after) == {*before, ("price_mismatch", "CUP"), ("quantity_mismatch", "CUP")}
    assert {key: after[key] for key in before} == before


def test_a_mismatch_of_a_listing_no_longer_active_resolves_without_desired_listings() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10, salable_qty=10)
    add_listing(conn, "us", "MUG", price=12, quantity=3)
    tick(conn)
    remove_listing(conn, "us", "MUG")

    _judged_without_desired_listings(conn, minutes(5))

    assert kinds(conn) == set()


def test_detail_follows_the_current_data_while_the_issue_stays_open() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    tick(conn)
    conn.execute("UPDATE raw.amazon_listings SET price = 13 WHERE seller_sku = 'MUG'")
    tick(conn, minutes(5))
    issue = one(conn, "price_mismatch")
    assert issue["detail"].startswith("Amazon price 13.00")


def test_a_fixed_problem_resolves_and_one_that_comes_back_is_a_new_issue() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    tick(conn)
    opened = one(conn, "price_mismatch")

    conn.execute("UPDATE raw.amazon_listings SET price = 10 WHERE seller_sku = 'MUG'")
    fixed = tick(conn, minutes(5))
    assert (fixed.opened, fixed.resolved) == (0, 1)
    resolved = one(conn, "price_mismatch")
    assert resolved["issue_id"] == opened["issue_id"]
    assert resolved["resolved_at"] == minutes(5)
    assert resolved["last_seen_at"] == NOW
    assert fixed.open_by_store == {}

    tick(conn, minutes(10))  # still fixed: nothing changes
    assert one(conn, "price_mismatch")["resolved_at"] == minutes(5)

    conn.execute("UPDATE raw.amazon_listings SET price = 12 WHERE seller_sku = 'MUG'")
    back = tick(conn, minutes(15))
    assert (back.opened, back.resolved) == (1, 0)
    both = [i for i in issues(conn) if i["kind"] == "price_mismatch"]
    assert len(both) == 2
    old, new = both
    assert old["issue_id"] == opened["issue_id"] and old["resolved_at"] == minutes(5)
    assert new["issue_id"] != opened["issue_id"]
    assert (new["first_seen_at"], new["resolved_at"]) == (minutes(15), None)


def test_a_removed_listing_resolves_its_issues() -> None:
    conn = tiny()
    add_listing(conn, "us", "STRAY", asin="B000000001")
    tick(conn)
    assert kinds(conn) == {("us", "unmatched_listing", "STRAY")}
    remove_listing(conn, "us", "STRAY")
    assert tick(conn, minutes(5)).resolved == 1
    assert kinds(conn) == set()


def test_issue_ids_are_deterministic() -> None:
    runs = []
    for _ in range(2):
        conn = tiny()
        add_listing(conn, "us", "STRAY", asin="B000000001")
        tick(conn)
        runs.append(one(conn, "unmatched_listing")["issue_id"])
    assert runs[0] == runs[1]


def test_a_store_no_longer_configured_has_its_issues_resolved() -> None:
    conn = tiny()
    add_listing(conn, "us", "STRAY", asin="B000000001")
    add_listing(conn, "uk", "STRAY", asin="B000000001")
    uk = store("uk", marketplace="UK")
    tick(conn, stores=(US, uk))
    assert {i["store_id"] for i in issues(conn, open_only=True)} == {"us", "uk"}
    tick(conn, minutes(5), stores=(US,))
    assert {i["store_id"] for i in issues(conn, open_only=True)} == {"us"}


# --- Severity -----------------------------------------------------------------------------------


def test_mismatches_escalate_after_escalate_after_minutes_of_tick_time() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    add_listing(conn, "us", "STRAY", asin="B000000001")
    tick(conn)
    assert tick(conn, minutes(55)).escalated == 0
    assert one(conn, "price_mismatch")["severity"] == "warning"

    at_hour = tick(conn, minutes(60))
    assert at_hour.escalated == 1
    issue = one(conn, "price_mismatch")
    assert (issue["severity"], issue["escalated_at"]) == ("error", minutes(60))
    stray = one(conn, "unmatched_listing")  # not a mismatch: never escalates
    assert (stray["severity"], stray["escalated_at"]) == ("warning", None)

    again = refresh_sync_issues(conn, now=minutes(60), store_ids=["us"])  # same tick again
    assert (again.opened, again.resolved, again.escalated) == (0, 0, 0)
    assert tick(conn, minutes(65)).escalated == 0  # escalated once, stays an error
    issue = one(conn, "price_mismatch")
    assert (issue["severity"], issue["escalated_at"]) == ("error", minutes(60))


def test_escalation_time_is_configurable() -> None:
    conn = tiny()
    add_product(conn, "MUG", salable_qty=10)
    add_listing(conn, "us", "MUG", quantity=4)
    settings = SyncIssueSettings(escalate_after_minutes=10)
    tick(conn, settings=settings)
    assert tick(conn, minutes(10), settings).escalated == 1
    assert one(conn, "quantity_mismatch")["severity"] == "error"


def _disagreeing_with_the_rule(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        f"SELECT issue_id, kind, severity, escalated_at FROM core.sync_issues "
        f"WHERE severity <> ({SEVERITY_SQL})"
    ).fetchall()


def test_severity_is_a_function_of_kind_and_escalation_alone() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10, salable_qty=10)
    add_listing(conn, "us", "MUG", price=12, quantity=4)
    add_product(conn, "ERR", salable_qty=5)
    add_listing(conn, "us", "ERR", quantity=5)
    add_issue(conn, "us", "ERR", code="18027", message="price too low")
    add_listing(conn, "us", "STRAY", asin="B000000001")
    for at in (0, 30, 60, 65, 120):
        tick(conn, minutes(at))
        assert _disagreeing_with_the_rule(conn) == []
    by_kind = {i["kind"]: (i["severity"], i["escalated_at"]) for i in issues(conn)}
    assert by_kind["price_mismatch"] == ("error", minutes(60))
    assert by_kind["quantity_mismatch"] == ("error", minutes(60))
    assert by_kind["amazon_listing_error"] == ("error", None)
    assert by_kind["unmatched_listing"] == ("warning", None)


def test_rows_written_under_the_old_rule_are_repaired_at_the_next_tick() -> None:
    """Landed main left mismatches escalated yet at severity warning after a clock rewind."""
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    tick(conn)
    tick(conn, minutes(60))
    conn.execute("UPDATE core.sync_issues SET severity = 'warning'")  # what the old touch did
    assert len(_disagreeing_with_the_rule(conn)) == 1
    tick(conn, minutes(65))
    assert _disagreeing_with_the_rule(conn) == []
    assert one(conn, "price_mismatch")["severity"] == "error"


def test_a_tick_earlier_than_one_already_judged_is_refused_and_changes_nothing() -> None:
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    tick(conn, minutes(600))
    before = issues(conn)
    events = conn.execute("SELECT count(*) FROM core.sync_issue_events").fetchone()
    remove_listing(conn, "us", "MUG")  # the rewound tick would resolve it, at an earlier time
    run_through_desired_listings(conn, [US], minutes(0))
    with pytest.raises(SourceClockWentBack) as refused:
        refresh_sync_issues(conn, now=minutes(0), store_ids=["us"])
    message = str(refused.value)
    assert "store us" in message
    assert minutes(0).strftime("%Y-%m-%d %H:%M:%S") in message
    assert minutes(600).strftime("%Y-%m-%d %H:%M:%S") in message
    assert issues(conn) == before
    assert conn.execute("SELECT count(*) FROM core.sync_issue_events").fetchone() == events


# --- The event log ------------------------------------------------------------------------------


def events(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, datetime, str]]:
    return conn.execute(
        "SELECT event_id, kind, change, event_at, severity FROM core.sync_issue_events "
        "ORDER BY event_id"
    ).fetchall()


def mismatch_and_stray() -> duckdb.DuckDBPyConnection:
    """A price mismatch (escalates) and an unmatched listing (never does)."""
    conn = tiny()
    add_product(conn, "MUG", price=10)
    add_listing(conn, "us", "MUG", price=12, quantity=10)
    add_listing(conn, "us", "STRAY", asin="B000000001")
    return conn


def test_what_a_tick_opened_or_escalated_comes_errors_first() -> None:
    conn = mismatch_and_stray()
    tick(conn)
    add_product(conn, "TWIN-1", asin="B000000002")
    add_product(conn, "TWIN-2", asin="B000000002")
    add_listing(conn, "us", "TWINS", asin="B000000002")
    tick(conn, minutes(60))  # escalates the price mismatch, opens the ambiguous match

    newest = opened_or_escalated(conn, minutes(60), limit=20)
    assert newest[0][4] == "Amazon price 12.00, Magento price 10.00 (product MUG)"
    assert [row[:4] for row in newest] == [
        ("us", "price_mismatch", "error", "MUG"),
        ("us", "ambiguous_match", "warning", "TWINS"),
    ]  # STRAY is still open, but this tick neither opened nor escalated it
    assert opened_or_escalated(conn, minutes(60), limit=1) == newest[:1]
    assert open_issues_per_severity(conn) == {"error": 1, "warning": 2}


def test_every_opening_escalation_and_resolution_is_logged_once_in_growing_order() -> None:
    conn = mismatch_and_stray()
    tick(conn)
    tick(conn, minutes(60))
    refresh_sync_issues(conn, now=minutes(60), store_ids=["us"])  # the same tick again
    remove_listing(conn, "us", "STRAY")
    tick(conn, minutes(65))
    assert [(kind, change, at, severity) for _, kind, change, at, severity in events(conn)] == [
        ("price_mismatch", "opened", NOW, "warning"),
        ("unmatched_listing", "opened", NOW, "warning"),
        ("price_mismatch", "escalated", minutes(60), "error"),
        ("unmatched_listing", "resolved", minutes(65), "warning"),
    ]
    assert [row[0] for row in events(conn)] == [1, 2, 3, 4]


def test_a_warehouse_with_issues_but_no_event_log_gets_its_past_events_derived_once() -> None:
    conn = mismatch_and_stray()
    tick(conn)
    tick(conn, minutes(60))
    logged = events(conn)
    conn.execute("DELETE FROM core.sync_issue_events")  # as a warehouse from before the log
    tick(conn, minutes(65))
    tick(conn, minutes(70))
    assert events(conn) == logged


# --- Stale stores and API failures --------------------------------------------------------------


def test_a_store_is_stale_when_its_last_good_snapshot_is_older_than_the_limit() -> None:
    conn = tiny()
    fetch(conn, "us", "ok", NOW)
    fetch(conn, "us", "failed", minutes(5))
    fetch(conn, "us", "failed", minutes(10))
    tick(conn, minutes(15))  # exactly 15 minutes: not yet
    assert kinds(conn) == set()
    tick(conn, minutes(16))
    stale = one(conn, "stale_store")
    assert stale["store_id"] == "us" and stale["severity"] == "error"
    assert "last successful listings snapshot" in stale["detail"]

    conn.execute(
        "INSERT INTO raw.amazon_listing_snapshots (store_id, snapshot_at, rows_loaded, "
        "rows_rejected) VALUES ('us', ?, 0, 0)",
        [minutes(18)],
    )
    assert tick(conn, minutes(20)).resolved == 1
    assert kinds(conn) == set()
    tick(conn, minutes(20), SyncIssueSettings(stale_store_minutes=1))
    assert kinds(conn) == {("us", "stale_store", None)}


def test_a_store_never_successful_is_stale_counting_from_its_first_attempt() -> None:
    conn = tiny()
    fetch(conn, "us", "failed", NOW)
    tick(conn, minutes(10))
    assert kinds(conn) == set()
    tick(conn, minutes(20))
    assert kinds(conn) == {("us", "stale_store", None)}
    assert "no successful listings snapshot yet" in one(conn, "stale_store")["detail"]


def test_api_failure_needs_the_threshold_within_the_window_for_one_store_and_operation() -> None:
    conn = tiny()
    api_error(conn, "us", "getOrders", minutes(-70), "too old")
    api_error(conn, "us", "getOrders", minutes(-40), "first")
    api_error(conn, "us", "getOrders", minutes(-20), "second")
    api_error(conn, "us", "createReport", minutes(-10), "other operation")
    api_error(conn, "uk", "getOrders", minutes(-10), "other store")
    tick(conn)
    assert kinds(conn) == set()

    api_error(conn, "us", "getOrders", minutes(3), "third")
    api_error(conn, "magento", "magento.products", minutes(1), "m1")
    api_error(conn, "magento", "magento.products", minutes(2), "m2")
    api_error(conn, "magento", "magento.products", minutes(3), "m3")
    tick(conn, minutes(5))
    assert kinds(conn) == {("us", "api_failure", None), ("magento", "api_failure", None)}
    assert one(conn, "api_failure", store_id="us")["detail"].endswith("third")

    tick(conn, minutes(5), SyncIssueSettings(api_failure_threshold=4))
    assert kinds(conn) == set()


def test_api_failures_age_out_of_the_window() -> None:
    conn = tiny()
    for at in (1, 2, 3):
        api_error(conn, "us", "getOrders", minutes(at), f"e{at}")
    tick(conn, minutes(5))
    first = one(conn, "api_failure")
    tick(conn, minutes(60))  # the window is (now - 60 min, now]: e1 at +1 min is still in
    assert one(conn, "api_failure")["issue_id"] == first["issue_id"]
    assert tick(conn, minutes(61)).resolved == 1
    assert kinds(conn) == set()


# --- Settings and schema ------------------------------------------------------------------------


def test_settings_defaults_and_validation() -> None:
    settings = SyncIssueSettings()
    assert settings.price_tolerance == Decimal("0.01")
    assert settings.stale_store_minutes == 15
    assert settings.api_failure_threshold == 3
    assert settings.api_failure_window_minutes == 60
    assert settings.escalate_after_minutes == 60
    with pytest.raises(ValidationError):
        SyncIssueSettings(api_failure_threshold=0)
    with pytest.raises(ValidationError):
        SyncIssueSettings(price_tolerence=1)  # type: ignore[call-arg]


def test_the_tick_time_must_carry_a_time_zone() -> None:
    conn = tiny()
    with pytest.raises(ValueError, match="timezone-aware"):
        refresh_sync_issues(conn, now=NOW.replace(tzinfo=None))


def test_every_column_has_a_comment_and_the_ddl_is_idempotent() -> None:
    conn = tiny()
    ensure_sync_issue_schema(conn)
    table = conn.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'core' "
        "AND table_name = 'sync_issues'"
    ).fetchone()
    assert table is not None and table[0]
    missing = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'core' "
        "AND table_name = 'sync_issues' AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert missing == []
