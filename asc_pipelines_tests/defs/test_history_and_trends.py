"""History and trends through the real sync job over many ticks of sandbox time.

The sandbox's clock is moved forward between ticks: five-minute steps, a step up to just before a
UTC midnight and across it, a tick that changes nothing, a jump of eight days and a last day. After
every tick the test keeps the full state the pipeline classified, so the history and every trend
number can be recomputed here, naively, and compared exactly; the world's own record of what it
changed (prices, quantities, status flips, orders) is checked against the history too. README's
trend questions are run on the published copy and their answers checked the same way.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.config import load_config
from asc_pipelines.logic.history import CURRENT_STATE_SQL, STATE_COLUMNS
from asc_pipelines.logic.status import STATUSES
from asc_pipelines_tests.browser import chromium, render
from asc_pipelines_tests.readme import readme_queries
from asc_pipelines_tests.sandbox_edits import edit_listing
from asc_pipelines_tests.warehouse.documentation import undocumented

pytestmark = pytest.mark.slow
STORES = ["uk", "us"]
CENT = Decimal("0.01")  # commercial rounding: half away from zero, as DuckDB casts


@dataclass
class Tick:
    at: datetime
    state: dict[tuple[str, str], tuple]  # (store, listing_key) -> the other state columns
    world_changes: dict  # what the sandbox changed just before this tick (server.advance)


def _capture(data: Path, run_id: str, changes: dict) -> Tick:
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        at = conn.execute(
            "SELECT max(finished_at) FROM raw.store_fetches WHERE run_id = ?", [run_id]
        ).fetchone()[0]
        rows = conn.execute(CURRENT_STATE_SQL, {"stores": STORES}).fetchall()
    return Tick(at.astimezone(UTC), {(r[0], r[1]): r[2:] for r in rows}, changes)


def _settle_a_quantity_mismatch(server, data: Path) -> tuple[str, str]:
    """Set one mismatched listing's Amazon quantity to what Magento would list (as a seller
    fixing it by hand would); returns (store, seller SKU)."""
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        store_id, sku, quantity = conn.execute(
            "SELECT i.store_id, i.sku, e.listed_qty FROM core.sync_issues AS i "
            "JOIN core.product_matches AS m ON m.store_id = i.store_id AND m.seller_sku = i.sku "
            "JOIN core.product_eligibility AS e "
            "  ON e.store_id = m.store_id AND e.magento_sku = m.magento_sku "
            "WHERE i.kind = 'quantity_mismatch' AND i.resolved_at IS NULL ORDER BY 1, 2 LIMIT 1"
        ).fetchone()
    edit_listing(server, store_id, sku, quantity=str(quantity))
    return store_id, sku


def _expected_history(ticks: list[Tick]) -> list[tuple]:
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


def _check_status_trend(conn: duckdb.DuckDBPyConnection, ticks: list[Tick]) -> None:
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
        for store in STORES:
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
        for store in STORES:
            counts = Counter(v[3] for k, v in ticks[-1].state.items() if k[0] == store)
            last = {r[1]: r[3] for r in got if r[0] == store and r[2] == max(x[2] for x in got)}
            assert last == {s: counts.get(s, 0) for s in STATUSES}


def _expected_sales(server, conn: duckdb.DuckDBPyConnection, as_of: datetime) -> dict:
    """Per (store, currency, day): orders, canceled, units, revenue, from the sandbox's orders
    (those the pipeline has fetched)."""
    fetched = {
        r[0] for r in conn.execute("SELECT amazon_order_id FROM raw.amazon_orders").fetchall()
    }
    sales: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, Decimal("0.00")])
    with server.app.lock:
        for store_id, state in server.app.amazon.stores.items():
            for order_id, order in state.orders.items():
                if order_id not in fetched:
                    continue
                purchased = datetime.fromisoformat(order["PurchaseDate"].replace("Z", "+00:00"))
                assert purchased <= as_of
                items = order.get("OrderItems", [])
                currency = (order.get("OrderTotal") or items[0]["ItemPrice"])["CurrencyCode"]
                row = sales[(store_id, currency, purchased.astimezone(UTC).date())]
                if order["OrderStatus"] == "Canceled":
                    row[1] += 1
                    continue
                row[0] += 1
                row[2] += sum(int(i["QuantityOrdered"]) for i in items)
                if order.get("OrderTotal"):
                    row[3] += Decimal(order["OrderTotal"]["Amount"])
                else:
                    row[3] += sum(Decimal(i["ItemPrice"]["Amount"]) for i in items)
    return sales


def _check_sales(server, conn: duckdb.DuckDBPyConnection, as_of: datetime) -> dict:
    expected = _expected_sales(server, conn, as_of)
    rows = conn.execute(
        "SELECT store_id, currency, day, orders, canceled_orders, units, revenue, "
        "average_order_value, orders_7d, revenue_7d FROM reporting.sales_trend ORDER BY ALL"
    ).fetchall()
    assert sum(r[3] for r in rows) > 100  # the world really sells
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
    return expected


def _check_sync_issue_trend(conn: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
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


def test_history_and_trends_over_eight_days_of_ticks(sandbox_pipeline) -> None:
    server, config, data = sandbox_pipeline.server, sandbox_pipeline.config, sandbox_pipeline.data
    instance = sandbox_pipeline.instance
    ticks: list[Tick] = []

    def tick(changes: dict | None = None) -> Tick:
        result = sandbox_pipeline.sync()
        assert result.every_store_ok, result.messages
        ticks.append(_capture(data, result.run_id, changes or {}))
        return ticks[-1]

    def history_rows() -> int:
        with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
            return conn.execute("SELECT count(*) FROM core.listing_history").fetchone()[0]

    def quiet_until(moment: datetime) -> None:
        """Move the sandbox clock to twelve minutes before ``moment``; nothing else changes."""
        server.app.clock.advance((moment - server.app.clock.now()).total_seconds() - 12 * 60)

    tick()
    for _ in range(3):
        tick(server.advance(5))
    # Nothing moves in the world: the tick adds nothing.
    before = history_rows()
    same = tick()
    assert same.state == ticks[-2].state
    assert history_rows() == before
    settled = _settle_a_quantity_mismatch(server, data)
    # A quiet stretch (the clock moves, the world does not) up to twelve minutes before the next
    # UTC midnight, then five-minute steps across it.
    quiet_until(datetime.combine(server.app.clock.now().date() + timedelta(days=1), time(), UTC))
    tick(server.advance(5))
    tick(server.advance(5))
    tick(server.advance(5))
    assert ticks[-1].at.date() == ticks[-2].at.date() + timedelta(days=1)
    # A quiet week to noon eight days on; a seller closes an active listing; half an hour of
    # trade; a quiet day.
    quiet_until(
        datetime.combine(server.app.clock.now().date() + timedelta(days=8), time(12, 12), UTC)
    )
    tick()
    closed_store, closed_key = next(
        key for key, values in sorted(ticks[-1].state.items())
        if values[3] == "active" and values[0] is not None
    )  # fmt: skip
    edit_listing(server, closed_store, closed_key.removeprefix("listing:"), status="Inactive")
    tick(server.advance(30))
    server.app.clock.advance(24 * 3600)
    tick()
    as_of = ticks[-1].at

    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        # 1. The history is exactly the change-only record of the states the ticks saw.
        history = conn.execute(
            f"SELECT {STATE_COLUMNS}, changed, status_since, valid_from, valid_to "
            "FROM core.listing_history ORDER BY ALL"
        ).fetchall()
        history = [
            (*r[:11], *(t and t.astimezone(UTC) for t in r[11:])) for r in history
        ]  # fmt: skip
        assert history == _expected_history(ticks)
        by_tick: dict[datetime, dict[tuple[str, str], list[str]]] = defaultdict(dict)
        for r in history:
            by_tick[r[12]][(r[0], r[1])] = r[10]

        # 2. What the world says it changed shows up in the history at the next tick.
        checked = Counter()
        for previous, current in pairwise(ticks):
            for store, changes in current.world_changes.get("amazon", {}).items():
                rows = by_tick[current.at]
                for sku in changes["price_changes"]:
                    assert "price" in rows[(store, f"listing:{sku}")], (store, sku)
                    checked["price"] += 1
                for sku in changes["quantity_changes"]:
                    assert "quantity" in rows[(store, f"listing:{sku}")], (store, sku)
                    checked["quantity"] += 1
                for sku in changes["status_flips"]:
                    if previous.state[(store, f"listing:{sku}")][3] == "active":
                        assert "status" in rows[(store, f"listing:{sku}")], (store, sku)
                        checked["status"] += 1
        assert checked["price"] and checked["quantity"], checked
        assert "status" in by_tick[ticks[-2].at][(closed_store, closed_key)]

        # 3. Trends, against the captured states, the sandbox's orders and the issues.
        _check_status_trend(conn, ticks)
        sales = _check_sales(server, conn, as_of)
        _check_sync_issue_trend(conn, as_of)
        health = conn.execute(
            "SELECT store_id, active, ready_to_list, inactive, ineligible, incomplete, ended, "
            "new_third_party, fetches_24h, failed_fetches_24h, api_error_rate_24h, as_of "
            "FROM reporting.store_health ORDER BY store_id"
        ).fetchall()
        for row in health:
            counts = Counter(v[3] for k, v in ticks[-1].state.items() if k[0] == row[0])
            assert list(row[1:8]) == [counts.get(s, 0) for s in STATUSES]
            # The last tick only (the one before is older): listings, issues, orders, look-ups.
            assert row[8:11] == (4, 0, 0.0) and row[11].astimezone(UTC) == as_of

        # 4. README's trend questions, answered from the published copy.
        queries = readme_queries("History, trends and report pages")
        assert len(queries) == 4
        answers = [conn.execute(q).fetchall() for q in queries]
        issues = conn.execute(
            "SELECT store_id, first_seen_at, resolved_at FROM core.sync_issues "
            "WHERE kind = 'quantity_mismatch'"
        ).fetchall()
        assert conn.execute(
            "SELECT resolved_at FROM core.sync_issues WHERE kind = 'quantity_mismatch' "
            "AND store_id = ? AND sku = ? AND resolved_at IS NOT NULL",
            list(settled),
        ).fetchall() == [(ticks[5].at,)]  # the first tick after the fix

    yesterday = as_of.date() - timedelta(days=1)
    went_inactive = set()
    for previous, current in pairwise(ticks):
        if current.at.date() != yesterday:
            continue
        for key, values in current.state.items():
            before = previous.state.get(key)
            # A transition: seen the tick before in another tab (a first sighting is not one).
            if values[3] == "inactive" and before is not None and before[3] != "inactive":
                went_inactive.add((key[0], values[0], values[4]))
    assert (closed_store, closed_key.removeprefix("listing:")) in {a[:2] for a in went_inactive}
    assert {(r[0], r[1], r[3]) for r in answers[0]} == went_inactive

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
    assert {r[0]: (r[1], r[2], r[4]) for r in answers[1]} == mismatch
    assert any(v[0] for v in mismatch.values())  # some mismatches were resolved

    last_30 = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for (store, currency, day), (orders, _, units, revenue) in sales.items():
        if day > as_of.date() - timedelta(days=30):
            total = last_30[(store, currency)]
            total[0] += orders
            total[1] += units
            total[2] += revenue
    assert {(r[0], r[1]): list(r[2:]) for r in answers[2]} == dict(last_30)

    ready_since = {}
    for tick_ in ticks:
        for key, values in tick_.state.items():
            if values[3] != "ready_to_list":
                ready_since.pop(key, None)
            else:
                ready_since.setdefault(key, tick_.at)
        for key in set(ready_since) - set(tick_.state):
            ready_since.pop(key)
    long_ready = {
        (key[0], key[1].removeprefix("product:"))
        for key, since in ready_since.items()
        if as_of - since > timedelta(days=7)
    }
    assert long_ready  # the products ready since the first days
    assert {(r[0], r[1]) for r in answers[3]} == long_ready
    assert all(r[4] > 7 for r in answers[3])

    # 5. Every history and trend materialization of the last tick reports its rows and a summary;
    # every table, view and column the ticks created (whichever asset created it) has a comment.
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        assert undocumented(conn) == []
        for asset, table in (
            ("listing_history", "core.listing_history"),
            ("listing_status_trend", "reporting.listing_status_trend"),
            ("sales_trend", "reporting.sales_trend"),
            ("sync_issue_trend", "reporting.sync_issue_trend"),
            ("store_health", "reporting.store_health"),
        ):
            event = instance.get_latest_materialization_event(dg.AssetKey(asset))
            metadata = event.asset_materialization.metadata
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert metadata["dagster/row_count"].value == count > 0, asset
            assert metadata["summary"].value.startswith("| store |"), asset
            assert event.run_id == instance.get_runs(limit=1)[0].run_id, asset

    # 6. The report pages of the last tick: named in the asset's metadata, and a real browser
    # shows every store's name and all its charts, loading nothing from anywhere else.
    event = instance.get_latest_materialization_event(dg.AssetKey("report_pages"))
    index = data / "reports" / "index.html"
    assert event.asset_materialization.metadata["index"].value == str(index.resolve())
    names = {store.id: store.name for store in load_config(config).stores}
    with chromium() as browser:
        pages = {None: index} | {sid: data / "reports" / f"{sid}.html" for sid in names}
        for store_id, path in pages.items():
            shown = render(browser, path)
            for sid, name in names.items():
                if store_id in (None, sid):
                    assert name in shown["text"], (path.name, name)
            # The index: one chart per store card; a store page: its three charts.
            assert len(shown["images"]) == (len(names) if store_id is None else 3), path.name
            assert all(i["complete"] and i["width"] > 0 for i in shown["images"]), path.name
            assert shown["problems"] == [] and shown["requests"] == [path.as_uri()], path.name
