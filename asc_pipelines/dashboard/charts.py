"""The charts of a store page, read from the reporting tables and drawn as PNG.

Drawn with matplotlib's object-oriented API (a ``Figure`` on an Agg canvas): no pyplot, no global
state, no display needed, and the same data gives the same bytes. Every chart says "No data yet"
instead of failing when its table has nothing for the store. Times are UTC, as in the tables.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from asc_pipelines.logic.status import STATUSES

WIDTH_INCHES, HEIGHT_INCHES, DPI = 9.0, 3.0, 100  # 900 x 300 px
WINDOW_DAYS = 30  # the daily charts show the 30 days ending at the store's last day

# Amazon Sales Channel's tab names, and one colour per tab used on every chart.
STATUS_LABELS = {
    "active": "Active",
    "ready_to_list": "Ready to List",
    "inactive": "Inactive",
    "ineligible": "Ineligible",
    "incomplete": "Incomplete",
    "ended": "Ended",
    "new_third_party": "New Third Party",
}
STATUS_COLORS = {
    "active": "#2e7d32",
    "ready_to_list": "#1565c0",
    "inactive": "#ef6c00",
    "ineligible": "#c62828",
    "incomplete": "#8e24aa",
    "ended": "#757575",
    "new_third_party": "#00897b",
}
ISSUE_KIND_COLORS = {
    "amazon_listing_error": "#c62828",
    "api_failure": "#6d4c41",
    "stale_store": "#757575",
    "price_mismatch": "#ef6c00",
    "quantity_mismatch": "#f9a825",
    "price_out_of_bounds": "#ad1457",
    "push_rejected": "#283593",
    "push_failed": "#9e9d24",
    "slow_sync": "#4e342e",
    "unmatched_listing": "#1565c0",
    "ambiguous_match": "#8e24aa",
    "invalid_identifier": "#00897b",
}
_OTHER_COLOR = "#90a4ae"
_REVENUE_COLOR = "#1565c0"
_ORDERS_COLOR = "#ef6c00"
_P50_COLOR = "#1565c0"
_P95_COLOR = "#c62828"
_WAITING_COLOR = "#cfd8dc"

# Grain of the status chart: the finest one whose buckets cover the store's history and span
# less than its limit, so a young store shows 5-minute detail and an old one whole days.
GRAIN_LIMITS = (("5min", timedelta(hours=12)), ("hour", timedelta(days=14)), ("day", None))
GRAIN_LABELS = {"5min": "5-minute buckets", "hour": "hourly", "day": "daily"}
GRAIN_STEPS = {"5min": timedelta(minutes=5), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_GRAIN_FLOOR = {"5min": "hour", "hour": "day"}


@dataclass(frozen=True)
class Chart:
    """One rendered chart: ``name`` is its file-name part, ``title`` names it in alt texts."""

    name: str
    title: str
    png: bytes


def issue_kind_label(kind: str) -> str:
    """``price_mismatch`` -> ``Price mismatch``: how a sync issue kind reads on a page."""
    return kind.replace("_", " ").capitalize()


def pick_grain(extents: dict[str, tuple[datetime, datetime]]) -> str | None:
    """The grain to draw, given each grain's first and last bucket_start for the store.

    A grain qualifies when its buckets span less than its limit and reach back to the start of
    the history (the next coarser grain starts no earlier than this grain's first bucket,
    floored to the coarser bucket); the 5-minute and hourly grains keep only recent buckets.
    """
    for grain, limit in GRAIN_LIMITS:
        if grain not in extents:
            continue
        first, last = extents[grain]
        coarser = _GRAIN_FLOOR.get(grain)
        if coarser in extents and extents[coarser][0] < _floor(first, coarser):
            continue
        if limit is None or last - first < limit:
            return grain
    present = [grain for grain, _ in GRAIN_LIMITS if grain in extents]
    return present[-1] if present else None


def store_charts(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[Chart]:
    """The store page's charts: listings by status, daily sales (one per currency), open issues,
    sync latency."""
    return [
        status_chart(conn, store_id),
        *sales_charts(conn, store_id),
        issues_chart(conn, store_id),
        latency_chart(conn, store_id),
    ]


def status_chart(conn: duckdb.DuckDBPyConnection, store_id: str) -> Chart:
    """Listings per Amazon Sales Channel tab over time, at the grain that suits the history."""
    title = "Listings by status over time"
    extents = {
        grain: (first, last)
        for grain, first, last in conn.execute(
            "SELECT grain, min(timezone('UTC', bucket_start)), max(timezone('UTC', bucket_start))"
            " FROM reporting.listing_status_trend WHERE store_id = ? GROUP BY grain",
            [store_id],
        ).fetchall()
    }
    grain = pick_grain(extents)
    if grain is None:
        fig, ax = _figure()
        _title(ax, title)
        _no_data(ax)
        return Chart("listings-by-status", title, _png(fig))
    rows = conn.execute(
        "SELECT status, timezone('UTC', bucket_start), listings"
        " FROM reporting.listing_status_trend"
        " WHERE store_id = ? AND grain = ? ORDER BY bucket_start",
        [store_id, grain],
    ).fetchall()
    series: dict[str, tuple[list[datetime], list[int]]] = {}
    for status, bucket_start, listings in rows:
        xs, ys = series.setdefault(status, ([], []))
        xs.append(bucket_start)
        ys.append(listings)
    known = [s for s in STATUSES if s in series] + sorted(set(series) - set(STATUSES))
    return Chart(
        "listings-by-status",
        title,
        _status_panels(f"{title} ({GRAIN_LABELS[grain]})", series, known, grain, extents[grain]),
    )


def _status_panels(
    title: str,
    series: dict[str, tuple[list[datetime], list[int]]],
    statuses: list[str],
    grain: str,
    extent: tuple[datetime, datetime],
) -> bytes:
    """One small panel per tab, each on its own scale: a tab of 700 listings that gains five
    shows a curve, not a flat line beside one of 40 (small multiples, shared time axis)."""
    fig = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.text(0.01, 0.95, title, fontsize=11, ha="left", va="center")
    columns, left, right, top, bottom = 4, 0.055, 0.99, 0.88, 0.08
    width = (right - left) / columns
    height = (top - bottom) / 2
    first, last = extent
    margin = GRAIN_STEPS[grain] * 6 if first == last else None
    for number, status in enumerate(statuses[: columns * 2]):
        row, column = divmod(number, columns)
        ax = fig.add_axes(
            (
                left + column * width,
                bottom + (1 - row) * height + 0.04,
                width - 0.045,
                height - 0.13,
            )
        )
        xs, ys = series[status]
        color = STATUS_COLORS.get(status, _OTHER_COLOR)
        ax.plot(xs, ys, color=color, linewidth=1.6, marker="o" if len(xs) < 3 else None)
        ax.set_title(
            f"{STATUS_LABELS.get(status, status)}  {ys[-1]:,}",
            loc="left",
            fontsize=8.5,
            color=color,
            y=0.98,
            fontweight="bold",
        )
        low, high = min(ys), max(ys)
        pad = max(1.0, (high - low) * 0.15)
        ax.set_ylim(max(0.0, low - pad), high + pad)
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.tick_params(labelsize=7, length=2)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        locator = AutoDateLocator(minticks=2, maxticks=4)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.xaxis.get_offset_text().set_fontsize(7)
        if margin is not None:
            ax.set_xlim(first - margin, last + margin)
        if row == 0 and number + columns < len(statuses):
            ax.tick_params(labelbottom=False)
    fig.text(
        left + 3 * width + 0.01,
        bottom + 0.5 * height,
        "Each panel on its own scale;\ntimes in UTC.",
        fontsize=8,
        color="#757575",
        va="center",
    )
    return _png(fig)


def sales_charts(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[Chart]:
    """Revenue per day (bars) and orders (line) over the last 30 days, one chart per currency."""
    title = "Daily sales (last 30 days)"
    rows = conn.execute(
        "SELECT currency, day, revenue, orders FROM reporting.sales_trend"
        " WHERE store_id = ? AND day > (SELECT max(day) FROM reporting.sales_trend"
        f" WHERE store_id = ?) - {WINDOW_DAYS} ORDER BY currency, day",
        [store_id, store_id],
    ).fetchall()
    if not rows:
        fig, ax = _figure()
        _title(ax, title)
        _no_data(ax)
        return [Chart("daily-sales", title, _png(fig))]
    by_currency: dict[str, list[tuple[date, float, int]]] = {}
    for currency, day, revenue, orders in rows:
        by_currency.setdefault(currency, []).append((day, float(revenue), orders))
    several = len(by_currency) > 1
    charts = []
    for number, (currency, days) in enumerate(by_currency.items(), start=1):
        # The currency comes from order data: it names no file unless it is a plain code.
        code = currency.lower() if re.fullmatch(r"[A-Za-z]{3}", currency) else str(number)
        name = f"daily-sales-{code}" if several else "daily-sales"
        chart_title = f"{title}, {currency}" if several else title
        charts.append(Chart(name, chart_title, _sales_png(chart_title, currency, days)))
    return charts


def issues_chart(conn: duckdb.DuckDBPyConnection, store_id: str) -> Chart:
    """Sync issues open at the end of each of the last 30 days, stacked by kind."""
    title = "Open sync issues (last 30 days)"
    rows = conn.execute(
        "SELECT kind, day, open_at_end_of_day FROM reporting.sync_issue_trend"
        " WHERE store_id = ? AND day > (SELECT max(day) FROM reporting.sync_issue_trend"
        f" WHERE store_id = ?) - {WINDOW_DAYS} ORDER BY kind, day",
        [store_id, store_id],
    ).fetchall()
    fig, ax = _figure()
    _title(ax, title)
    if not rows:
        _no_data(ax)
        return Chart("open-sync-issues", title, _png(fig))
    last_day = max(day for _, day, _ in rows)
    days = [last_day - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1)]
    open_by_kind: dict[str, dict[date, int]] = {}
    for kind, day, open_count in rows:
        open_by_kind.setdefault(kind, {})[day] = open_count
    # One filled step outline per kind, stacked: ~10x faster to draw than 30 bars per kind.
    edges = [date2num(days[0]) - 0.5 + n for n in range(len(days) + 1)]
    bottom = [0] * len(days)
    for kind, per_day in open_by_kind.items():
        top = [b + per_day.get(day, 0) for b, day in zip(bottom, days, strict=True)]
        if top == bottom:
            continue
        ax.stairs(
            top,
            edges,
            baseline=bottom,
            fill=True,
            label=issue_kind_label(kind),
            color=ISSUE_KIND_COLORS.get(kind, _OTHER_COLOR),
        )
        bottom = top
    # White gaps between the days, so the steps read as daily bars.
    ax.vlines(edges, 0, max(bottom), colors="white", linewidth=1.5)
    ax.set_ylabel("Open issues")
    ax.set_xlabel("UTC day")
    _day_axis(ax, days[0], last_day)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max(1, *bottom) * 1.1)
    if any(bottom):
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "No open issues", transform=ax.transAxes, ha="center", color="#757575")
    return Chart("open-sync-issues", title, _png(fig))


@dataclass(frozen=True)
class LatencyDay:
    """One day of the sync latency chart: p50 / p95 in minutes (None: nothing confirmed that
    day) and the changes still waiting at its end."""

    day: date
    p50_minutes: float | None
    p95_minutes: float | None
    waiting: int


def latency_days(conn: duckdb.DuckDBPyConnection, store_id: str) -> list[LatencyDay]:
    """The store's last WINDOW_DAYS days of ``reporting.sync_latency_trend``, oldest first."""
    rows = conn.execute(
        "SELECT day, p50_minutes, p95_minutes, unconfirmed_at_end_of_day"
        " FROM reporting.sync_latency_trend"
        " WHERE store_id = ? AND day > (SELECT max(day) FROM reporting.sync_latency_trend"
        f" WHERE store_id = ?) - {WINDOW_DAYS} ORDER BY day",
        [store_id, store_id],
    ).fetchall()
    return [LatencyDay(*row) for row in rows]


def latency_chart(conn: duckdb.DuckDBPyConnection, store_id: str) -> Chart:
    """Daily p50 and p95 sync latency in minutes (lines: from the tick that first saw a change
    to the tick Amazon showed it), over the changes still waiting at the end of each day (bars,
    their own scale): a day with no line and a tall bar is a loop that is not closing."""
    title = "Sync latency to Amazon (last 30 days)"
    days = latency_days(conn, store_id)
    fig, ax = _figure()
    _title(ax, title)
    if not days:
        _no_data(ax)
        return Chart("sync-latency", title, _png(fig))
    last_day = days[-1].day
    waiting_ax = ax.twinx()
    waiting_ax.bar(
        [d.day for d in days],
        [d.waiting for d in days],
        width=0.8,
        color=_WAITING_COLOR,
        label="Waiting at end of day",
    )
    waiting_ax.set_ylabel("Changes waiting")
    waiting_ax.set_ylim(bottom=0, top=max(1, *(d.waiting for d in days)) * 1.15)
    waiting_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # The latency lines in front of the bars.
    ax.set_zorder(waiting_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    confirmed = [d for d in days if d.p50_minutes is not None]
    for label, color, value in (
        ("p50", _P50_COLOR, lambda d: d.p50_minutes),
        ("p95", _P95_COLOR, lambda d: d.p95_minutes),
    ):
        ax.plot(
            [d.day for d in confirmed],
            [value(d) for d in confirmed],
            color=color,
            marker="o",
            markersize=3,
            linewidth=1.6,
            label=label,
        )
    top = max((d.p95_minutes or 0.0 for d in confirmed), default=0.0)
    ax.set_ylim(bottom=0, top=max(10.0, top) * 1.15)
    ax.set_ylabel("Minutes")
    ax.set_xlabel("UTC day")
    _day_axis(ax, last_day - timedelta(days=WINDOW_DAYS - 1), last_day)
    if not confirmed:
        ax.text(
            0.5,
            0.5,
            "No change confirmed yet",
            transform=ax.transAxes,
            ha="center",
            color="#757575",
        )
    handles = ax.get_legend_handles_labels()[0] + waiting_ax.get_legend_handles_labels()[0]
    ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=3,
        frameon=False,
        fontsize=8,
    )
    return Chart("sync-latency", title, _png(fig))


def _sales_png(title: str, currency: str, days: list[tuple[date, float, int]]) -> bytes:
    fig, ax = _figure()
    _title(ax, title)
    last_day = days[-1][0]
    ax.bar(
        [d for d, _, _ in days],
        [r for _, r, _ in days],
        width=0.8,
        color=_REVENUE_COLOR,
        label=f"Revenue ({currency})",
    )
    ax.set_ylabel(f"Revenue ({currency})")
    ax.set_xlabel("UTC day")
    ax.set_ylim(bottom=0, top=max(1.0, *(r for _, r, _ in days)) * 1.1)
    orders_ax = ax.twinx()
    orders_ax.plot(
        [d for d, _, _ in days],
        [o for _, _, o in days],
        color=_ORDERS_COLOR,
        marker="o",
        markersize=3,
        linewidth=1.4,
        label="Orders",
    )
    orders_ax.set_ylabel("Orders")
    orders_ax.set_ylim(bottom=0, top=max(1, *(o for _, _, o in days)) * 1.15)
    orders_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _day_axis(ax, last_day - timedelta(days=WINDOW_DAYS - 1), last_day)
    handles = ax.get_legend_handles_labels()[0] + orders_ax.get_legend_handles_labels()[0]
    ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        frameon=False,
        fontsize=8,
    )
    return _png(fig)


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(fig)
    # Fixed margins (room for the legend on the right): constrained layout costs ~150 ms a chart.
    ax = fig.add_axes((0.075, 0.17, 0.735, 0.72))
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _title(ax: Axes, text: str) -> None:
    # An explicit y skips matplotlib's search for a title position clear of the tick labels.
    ax.set_title(text, loc="left", y=1.03, fontsize=11)


def _no_data(ax: Axes) -> None:
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        "No data yet",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=14,
        color="#757575",
    )


def _day_axis(ax: Axes, first: date, last: date) -> None:
    locator = AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlim(date2num(first) - 0.6, date2num(last) + 0.6)


def _floor(moment: datetime, grain: str) -> datetime:
    if grain == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
