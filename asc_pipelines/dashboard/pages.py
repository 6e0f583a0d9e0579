"""The report pages: ``index.html`` with one card per store, and ``<store_id>.html`` per store.

A store page reads like Amazon Sales Channel's store dashboard: the store's header (name,
marketplace, Magento website, status, last updated), its sales totals, its charts, its listings per
tab and its most urgent open sync issues. A store without fresh listings says why: its latest
failed fetch since its last good snapshot (dataset, time, message). Pages only read
``reporting.*``, ``core.sync_issues`` and, for that failure, ``raw.store_fetches`` and
``raw.api_errors``.

Every page is one self-contained file: inline CSS, charts embedded as ``data:`` URIs, no script,
and a Content-Security-Policy that forbids loading anything else, so a page opens the same from
disk, a mail attachment or any static file server. Every value from the database is
HTML-escaped. Files are written atomically, so a reader never sees half a page.
"""

from __future__ import annotations

import base64
import contextlib
import html
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import duckdb

from asc_pipelines.constants import MARKETPLACES
from asc_pipelines.dashboard.charts import (
    STATUS_COLORS,
    STATUS_LABELS,
    Chart,
    issue_kind_label,
    store_charts,
)
from asc_pipelines.logic.status import STATUSES

OK = "OK"
NEEDS_ATTENTION = "Needs attention"
STALE = "Stale"
NO_DATA = "No data yet"
STALE_AFTER_MINUTES = 30  # a store whose last loaded listings report is older is Stale
TOP_ISSUES = 10

_BADGE_CLASSES = {OK: "ok", NEEDS_ATTENTION: "attention", STALE: "stale", NO_DATA: "nodata"}
_PAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_MARKETPLACES_BY_ID = {m.marketplace_id: m for m in MARKETPLACES.values()}
Row = Mapping[str, object]


@dataclass(frozen=True)
class StoreHeader:
    """What the config says about a store, shown in its page header."""

    store_id: str
    name: str  # display name (the config name, or the id)
    marketplace_id: str
    website: str  # Magento website code


@dataclass(frozen=True)
class ReportPages:
    """The files one call wrote, and how long it took."""

    index: Path
    store_pages: dict[str, Path]  # store_id -> page
    charts: list[Path]
    seconds: float


def write_report_pages(
    conn: duckdb.DuckDBPyConnection, out_dir: Path, stores: Sequence[StoreHeader]
) -> ReportPages:
    """Write the index, a page per store and each chart as ``charts/<store_id>-<chart>.png``.

    Only reads ``conn``. Stores with no data at all still get a page that says so. Pages and charts
    left from earlier calls for stores no longer passed are removed; other files are left alone.
    """
    started = time.monotonic()
    for store in stores:
        if not _PAGE_NAME.fullmatch(store.store_id) or store.store_id == "index":
            raise ValueError(f"store id {store.store_id!r} cannot name a report page")
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    health = {row["store_id"]: row for row in _rows(conn, _HEALTH_SQL, [])}
    failures = {row["store_id"]: row for row in _rows(conn, _LAST_FAILURE_SQL, [])}
    as_of = max((row["as_of"] for row in health.values()), default=None)
    store_pages: dict[str, Path] = {}
    chart_paths: list[Path] = []
    cards: list[str] = []
    for store in stores:
        page, charts, card = _write_store(
            conn,
            out_dir,
            store,
            health.get(store.store_id),
            _why_no_listings(health.get(store.store_id), failures.get(store.store_id)),
            as_of,
        )
        store_pages[store.store_id] = page
        chart_paths += charts
        cards.append(card)
    index = out_dir / "index.html"
    magento = _rows(conn, _MAGENTO_ISSUES_SQL, [])
    index_body = _index_body(cards, list(health.values()), magento)
    _write_atomic(index, _document("Amazon Sales Channel · Stores", as_of, index_body))
    _remove_stale(out_dir, {index, *store_pages.values(), *chart_paths})
    return ReportPages(index, store_pages, chart_paths, time.monotonic() - started)


def _remove_stale(out_dir: Path, written: set[Path]) -> None:
    """Pages and charts of stores (or currencies) no longer reported would show old figures as
    if current: remove every page and chart this call did not write."""
    for stale in [*out_dir.glob("*.html"), *(out_dir / "charts").glob("*.png")]:
        if stale not in written:
            stale.unlink(missing_ok=True)


def _write_store(
    conn: duckdb.DuckDBPyConnection,
    out_dir: Path,
    store: StoreHeader,
    health: Row | None,
    why: str,
    as_of: datetime | None,
) -> tuple[Path, list[Path], str]:
    """Write the store's charts and page; return the page, the chart files and its index card.
    ``why`` is the HTML that says why the store has no fresh listings, or empty."""
    charts = store_charts(conn, store.store_id)
    chart_paths = []
    for chart in charts:
        path = out_dir / "charts" / f"{store.store_id}-{chart.name}.png"
        _write_atomic(path, chart.png)
        chart_paths.append(path)
    totals = _rows(conn, _TOTALS_SQL, [store.store_id])
    issue_counts = _rows(conn, _ISSUE_COUNTS_SQL, [store.store_id])[0]
    issues = _rows(conn, _TOP_ISSUES_SQL, [store.store_id])
    body = _store_body(store, health, why, totals, issue_counts, issues)
    body += _charts_section(store, charts)
    page = out_dir / f"{store.store_id}.html"
    _write_atomic(page, _document(f"{store.name} · Amazon Sales Channel", as_of, body))
    return page, chart_paths, _store_card(store, health, why, totals, issue_counts, charts[0])


def health_status(health: Row | None) -> str:
    """The store's status at a glance, worst first.

    No data yet (the store has no ``store_health`` row); Stale (no listings report ever loaded,
    or the last one is older than STALE_AFTER_MINUTES); Needs attention (open error issues, or
    failed fetches in the last 24 hours); else OK.
    """
    if health is None:
        return NO_DATA
    age = health["snapshot_age_minutes"]
    if health["last_successful_snapshot_at"] is None or age is None or age > STALE_AFTER_MINUTES:
        return STALE
    if health["open_errors"] > 0 or (health["api_error_rate_24h"] or 0) > 0:
        return NEEDS_ATTENTION
    return OK


# Reading --------------------------------------------------------------------------------------

_HEALTH_SQL = f"""
SELECT store_id, store_name, marketplace_id,
    timezone('UTC', last_successful_snapshot_at) AS last_successful_snapshot_at,
    snapshot_age_minutes, {", ".join(STATUSES)}, open_errors, open_warnings,
    fetches_24h, failed_fetches_24h, api_error_rate_24h, api_errors_24h,
    timezone('UTC', as_of) AS as_of
FROM reporting.store_health
ORDER BY store_id
"""

_TOTALS_SQL = """
SELECT currency, orders_7d, units_7d, revenue_7d, orders_30d, units_30d, revenue_30d,
    orders_lifetime, revenue_lifetime
FROM reporting.sales_totals
WHERE store_id = ?
ORDER BY currency
"""

# Each store's latest failed fetch; without a message of its own, the latest API error the
# store had by then says what went wrong.
_LAST_FAILURE_SQL = """
SELECT f.store_id, f.dataset, timezone('UTC', f.finished_at) AS failed_at,
    coalesce(f.message, (
        SELECT arg_max(e.message, e.occurred_at) FROM raw.api_errors AS e
        WHERE e.store_id = f.store_id AND e.occurred_at <= f.finished_at
    )) AS message
FROM raw.store_fetches AS f
WHERE f.outcome = 'failed'
QUALIFY row_number() OVER (PARTITION BY f.store_id ORDER BY f.finished_at DESC) = 1
"""

# The most urgent open issues: errors first, then the oldest.
_TOP_ISSUES_SQL = f"""
SELECT kind, severity, subject, detail, timezone('UTC', first_seen_at) AS first_seen_at
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = ?
ORDER BY severity = 'error' DESC, first_seen_at, kind, subject
LIMIT {TOP_ISSUES}
"""

# Magento-wide issues (invalid identifiers of products, Magento API failures), by kind.
_MAGENTO_ISSUES_SQL = """
SELECT kind, max(severity) AS severity, count(*) AS open,
    arg_min(coalesce(detail, subject), first_seen_at) AS example
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = 'magento'
GROUP BY kind
ORDER BY open DESC, kind
"""

_ISSUE_COUNTS_SQL = """
SELECT count(*) AS open, count(*) FILTER (WHERE severity = 'error') AS errors
FROM core.sync_issues
WHERE resolved_at IS NULL AND store_id = ?
"""


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[Row]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


# Formatting: every value from the database goes through _e ---------------------------------------


def _e(value: object) -> str:
    return "—" if value is None else html.escape(str(value), quote=True)


def _count(value: object) -> str:
    return "—" if value is None else f"{value:,}"


def _money(amount: Decimal | None, currency: object) -> str:
    return "—" if amount is None else f"{amount:,.2f} {_e(currency)}"


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 90:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} days"


def _plural(count: object, noun: str) -> str:
    return f"{_e(_count(count))} {noun}{'' if count == 1 else 's'}"


def _issue_summary(counts: Row) -> str:
    return f"{_e(_count(counts['open']))} ({_plural(counts['errors'], 'error')})"


def _marketplace(marketplace_id: str) -> str:
    """``Amazon.co.uk · United Kingdom (A1F83G8C2ARO7P)``; an unknown id stands alone."""
    known = _MARKETPLACES_BY_ID.get(marketplace_id)
    if known is None:
        return _e(marketplace_id)
    return f"{_e(known.name)} · {_e(known.country)} ({_e(marketplace_id)})"


def _marketplace_cell(marketplace_id: object) -> str:
    """The store-health table's marketplace: its name, the id below it."""
    known = _MARKETPLACES_BY_ID.get(str(marketplace_id))
    name = "" if known is None else f"{_e(known.name)}<br>"
    return f'{name}<span class="sub">{_e(marketplace_id)}</span>'


# Amazon Sales Channel's words for what a fetch brings in (raw.store_fetches.dataset).
DATASET_LABELS = {
    "amazon_listings": "Amazon listings",
    "amazon_listing_issues": "Amazon listing issues",
    "amazon_orders": "Amazon orders",
    "asin_lookups": "ASIN look-ups",
    "magento_catalog": "Magento catalog",
}


def _why_no_listings(health: Row | None, failure: Row | None) -> str:
    """Why a store that is Stale or has no data yet shows no fresh listings, as HTML: its latest
    failed fetch since its last good snapshot (``Amazon listings failed at ...: <message>``), or
    that nothing has loaded yet. Empty for a store whose data is fresh or whose last failure
    came before its last good snapshot (that failure says nothing about the gap)."""
    if health_status(health) not in (NO_DATA, STALE):
        return ""
    snapshot = None if health is None else health["last_successful_snapshot_at"]
    if failure is not None and (snapshot is None or failure["failed_at"] > snapshot):
        dataset = str(failure["dataset"])
        what = DATASET_LABELS.get(dataset, dataset)
        message = failure["message"] or "no message recorded"
        return (
            f'<p class="failure">{_e(what)} failed at {_e(_when(failure["failed_at"]))}: '
            f"{_e(message)}</p>"
        )
    if health is None:
        return '<p class="empty">No fetch has finished for this store yet.</p>'
    if snapshot is None:
        return '<p class="empty">No listings report has loaded for this store yet.</p>'
    return ""


def _badge(status: str) -> str:
    return f'<span class="badge {_BADGE_CLASSES[status]}">{_e(status)}</span>'


def _img(chart: Chart, store: StoreHeader) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    alt = f"{chart.title} chart for {store.name}"
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}" width="900" height="300">'


def _link(store: StoreHeader) -> str:
    return _e(quote(store.store_id) + ".html")


# Pages ----------------------------------------------------------------------------------------

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:#303030;background:#f5f5f5}
header.top{background:#373330;color:#fff;padding:14px 28px;display:flex;align-items:baseline;
gap:20px;flex-wrap:wrap}
header.top h1{font-size:22px;margin:0;font-weight:600}
header.top a{color:#f0a070}
header.top .asof{margin-left:auto;color:#d0ccc8}
main{max-width:1240px;margin:0 auto;padding:20px 28px 40px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:4px;padding:16px 20px;
margin-bottom:18px}
h2{font-size:17px;margin:0 0 12px;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px 24px;
margin:0}
.facts dt{color:#6d6d6d;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.facts dd{margin:2px 0 0;font-size:15px;font-weight:600}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-size:13px;font-weight:600}
.badge.ok{background:#e3f4e5;color:#1b5e20}
.badge.attention{background:#fde3e1;color:#b71c1c}
.badge.stale{background:#fff0d6;color:#8a4b00}
.badge.nodata{background:#ececec;color:#555}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #ececec;vertical-align:top}
th{font-size:12px;color:#6d6d6d;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px}
.tile{border:1px solid #e3e3e3;border-left-width:4px;border-radius:4px;padding:8px 12px}
.tile .n{display:block;font-size:22px;font-weight:600}
.tile .label{color:#6d6d6d;font-size:12px}
figure{margin:0 0 14px}
img{display:block;max-width:100%;height:auto}
.cards{display:grid;gap:18px;margin-bottom:18px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:4px;padding:16px 18px;display:grid;
grid-template-columns:minmax(280px,360px) minmax(0,1fr);gap:8px 24px;align-items:start}
@media (max-width:900px){.card{grid-template-columns:1fr}}
.key{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
table.wide th,table.wide td{white-space:nowrap}
.card h2{display:flex;justify-content:space-between;align-items:center;gap:8px}
.card .meta{color:#6d6d6d;margin:0 0 10px}
.card ul{list-style:none;padding:0;margin:0 0 10px;display:flex;flex-wrap:wrap;gap:4px 14px}
.card p{margin:0 0 8px}
.empty{color:#6d6d6d;font-style:italic}
.sub{color:#6d6d6d;font-size:12px}
.failure{margin:12px 0 0;padding:8px 12px;border-left:4px solid #b71c1c;background:#fdf1f0;
overflow-wrap:anywhere}
.card .failure{margin:0 0 10px}
table.health th,table.health td{padding:6px 5px}
.nowrap{white-space:nowrap}
table.health th{text-transform:none;letter-spacing:0;font-size:12px;font-weight:600}
table.health th .key{margin-right:4px}
.sev-error{color:#b71c1c;font-weight:600}
"""


_STATUS_CSS = "".join(
    f".tile.s-{status}{{border-left-color:{color}}}.key.s-{status}{{background:{color}}}\n"
    for status, color in STATUS_COLORS.items()
)


def _document(title: str, as_of: datetime | None, body: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{_e(title)}</title>
<link rel="icon" href="data:,">
<style>{_CSS}{_STATUS_CSS}</style>
</head>
<body>
<header class="top"><h1>{_e(title)}</h1>
<span class="asof">Data as of {_e(_when(as_of))}</span></header>
<main>
{body}
</main>
</body>
</html>
""".encode()


def _store_body(
    store: StoreHeader,
    health: Row | None,
    why: str,
    totals: list[Row],
    issue_counts: Row,
    issues: list[Row],
) -> str:
    snapshot = None if health is None else health["last_successful_snapshot_at"]
    age = "" if snapshot is None else f" ({_minutes(health['snapshot_age_minutes'])} old)"
    facts = [
        ("Store Name", _e(store.name)),
        ("Marketplace", _marketplace(store.marketplace_id)),
        ("Magento Website", _e(store.website)),
        ("Status", _badge(health_status(health))),
        ("Last Updated", _e(_when(snapshot)) + _e(age)),
    ]
    header = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts)
    return (
        '<p><a href="index.html">← All stores</a></p>\n'
        f'<section><dl class="facts">{header}</dl>{why}</section>\n'
        f"<section><h2>Sales</h2>{_totals_table(totals)}</section>\n"
        f"<section><h2>Listings by status</h2>{_status_tiles(health)}</section>\n"
        f"<section><h2>Open sync issues</h2>{_issues_table(issue_counts, issues)}</section>\n"
    )


def _totals_table(totals: list[Row]) -> str:
    if not totals:
        return f'<p class="empty">{NO_DATA}: no orders fetched for this store.</p>'
    body = []
    for row in totals:
        currency = row["currency"]
        periods = (
            ("Last 7 days", row["orders_7d"], row["units_7d"], row["revenue_7d"]),
            ("Last 30 days", row["orders_30d"], row["units_30d"], row["revenue_30d"]),
            ("Lifetime", row["orders_lifetime"], None, row["revenue_lifetime"]),
        )
        body += [
            f'<tr><td>{label}</td><td class="num">{_e(_count(orders))}</td>'
            f'<td class="num">{_e(_count(units))}</td>'
            f'<td class="num">{_money(revenue, currency)}</td></tr>'
            for label, orders, units, revenue in periods
        ]
    return (
        '<table><tr><th></th><th class="num">Orders</th><th class="num">Units</th>'
        f'<th class="num">Revenue</th></tr>{"".join(body)}</table>'
        "<p>Canceled orders excluded; days are UTC days ending on the last sync's day.</p>"
    )


def _status_tiles(health: Row | None) -> str:
    if health is None:
        return f'<p class="empty">{NO_DATA}.</p>'
    tiles = "".join(
        f'<div class="tile s-{status}"><span class="n">{_e(_count(health[status]))}</span>'
        f'<span class="label">{STATUS_LABELS[status]}</span></div>'
        for status in STATUSES
    )
    return f'<div class="tiles">{tiles}</div>'


def _issues_table(counts: Row, issues: list[Row]) -> str:
    if not issues:
        return '<p class="empty">No open sync issues.</p>'
    rows = "".join(
        f"<tr><td>{_e(issue_kind_label(str(issue['kind'])))}</td>"
        f'<td class="sev-{_e(issue["severity"])}">{_e(issue["severity"])}</td>'
        f"<td>{_e(issue['subject'])}</td><td>{_e(issue['detail'])}</td>"
        f"<td>{_e(_when(issue['first_seen_at']))}</td></tr>"
        for issue in issues
    )
    return (
        f"<p>The {len(issues)} most urgent of {_e(_count(counts['open']))} open issues "
        f"({_plural(counts['errors'], 'error')}): errors first, then the oldest.</p>"
        '<div class="scroll"><table><tr><th>Kind</th><th>Severity</th><th>Subject</th>'
        f"<th>Detail</th><th>Open since</th></tr>{rows}</table></div>"
    )


def _charts_section(store: StoreHeader, charts: list[Chart]) -> str:
    figures = "".join(f"<figure>{_img(chart, store)}</figure>" for chart in charts)
    return f"<section><h2>Trends</h2>{figures}</section>\n"


def _store_card(
    store: StoreHeader,
    health: Row | None,
    why: str,
    totals: list[Row],
    issue_counts: Row,
    chart: Chart,
) -> str:
    if health is None:
        counts = f'<p class="empty">{NO_DATA}.</p>'
    else:
        items = "".join(
            f'<li><i class="key s-{status}"></i>{STATUS_LABELS[status]} '
            f"<b>{_e(_count(health[status]))}</b></li>"
            for status in STATUSES
        )
        counts = f"<ul>{items}</ul>"
    revenue = (
        "; ".join(
            f"last 7 days <b>{_money(row['revenue_7d'], row['currency'])}</b>, "
            f"last 30 days <b>{_money(row['revenue_30d'], row['currency'])}</b>"
            for row in totals
        )
        or "no orders yet"
    )
    return (
        f'<article class="card"><div><h2><a href="{_link(store)}">{_e(store.name)}</a>'
        f"{_badge(health_status(health))}</h2>"
        f'<p class="meta">{_marketplace(store.marketplace_id)} · Magento website '
        f"{_e(store.website)}</p>{why}{counts}<p>Revenue: {revenue}</p>"
        f"<p>Open sync issues: {_issue_summary(issue_counts)}</p>"
        f'<p><a href="{_link(store)}">Open the store page →</a></p></div>'
        f"{_img(chart, store)}</article>"
    )


def _snapshot_cell(row: Row) -> str:
    """How old the last good listings snapshot is, and when it was taken."""
    moment = row["last_successful_snapshot_at"]
    if moment is None:
        return "never"
    day, time_of_day = _when(moment).split(" ", 1)
    return (
        f'{_e(_minutes(row["snapshot_age_minutes"]))} old<br><span class="sub">'
        f'<span class="nowrap">{_e(day)}</span> <span class="nowrap">{_e(time_of_day)}</span>'
        "</span>"
    )


# The store_health table, narrow enough for a laptop screen without scrolling sideways: what
# belongs together shares a cell (name, id and status; age and time; errors and warnings; fetches
# and API errors) and headings wrap. Each entry: (heading, is a number, cell of a row).
_HEALTH_COLUMNS: list[tuple[str, bool, Callable[[Row], str]]] = [
    (
        "Store",
        False,
        lambda r: (
            f'{_e(r["store_name"])}<br><span class="sub">{_e(r["store_id"])}</span><br>'
            + _badge(health_status(r))
        ),
    ),
    ("Marketplace", False, lambda r: _marketplace_cell(r["marketplace_id"])),
    ("Last snapshot", False, _snapshot_cell),
    *(
        (
            f'<i class="key s-{status}"></i>{STATUS_LABELS[status]}',
            True,
            lambda r, status=status: _e(_count(r[status])),
        )
        for status in STATUSES
    ),
    (
        "Open sync issues",
        True,
        lambda r: (
            f"{_plural(r['open_errors'], 'error')}<br>"
            f'<span class="sub">{_plural(r["open_warnings"], "warning")}</span>'
        ),
    ),
    (
        "Fetches, 24 h",
        True,
        lambda r: (
            f"{_e(_count(r['failed_fetches_24h']))} of {_e(_count(r['fetches_24h']))} "
            f'failed<br><span class="sub">{_plural(r["api_errors_24h"], "API error")}</span>'
        ),
    ),
]


def _cell(tag: str, is_number: bool, content: str) -> str:
    align = ' class="num"' if is_number else ""
    return f"<{tag}{align}>{content}</{tag}>"


def _health_table(health: list[Row]) -> str:
    head = "".join(_cell("th", number, heading) for heading, number, _ in _HEALTH_COLUMNS)
    rows = "".join(
        f'<tr data-store="{_e(row["store_id"])}">'
        + "".join(_cell("td", number, cell(row)) for _, number, cell in _HEALTH_COLUMNS)
        + "</tr>"
        for row in health
    )
    return (
        '<div class="scroll"><table class="health">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _magento_section(issues: list[Row]) -> str:
    """Open sync issues of the Magento catalog itself (store ``magento``), shared by every store:
    without this section they would be on no page."""
    if not issues:
        return ""
    rows = "".join(
        f"<tr><td>{_e(issue_kind_label(str(row['kind'])))}</td>"
        f'<td>{_e(row["severity"])}</td><td class="num">{_count(row["open"])}</td>'
        f"<td>{_e(row['example'])}</td></tr>"
        for row in issues
    )
    return (
        "<section><h2>Magento catalog</h2>"
        "<p>Open sync issues of the Magento catalog, shared by every store.</p>"
        '<div class="scroll"><table class="wide"><tr><th>Kind</th><th>Severity</th>'
        f'<th class="num">Open</th><th>Example</th></tr>{rows}</table></div></section>\n'
    )


def _index_body(cards: list[str], health: list[Row], magento: list[Row] | None = None) -> str:
    cards_html = "".join(cards) or '<p class="empty">No stores configured.</p>'
    table = _health_table(health) if health else f'<p class="empty">{NO_DATA}.</p>'
    return (
        f'<div class="cards">{cards_html}</div>\n<section><h2>Store health</h2>{table}</section>\n'
        + _magento_section(magento or [])
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename: a reader sees the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; pages are for every reader
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
