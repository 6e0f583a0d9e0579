"""core.listing_history: a row per change, valid_from/valid_to, idempotent re-runs, rebuildable."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from asc_pipelines.logic.history import (
    STATE_COLUMNS,
    close_removed_stores,
    current_rows_per_store,
    rebuild_listing_history,
    record_listing_history,
    stores_with_a_listings_report,
)
from asc_pipelines.logic.trends import _backfill_status_moves
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.readme import readme_queries

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_schema(connection)
    return connection


def set_state(conn: duckdb.DuckDBPyConnection, *listings: tuple, products: tuple = ()) -> None:
    """The classification of one tick: listings (store, sku, status, reason, price, qty) and
    unlisted products (store, magento_sku, status, reason, magento price, listed qty)."""
    conn.execute("DELETE FROM core.listing_status")
    conn.execute("DELETE FROM raw.amazon_listings")
    conn.execute("DELETE FROM raw.magento_products")
    conn.execute("DELETE FROM core.product_eligibility")
    for store, sku, status, reason, price, qty in listings:
        conn.execute(
            "INSERT INTO core.listing_status VALUES (?, ?, ?, 'detail', ?, 'B000000001', ?, ?)",
            [store, status, reason, sku, f"M-{sku}", T0],
        )
        conn.execute(
            "INSERT INTO raw.amazon_listings (store_id, seller_sku, price, quantity, snapshot_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [store, sku, price, qty, T0],
        )
    for store, sku, status, reason, price, qty in products:
        conn.execute(
            "INSERT INTO core.listing_status VALUES (?, ?, ?, NULL, NULL, NULL, ?, ?)",
            [store, status, reason, sku, T0],
        )
        conn.execute(
            "INSERT OR IGNORE INTO raw.magento_products (sku, price, fetched_at) VALUES (?, ?, ?)",
            [sku, price, T0],
        )
        conn.execute(
            "INSERT INTO core.product_eligibility (store_id, magento_sku, eligible, listed_qty, "
            "computed_at) VALUES (?, ?, true, ?, ?)",
            [store, sku, qty, T0],
        )


def history(conn: duckdb.DuckDBPyConnection, store: str = "us") -> list[tuple]:
    return conn.execute(
        "SELECT listing_key, status, reason_code, price, quantity, changed, status_since, "
        "valid_from, valid_to FROM core.listing_history WHERE store_id = ? "
        "ORDER BY listing_key, valid_from",
        [store],
    ).fetchall()


def tick(conn: duckdb.DuckDBPyConnection, minutes: int, stores: list[str] | None = None):
    return record_listing_history(conn, observed_at=at(minutes), store_ids=stores or ["us"])


def test_first_tick_opens_one_row_per_listing_and_product(conn) -> None:
    set_state(
        conn,
        ("us", "A", "active", "listed", Decimal("10.00"), 5),
        ("us", "B", "inactive", "not_provided", Decimal("11.50"), None),
        products=(("us", "P1", "ready_to_list", "asin_resolved", Decimal("7.4950"), 3),),
    )
    result = tick(conn, 0)
    assert result.new == {"us": 3} and result.changed == {} and result.closed == {}
    assert history(conn) == [
        ("listing:A", "active", "listed", Decimal("10.00"), 5, ["new"], at(0), at(0), None),
        (
            "listing:B",
            "inactive",
            "not_provided",
            Decimal("11.50"),
            None,
            ["new"],
            at(0),
            at(0),
            None,
        ),
        # An unlisted product: the Magento price (rounded to cents) and the listed quantity.
        (
            "product:P1",
            "ready_to_list",
            "asin_resolved",
            Decimal("7.50"),
            3,
            ["new"],
            at(0),
            at(0),
            None,
        ),
    ]


def test_a_tick_that_changes_nothing_adds_nothing(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    before = history(conn)
    result = tick(conn, 5)
    assert result.rows_added == 0 and result.closed == {}
    assert history(conn) == before


def test_each_change_closes_the_open_row_and_says_what_changed(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    set_state(conn, ("us", "A", "active", "listed", Decimal("9.00"), 5))
    tick(conn, 5)
    set_state(conn, ("us", "A", "active", "listed", Decimal("9.00"), 4))
    tick(conn, 10)
    set_state(conn, ("us", "A", "inactive", "LISTING_SUPPRESSED", Decimal("9.00"), 4))
    tick(conn, 15)
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("8.00"), 0))
    result = tick(conn, 20)
    assert result.changed == {"us": 1}
    assert history(conn) == [
        ("listing:A", "active", "listed", Decimal("10.00"), 5, ["new"], at(0), at(0), at(5)),
        ("listing:A", "active", "listed", Decimal("9.00"), 5, ["price"], at(0), at(5), at(10)),
        ("listing:A", "active", "listed", Decimal("9.00"), 4, ["quantity"], at(0), at(10), at(15)),
        (
            "listing:A", "inactive", "LISTING_SUPPRESSED", Decimal("9.00"), 4,
            ["status", "reason"], at(15), at(15), at(20),
        ),
        (
            "listing:A", "inactive", "not_provided", Decimal("8.00"), 0,
            ["reason", "price", "quantity"], at(15), at(20), None,
        ),
    ]  # fmt: skip


def test_leaving_every_tab_closes_the_row_and_coming_back_starts_anew(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    set_state(conn)  # A is in no tab (the listing is gone and matched nothing)
    result = tick(conn, 5)
    assert result.closed == {"us": 1} and result.rows_added == 0
    set_state(conn)
    assert tick(conn, 10).closed == {}
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    assert tick(conn, 15).new == {"us": 1}
    assert history(conn) == [
        ("listing:A", "active", "listed", Decimal("10.00"), 5, ["new"], at(0), at(0), at(5)),
        ("listing:A", "active", "listed", Decimal("10.00"), 5, ["new"], at(15), at(15), None),
    ]


def test_a_product_that_gets_listed_moves_from_its_product_row_to_its_listing_row(conn) -> None:
    set_state(conn, products=(("us", "P1", "ready_to_list", "asin_resolved", Decimal("5"), 2),))
    tick(conn, 0)
    set_state(conn, ("us", "P1", "active", "listed", Decimal("5.00"), 2))
    tick(conn, 5)
    assert [(r[0], r[1], r[7], r[8]) for r in history(conn)] == [
        ("listing:P1", "active", at(5), None),
        ("product:P1", "ready_to_list", at(0), at(5)),
    ]


def test_stores_are_recorded_independently(conn) -> None:
    set_state(
        conn,
        ("us", "A", "active", "listed", Decimal("10.00"), 5),
        ("uk", "A", "active", "listed", Decimal("8.00"), 5),
    )
    tick(conn, 0, ["us", "uk"])
    # Only uk is recorded at 5: us keeps its row although its state changed meanwhile.
    set_state(
        conn,
        ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5),
        ("uk", "A", "active", "listed", Decimal("7.00"), 5),
    )
    result = tick(conn, 5, ["uk"])
    assert result.changed == {"uk": 1}
    assert [r[3] for r in history(conn, "uk")] == [Decimal("8.00"), Decimal("7.00")]
    assert [r[1] for r in history(conn, "us")] == ["active"]


def test_current_rows_per_store_counts_the_open_rows(conn) -> None:
    set_state(
        conn,
        ("us", "A", "active", "listed", Decimal("10.00"), 5),
        ("us", "B", "active", "listed", Decimal("10.00"), 5),
        ("uk", "A", "active", "listed", Decimal("8.00"), 5),
    )
    tick(conn, 0, ["us", "uk"])
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5))
    tick(conn, 5, ["us", "uk"])  # us A changed (two rows, one open), us B and uk A left
    assert current_rows_per_store(conn) == {"us": 1}
    assert list(current_rows_per_store(conn)) == ["us"]


def test_only_stores_with_a_loaded_listings_report_are_worth_recording(conn) -> None:
    assert stores_with_a_listings_report(conn) == set()
    for store_id in ("us", "us", "uk"):
        conn.execute(
            "INSERT INTO raw.amazon_listing_snapshots (store_id, report_id, snapshot_at, "
            "rows_loaded, rows_rejected, run_id) VALUES (?, 'r', ?, 1, 0, 'run')",
            [store_id, T0],
        )
    assert stores_with_a_listings_report(conn) == {"us", "uk"}


def test_recording_the_same_tick_again_replaces_what_it_recorded(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    set_state(conn, ("us", "A", "active", "listed", Decimal("9.00"), 5))
    tick(conn, 5)
    once = history(conn)
    assert tick(conn, 5).changed == {"us": 1}  # the same change, recorded again
    assert history(conn) == once
    # The tick is recomputed with another outcome (say, after a rule change): it wins.
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    assert tick(conn, 5).rows_added == 0
    assert history(conn) == [
        ("listing:A", "active", "listed", Decimal("10.00"), 5, ["new"], at(0), at(0), None),
    ]


def test_a_tick_older_than_the_history_is_skipped_not_recorded(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 10)
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5))
    result = tick(conn, 5)
    assert result.skipped == {"us": at(10)} and result.rows_added == 0
    assert [r[1] for r in history(conn)] == ["active"]


def _random_ticks(seed: int, ticks: int) -> list[tuple[datetime, list[tuple]]]:
    """A seeded sequence of full states for two stores: prices, quantities, statuses and
    reasons move; listings disappear and come back; unlisted products get listed."""
    rng = random.Random(seed)
    statuses = [("active", "listed"), ("inactive", "not_provided"), ("inactive", "X"),
                ("incomplete", "missing_condition"), ("ended", "not_in_report")]  # fmt: skip
    state: dict[tuple[str, str], list] = {}
    for store in ("us", "uk"):
        for n in range(25):
            status, reason = rng.choice(statuses)
            state[(store, f"listing:S{n}")] = [
                status,
                reason,
                Decimal(rng.randint(500, 900)) / 100,
                rng.randint(0, 9),
            ]
        for n in range(5):
            state[(store, f"product:P{n}")] = ["ready_to_list", "asin_resolved", Decimal(5), 1]
    sequence = []
    for t in range(ticks):
        present = {}
        for key, values in state.items():
            roll = rng.random()
            if roll < 0.05:
                values[0], values[1] = rng.choice(statuses)
            elif roll < 0.10:
                values[2] += Decimal("0.50")
            elif roll < 0.15:
                values[3] = rng.randint(0, 9)
            if rng.random() > 0.05:  # 5 % of the time a listing is in no tab this tick
                present[key] = list(values)
        rows = []
        for (store, key), (status, reason, price, qty) in sorted(present.items()):
            kind, sku = key.split(":")
            rows.append((
                store, key, sku if kind == "listing" else None, f"M-{sku}", "B000000001",
                status, reason, "detail", price, qty,
            ))  # fmt: skip
        sequence.append((at(5 * t), rows))
    return sequence


def _load_snapshots(conn, sequence) -> None:
    conn.execute(
        "CREATE TABLE snapshots AS SELECT NULL::TIMESTAMPTZ AS observed_at, * FROM "
        "(SELECT store_id, listing_key, seller_sku, magento_sku, asin, status, reason_code, "
        "reason_detail, price, quantity FROM core.listing_history) WHERE false"
    )
    for observed_at, rows in sequence:
        conn.executemany(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(observed_at, *row) for row in rows],
        )


def _all_history(conn) -> list[tuple]:
    return conn.execute(
        "SELECT * FROM core.listing_history ORDER BY store_id, listing_key, valid_from"
    ).fetchall()


def test_rebuilding_from_the_snapshots_gives_the_tick_by_tick_history_row_for_row(conn) -> None:
    sequence = _random_ticks(seed=5, ticks=40)
    _load_snapshots(conn, sequence)
    # Tick by tick, as the pipeline records it (each tick's state from the snapshot table).
    for observed_at, _ in sequence:
        record_listing_history(
            conn,
            observed_at=observed_at,
            store_ids=["us", "uk"],
            state_sql=f"SELECT {STATE_COLUMNS} FROM snapshots WHERE observed_at = $t0 "
            "AND store_id IN (SELECT unnest($stores::VARCHAR[]))",
            state_params={"t0": observed_at},
        )
    incremental = _all_history(conn)
    assert len(incremental) > 200  # the sequence really moves
    # The tab moves written tick by tick are the entries and exits the history itself implies.
    moves = "SELECT * FROM core.listing_status_moves ORDER BY ALL"
    recorded = conn.execute(moves).fetchall()
    assert len(recorded) > 100
    conn.execute("DELETE FROM core.listing_status_moves")
    _backfill_status_moves(conn)
    assert conn.execute(moves).fetchall() == recorded
    rows = rebuild_listing_history(conn, "snapshots")
    assert rows == len(incremental)
    assert _all_history(conn) == incremental


def test_the_state_at_any_past_tick_reads_back_from_the_history(conn) -> None:
    sequence = _random_ticks(seed=9, ticks=30)
    _load_snapshots(conn, sequence)
    rebuild_listing_history(conn, "snapshots")
    for observed_at, rows in sequence:
        as_of = conn.execute(
            f"SELECT {STATE_COLUMNS} FROM core.listing_history WHERE valid_from <= $t "
            "AND (valid_to IS NULL OR valid_to > $t) ORDER BY store_id, listing_key",
            {"t": observed_at},
        ).fetchall()
        # reason_detail is the detail first seen in a row, so compare the rest.
        strip = [(*r[:7], *r[8:]) for r in as_of]
        expected = sorted((*r[:7], *r[8:]) for r in rows)
        assert strip == expected, observed_at


def test_a_tick_older_than_the_last_recorded_one_is_skipped_even_without_changes(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    assert tick(conn, 20).rows_added == 0  # nothing changed at 20, but the tick is registered
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5))
    assert tick(conn, 15).skipped == {"us": at(20)}
    assert [r[1] for r in history(conn)] == ["active"]
    assert conn.execute(
        "SELECT observed_at, rows_added, rows_closed FROM core.listing_history_ticks "
        "ORDER BY observed_at"
    ).fetchall() == [(at(0), 1, 0), (at(20), 0, 0)]


def test_a_listing_matched_to_another_product_gets_a_new_row(conn) -> None:
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 0)
    conn.execute("UPDATE core.listing_status SET magento_sku = 'OTHER'")
    assert tick(conn, 5).changed == {"us": 1}
    assert conn.execute(
        "SELECT magento_sku, changed FROM core.listing_history ORDER BY valid_from"
    ).fetchall() == [("M-A", ["new"]), ("OTHER", ["match"])]


def test_rows_of_a_store_no_longer_configured_are_closed(conn) -> None:
    set_state(
        conn,
        ("us", "A", "active", "listed", Decimal("10.00"), 5),
        ("eu", "E", "active", "listed", Decimal("9.00"), 5),
    )
    tick(conn, 0, ["us", "eu"])
    closed = close_removed_stores(conn, observed_at=at(5), store_ids=["us"])
    assert closed == {"eu": 1}
    assert [r[8] for r in history(conn, "eu")] == [at(5)]
    assert [r[8] for r in history(conn, "us")] == [None]
    assert close_removed_stores(conn, observed_at=at(10), store_ids=["us"]) == {}


def test_listing_changes_has_no_before_across_a_gap(conn) -> None:
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5))
    tick(conn, 0)
    set_state(conn, ("us", "A", "active", "listed", Decimal("10.00"), 5))
    tick(conn, 5)
    set_state(conn)  # A leaves every tab
    tick(conn, 10)
    set_state(conn, ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5))
    tick(conn, 15)
    assert conn.execute(
        "SELECT changed_at, change_kind, previous_status, status, changed "
        "FROM reporting.listing_changes ORDER BY changed_at"
    ).fetchall() == [
        (at(0), "first_seen", None, "inactive", ["new"]),
        (at(5), "changed", "inactive", "active", ["status", "reason"]),
        (at(15), "reappeared", None, "inactive", ["new"]),  # back after a gap: no "before"
    ]


def test_readme_went_inactive_yesterday_counts_transitions_not_first_observations(conn) -> None:
    went_inactive_yesterday = readme_queries("History, trends and report pages")[0]
    # Yesterday (T0's day): A is first seen already inactive; B goes from active to inactive;
    # C appears at the second tick, already inactive; D is inactive throughout.
    set_state(
        conn,
        ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5),
        ("us", "B", "active", "listed", Decimal("10.00"), 5),
        ("us", "D", "inactive", "not_provided", Decimal("10.00"), 5),
    )
    tick(conn, 0)
    set_state(
        conn,
        ("us", "A", "inactive", "not_provided", Decimal("10.00"), 5),
        ("us", "B", "inactive", "90220", Decimal("10.00"), 5),
        ("us", "C", "inactive", "not_provided", Decimal("10.00"), 5),
        ("us", "D", "inactive", "not_provided", Decimal("12.00"), 5),
    )
    tick(conn, 5)
    # The last tick is after midnight, so T0's day is "yesterday" (reporting.pipeline_clock).
    conn.execute(
        "INSERT INTO raw.store_fetches (store_id, dataset, outcome, finished_at) "
        "VALUES ('us', 'amazon_listings', 'ok', ?)",
        [at(13 * 60)],
    )
    assert conn.execute(went_inactive_yesterday).fetchall() == [
        ("us", "B", "active", "90220", "detail", at(5))
    ]
