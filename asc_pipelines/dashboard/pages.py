"""The report pages: ``index.html`` with one card per store, and ``<store_id>.html`` per store.

A store page reads like Amazon Sales Channel's store dashboard: the store's header (name,
marketplace, Magento website, status, last updated), its sales totals, its charts, its listings per
tab and its most urgent open sync issues. A store without fresh listings says why: its latest
failed fetch since its last good snapshot (dataset, time, message). What the pages show is read
by ``page_data``; how they look is in ``templates/`` (Jinja2, CSS).

Every page is one self-contained file: inline CSS, charts embedded as ``data:`` URIs, no script,
and a Content-Security-Policy that forbids loading anything else, so a page opens the same from
disk, a mail attachment or any static file server. The templates render with autoescaping, so every
value from the database is HTML-escaped, and with StrictUndefined, so a value a template names but
is not given fails the render instead of showing as blank. Files are written atomically, so a
reader never sees half a page.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined

from asc_pipelines.constants import MARKETPLACES
from asc_pipelines.dashboard import page_data
from asc_pipelines.dashboard.charts import STATUS_COLORS, STATUS_LABELS, Chart, store_charts
from asc_pipelines.dashboard.formatting import FILTERS, MISSING
from asc_pipelines.dashboard.page_data import Row
from asc_pipelines.logic.status import STATUSES

OK = "OK"
NEEDS_ATTENTION = "Needs attention"
STALE = "Stale"
NO_DATA = "No data yet"
STALE_AFTER_MINUTES = 30  # a store whose last loaded listings report is older is Stale

_BADGE_CLASSES = {OK: "ok", NEEDS_ATTENTION: "attention", STALE: "stale", NO_DATA: "nodata"}
_PAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

# Amazon Sales Channel's words for what a fetch brings in (raw.store_fetches.dataset).
DATASET_LABELS = {
    "amazon_listings": "Amazon listings",
    "amazon_listing_issues": "Amazon listing issues",
    "amazon_orders": "Amazon orders",
    "asin_lookups": "ASIN look-ups",
    "magento_catalog": "Magento catalog",
}
NO_FETCH_YET = "No fetch has finished for this store yet."
NO_LISTINGS_REPORT_YET = "No listings report has loaded for this store yet."


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


@dataclass(frozen=True)
class FailedFetch:
    """A store's latest failed fetch since its last good snapshot: why its listings are old."""

    what: str  # the dataset in Amazon Sales Channel's words, e.g. "Amazon listings"
    failed_at: datetime
    message: str


@dataclass(frozen=True)
class StorePage:
    """Everything a store's page and its index card show."""

    store: StoreHeader
    health: Row | None  # its reporting.store_health row; None before its first tick
    why: FailedFetch | str | None  # why it has no fresh listings (see why_no_listings)
    totals: list[Row]  # reporting.sales_totals, one row a currency
    issue_counts: Row  # open sync issues: open, errors
    issues: list[Row]  # the most urgent open sync issues
    charts: list[Chart]

    @property
    def status(self) -> str:
        return health_status(self.health)

    @property
    def last_snapshot_at(self) -> datetime | None:
        return None if self.health is None else self.health["last_successful_snapshot_at"]

    @property
    def link(self) -> str:
        """The page's file name, as the index links to it."""
        return quote(self.store.store_id) + ".html"


def _null_as_missing(value: object) -> object:
    """A value the warehouse does not have (NULL) reads as a dash, never as "None"."""
    return MISSING if value is None else value


_TEMPLATES = Environment(
    loader=PackageLoader("asc_pipelines.dashboard", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_null_as_missing,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters.update(FILTERS)
_TEMPLATES.globals.update(
    statuses=STATUSES,
    status_labels=STATUS_LABELS,
    status_colors=STATUS_COLORS,
    badge_classes=_BADGE_CLASSES,
    marketplaces={m.marketplace_id: m for m in MARKETPLACES.values()},
    no_data=NO_DATA,
)


def render_page(template: str, **context: object) -> bytes:
    """One page from ``templates/<template>``, as UTF-8 bytes; every template needs ``title`` and
    ``as_of``. A variable the template uses but ``context`` lacks raises ``UndefinedError``."""
    return _TEMPLATES.get_template(template).render(context).encode()


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
    health = page_data.store_health(conn)
    failures = page_data.last_failures(conn)
    as_of = max((row["as_of"] for row in health.values()), default=None)
    pages: list[StorePage] = []
    store_pages: dict[str, Path] = {}
    chart_paths: list[Path] = []
    for store in stores:
        page = _store_page(conn, store, health.get(store.store_id), failures.get(store.store_id))
        for chart in page.charts:
            path = out_dir / "charts" / f"{store.store_id}-{chart.name}.png"
            _write_atomic(path, chart.png)
            chart_paths.append(path)
        title = f"{store.name} · Amazon Sales Channel"
        store_pages[store.store_id] = out_dir / f"{store.store_id}.html"
        _write_atomic(
            store_pages[store.store_id],
            render_page("store.html.j2", title=title, as_of=as_of, page=page),
        )
        pages.append(page)
    index = out_dir / "index.html"
    index_html = render_page(
        "index.html.j2",
        title="Amazon Sales Channel · Stores",
        as_of=as_of,
        pages=pages,
        health_rows=[{**row, "health_status": health_status(row)} for row in health.values()],
        magento_issues=page_data.magento_issues(conn),
    )
    _write_atomic(index, index_html)
    _remove_stale(out_dir, {index, *store_pages.values(), *chart_paths})
    return ReportPages(index, store_pages, chart_paths, time.monotonic() - started)


def _store_page(
    conn: duckdb.DuckDBPyConnection, store: StoreHeader, health: Row | None, failure: Row | None
) -> StorePage:
    """Read what the store's page shows and draw its charts."""
    return StorePage(
        store=store,
        health=health,
        why=why_no_listings(health, failure),
        totals=page_data.sales_totals(conn, store.store_id),
        issue_counts=page_data.issue_counts(conn, store.store_id),
        issues=page_data.top_issues(conn, store.store_id),
        charts=store_charts(conn, store.store_id),
    )


def _remove_stale(out_dir: Path, written: set[Path]) -> None:
    """Pages and charts of stores (or currencies) no longer reported would show old figures as
    if current: remove every page and chart this call did not write."""
    for stale in [*out_dir.glob("*.html"), *(out_dir / "charts").glob("*.png")]:
        if stale not in written:
            stale.unlink(missing_ok=True)


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


def why_no_listings(health: Row | None, failure: Row | None) -> FailedFetch | str | None:
    """Why a store that is Stale or has no data yet shows no fresh listings: its latest failed
    fetch since its last good snapshot, or a sentence saying that nothing has loaded yet. None for
    a store whose data is fresh or whose last failure came before its last good snapshot (that
    failure says nothing about the gap)."""
    if health_status(health) not in (NO_DATA, STALE):
        return None
    snapshot = None if health is None else health["last_successful_snapshot_at"]
    if failure is not None and (snapshot is None or failure["failed_at"] > snapshot):
        dataset = str(failure["dataset"])
        return FailedFetch(
            what=DATASET_LABELS.get(dataset, dataset),
            failed_at=failure["failed_at"],
            message=str(failure["message"] or "no message recorded"),
        )
    if health is None:
        return NO_FETCH_YET
    if snapshot is None:
        return NO_LISTINGS_REPORT_YET
    return None


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
