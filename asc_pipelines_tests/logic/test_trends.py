"""The reporting trend tables (asc_pipelines/logic/trends.py), checked against hand-worked figures.

Every test builds a fresh in-memory warehouse, inserts a few hand-made source rows, refreshes one
trend as of an explicit tick time and compares the table row for row with numbers worked out by
hand from the column COMMENTs in warehouse/reporting.sql (the comments next to each fixture say
how). Times are UTC; ``at("2024-06-03 09:41")`` is that UTC instant.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest

from asc_pipelines.logic.status import STATUSES
from asc_pipelines.logic.trends import (
    StoreInfo,
    refresh_listing_status_trend,
    refresh_sales_trend,
    refresh_store_health,
    refresh_sync_issue_trend,
)
from asc_pipelines.warehouse.schema import ensure_schema

FIVE_MIN = timedelta(minutes=5)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD HH:MM[:SS]'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_schema(connection)
    return connection


# --------------------------------------------------------------------------------------------
# reporting.listing_status_trend
# --------------------------------------------------------------------------------------------


def add_history(
    conn: duckdb.DuckDBPyConnection,
    store: str,
    key: str,
    *rows: tuple[str, str, str | None] | tuple[str, str, str | None, str],
) -> None:
    """Type-2 rows of one listing: (status, valid_from, valid_to or None[, price])."""
    previous = None
    status_since = None
    for row in rows:
        status, valid_from, valid_to = row[0], at(row[1]), row[2] and at(row[2])
        price = Decimal(row[3]) if len(row) > 3 else None
        if previous is None or previous[2] != valid_from:  # first row, or back after a gap
            changed, status_since = ["new"], valid_from
        elif previous[0] != status:
            changed, status_since = ["status"], valid_from
        else:
            changed = ["price"]
        sku = key.split(":", 1)[1]
        conn.execute(
            "INSERT INTO core.listing_history (store_id, listing_key, seller_sku, magento_sku, "
            "status, reason_code, price, changed, status_since, valid_from, valid_to) "
            "VALUES (?, ?, ?, ?, ?, 'r', ?, ?, ?, ?, ?)",
            [
                store,
                key,
                sku if key.startswith("listing:") else None,
                None if key.startswith("listing:") else sku,
                status,
                price,
                changed,
                status_since,
                valid_from,
                valid_to,
            ],
        )
        previous = (status, valid_from, valid_to)


Cell = tuple[int, int, int]  # listings, entries, exits


def trend(
    conn: duckdb.DuckDBPyConnection, store: str, grain: str
) -> dict[datetime, dict[str, Cell]]:
    """One store's grain of the trend: bucket_start -> status -> (listings, entries, exits)."""
    out: dict[datetime, dict[str, Cell]] = {}
    for bucket, status, listings, entries, exits in conn.execute(
        "SELECT bucket_start, status, listings, entries, exits FROM reporting.listing_status_trend "
        "WHERE store_id = ? AND grain = ? ORDER BY bucket_start, status",
        [store, grain],
    ).fetchall():
        assert status not in out.setdefault(bucket, {}), (bucket, status)
        out[bucket][status] = (listings, entries, exits)
    return out


def full(nonzero: dict[str, dict[str, Cell]]) -> dict[datetime, dict[str, Cell]]:
    """Expected buckets written as their non-zero cells; every other status is (0, 0, 0)."""
    return {
        at(bucket): {status: given.get(status, (0, 0, 0)) for status in STATUSES}
        for bucket, given in nonzero.items()
    }


def cells(**nonzero: Cell) -> dict[str, Cell]:
    """One bucket's seven statuses, written as its non-zero cells."""
    return {status: nonzero.get(status, (0, 0, 0)) for status in STATUSES}


def test_listing_status_trend_entries_exits_and_counts_per_grain(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    as_of = at("2024-06-03 10:12")  # mid-bucket for 5min and hour: current buckets 10:10, 10:00
    add_history(
        conn,
        "us",
        "listing:A",
        ("active", "2024-06-03 09:41", "2024-06-03 09:52", "10.00"),  # new: enters active
        ("active", "2024-06-03 09:52", "2024-06-03 09:58", "12.00"),  # price only: no event
        ("inactive", "2024-06-03 09:58", "2024-06-03 10:03"),  # exits active, enters inactive
        # 10:03 it leaves every tab (exit, no successor); 10:08 it comes back, same status: entry
        ("inactive", "2024-06-03 10:08", "2024-06-03 10:20"),
        ("ended", "2024-06-03 10:20", None),  # after as_of: neither this entry nor the exit count
    )
    add_history(conn, "us", "product:P", ("ready_to_list", "2024-06-03 09:47", None))
    add_history(
        conn,
        "us",
        "listing:D",
        ("active", "2024-06-03 09:50", "2024-06-03 10:05"),  # exactly on bucket boundaries
        ("ended", "2024-06-03 10:05", None),
    )
    add_history(conn, "us", "listing:C", ("new_third_party", "2024-06-03 10:14", None))  # future
    add_history(conn, "uk", "listing:B", ("incomplete", "2024-06-03 10:01", None))

    rows = refresh_listing_status_trend(conn, as_of=as_of)

    # us: 5-minute buckets from its first event's bucket (09:40) to as_of's (10:10).
    # D enters active at 09:50 sharp (bucket 09:50) and leaves it at 10:05 sharp, so it is still
    # active at the end of bucket 10:00 and its exit and ended entry fall in bucket 10:05.
    assert trend(conn, "us", "5min") == full(
        {
            "2024-06-03 09:40": {"active": (1, 1, 0)},  # A new
            "2024-06-03 09:45": {"active": (1, 0, 0), "ready_to_list": (1, 1, 0)},  # P new
            # 09:52 A's price change: nothing. D new at 09:50.
            "2024-06-03 09:50": {"active": (2, 1, 0), "ready_to_list": (1, 0, 0)},
            # 09:58 A active -> inactive
            "2024-06-03 09:55": {
                "active": (1, 0, 1),
                "inactive": (1, 1, 0),
                "ready_to_list": (1, 0, 0),
            },
            # 10:03 A leaves every tab
            "2024-06-03 10:00": {
                "active": (1, 0, 0),
                "inactive": (0, 0, 1),
                "ready_to_list": (1, 0, 0),
            },
            # 10:05 D active -> ended; 10:08 A back in inactive
            "2024-06-03 10:05": {
                "active": (0, 0, 1),
                "inactive": (1, 1, 0),
                "ready_to_list": (1, 0, 0),
                "ended": (1, 1, 0),
            },
            # current bucket, as of 10:12: C (10:14) and A's move to ended (10:20) not yet
            "2024-06-03 10:10": {
                "inactive": (1, 0, 0),
                "ready_to_list": (1, 0, 0),
                "ended": (1, 0, 0),
            },
        }
    )
    assert trend(conn, "us", "hour") == full(
        {
            # at 10:00: A inactive (since 09:58), D active, P ready; A and D entered active,
            # A left it
            "2024-06-03 09:00": {
                "active": (1, 2, 1),
                "inactive": (1, 1, 0),
                "ready_to_list": (1, 1, 0),
            },
            # as of 10:12: A left inactive (10:03) and re-entered (10:08); D active -> ended
            "2024-06-03 10:00": {
                "active": (0, 0, 1),
                "inactive": (1, 1, 1),
                "ready_to_list": (1, 0, 0),
                "ended": (1, 1, 0),
            },
        }
    )
    assert trend(conn, "us", "day") == full(
        {
            "2024-06-03 00:00": {
                "active": (0, 2, 2),
                "inactive": (1, 2, 1),
                "ready_to_list": (1, 1, 0),
                "ended": (1, 1, 0),
            }
        }
    )
    # The second store has its own buckets, starting at its own first event.
    assert trend(conn, "uk", "5min") == full(
        {
            "2024-06-03 10:00": {"incomplete": (1, 1, 0)},
            "2024-06-03 10:05": {"incomplete": (1, 0, 0)},
            "2024-06-03 10:10": {"incomplete": (1, 0, 0)},
        }
    )
    assert trend(conn, "uk", "hour") == full({"2024-06-03 10:00": {"incomplete": (1, 1, 0)}})
    assert trend(conn, "uk", "day") == full({"2024-06-03 00:00": {"incomplete": (1, 1, 0)}})
    # us: (7 five-minute + 2 hourly + 1 daily buckets) x 7 statuses; uk: (3 + 1 + 1) x 7
    assert rows == 70 + 35
    assert conn.execute("SELECT count(*) FROM reporting.listing_status_trend").fetchone()[0] == 105


def test_listing_status_trend_zero_days_and_count_carried_into_5min_window(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    as_of = at("2024-06-10 08:02:30")
    # The 5-minute grain keeps 2 days: from the bucket of as_of - 2 days, 2024-06-08 08:00.
    add_history(conn, "us", "listing:E", ("active", "2024-06-01 12:00", None))
    add_history(
        conn,
        "us",
        "listing:F",
        # leaves every tab exactly at midnight: still there at the end of 06-03, gone in 06-04
        ("inactive", "2024-06-01 13:00", "2024-06-04 00:00"),
        ("inactive", "2024-06-08 07:59", None),  # back one minute before the 5-minute window
    )
    add_history(conn, "us", "listing:G", ("ended", "2024-06-08 08:00", None))  # window's start

    refresh_listing_status_trend(conn, as_of=as_of)

    daily = trend(conn, "us", "day")
    assert daily == full(
        {
            "2024-06-01 00:00": {"active": (1, 1, 0), "inactive": (1, 1, 0)},
            "2024-06-02 00:00": {"active": (1, 0, 0), "inactive": (1, 0, 0)},
            "2024-06-03 00:00": {"active": (1, 0, 0), "inactive": (1, 0, 0)},
            "2024-06-04 00:00": {"active": (1, 0, 0), "inactive": (0, 0, 1)},
            # three days without any event, zero-filled
            "2024-06-05 00:00": {"active": (1, 0, 0)},
            "2024-06-06 00:00": {"active": (1, 0, 0)},
            "2024-06-07 00:00": {"active": (1, 0, 0)},
            "2024-06-08 00:00": {"active": (1, 0, 0), "inactive": (1, 1, 0), "ended": (1, 1, 0)},
            "2024-06-09 00:00": {"active": (1, 0, 0), "inactive": (1, 0, 0), "ended": (1, 0, 0)},
            "2024-06-10 00:00": {"active": (1, 0, 0), "inactive": (1, 0, 0), "ended": (1, 0, 0)},
        }
    )

    five = trend(conn, "us", "5min")
    buckets = sorted(five)
    # 2024-06-08 08:00 .. 2024-06-10 08:00: 2 days of 288 buckets, plus the current one
    assert buckets[0] == at("2024-06-08 08:00")
    assert buckets[-1] == at("2024-06-10 08:00")
    assert len(buckets) == 577
    assert buckets == [at("2024-06-08 08:00") + i * FIVE_MIN for i in range(577)]
    # E and F entered before the window: counted, but not as entries of the first bucket
    assert five[at("2024-06-08 08:00")] == cells(
        active=(1, 0, 0), inactive=(1, 0, 0), ended=(1, 1, 0)
    )
    assert five[at("2024-06-08 08:05")] == cells(
        active=(1, 0, 0), inactive=(1, 0, 0), ended=(1, 0, 0)
    )
    # the current bucket, as of 08:02:30
    assert five[at("2024-06-10 08:00")] == cells(
        active=(1, 0, 0), inactive=(1, 0, 0), ended=(1, 0, 0)
    )

    hourly = trend(conn, "us", "hour")
    # 2024-06-01 12:00 .. 2024-06-10 08:00: 8 days and 20 hours, plus the current hour
    assert sorted(hourly) == [at("2024-06-01 12:00") + i * HOUR for i in range(213)]
    assert hourly[at("2024-06-03 23:00")]["inactive"] == (1, 0, 0)
    assert hourly[at("2024-06-04 00:00")]["inactive"] == (0, 0, 1)
    assert hourly[at("2024-06-08 07:00")]["inactive"] == (1, 1, 0)


def test_listing_status_trend_hourly_window_carries_older_history(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    as_of = at("2024-06-10 08:02:30")
    # The hourly grain keeps 90 days: from 2024-03-12 08:00 (June 10 - 90 days = March 12).
    add_history(conn, "us", "product:H", ("incomplete", "2024-02-01 00:00", None))
    add_history(conn, "us", "listing:I", ("active", "2024-03-12 07:30", "2024-03-12 08:30"))

    rows = refresh_listing_status_trend(conn, as_of=as_of)

    hourly = trend(conn, "us", "hour")
    assert min(hourly) == at("2024-03-12 08:00")
    assert len(hourly) == 90 * 24 + 1
    # H and I were there before the window; I leaves in its first bucket
    assert hourly[at("2024-03-12 08:00")] == cells(incomplete=(1, 0, 0), active=(0, 0, 1))
    daily = trend(conn, "us", "day")
    # every day of history: 2024-02-01 .. 2024-06-10 (29 + 31 + 30 + 31 + 10 days)
    assert sorted(daily) == [at("2024-02-01 00:00") + i * DAY for i in range(131)]
    assert daily[at("2024-02-01 00:00")]["incomplete"] == (1, 1, 0)
    assert daily[at("2024-03-12 00:00")]["active"] == (0, 1, 1)
    assert daily[at("2024-06-10 00:00")]["incomplete"] == (1, 0, 0)
    five = trend(conn, "us", "5min")
    assert min(five) == at("2024-06-08 08:00")
    assert five[at("2024-06-08 08:00")]["incomplete"] == (1, 0, 0)
    assert rows == (577 + 2161 + 131) * 7


@dataclass(frozen=True)
class Row:
    store: str
    key: str
    status: str
    valid_from: datetime
    valid_to: datetime | None


def random_history(seed: int, ticks: list[datetime]) -> list[Row]:
    """Proper type-2 rows for 2 stores x 15 listings over ``ticks``: per tick a listing may
    appear, disappear, change status or change only its price (a new row, same status)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for store in ("us", "uk"):
        for n in range(15):
            key = f"listing:S{n}" if n % 2 else f"product:M{n}"
            state: tuple[str, int] | None = None
            opened: tuple[str, datetime] | None = None
            for t in ticks:
                roll = rng.random()
                new = state
                if state is None:
                    if roll < 0.35:
                        new = (rng.choice(STATUSES[:4]), rng.randint(1, 3))
                elif roll < 0.12:
                    new = None
                elif roll < 0.35:
                    new = (rng.choice(STATUSES[:4]), state[1])
                elif roll < 0.5:
                    new = (state[0], state[1] + 1)
                if new == state:
                    continue
                if opened is not None:
                    rows.append(Row(store, key, opened[0], opened[1], t))
                opened = (new[0], t) if new is not None else None
                state = new
            if opened is not None:
                rows.append(Row(store, key, opened[0], opened[1], None))
    return rows


def floor(t: datetime, width: timedelta) -> datetime:
    """Start of the bucket holding t (DuckDB's time_bucket origin for these widths: 2000-01-03)."""
    return t - (t - datetime(2000, 1, 3, tzinfo=UTC)) % width


def valid_at_end(row: Row, start: datetime, width: timedelta, as_of: datetime) -> bool:
    """Is the row the listing's state at the end of the bucket (for the current bucket: now)?"""
    end = start + width
    if start <= as_of < end:
        return row.valid_from <= as_of and (row.valid_to is None or row.valid_to > as_of)
    return row.valid_from < end and (row.valid_to is None or row.valid_to >= end)


def status_moves(
    rows: list[Row], as_of: datetime
) -> tuple[list[tuple[datetime, str]], list[tuple[datetime, str]]]:
    """(time, status) of every entry and exit up to as_of, listing by listing: a row is an entry
    unless it continues its predecessor (same status, starting when that one ended); a closed
    row is an exit unless a successor continues it."""
    entries: list[tuple[datetime, str]] = []
    exits: list[tuple[datetime, str]] = []
    for key in {r.key for r in rows}:
        own = sorted((r for r in rows if r.key == key), key=lambda r: r.valid_from)
        for before, row, after in zip([None, *own[:-1]], own, [*own[1:], None], strict=True):
            continues = before and before.status == row.status and before.valid_to == row.valid_from
            if not continues and row.valid_from <= as_of:
                entries.append((row.valid_from, row.status))
            continued = after and after.status == row.status and after.valid_from == row.valid_to
            if row.valid_to is not None and not continued and row.valid_to <= as_of:
                exits.append((row.valid_to, row.status))
    return entries, exits


@pytest.mark.parametrize("seed", [7, 8])
def test_listing_status_trend_matches_naive_counts(
    conn: duckdb.DuckDBPyConnection, seed: int
) -> None:
    as_of = at("2024-06-10 12:02:30")
    # 10 sparse ticks over the 3 days before (some before the 5-minute window), then 30 ticks
    # every 2.5 minutes (every other one on a bucket boundary, one at as_of, 3 after it).
    ticks = [as_of - 3 * DAY + k * timedelta(hours=7, minutes=13) for k in range(10)]
    ticks += [as_of - timedelta(minutes=65) + k * timedelta(seconds=150) for k in range(30)]
    history = random_history(seed, ticks)
    conn.executemany(
        "INSERT INTO core.listing_history (store_id, listing_key, status, reason_code, changed, "
        "status_since, valid_from, valid_to) VALUES (?, ?, ?, 'r', ['x'], ?, ?, ?)",
        [[r.store, r.key, r.status, r.valid_from, r.valid_from, r.valid_to] for r in history],
    )
    assert sum(row.valid_to is None for row in history) > 5  # the draw has some variety
    assert sum(row.valid_from > as_of for row in history) > 0

    refresh_listing_status_trend(conn, as_of=as_of)

    carried_into_5min = 0
    for store in ("us", "uk"):
        rows = [row for row in history if row.store == store]
        first_event = min(row.valid_from for row in rows)
        entries_at, exits_at = status_moves(rows, as_of)
        for grain, width, keep in (
            ("5min", FIVE_MIN, 2 * DAY),
            ("hour", HOUR, 90 * DAY),
            ("day", DAY, None),
        ):
            got = trend(conn, store, grain)
            start = floor(first_event, width)
            if keep is not None:
                start = max(start, floor(as_of - keep, width))
            buckets = [start + i * width for i in range((as_of - start) // width + 1)]
            assert sorted(got) == buckets, (store, grain)
            # What was there just before the first bucket (the count carried into the window).
            running = Counter(
                r.status
                for r in rows
                if r.valid_from < start and (r.valid_to is None or r.valid_to >= start)
            )
            if grain == "5min":
                carried_into_5min += sum(running.values())
            for bucket in buckets:
                naive = Counter(r.status for r in rows if valid_at_end(r, bucket, width, as_of))
                assert {s: got[bucket][s][0] for s in STATUSES} == {
                    s: naive[s] for s in STATUSES
                }, (store, grain, bucket)
                moved_in = Counter(
                    status for t, status in entries_at if bucket <= t < bucket + width
                )
                moved_out = Counter(
                    status for t, status in exits_at if bucket <= t < bucket + width
                )
                assert {s: got[bucket][s][1:] for s in STATUSES} == {
                    s: (moved_in[s], moved_out[s]) for s in STATUSES
                }, (store, grain, bucket)
                for status in STATUSES:
                    listings, entries, exits = got[bucket][status]
                    running[status] += entries - exits
                    assert running[status] == listings, (store, grain, bucket, status)
    assert carried_into_5min > 0


# --------------------------------------------------------------------------------------------
# reporting.sales_trend and reporting.sales_totals
# --------------------------------------------------------------------------------------------

STORES = [
    StoreInfo("us", "US store", "ATVPDKIKX0DER", "USD"),
    StoreInfo("uk", "UK store", "A1F83G8C2ARO7P", "GBP"),
    StoreInfo("de", "DE store", "A1PA6795UKMFR9", "EUR"),
]


def add_order(
    conn: duckdb.DuckDBPyConnection,
    store: str,
    order_id: str,
    purchased: datetime,
    status: str,
    currency: str | None,
    total: str | None,
    shipped: int | None = None,
    unshipped: int | None = None,
    items: tuple[tuple[int, str, str | None], ...] = (),
) -> None:
    """An order and its items (quantity_ordered, item_price, currency)."""
    conn.execute(
        "INSERT INTO raw.amazon_orders (store_id, amazon_order_id, purchase_date, order_status, "
        "currency, order_total, number_of_items_shipped, number_of_items_unshipped, fetched_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            store,
            order_id,
            purchased,
            status,
            currency,
            total and Decimal(total),
            shipped,
            unshipped,
            purchased,
        ],
    )
    for n, (quantity, price, item_currency) in enumerate(items):
        conn.execute(
            "INSERT INTO raw.amazon_order_items (store_id, amazon_order_id, order_item_id, "
            "quantity_ordered, currency, item_price, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                store,
                order_id,
                f"{order_id}-{n}",
                quantity,
                item_currency,
                Decimal(price),
                purchased,
            ],
        )


def sales_orders(conn: duckdb.DuckDBPyConnection) -> None:
    plus2 = timezone(timedelta(hours=2))
    # us (USD)
    # 01:59:30 at +02:00 is 23:59:30 UTC the day before: day 06-01
    add_order(
        conn, "us", "O1", datetime(2024, 6, 2, 1, 59, 30, tzinfo=plus2), "Shipped", "USD",
        "20.00", 2, 0, items=((2, "20.00", "USD"),),
    )  # fmt: skip
    # just after UTC midnight: day 06-02; no items: units = shipped 1 + unshipped 2
    add_order(conn, "us", "O2", at("2024-06-02 00:00:30"), "Shipped", "USD", "35.50", 1, 2)
    # canceled: only in canceled_orders
    add_order(
        conn, "us", "O3", at("2024-06-02 10:00"), "Canceled", "USD", "99.99", 0, 0,
        items=((5, "99.99", "USD"),),
    )  # fmt: skip
    # Pending, no total and no currency yet: revenue 12.25 + 30.00, units 1 + 3, items' USD
    add_order(
        conn, "us", "O4", at("2024-06-05 08:00"), "Pending", None, None, 0, 4,
        items=((1, "12.25", "USD"), (3, "30.00", "USD")),
    )  # fmt: skip
    add_order(
        conn, "us", "O7", at("2024-06-05 09:00"), "Shipped", "USD", "10.01", 1, 0,
        items=((1, "10.01", "USD"),),
    )  # fmt: skip
    # no currency, no items: the store's currency (USD); units 0 + 1
    add_order(conn, "us", "O5", at("2024-06-10 14:59"), "Unshipped", None, "10.00", 0, 1)
    # after as_of: ignored
    add_order(conn, "us", "O6", at("2024-06-10 15:01"), "Shipped", "USD", "1000.00", 1, 0)
    # uk (GBP): an old order, then one without currency whose items have none either (GBP)
    add_order(conn, "uk", "U1", at("2024-04-20 09:00"), "Shipped", "GBP", "100.00", 2, 0)
    add_order(
        conn, "uk", "U2", at("2024-06-09 12:00"), "Shipped", None, "5.00", 1, 0,
        items=((1, "5.00", None),),
    )  # fmt: skip
    # no currency on the order but EUR on its items: the items' currency wins over the store's
    add_order(
        conn, "uk", "U3", at("2024-06-10 09:00"), "Pending", None, None, 0, 2,
        items=((2, "7.50", "EUR"),),
    )  # fmt: skip


def D(text: str) -> Decimal:
    return Decimal(text)


SALES_COLUMNS = (
    "store_id, currency, day, orders, canceled_orders, units, revenue, average_order_value, "
    "orders_7d, revenue_7d, orders_30d, revenue_30d"
)


def test_sales_trend_per_day_with_rolling_windows(conn: duckdb.DuckDBPyConnection) -> None:
    sales_orders(conn)
    as_of = at("2024-06-10 15:00")

    counts = refresh_sales_trend(conn, as_of=as_of, stores=STORES)

    rows = conn.execute(
        f"SELECT {SALES_COLUMNS} FROM reporting.sales_trend WHERE store_id = 'us' ORDER BY day"
    ).fetchall()
    # day: orders, canceled, units, revenue, aov, 7d (window of the 7 days ending on day), 30d
    assert rows == [
        ("us", "USD", day("2024-06-01"), 1, 0, 2, D("20.00"), D("20.00"), 1, D("20.00"), 1,
         D("20.00")),
        ("us", "USD", day("2024-06-02"), 1, 1, 3, D("35.50"), D("35.50"), 2, D("55.50"), 2,
         D("55.50")),
        ("us", "USD", day("2024-06-03"), 0, 0, 0, D("0.00"), None, 2, D("55.50"), 2, D("55.50")),
        ("us", "USD", day("2024-06-04"), 0, 0, 0, D("0.00"), None, 2, D("55.50"), 2, D("55.50")),
        # O4 42.25 + O7 10.01 = 52.26 over 2 orders: 26.13
        ("us", "USD", day("2024-06-05"), 2, 0, 5, D("52.26"), D("26.13"), 4, D("107.76"), 4,
         D("107.76")),
        ("us", "USD", day("2024-06-06"), 0, 0, 0, D("0.00"), None, 4, D("107.76"), 4,
         D("107.76")),
        # 06-01 .. 06-07 still holds O1
        ("us", "USD", day("2024-06-07"), 0, 0, 0, D("0.00"), None, 4, D("107.76"), 4,
         D("107.76")),
        # 06-02 .. 06-08: O1 dropped out
        ("us", "USD", day("2024-06-08"), 0, 0, 0, D("0.00"), None, 3, D("87.76"), 4,
         D("107.76")),
        # 06-03 .. 06-09: O2 dropped out
        ("us", "USD", day("2024-06-09"), 0, 0, 0, D("0.00"), None, 2, D("52.26"), 4,
         D("107.76")),
        # O5 (14:59) counts, O6 (15:01) is after as_of
        ("us", "USD", day("2024-06-10"), 1, 0, 1, D("10.00"), D("10.00"), 3, D("62.26"), 5,
         D("117.76")),
    ]  # fmt: skip

    uk = conn.execute(
        f"SELECT {SALES_COLUMNS} FROM reporting.sales_trend "
        "WHERE store_id = 'uk' AND currency = 'GBP' ORDER BY day"
    ).fetchall()
    # every day from 2024-04-20 to 2024-06-10: 11 + 31 + 10 days
    assert [row[2] for row in uk] == [day("2024-04-20") + i * DAY for i in range(52)]
    by_day = {row[2]: row for row in uk}
    assert by_day[day("2024-04-20")] == (
        "uk", "GBP", day("2024-04-20"), 1, 0, 2, D("100.00"), D("100.00"), 1, D("100.00"), 1,
        D("100.00"),
    )  # fmt: skip
    # 04-20 .. 04-26 is the last 7-day window holding U1; 04-20 .. 05-19 the last 30-day one
    assert by_day[day("2024-04-26")][8:] == (1, D("100.00"), 1, D("100.00"))
    assert by_day[day("2024-04-27")][8:] == (0, D("0.00"), 1, D("100.00"))
    assert by_day[day("2024-05-19")][8:] == (0, D("0.00"), 1, D("100.00"))
    assert by_day[day("2024-05-20")][8:] == (0, D("0.00"), 0, D("0.00"))
    assert by_day[day("2024-06-09")] == (
        "uk", "GBP", day("2024-06-09"), 1, 0, 1, D("5.00"), D("5.00"), 1, D("5.00"), 1,
        D("5.00"),
    )  # fmt: skip
    assert by_day[day("2024-06-10")] == (
        "uk", "GBP", day("2024-06-10"), 0, 0, 0, D("0.00"), None, 1, D("5.00"), 1, D("5.00"),
    )  # fmt: skip
    eur = conn.execute(
        f"SELECT {SALES_COLUMNS} FROM reporting.sales_trend WHERE currency = 'EUR'"
    ).fetchall()
    assert eur == [
        ("uk", "EUR", day("2024-06-10"), 1, 0, 2, D("7.50"), D("7.50"), 1, D("7.50"), 1,
         D("7.50")),
    ]  # fmt: skip
    # de has no orders: no rows
    assert counts == (10 + 52 + 1, 3)

    totals = conn.execute(
        "SELECT store_id, currency, orders_7d, units_7d, revenue_7d, orders_30d, units_30d, "
        "revenue_30d, orders_lifetime, revenue_lifetime, as_of FROM reporting.sales_totals "
        "ORDER BY store_id, currency"
    ).fetchall()
    assert totals == [
        # U3 on 06-10
        ("uk", "EUR", 1, 2, D("7.50"), 1, 2, D("7.50"), 1, D("7.50"), as_of),
        # 7 and 30 days (05-12 .. 06-10): U2 only; lifetime U1 + U2
        ("uk", "GBP", 1, 1, D("5.00"), 1, 1, D("5.00"), 2, D("105.00"), as_of),
        # 7 days (06-04 .. 06-10): O4, O7, O5 (units 4 + 1 + 1); 30 days: also O1, O2 (2 + 3)
        ("us", "USD", 3, 6, D("62.26"), 5, 11, D("117.76"), 5, D("117.76"), as_of),
    ]


def test_sales_trend_counts_an_order_without_status_as_not_canceled(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    """orders is 'Orders placed that day and not canceled': an order whose OrderStatus was
    missing (raw order_status NULL; the loader stores order.get("OrderStatus")) is not canceled,
    so it counts in orders, units and revenue, and must not vanish from both columns."""
    as_of = at("2024-06-05 12:00")
    add_order(conn, "us", "N1", at("2024-06-05 10:00"), None, "USD", "10.00", 1, 0)

    refresh_sales_trend(conn, as_of=as_of, stores=STORES)

    assert conn.execute(
        f"SELECT {SALES_COLUMNS} FROM reporting.sales_trend"
    ).fetchall() == [
        ("us", "USD", day("2024-06-05"), 1, 0, 1, D("10.00"), D("10.00"), 1, D("10.00"), 1,
         D("10.00")),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# reporting.sync_issue_trend
# --------------------------------------------------------------------------------------------

_issue_ids = iter(range(10_000))


def add_issue(
    conn: duckdb.DuckDBPyConnection,
    store: str,
    kind: str,
    first_seen: str,
    resolved: str | None = None,
    severity: str = "warning",
) -> None:
    conn.execute(
        "INSERT INTO core.sync_issues (issue_id, store_id, kind, severity, subject, "
        "first_seen_at, last_seen_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            f"i{next(_issue_ids)}",
            store,
            kind,
            severity,
            "subject",
            at(first_seen),
            at(resolved or first_seen),
            resolved and at(resolved),
        ],
    )


SYNC_COLUMNS = "store_id, kind, day, opened, resolved, open_at_end_of_day, median_age_minutes"


def test_sync_issue_trend_per_day(conn: duckdb.DuckDBPyConnection) -> None:
    as_of = at("2024-06-05 10:00")
    pm = "price_mismatch"
    add_issue(conn, "us", pm, "2024-06-01 12:00", "2024-06-01 18:00")  # I7
    add_issue(conn, "us", pm, "2024-06-03 08:00", "2024-06-04 00:00")  # I1: resolved at midnight
    add_issue(conn, "us", pm, "2024-06-03 22:00", "2024-06-03 23:00")  # I3
    add_issue(conn, "us", pm, "2024-06-04 00:00")  # I2: opened at midnight, still open
    add_issue(conn, "us", pm, "2024-06-04 12:00", "2024-06-05 09:30")  # I5
    add_issue(conn, "us", pm, "2024-06-04 18:00")  # I8
    add_issue(conn, "us", pm, "2024-06-05 08:00")  # I9
    add_issue(conn, "us", pm, "2024-06-05 09:00")  # I4
    add_issue(conn, "us", pm, "2024-06-05 10:30")  # I6: after as_of, ignored
    add_issue(conn, "magento", "api_failure", "2024-06-04 23:30", severity="error")

    rows = refresh_sync_issue_trend(conn, as_of=as_of)

    got = conn.execute(
        f"SELECT {SYNC_COLUMNS} FROM reporting.sync_issue_trend ORDER BY store_id, kind, day"
    ).fetchall()
    assert got == [
        # opened 23:30, open 30 minutes at the end of the day, 10 h 30 at as_of
        ("magento", "api_failure", day("2024-06-04"), 1, 0, 1, 30.0),
        ("magento", "api_failure", day("2024-06-05"), 0, 0, 1, 630.0),
        # I7 opened and resolved the same day
        ("us", pm, day("2024-06-01"), 1, 1, 0, None),
        # no event at all: zeros, no median
        ("us", pm, day("2024-06-02"), 0, 0, 0, None),
        # I1 and I3 opened; I3 resolved; I1 (resolved at 06-04 00:00) still open at the end of
        # the day, aged 16 h; I2 (opened 06-04 00:00) not yet
        ("us", pm, day("2024-06-03"), 2, 1, 1, 960.0),
        # I2, I5, I8 opened; I1 resolved; open at midnight: I2 24 h, I5 12 h, I8 6 h -> 12 h
        ("us", pm, day("2024-06-04"), 3, 1, 3, 720.0),
        # as of 10:00: I9, I4 opened (I6 later), I5 resolved; open: I2 34 h, I8 16 h, I9 2 h,
        # I4 1 h -> median (120 + 960) / 2
        ("us", pm, day("2024-06-05"), 2, 1, 4, 540.0),
    ]
    assert rows == 7


def test_sync_issue_trend_ignores_resolutions_after_as_of(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    """A trend as of 10:00 counts the day up to the tick, never beyond it (trends.py docstring):
    an issue resolved at 11:00 the same day is still open at 10:00 and not yet resolved."""
    as_of = at("2024-06-05 10:00")
    add_issue(conn, "us", "price_mismatch", "2024-06-05 07:00", "2024-06-05 11:00")

    refresh_sync_issue_trend(conn, as_of=as_of)

    got = conn.execute(f"SELECT {SYNC_COLUMNS} FROM reporting.sync_issue_trend").fetchall()
    # opened 1, resolved 0 (11:00 is after the tick), open at as_of 1, aged 3 h
    assert got == [("us", "price_mismatch", day("2024-06-05"), 1, 0, 1, 180.0)]


# --------------------------------------------------------------------------------------------
# reporting.store_health
# --------------------------------------------------------------------------------------------


def add_status(conn: duckdb.DuckDBPyConnection, store: str, status: str, n: int) -> None:
    for i in range(n):
        conn.execute(
            "INSERT INTO core.listing_status (store_id, status, reason_code, seller_sku, "
            "computed_at) VALUES (?, ?, 'r', ?, ?)",
            [store, status, f"{store}-{status}-{i}", at("2024-06-05 11:55")],
        )


def add_fetch(
    conn: duckdb.DuckDBPyConnection, store: str, dataset: str, outcome: str, finished: str
) -> None:
    conn.execute(
        "INSERT INTO raw.store_fetches (store_id, dataset, outcome, finished_at) "
        "VALUES (?, ?, ?, ?)",
        [store, dataset, outcome, at(finished)],
    )


def add_api_error(conn: duckdb.DuckDBPyConnection, store: str | None, occurred: str) -> None:
    conn.execute(
        "INSERT INTO raw.api_errors (store_id, operation, occurred_at) VALUES (?, 'getOrders', ?)",
        [store, at(occurred)],
    )


def test_store_health_one_row_per_configured_store(conn: duckdb.DuckDBPyConnection) -> None:
    as_of = at("2024-06-05 12:00")
    add_status(conn, "us", "active", 3)
    add_status(conn, "us", "inactive", 1)
    add_status(conn, "us", "incomplete", 2)
    add_status(conn, "us", "ready_to_list", 1)
    add_status(conn, "uk", "ended", 1)
    add_status(conn, "xx", "active", 5)  # not a configured store
    add_issue(conn, "us", "amazon_listing_error", "2024-06-05 10:00", severity="error")
    add_issue(conn, "us", "stale_store", "2024-06-04 10:00", severity="error")
    add_issue(conn, "us", "price_mismatch", "2024-06-05 11:00")
    add_issue(conn, "us", "api_failure", "2024-06-04 10:00", "2024-06-05 11:00", severity="error")
    add_issue(conn, "us", "price_mismatch", "2024-06-04 10:00", "2024-06-04 11:00")
    add_issue(conn, "uk", "unmatched_listing", "2024-06-05 11:00")
    add_issue(conn, "magento", "api_failure", "2024-06-05 11:00", severity="error")
    # us: the last ok listings fetch is 11:55 (the failed one at 11:58, the orders one at 11:57
    # and the one after as_of do not count as snapshots)
    add_fetch(conn, "us", "amazon_listings", "ok", "2024-06-05 11:50")
    add_fetch(conn, "us", "amazon_listings", "ok", "2024-06-05 11:55")
    add_fetch(conn, "us", "amazon_orders", "ok", "2024-06-05 11:57")
    add_fetch(conn, "us", "amazon_listings", "failed", "2024-06-05 11:58")
    add_fetch(conn, "us", "amazon_listings", "pending", "2024-06-05 11:59")
    add_fetch(conn, "us", "amazon_listing_issues", "failed", "2024-06-04 13:00")  # 23 h old
    add_fetch(conn, "us", "amazon_listings", "ok", "2024-06-04 11:00")  # 25 h old
    add_fetch(conn, "us", "amazon_listings", "ok", "2024-06-05 12:10")  # after as_of
    # uk: its only ok listings fetch is 4 days old; one failed fetch in the last 24 h
    add_fetch(conn, "uk", "amazon_listings", "ok", "2024-06-01 12:00")
    add_fetch(conn, "uk", "amazon_listings", "failed", "2024-06-05 06:00")
    add_api_error(conn, "us", "2024-06-05 11:58")
    add_api_error(conn, "us", "2024-06-04 13:00")
    add_api_error(conn, "us", "2024-06-04 13:01")
    add_api_error(conn, "us", "2024-06-04 11:00")  # 25 h old
    add_api_error(conn, "us", "2024-06-05 12:01")  # after as_of
    add_api_error(conn, "uk", "2024-06-05 06:00")
    add_api_error(conn, "magento", "2024-06-05 06:00")
    add_api_error(conn, None, "2024-06-05 06:00")

    rows = refresh_store_health(conn, as_of=as_of, stores=STORES)

    got = conn.execute(
        "SELECT store_id, store_name, marketplace_id, last_successful_snapshot_at, "
        "snapshot_age_minutes, active, ready_to_list, inactive, ineligible, incomplete, ended, "
        "new_third_party, open_errors, open_warnings, fetches_24h, failed_fetches_24h, "
        "api_error_rate_24h, api_errors_24h, as_of FROM reporting.store_health ORDER BY store_id"
    ).fetchall()
    assert got == [
        # no data at all
        ("de", "DE store", "A1PA6795UKMFR9", None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None,
         0, as_of),
        # snapshot 4 days = 5760 minutes old; 1 fetch, failed
        ("uk", "UK store", "A1F83G8C2ARO7P", at("2024-06-01 12:00"), 5760.0, 0, 0, 0, 0, 0, 1,
         0, 0, 1, 1, 1, 1.0, 1, as_of),
        # 6 fetches in the 24 h (11:50, 11:55, 11:57, 11:58, 11:59 pending, 13:00 the day
        # before), 2 failed; 3 API errors in the 24 h
        ("us", "US store", "ATVPDKIKX0DER", at("2024-06-05 11:55"), 5.0, 3, 1, 1, 0, 2, 0, 0, 2,
         1, 6, 2, 2 / 6, 3, as_of),
    ]  # fmt: skip
    assert rows == 3


def test_store_health_counts_issues_open_at_as_of(conn: duckdb.DuckDBPyConnection) -> None:
    """store_health is 'as of the tick' like its snapshot, fetch and API error columns: an issue
    first seen after as_of is not open yet, one resolved after as_of still is."""
    as_of = at("2024-06-05 12:00")
    add_issue(conn, "us", "stale_store", "2024-06-05 12:30", severity="error")  # after as_of
    add_issue(conn, "us", "price_mismatch", "2024-06-05 10:00", "2024-06-05 12:30")  # open then

    refresh_store_health(conn, as_of=as_of, stores=STORES[:1])

    assert conn.execute(
        "SELECT store_id, open_errors, open_warnings FROM reporting.store_health"
    ).fetchall() == [("us", 0, 1)]


# --------------------------------------------------------------------------------------------
# The session time zone does not leak into the figures
# --------------------------------------------------------------------------------------------


def test_trends_do_not_depend_on_the_session_time_zone() -> None:
    """Everything is bucketed by UTC: a connection whose TimeZone is Asia/Kolkata (+05:30) gives
    the same tables as a UTC one."""
    tables = {}
    for zone in ("UTC", "Asia/Kolkata"):
        connection = duckdb.connect()
        ensure_schema(connection)
        connection.execute(f"SET TimeZone = '{zone}'")
        add_history(
            connection,
            "us",
            "listing:A",
            ("active", "2024-06-09 18:20", "2024-06-09 18:40"),  # 23:50 .. 00:10 in Kolkata
            ("inactive", "2024-06-09 18:40", None),
        )
        sales_orders(connection)
        add_issue(connection, "us", "price_mismatch", "2024-06-09 18:20", "2024-06-09 18:40")
        add_issue(connection, "us", "price_mismatch", "2024-06-09 18:40")
        add_fetch(connection, "us", "amazon_listings", "ok", "2024-06-09 18:20")
        as_of = at("2024-06-10 15:00")
        refresh_listing_status_trend(connection, as_of=as_of)
        refresh_sales_trend(connection, as_of=as_of, stores=STORES)
        refresh_sync_issue_trend(connection, as_of=as_of)
        refresh_store_health(connection, as_of=as_of, stores=STORES)
        tables[zone] = {
            table: connection.execute(f"SELECT * FROM reporting.{table} ORDER BY ALL").fetchall()
            for table in (
                "listing_status_trend",
                "sales_trend",
                "sales_totals",
                "sync_issue_trend",
                "store_health",
            )
        }
    assert tables["Asia/Kolkata"] == tables["UTC"]
    daily = [
        row
        for row in tables["UTC"]["listing_status_trend"]
        if row[2] == "day" and row[1] in ("active", "inactive")
    ]
    assert [(row[1], row[3], row[4:]) for row in daily] == [
        ("active", at("2024-06-09 00:00"), (0, 1, 1)),
        ("active", at("2024-06-10 00:00"), (0, 0, 0)),
        ("inactive", at("2024-06-09 00:00"), (1, 1, 0)),
        ("inactive", at("2024-06-10 00:00"), (1, 0, 0)),
    ]


def test_average_order_value_rounds_half_a_cent_up(conn: duckdb.DuckDBPyConnection) -> None:
    # 36.24 + 36.25 = 72.49 over two orders is 36.245: 36.25 (through a DOUBLE it came out 36.24)
    add_order(conn, "us", "H1", at("2024-06-10 09:00"), "Shipped", "USD", "36.24", 1, 0)
    add_order(conn, "us", "H2", at("2024-06-10 10:00"), "Shipped", "USD", "36.25", 1, 0)
    refresh_sales_trend(conn, as_of=at("2024-06-10 12:00"), stores=STORES)
    assert conn.execute(
        "SELECT revenue, average_order_value FROM reporting.sales_trend WHERE store_id = 'us'"
    ).fetchall() == [(D("72.49"), D("36.25"))]


def test_sales_totals_of_a_store_without_recent_orders_are_zero(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    add_order(conn, "us", "OLD", at("2024-01-10 09:00"), "Shipped", "USD", "12.00", 1, 0)
    refresh_sales_trend(conn, as_of=at("2024-06-10 12:00"), stores=STORES)
    assert conn.execute(
        "SELECT orders_7d, units_7d, revenue_7d, orders_30d, units_30d, revenue_30d, "
        "orders_lifetime, revenue_lifetime FROM reporting.sales_totals"
    ).fetchall() == [(0, 0, D("0.00"), 0, 0, D("0.00"), 1, D("12.00"))]
