"""History and trends recomputed the plain way, from the states the ticks saw.

After every tick a test keeps the full state the pipeline classified (``capture``); from those
states, the orders and the sync issues, the functions here compute naively what
``core.listing_history`` and every ``reporting`` trend must hold, and what README's trend
questions must answer, and compare exactly. The end-to-end test (sandbox, real sync job) and the
in-process test (hand-made warehouse) hold the assets to the same oracle.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path

import duckdb

from asc_pipelines.logic.history import CURRENT_STATE_SQL, STATE_COLUMNS
from asc_pipelines.logic.status import STATUSES

CENT = Decimal("0.01")  # commercial rounding: half away from zero, as DuckDB casts

# The history and trend assets and the table each writes.
TABLES_OF_ASSETS = (
    ("listing_history", "core.listing_history"),
    ("listing_status_trend", "reporting.listing_status_trend"),
    ("sales_trend", "reporting.sales_trend"),
    ("sync_issue_trend", "reporting.sync_issue_trend"),
    ("store_health", "reporting.store_health"),
)

# (store, currency, UTC day) -> [orders, canceled orders, units, revenue]
Sales = dict[tuple[str, str, object], list]


@dataclass
class Tick:
    at: datetime
    state: dict[tuple[str, str], tuple]  # (store, listing_key) -> the other state columns
    world_changes: dict = field(default_factory=dict)  # what changed just before this tick


def capture(
    database: Path, at: datetime, stores: Sequence[str], changes: dict | None = None
) -> Tick:
    """The state every listing and unlisted product of ``stores`` is in, as of tick ``at``."""
    with duckdb.connect(str(database), read_only=True) as conn:
        rows = conn.execute(CURRENT_STATE_SQL, {"stores": list(stores)}).fetchall()
    return Tick(at.astimezone(UTC), {(r[0], r[1]): r[2:] for r in rows}, changes or {})


def recorded_history(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """``core.listing_history`` in the shape of :func:`expected_history`, times in UTC."""
    history = conn.execute(
        f"SELECT {STATE_COLUMNS}, changed, status_since, valid_from, valid_to "
        "FROM core.listing_history ORDER BY ALL"
    ).fetchall()
    return [(*r[:11], *(t and t.astimezone(UTC) for t in r[11:])) for r in history]


def changes_by_tick(history: list[tuple]) -> dict[datetime, dict[tuple[str, str], list[str]]]:
    """What changed (``changed``) per tick and (store, listing_key)."""
    by_tick: dict[datetime, dict[tuple[str, str], list[str]]] = defaultdict(dict)
    for r in history:
        by_tick[r[12]][(r[0], r[1])] = r[10]
    return by_tick


def expected_history(ticks: list[Tick]) -> list[tuple]:
    """Type-2 history of the captured states, computed the plain way."""
    rows: list[list] = []
    open_rows: dict[tuple[str, str], list] = {}
    for tick in ticks:
        for key in sorted(set(open_rows) - set(tick.state)):
            open_rows.pop(key)[-1] = tick.at
        for key, values in sorted(tick.state.items()):
            seller, magento, asin, status, reason, detail, price, qty = values
            previous = open_rows.get(key)
            if previous is not None and (
                previous[3],
                previous[4],
                previous[5],
                previous[6],
                previous[8],
                previous[9],
            ) == (magento, asin, status, reason, price, qty):
                continue
            if previous is None:
                changed, since = ["new"], tick.at
            else:
                changed = [
                    name
                    for name, old, new in (
                        ("status", previous[5], status),
                        ("reason", previous[6], reason),
                        ("price", previous[8], price),
                        ("quantity", previous[9], qty),
                        ("match", tuple(previous[3:5]), (magento, asin)),
                    )
                    if old != new
                ]
                since = previous[11] if previous[5] == status else tick.at
                previous[-1] = tick.at
            row = [*key, seller, magento, asin, status, reason, detail, price, qty, changed]
            row += [since, tick.at, None]
            rows.append(row)
            open_rows[key] = row
    return sorted(tuple(r) for r in rows)


def _status_moves(ticks: list[Tick]) -> list[tuple[datetime, str, str, int, int]]:
    """(time, store, status, entries, exits) of every tab change between captured ticks."""
    moves = []
    previous: dict[tuple[str, str], str] = {}
    for tick in ticks:
        now = {key: values[3] for key, values in tick.state.items()}
        for key in set(previous) | set(now):
            before, after = previous.get(key), now.get(key)
            if before == after:
                continue
            if before is not None:
                moves.append((tick.at, key[0], before, 0, 1))
            if after is not None:
                moves.append((tick.at, key[0], after, 1, 0))
        previous = now
    return moves


def _bucket(at: datetime, grain: str) -> datetime:
    if grain == "day":
        return datetime.combine(at.date(), time(), UTC)
    if grain == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


def check_status_trend(
    conn: duckdb.DuckDBPyConnection, ticks: list[Tick], stores: Sequence[str]
) -> None:
    """``reporting.listing_status_trend``, every grain and its retention, against the moves."""
    moves = _status_moves(ticks)
    as_of = ticks[-1].at
    step = {"5min": timedelta(minutes=5), "hour": timedelta(hours=1), "day": timedelta(days=1)}
    for grain, keep in (("5min", timedelta(days=2)), ("hour", timedelta(days=90)), ("day", None)):
        got = conn.execute(
            "SELECT store_id, status, bucket_start, listings, entries, exits "
            "FROM reporting.listing_status_trend WHERE grain = ? ORDER BY ALL",
            [grain],
        ).fetchall()
        first = _bucket(ticks[0].at, grain)
        start = first if keep is None else max(first, _bucket(as_of - keep, grain))
        expected = []
        for store in stores:
            for status in STATUSES:
                mine = [m for m in moves if m[1] == store and m[2] == status]
                bucket = start
                while bucket <= _bucket(as_of, grain):
                    inside = [m for m in mine if _bucket(m[0], grain) == bucket]
                    upto = [m for m in mine if _bucket(m[0], grain) <= bucket]
                    expected.append(
                        (
                            store,
                            status,
                            bucket,
                            sum(m[3] - m[4] for m in upto),
                            sum(m[3] for m in inside),
                            sum(m[4] for m in inside),
                        )
                    )
                    bucket += step[grain]
        assert [(r[0], r[1], r[2].astimezone(UTC), *r[3:]) for r in got] == sorted(expected), grain
        # The count at the last bucket is the current classification.
        for store in stores:
            counts = Counter(v[3] for k, v in ticks[-1].state.items() if k[0] == store)
            last = {r[1]: r[3] for r in got if r[0] == store and r[2] == max(x[2] for x in got)}
            assert last == {s: counts.get(s, 0) for s in STATUSES}


def check_sales(conn: duckdb.DuckDBPyConnection, expected: Sales, as_of: datetime) -> list:
    """``reporting.sales_trend`` against the orders: per day, gap-free, rolling 7-day sums."""
    rows = conn.execute(
        "SELECT store_id, currency, day, orders, canceled_orders, units, revenue, "
        "average_order_value, orders_7d, revenue_7d FROM reporting.sales_trend ORDER BY ALL"
    ).fetchall()
    by_series: dict[tuple, list] = defaultdict(list)
    for r in rows:
        by_series[(r[0], r[1])].append(r)
        want = expected.get((r[0], r[1], r[2]), [0, 0, 0, Decimal("0.00")])
        assert list(r[3:7]) == want, r
        aov = (want[3] / want[0]).quantize(CENT, ROUND_HALF_UP) if want[0] else None
        assert r[7] == aov
    assert {k for k, v in expected.items() if v[0] or v[1]} <= {(r[0], r[1], r[2]) for r in rows}
    for series in by_series.values():  # every day from the first order to the last tick
        days = [r[2] for r in series]
        assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
        assert days[-1] == as_of.date()
        for n, r in enumerate(series):
            window = series[max(0, n - 6) : n + 1]
            assert r[8] == sum(w[3] for w in window) and r[9] == sum(w[6] for w in window)
    return rows


def check_sync_issue_trend(conn: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
    """``reporting.sync_issue_trend`` per store, kind and UTC day against ``core.sync_issues``."""
    issues = conn.execute(
        "SELECT store_id, kind, first_seen_at, resolved_at FROM core.sync_issues"
    ).fetchall()
    assert issues
    got = conn.execute(
        "SELECT store_id, kind, day, opened, resolved, open_at_end_of_day, median_age_minutes "
        "FROM reporting.sync_issue_trend ORDER BY ALL"
    ).fetchall()
    expected = []
    for store, kind in sorted({(i[0], i[1]) for i in issues}):
        mine = [(i[2].astimezone(UTC), i[3] and i[3].astimezone(UTC)) for i in issues
                if (i[0], i[1]) == (store, kind)]  # fmt: skip
        day = min(first.date() for first, _ in mine)
        while day <= as_of.date():
            midnight = datetime.combine(day + timedelta(days=1), time(), UTC)
            if midnight > as_of:  # the last tick's day: open at the tick
                end = as_of
                still = [f for f, r in mine if f <= end and (r is None or r > end)]
            else:
                end = midnight
                still = [f for f, r in mine if f < end and (r is None or r >= end)]
            ages = [(end - f).total_seconds() / 60 for f in still]
            expected.append(
                (
                    store,
                    kind,
                    day,
                    sum(1 for f, _ in mine if f.date() == day),
                    sum(1 for _, r in mine if r is not None and r.date() == day),
                    len(still),
                    statistics.median(ages) if ages else None,
                )
            )
            day += timedelta(days=1)
    assert [r[:6] for r in got] == [e[:6] for e in expected]
    for r, e in zip(got, expected, strict=True):
        assert (r[6] is None) == (e[6] is None) and (r[6] is None or abs(r[6] - e[6]) < 1e-6)


def check_store_health_counts(conn: duckdb.DuckDBPyConnection, last: Tick) -> list[tuple]:
    """``reporting.store_health``: each store's listings per tab are the last tick's state;
    returns the rows (store, the seven counts, fetches_24h, failed_fetches_24h,
    api_error_rate_24h, as_of)."""
    health = conn.execute(
        "SELECT store_id, active, ready_to_list, inactive, ineligible, incomplete, ended, "
        "new_third_party, fetches_24h, failed_fetches_24h, api_error_rate_24h, as_of "
        "FROM reporting.store_health ORDER BY store_id"
    ).fetchall()
    assert health
    for row in health:
        counts = Counter(v[3] for k, v in last.state.items() if k[0] == row[0])
        assert list(row[1:8]) == [counts.get(s, 0) for s in STATUSES]
    return health


def went_inactive_yesterday(ticks: list[Tick]) -> set[tuple[str, str, str]]:
    """README question 1: (store, seller SKU, reason) of every real move into inactive on the
    day before the last tick's."""
    yesterday = ticks[-1].at.date() - timedelta(days=1)
    went_inactive = set()
    for previous, current in pairwise(ticks):
        if current.at.date() != yesterday:
            continue
        for key, values in current.state.items():
            before = previous.state.get(key)
            # A transition: seen the tick before in another tab (a first sighting is not one).
            if values[3] == "inactive" and before is not None and before[3] != "inactive":
                went_inactive.add((key[0], values[0], values[4]))
    return went_inactive


def quantity_mismatch_durations(
    conn: duckdb.DuckDBPyConnection, as_of: datetime
) -> dict[str, tuple[int, float | None, int]]:
    """README question 2 per store: (resolved, median minutes to resolve, still open)."""
    issues = conn.execute(
        "SELECT store_id, first_seen_at, resolved_at FROM core.sync_issues "
        "WHERE kind = 'quantity_mismatch'"
    ).fetchall()
    mismatch = {}
    for store in sorted({i[0] for i in issues}):
        mine = [i for i in issues if i[0] == store]
        done = [(i[2] - i[1]).total_seconds() / 60 for i in mine if i[2] is not None]
        still = [(as_of - i[1]).total_seconds() / 60 for i in mine if i[2] is None]
        mismatch[store] = (
            len(done),
            round(statistics.median(done), 1) if done else None,
            len(still),
        )
    return mismatch


def sales_last_30_days(sales: Sales, as_of: datetime) -> dict[tuple[str, str], list]:
    """README question 3: (store, currency) -> [orders, units, revenue] of the last 30 days."""
    last_30: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for (store, currency, day), (orders, _, units, revenue) in sales.items():
        if day > as_of.date() - timedelta(days=30):
            total = last_30[(store, currency)]
            total[0] += orders
            total[1] += units
            total[2] += revenue
    return dict(last_30)


def ready_for_more_than_a_week(ticks: list[Tick]) -> set[tuple[str, str]]:
    """README question 4: (store, Magento SKU) ready to list, without a break, for over 7 days."""
    ready_since: dict[tuple[str, str], datetime] = {}
    for tick_ in ticks:
        for key, values in tick_.state.items():
            if values[3] != "ready_to_list":
                ready_since.pop(key, None)
            else:
                ready_since.setdefault(key, tick_.at)
        for key in set(ready_since) - set(tick_.state):
            ready_since.pop(key)
    as_of = ticks[-1].at
    return {
        (key[0], key[1].removeprefix("product:"))
        for key, since in ready_since.items()
        if as_of - since > timedelta(days=7)
    }
