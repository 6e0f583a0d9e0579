"""History, trends, README's trend questions and the report pages, on a hand-made warehouse.

The real downstream assets run in this process (``dg.materialize``) over seven ticks whose times
and changes are chosen by hand: five-minute steps up to a UTC midnight and across it, a tick that
changes nothing, a jump of eight days, a seller closing a listing and a last quiet day. After each
tick the test keeps the state the pipeline classified, and ``history_oracle`` recomputes the
history and every trend from those states, the hand-made orders and the sync issues, and compares
exactly. The end-to-end test (``test_history_and_trends.py``) keeps what needs the sandbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines_tests.browser import chromium, render
from asc_pipelines_tests.defs.history_oracle import (
    TABLES_OF_ASSETS,
    Sales,
    Tick,
    capture,
    changes_by_tick,
    check_sales,
    check_status_trend,
    check_store_health_counts,
    check_sync_issue_trend,
    expected_history,
    quantity_mismatch_durations,
    ready_for_more_than_a_week,
    recorded_history,
    sales_last_30_days,
    went_inactive_yesterday,
)
from asc_pipelines_tests.defs.warehouse_fixtures import (
    CURRENCIES,
    DOWNSTREAM,
    STORES,
    InProcessWarehouse,
    add_order,
    at,
    change_listing,
    in_process_warehouse,
    metadata,
)
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, add_product, remove_listing
from asc_pipelines_tests.readme import readme_queries

# Every tick but the last leaves the pages and the analysts' copy for the last one.
EVERY_TICK = tuple(key for key in DOWNSTREAM if key not in ("report_pages", "analyst_copy"))


@dataclass(frozen=True)
class Order:
    """An Amazon order as ``add_order`` writes it: lines of (units, line price)."""

    store_id: str
    order_id: str
    purchased_at: datetime
    lines: tuple[tuple[int, str], ...]
    status: str = "Shipped"
    total: str | None = None


@dataclass
class Timeline:
    """The warehouse after the seven ticks, with what each tick saw and the last run."""

    warehouse: InProcessWarehouse
    ticks: list[Tick]
    orders: list[Order]
    history_rows: list[int]  # rows of core.listing_history after each tick
    runs: list[dg.ExecuteInProcessResult]  # one per tick

    @property
    def as_of(self) -> datetime:
        return self.ticks[-1].at

    @property
    def last_run(self) -> dg.ExecuteInProcessResult:
        return self.runs[-1]

    def published(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse.data / "asc.duckdb"), read_only=True)


def _first_tick(conn: duckdb.DuckDBPyConnection) -> None:
    """Both stores' catalogs and listings: active, mismatched, ineligible, unmatched, unlisted."""
    add_product(conn, "MUG", price=10, salable_qty=10, website_codes=["base", "uk_site"])
    add_product(conn, "CUP", price=20, salable_qty=7)
    add_product(conn, "PEN", price=5, salable_qty=4)
    add_product(conn, "BOX", price=30, salable_qty=5, asin="B0000000B0")  # ready to list
    add_product(conn, "TOY", price=12, salable_qty=6)
    add_product(conn, "KIT", type_id="bundle")  # never eligible
    add_product(conn, "VASE", price=8, salable_qty=2)  # unlisted, no identifier to look up
    add_product(conn, "HAT", price=15, salable_qty=3, website_codes=["uk_site"])
    add_listing(conn, "us", "MUG", asin="B000000001", price=10, quantity=10)
    add_listing(conn, "us", "CUP", asin="B000000002", price=20, quantity=3)  # quantity mismatch
    add_listing(conn, "us", "PEN", asin="B000000003", price=6, quantity=4)  # price mismatch
    add_listing(conn, "us", "TOY", asin="B000000004", price=12, quantity=6)
    add_listing(conn, "us", "KIT", asin="B000000005")
    add_listing(conn, "uk", "MUG", asin="B000000001", price=10, quantity=10)
    add_listing(conn, "uk", "HAT", asin="B000000006", price=15, quantity=1)  # stays mismatched
    add_listing(conn, "uk", "STRANGER", asin="B000000007")  # no product: unmatched


def _nothing(conn: duckdb.DuckDBPyConnection) -> None:
    """A tick where nothing moves in the world."""


def _mug_price_up(conn: duckdb.DuckDBPyConnection) -> None:
    change_listing(conn, "us", "MUG", price=11)


def _seller_settles_cup_and_mug(conn: duckdb.DuckDBPyConnection) -> None:
    """The seller sets CUP's quantity to what Magento lists and MUG's price back."""
    change_listing(conn, "us", "CUP", quantity=7)
    change_listing(conn, "us", "MUG", price=10)


def _a_week_later(conn: duckdb.DuckDBPyConnection) -> None:
    """The UK MUG listing is gone (the product ends there); VASE shows up listed but already
    inactive; a listing nobody knows appears in the UK; a new product can be listed."""
    remove_listing(conn, "uk", "MUG")
    add_listing(conn, "us", "VASE", asin="B000000008", price=8, quantity=2, status="Inactive")
    add_listing(conn, "uk", "UK-NEW", asin="B000000009")
    add_product(conn, "LAMP", price=40, salable_qty=9, asin="B0000000L0")


def _seller_closes_toy(conn: duckdb.DuckDBPyConnection) -> None:
    change_listing(conn, "us", "TOY", status="Inactive")


TIMELINE: list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None], list[Order]]] = [
    (
        "2024-06-01 23:40",
        _first_tick,
        [
            Order("us", "111-01", at("2024-05-30 10:00"), ((1, "10.01"),), total="10.01"),
            Order("us", "111-02", at("2024-05-30 11:00"), ((2, "20.00"),), total="20.00"),
            Order("us", "111-03", at("2024-06-01 23:30"), ((1, "15.00"),), "Canceled", "15.00"),
        ],
    ),
    ("2024-06-01 23:45", _mug_price_up, []),
    ("2024-06-01 23:50", _nothing, []),
    (
        "2024-06-02 00:05",  # across the UTC midnight
        _seller_settles_cup_and_mug,
        [Order("us", "111-04", at("2024-06-02 00:01"), ((2, "7.50"),), "Pending")],
    ),
    (
        "2024-06-10 12:12",  # a quiet week later
        _a_week_later,
        [
            Order("uk", "202-05", at("2024-06-05 09:00"), ((1, "12.50"),), total="12.50"),
            Order(
                "us", "111-06", at("2024-06-10 12:00"), ((1, "5.00"), (3, "9.00")), total="14.00"
            ),
        ],
    ),
    ("2024-06-10 12:42", _seller_closes_toy, []),
    (
        "2024-06-11 12:43",  # a quiet day: the tick before is more than 24 hours old
        _nothing,
        [Order("uk", "202-07", at("2024-06-11 12:00"), ((1, "8.00"),), total="8.00")],
    ),
]


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> Timeline:
    warehouse = in_process_warehouse(tmp_path_factory.mktemp("timeline"))
    ticks: list[Tick] = []
    orders: list[Order] = []
    history_rows: list[int] = []
    runs: list[dg.ExecuteInProcessResult] = []
    for number, (when, change, fetched_orders) in enumerate(TIMELINE, start=1):
        with warehouse.connect() as conn:
            change(conn)
            for order in fetched_orders:
                add_order(conn, **asdict(order))
        orders += fetched_orders
        last = number == len(TIMELINE)
        runs.append(warehouse.tick(at(when), *(DOWNSTREAM if last else EVERY_TICK)))
        ticks.append(capture(warehouse.warehouse, at(when), STORES))
        with warehouse.connect() as conn:
            history_rows.append(
                conn.execute("SELECT count(*) FROM core.listing_history").fetchone()[0]
            )
    return Timeline(warehouse, ticks, orders, history_rows, runs)


def _expected_sales(orders: list[Order], as_of: datetime) -> Sales:
    """Per (store, currency, day): orders, canceled, units, revenue, from the hand-made orders."""
    sales: Sales = defaultdict(lambda: [0, 0, 0, Decimal("0.00")])
    for order in orders:
        assert order.purchased_at <= as_of
        row = sales[(order.store_id, CURRENCIES[order.store_id], order.purchased_at.date())]
        if order.status == "Canceled":
            row[1] += 1
            continue
        row[0] += 1
        row[2] += sum(units for units, _ in order.lines)
        row[3] += Decimal(order.total) if order.total else sum(Decimal(p) for _, p in order.lines)
    return sales


def test_the_hand_made_world_reaches_the_tabs_it_was_built_for(timeline: Timeline) -> None:
    first = {key: values[3:5] for key, values in timeline.ticks[0].state.items()}
    last = {key: values[3:5] for key, values in timeline.ticks[-1].state.items()}
    assert first[("us", "product:VASE")] == ("incomplete", "unable_to_assign")
    assert last == {
        ("uk", "listing:HAT"): ("active", "listed"),
        ("uk", "listing:STRANGER"): ("new_third_party", "no_catalog_match"),
        ("uk", "listing:UK-NEW"): ("new_third_party", "no_catalog_match"),
        ("uk", "product:MUG"): ("ended", "removed_from_amazon"),
        ("us", "listing:CUP"): ("active", "listed"),
        ("us", "listing:KIT"): ("ineligible", "unsupported_type"),
        ("us", "listing:MUG"): ("active", "listed"),
        ("us", "listing:PEN"): ("active", "listed"),
        ("us", "listing:TOY"): ("inactive", "not_provided"),
        ("us", "listing:VASE"): ("inactive", "not_provided"),
        ("us", "product:BOX"): ("ready_to_list", "asin_resolved"),
        ("us", "product:LAMP"): ("ready_to_list", "asin_resolved"),
    }


def test_the_history_is_the_change_only_record_of_the_states_the_ticks_saw(
    timeline: Timeline,
) -> None:
    ticks = timeline.ticks
    with timeline.published() as conn:
        history = recorded_history(conn)
    assert history == expected_history(ticks)
    # A tick where nothing moves (the third) adds nothing.
    assert ticks[2].state == ticks[1].state
    assert timeline.history_rows[2] == timeline.history_rows[1]
    assert metadata(timeline.runs[2], "listing_history")["rows_added_this_tick"] == 0
    # What the seller changed shows up at the next tick, each as what it was.
    by_tick = changes_by_tick(history)
    assert "price" in by_tick[ticks[1].at][("us", "listing:MUG")]
    assert "quantity" in by_tick[ticks[3].at][("us", "listing:CUP")]
    assert "price" in by_tick[ticks[3].at][("us", "listing:MUG")]
    assert "status" in by_tick[ticks[5].at][("us", "listing:TOY")]
    # The fourth tick is the first of a new UTC day.
    assert ticks[3].at.date() == ticks[2].at.date() + timedelta(days=1)


def test_every_trend_is_what_the_states_orders_and_issues_give(timeline: Timeline) -> None:
    as_of = timeline.as_of
    with timeline.published() as conn:
        check_status_trend(conn, timeline.ticks, STORES)
        rows = check_sales(conn, _expected_sales(timeline.orders, as_of), as_of)
        assert sum(r[3] for r in rows) == 6  # the orders placed, canceled ones apart
        check_sync_issue_trend(conn, as_of)
        for row in check_store_health_counts(conn, timeline.ticks[-1]):
            # The last tick only (the one before is older): listings, issues, orders, look-ups.
            assert row[8:11] == (4, 0, 0.0) and row[11].astimezone(UTC) == as_of


def test_readme_trend_questions_answer_from_the_published_copy(timeline: Timeline) -> None:
    as_of = timeline.as_of
    queries = readme_queries("History, trends and report pages")
    assert len(queries) == 4
    with timeline.published() as conn:
        answers = [conn.execute(q).fetchall() for q in queries]
        mismatch = quantity_mismatch_durations(conn, as_of)
        # The quantity mismatch the seller fixed resolved at the first tick after the fix.
        assert conn.execute(
            "SELECT resolved_at FROM core.sync_issues WHERE kind = 'quantity_mismatch' "
            "AND store_id = 'us' AND sku = 'CUP' AND resolved_at IS NOT NULL"
        ).fetchall() == [(timeline.ticks[3].at,)]

    went_inactive = went_inactive_yesterday(timeline.ticks)
    # TOY went inactive yesterday; VASE, first seen already inactive, did not "go" inactive.
    assert {a[:2] for a in went_inactive} == {("us", "TOY")}
    assert {(r[0], r[1], r[3]) for r in answers[0]} == went_inactive

    assert {r[0]: (r[1], r[2], r[4]) for r in answers[1]} == mismatch
    assert any(v[0] for v in mismatch.values())  # some mismatches were resolved
    assert mismatch == {"uk": (0, None, 1), "us": (1, 25.0, 0)}

    sales = _expected_sales(timeline.orders, as_of)
    assert {(r[0], r[1]): list(r[2:]) for r in answers[2]} == sales_last_30_days(sales, as_of)

    long_ready = ready_for_more_than_a_week(timeline.ticks)
    assert long_ready == {("us", "BOX")}  # LAMP is ready since three ticks ago only
    assert {(r[0], r[1]) for r in answers[3]} == long_ready
    assert all(r[4] > 7 for r in answers[3])


def test_each_history_and_trend_asset_reports_its_rows_and_a_summary(timeline: Timeline) -> None:
    with timeline.published() as conn:
        for asset, table in TABLES_OF_ASSETS:
            values = metadata(timeline.last_run, asset)
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert values["dagster/row_count"] == count > 0, asset
            assert values["summary"].startswith("| store |"), asset
            # Timed by the last fetch, not by this machine's clock.
            time_key = "tick_time" if asset == "listing_history" else "as_of"
            assert values[time_key] == timeline.as_of.isoformat(), asset


def test_report_pages_show_every_store_and_its_charts_in_a_browser(timeline: Timeline) -> None:
    """A real browser shows every store's name and all its charts, loading nothing from
    anywhere else."""
    reports = timeline.warehouse.data / "reports"
    index = reports / "index.html"
    assert metadata(timeline.last_run, "report_pages")["index"] == str(index.resolve())
    names = {"uk": "UK Shop & Co", "us": "US Main Store"}
    with chromium() as browser:
        pages: dict[str | None, Path] = {None: index}
        pages |= {sid: reports / f"{sid}.html" for sid in names}
        for store_id, path in pages.items():
            shown = render(browser, path)
            for sid, name in names.items():
                if store_id in (None, sid):
                    assert name in shown["text"], (path.name, name)
            # The index: one chart per store card; a store page: its four charts.
            assert len(shown["images"]) == (len(names) if store_id is None else 4), path.name
            assert all(i["complete"] and i["width"] > 0 for i in shown["images"]), path.name
            assert shown["problems"] == [] and shown["requests"] == [path.as_uri()], path.name
