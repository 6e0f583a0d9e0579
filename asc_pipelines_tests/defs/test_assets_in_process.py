"""The core and publishing assets in this process, on a hand-made warehouse (no sandbox, no HTTP).

Each test writes a few raw rows, records the fetches of a tick at a chosen time and runs the real
assets with ``dg.materialize`` (``warehouse_fixtures``), then reads the tables they wrote and the
metadata they reported. Times are in 2024, so an asset that took this machine's clock instead of
the tick's would show it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from asc_pipelines_tests.defs.warehouse_fixtures import (
    InProcessWarehouse,
    at,
    change_listing,
    in_process_warehouse,
    metadata,
)
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product

CORE = ("product_matches", "listings_by_status", "desired_listings", "sync_issues")
T1 = at("2024-06-01 12:00")


@pytest.fixture
def warehouse(tmp_path: Path) -> InProcessWarehouse:
    """Two stores: in the US a price mismatch, a quantity mismatch and a listing no product
    matches; in the UK a listing in step with its product."""
    warehouse = in_process_warehouse(tmp_path)
    with warehouse.connect() as conn:
        add_product(conn, "MUG", price=10, salable_qty=10)
        add_product(conn, "CUP", price=20, salable_qty=7)
        add_product(conn, "HAT", price=15, salable_qty=3, website_codes=["uk_site"])
        add_product(conn, "BOX", price=30, salable_qty=5, asin="B0000000B0")
        add_listing(conn, "us", "MUG", asin="B000000001", price=12, quantity=10)
        add_listing(conn, "us", "CUP", asin="B000000002", price=20, quantity=3)
        add_listing(conn, "us", "STRANGER", asin="B000000003")
        add_listing(conn, "uk", "HAT", asin="B000000004", price=15, quantity=3)
    return warehouse


def _issues(warehouse: InProcessWarehouse) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        rows = conn.execute(
            "SELECT issue_id, store_id, kind, sku, severity, first_seen_at, last_seen_at, "
            "escalated_at, resolved_at FROM core.sync_issues"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_sync_issues_open_keep_escalate_and_resolve_over_two_ticks(
    warehouse: InProcessWarehouse,
) -> None:
    first = metadata(warehouse.tick(T1, *CORE), "sync_issues")
    before = _issues(warehouse)
    assert {(row[0], row[1], row[2]) for row in before.values()} == {
        ("us", "price_mismatch", "MUG"),
        ("us", "quantity_mismatch", "CUP"),
        ("us", "unmatched_listing", "STRANGER"),
    }
    assert all(row[7] is None for row in before.values())  # nothing resolved yet
    assert all(row[4] == row[5] == T1 for row in before.values())
    assert first["tick_time"] == T1.isoformat()
    assert first["opened_this_tick"] == first["open_issues"] == len(before)
    assert first["dagster/row_count"] == len(before)
    per_store = first["open_per_store_and_kind"]
    assert sum(n for kinds in per_store.values() for n in kinds.values()) == len(before)
    price_issue = next(i for i, row in before.items() if row[1] == "price_mismatch")

    # The MUG listing closes on Amazon, a listing nobody knows appears in the UK, and an hour
    # and five minutes pass: longer than sync_issues.escalate_after_minutes (60).
    with warehouse.connect() as conn:
        change_listing(conn, "us", "MUG", status="Inactive")
        add_listing(conn, "uk", "UK-NEW", asin="B000000005")
    t2 = T1 + timedelta(minutes=65)
    second = metadata(warehouse.tick(t2, *CORE), "sync_issues")
    after = _issues(warehouse)

    assert after[price_issue][7] == t2  # resolved at tick 2
    kept = [i for i, row in before.items() if after[i][7] is None]
    assert sorted(after[i][1] for i in kept) == ["quantity_mismatch", "unmatched_listing"]
    for issue_id in kept:  # same id, same opening, seen again now
        assert after[issue_id][4] == T1 and after[issue_id][5] == t2
    escalated = [i for i in kept if after[i][6] is not None]
    assert escalated and all(after[i][3] == "error" for i in escalated)
    assert {after[i][1] for i in escalated} <= {"price_mismatch", "quantity_mismatch"}
    assert all(after[i][6] == t2 for i in escalated)
    assert all(after[i][3] == "warning" for i in kept if i not in escalated)

    assert second["tick_time"] == t2.isoformat()
    assert second["resolved_this_tick"] == sum(1 for row in after.values() if row[7] == t2) == 1
    assert second["escalated_this_tick"] == len(escalated) == 1
    opened = [i for i, row in after.items() if row[4] == t2]
    assert [after[i][:3] for i in opened] == [("uk", "unmatched_listing", "UK-NEW")]
    assert second["opened_this_tick"] == len(opened)
    assert second["open_errors"] == 1 and second["open_warnings"] == 2


def test_sync_issues_without_a_new_fetch_judge_as_of_the_last_one_and_change_nothing(
    warehouse: InProcessWarehouse,
) -> None:
    """Materialized alone (no fetch in its run), it judges as of the last fetch: by this
    machine's clock, years after the tick, the mismatches would have escalated."""
    warehouse.tick(T1, *CORE)
    before = _issues(warehouse)

    again = metadata(warehouse.materialize("sync_issues"), "sync_issues")

    assert again["tick_time"] == T1.isoformat()
    assert (
        again["opened_this_tick"],
        again["resolved_this_tick"],
        again["escalated_this_tick"],
    ) == (0, 0, 0)
    assert _issues(warehouse) == before


def test_sync_issues_materialized_alone_before_desired_listings_ever_ran_resolve_no_mismatch(
    warehouse: InProcessWarehouse,
) -> None:
    """A warehouse upgraded to desired_listings (its table there, empty) and sync_issues
    materialized alone in the UI: the open mismatches are not judged, so none resolves."""
    warehouse.tick(T1, *CORE)
    before = _issues(warehouse)
    with warehouse.connect() as conn:
        conn.execute("DELETE FROM core.desired_listings")

    later = T1 + timedelta(minutes=5)
    after = metadata(
        warehouse.tick(later, "product_matches", "listings_by_status", "sync_issues"),
        "sync_issues",
    )

    assert (after["opened_this_tick"], after["resolved_this_tick"]) == (0, 0)
    now = _issues(warehouse)
    assert {i: row[:3] for i, row in now.items()} == {i: row[:3] for i, row in before.items()}
    assert {row[1] for row in now.values() if row[7] is None} == {
        "price_mismatch",
        "quantity_mismatch",
        "unmatched_listing",
    }


def test_product_matches_reports_each_store_s_matches_and_eligible_products(
    warehouse: InProcessWarehouse,
) -> None:
    values = metadata(warehouse.tick(T1, "product_matches"), "product_matches")

    assert values["matched_share_per_store"] == {"uk": 100.0, "us": 66.7}
    assert values["matched_per_method"] == {
        "uk": {"seller_sku": 1, "asin": 0, "product_id": 0},
        "us": {"seller_sku": 2, "asin": 0, "product_id": 0},
    }
    assert values["ambiguous"] == 0
    assert values["eligible_products_per_store"] == {"uk": 1, "us": 3}
    assert values["identifier_problems"] == {}
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        matches = conn.execute(
            "SELECT store_id, seller_sku, magento_sku, method, matched_at "
            "FROM core.product_matches ORDER BY ALL"
        ).fetchall()
    assert values["dagster/row_count"] == len(matches)
    assert matches == [
        ("uk", "HAT", "HAT", "seller_sku", T1),
        ("us", "CUP", "CUP", "seller_sku", T1),
        ("us", "MUG", "MUG", "seller_sku", T1),
        ("us", "STRANGER", None, None, T1),
    ]


def test_listings_by_status_records_each_tab_as_its_own_partition_with_its_rows(
    warehouse: InProcessWarehouse,
) -> None:
    result = warehouse.tick(T1, "product_matches", "listings_by_status")

    events = result.asset_materializations_for_node("listings_by_status")
    by_tab = {event.partition: event.metadata for event in events}
    assert len(events) == len(by_tab) == 7
    counts = {tab: values["dagster/row_count"].value for tab, values in by_tab.items()}
    assert counts == {
        "active": 3,
        "ready_to_list": 1,
        "inactive": 0,
        "ineligible": 0,
        "incomplete": 0,
        "ended": 0,
        "new_third_party": 1,
    }
    assert by_tab["active"]["rows_per_store"].value == {"uk": 1, "us": 2}
    assert by_tab["ready_to_list"]["rows_per_store"].value == {"us": 1}
    assert by_tab["active"]["top_reasons"].value == {"listed": 3}
    assert by_tab["new_third_party"]["top_reasons"].value == {"no_catalog_match": 1}
    # HAT sells only on the UK website; MUG, CUP and BOX only on the US one.
    assert all(
        values["products_neither_listed_nor_eligible"].value == {"uk": 3, "us": 1}
        for values in by_tab.values()
    )
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        stamped = conn.execute("SELECT DISTINCT computed_at FROM core.listing_status").fetchall()
    assert stamped == [(T1,)]  # the tick's time, by the sources' clock


def test_before_any_fetch_the_assets_leave_their_tables_as_they_are_and_say_so(
    warehouse: InProcessWarehouse,
) -> None:
    result = warehouse.materialize(
        "sync_issues", "listing_history", "listing_status_trend", "store_health"
    )

    issues = metadata(result, "sync_issues")
    assert (issues["tick_time"], issues["open_issues"], issues["dagster/row_count"]) == ("", 0, 0)
    history = metadata(result, "listing_history")
    assert (history["tick_time"], history["rows_added_this_tick"]) == ("", 0)
    for trend in ("listing_status_trend", "store_health"):
        values = metadata(result, trend)
        assert (values["as_of"], values["dagster/row_count"]) == ("", 0), trend


def test_analyst_copy_publishes_what_the_tick_wrote(warehouse: InProcessWarehouse) -> None:
    values = metadata(warehouse.tick(T1, *CORE, "analyst_copy"), "analyst_copy")

    published = warehouse.data / "asc.duckdb"
    assert values["path"] == str(published.resolve())
    assert values["bytes"] == published.stat().st_size > 0
    counts = "SELECT (SELECT count(*) FROM core.listing_status), count(*) FROM core.sync_issues"
    with duckdb.connect(str(published), read_only=True) as copy:
        copied = copy.execute(counts).fetchone()
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as conn:
        assert copied == conn.execute(counts).fetchone() == (5, 3)
