"""The report pages: what they show, that they stand alone, and that a real browser renders them.

Four stores: ``us`` with a day of 5-minute data, 45 days of sales and issues, and 13 open sync
issues; ``uk`` with a single point in every table and a stale snapshot; ``de`` with nothing at all;
``fr`` whose every fetch failed (a store_health row of zeros, failures in raw.store_fetches and
raw.api_errors, the latest with HTML-special characters in its message).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from jinja2 import UndefinedError
from PIL import Image
from playwright.sync_api import Browser

from asc_pipelines.dashboard.charts import latency_days, pick_grain, store_charts
from asc_pipelines.dashboard.pages import (
    ReportPages,
    StoreHeader,
    health_status,
    render_page,
    write_report_pages,
)
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.browser import chromium, render, table_fit

AS_OF = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NASTY = '<b>&"'  # HTML-special characters in a sync issue's subject and detail
ESCAPED = "&lt;b&gt;&amp;&#34;"  # NASTY as the page has it (Jinja2's autoescape writes " as &#34;)
STORES = [
    StoreHeader("us", "US Main Store", "ATVPDKIKX0DER", "base"),
    StoreHeader("uk", "UK Shop & Co", "A1F83G8C2ARO7P", "uk_site"),
    StoreHeader("de", "German Store", "A1PA6795UKMFR9", "de_site"),
    StoreHeader("fr", "Boutique FR", "A13V1IB3VIYZZH", "fr_site"),
]
FR_FAILURE = 'SP-API createReport failed (no response): connection refused <b>&"'

_STATUS_BASE = (
    "VALUES ('active', 1200), ('ready_to_list', 300), ('inactive', 80), ('ineligible', 25), "
    "('incomplete', 40), ('ended', 15), ('new_third_party', 10)"
)


def _insert_listing_trend(conn: duckdb.DuckDBPyConnection) -> None:
    # us: a day of 5-minute buckets (and its hours and days), counts drifting with the hour.
    for grain, first, step in (
        ("5min", AS_OF - timedelta(days=1), "5 MINUTE"),
        ("hour", AS_OF - timedelta(days=1), "1 HOUR"),
        ("day", AS_OF - timedelta(days=1, hours=12), "1 DAY"),
    ):
        conn.execute(
            "INSERT INTO reporting.listing_status_trend "
            "SELECT 'us', s.status, ?, t.ts, "
            "CAST(s.base + s.base / 10 * sin(epoch(t.ts) / 7200) AS BIGINT), 2, 1 "
            f"FROM generate_series(CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), INTERVAL {step})"
            f" AS t(ts) CROSS JOIN ({_STATUS_BASE}) AS s(status, base)",
            [grain, first, AS_OF - timedelta(minutes=5)],
        )
    # uk: one bucket per grain, the first tick.
    for grain, bucket in (
        ("5min", AS_OF),
        ("hour", AS_OF.replace(minute=0)),
        ("day", AS_OF.replace(hour=0)),
    ):
        conn.execute(
            "INSERT INTO reporting.listing_status_trend "
            f"SELECT 'uk', s.status, ?, ?, s.base // 10, s.base // 10, 0 FROM ({_STATUS_BASE})"
            " AS s(status, base)",
            [grain, bucket],
        )


def _insert_sales(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "INSERT INTO reporting.sales_trend "
        "SELECT 'us', 'USD', CAST(d AS DATE), 10 + dayofmonth(d) % 7, 0, 14 + dayofmonth(d) % 7, "
        "CAST(400 + 35 * (dayofmonth(d) % 7) AS DECIMAL(18, 2)), 40, 70, 2800, 300, 12000 "
        "FROM generate_series(DATE '2026-03-21', DATE '2026-05-04', INTERVAL 1 DAY) AS t(d)"
    )
    conn.execute(
        "INSERT INTO reporting.sales_trend VALUES "
        "('uk', 'GBP', DATE '2026-05-04', 1, 0, 2, 19.99, 19.99, 1, 19.99, 1, 19.99)"
    )
    conn.execute(
        "INSERT INTO reporting.sales_totals VALUES "
        "('us', 'USD', 84, 118, 3312.50, 371, 520, 14789.25, 1402, 56210.75, ?), "
        "('uk', 'GBP', 1, 2, 19.99, 1, 2, 19.99, 1, 19.99, ?)",
        [AS_OF, AS_OF],
    )


def _insert_issue_trend(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "INSERT INTO reporting.sync_issue_trend "
        "SELECT 'us', k.kind, CAST(d AS DATE), 1, 1, k.base + dayofmonth(d) % 4, 90.0 "
        "FROM generate_series(DATE '2026-03-21', DATE '2026-05-04', INTERVAL 1 DAY) AS t(d) "
        "CROSS JOIN (VALUES ('price_mismatch', 6), ('amazon_listing_error', 2), "
        "('unmatched_listing', 3)) AS k(kind, base)"
    )
    conn.execute(
        "INSERT INTO reporting.sync_issue_trend VALUES "
        "('uk', 'stale_store', DATE '2026-05-04', 1, 0, 1, 45.0)"
    )


def _insert_latency_trend(conn: duckdb.DuckDBPyConnection) -> None:
    # us: 45 days, p50 drifting between 10 and 16 minutes, none confirmed on Sundays;
    # uk: one day, two changes waiting and none confirmed yet.
    conn.execute(
        "INSERT INTO reporting.sync_latency_trend "
        "SELECT 'us', CAST(d AS DATE), 20, c, 0, p50, p50 * 2.5, p50 * 3, dayofmonth(d) % 5 "
        "FROM (SELECT d, CASE WHEN dayofweek(d) = 0 THEN 0 ELSE 20 END AS c, "
        "CASE WHEN dayofweek(d) <> 0 THEN 10.0 + dayofmonth(d) % 7 END AS p50 "
        "FROM generate_series(DATE '2026-03-21', DATE '2026-05-04', INTERVAL 1 DAY) AS t(d))"
    )
    conn.execute(
        "INSERT INTO reporting.sync_latency_trend VALUES "
        "('uk', DATE '2026-05-04', 2, 0, 0, NULL, NULL, NULL, 2)"
    )


def _insert_health(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "INSERT INTO reporting.store_health VALUES "
        "('us', 'US Main Store', 'ATVPDKIKX0DER', ?, 5.0, "
        "1187, 304, 81, 25, 40, 15, 10, 2, 11, 36, 0, 0.0, 0, ?), "
        "('uk', 'UK Shop & Co', 'A1F83G8C2ARO7P', ?, 45.0, "
        "120, 30, 8, 2, 4, 1, 1, 1, 0, 12, 3, 0.25, 7, ?), "
        "('fr', 'Boutique FR', 'A13V1IB3VIYZZH', NULL, NULL, "
        "0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 6, 1.0, 9, ?)",
        [AS_OF - timedelta(minutes=5), AS_OF, AS_OF - timedelta(minutes=45), AS_OF, AS_OF],
    )


def _insert_fetches(conn: duckdb.DuckDBPyConnection) -> None:
    """uk: listings loaded, then its orders failed; fr: every fetch failed, the listings last."""
    fetches = [
        ("uk", "amazon_listings", "ok", None, 45),
        ("uk", "amazon_orders", "failed", "SP-API getOrders failed (503): QuotaExceeded", 44),
        ("fr", "amazon_orders", "failed", "SP-API getOrders failed (no response): refused", 10),
        ("fr", "amazon_listing_issues", "failed", None, 8),
        ("fr", "amazon_listings", "failed", FR_FAILURE, 7),
        ("fr", "amazon_orders", "failed", "an older failure", 20),
    ]
    conn.executemany(
        "INSERT INTO raw.store_fetches (run_id, store_id, dataset, outcome, message, "
        "finished_at) VALUES ('r', ?, ?, ?, ?, ?)",
        [(s, d, o, m, AS_OF - timedelta(minutes=ago)) for s, d, o, m, ago in fetches],
    )
    conn.execute(
        "INSERT INTO raw.api_errors (store_id, operation, message, occurred_at) VALUES "
        "('fr', 'createReport', ?, ?)",
        [FR_FAILURE, AS_OF - timedelta(minutes=7)],
    )


def _issue(
    subject: str,
    severity: str,
    minutes_ago: int,
    kind: str = "price_mismatch",
    detail: str = "Amazon price 19.99, Magento price 21.00",
    store_id: str = "us",
    resolved_at: datetime | None = None,
) -> tuple:
    """A core.sync_issues row (the subject doubles as issue id and SKU)."""
    seen = AS_OF - timedelta(minutes=minutes_ago)
    return (
        subject,
        store_id,
        kind,
        severity,
        subject,
        subject,
        detail,
        seen,
        AS_OF,
        None,
        resolved_at,
    )


def _insert_sync_issues(conn: duckdb.DuckDBPyConnection) -> None:
    issues = [_issue(f"SKU-W{n:02d}", "warning", 3000 - n * 100) for n in range(1, 12)]
    issues += [
        _issue("SKU-E01", "error", 60, "amazon_listing_error"),
        _issue(f"SKU-X {NASTY}", "error", 30, "amazon_listing_error", f"Amazon says {NASTY}"),
        _issue("SKU-RESOLVED", "error", 9000, resolved_at=AS_OF - timedelta(hours=1)),
        _issue("listings", "error", 40, "stale_store", "Last report 45 minutes ago", "uk"),
        # The Magento catalog's own issues belong to no store: the index lists them.
        _issue("M-1 upc", "warning", 500, "invalid_identifier", f"UPC 123 {NASTY}", "magento"),
        _issue("M-2 ean", "warning", 400, "invalid_identifier", "EAN 4006381333932", "magento"),
    ]
    conn.executemany(
        "INSERT INTO core.sync_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", issues
    )


def build_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    ensure_schema(conn)
    _insert_listing_trend(conn)
    _insert_sales(conn)
    _insert_issue_trend(conn)
    _insert_latency_trend(conn)
    _insert_health(conn)
    _insert_fetches(conn)
    _insert_sync_issues(conn)
    return conn


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = build_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def report(
    warehouse: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory
) -> ReportPages:
    return write_report_pages(warehouse, tmp_path_factory.mktemp("asc_data") / "reports", STORES)


def _html(path: Path) -> str:
    return path.read_text("utf-8")


def test_every_store_gets_a_page_and_its_charts(report: ReportPages) -> None:
    assert report.index.name == "index.html" and report.index.is_file()
    assert {s: p.name for s, p in report.store_pages.items()} == {
        "us": "us.html",
        "uk": "uk.html",
        "de": "de.html",
        "fr": "fr.html",
    }
    assert all(page.is_file() for page in report.store_pages.values())
    assert sorted(p.name for p in report.charts) == sorted(
        f"{store}-{chart}.png"
        for store in ("us", "uk", "de", "fr")
        for chart in ("listings-by-status", "daily-sales", "open-sync-issues", "sync-latency")
    )
    assert all(p.parent == report.index.parent / "charts" for p in report.charts)
    assert not list(report.index.parent.rglob("*.tmp"))


def test_a_store_no_longer_reported_loses_its_page_and_charts(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    write_report_pages(warehouse, out, STORES)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    second = write_report_pages(warehouse, out, STORES[:2])
    assert sorted(p.name for p in out.glob("*.html")) == ["index.html", "uk.html", "us.html"]
    assert not any(p.name.startswith(("de-", "fr-")) for p in second.charts)
    assert sorted(out.glob("charts/*.png")) == sorted(second.charts)
    assert not any(p.name.startswith("de-") for p in second.charts)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_charts_are_900_by_300_pngs(report: ReportPages) -> None:
    for path in report.charts:
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC), path
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG"
            assert image.size == (900, 300), path


def test_the_same_data_draws_the_same_bytes(
    warehouse: duckdb.DuckDBPyConnection, report: ReportPages
) -> None:
    written = [p.read_bytes() for p in report.charts if p.name.startswith("us-")]
    assert [chart.png for chart in store_charts(warehouse, "us")] == written


def test_pages_are_self_contained(report: ReportPages) -> None:
    for page in [report.index, *report.store_pages.values()]:
        text = _html(page)
        assert "<script" not in text.lower()
        assert not re.search(r"<link[^>]+stylesheet", text, re.IGNORECASE)
        assert not re.search(r"url\(", text)
        references = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", text)
        assert references, page
        for reference in references:
            assert not re.match(r"(?i)(https?:)?//", reference), (page, reference)
            assert reference.startswith("data:") or re.fullmatch(r"[a-z]+\.html", reference)
        sources = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", text)
        assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_every_image_has_an_alt_text_naming_chart_and_store(report: ReportPages) -> None:
    alts = re.findall(r'<img[^>]*\salt="([^"]*)"', _html(report.store_pages["uk"]))
    assert alts == [
        "Listings by status over time chart for UK Shop &amp; Co",
        "Daily sales (last 30 days) chart for UK Shop &amp; Co",
        "Open sync issues (last 30 days) chart for UK Shop &amp; Co",
        "Sync latency to Amazon (last 30 days) chart for UK Shop &amp; Co",
    ]


def test_the_latency_chart_reads_the_last_30_days_of_p50_p95_and_waiting(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    days = latency_days(warehouse, "us")
    assert [d.day for d in (days[0], days[-1])] == [date(2026, 4, 5), date(2026, 5, 4)]
    assert len(days) == 30
    may_4, may_3 = days[-1], days[-2]  # a Monday, a Sunday with nothing confirmed
    assert (may_4.p50_minutes, may_4.p95_minutes, may_4.waiting) == (14.0, 35.0, 4)
    assert (may_3.p50_minutes, may_3.p95_minutes, may_3.waiting) == (None, None, 3)
    assert latency_days(warehouse, "de") == []


def test_the_store_page_shows_the_latency_chart_drawn_from_its_data(
    warehouse: duckdb.DuckDBPyConnection, report: ReportPages
) -> None:
    charts = {chart.name: chart for chart in store_charts(warehouse, "us")}
    no_data = {chart.name: chart for chart in store_charts(warehouse, "de")}
    waiting_only = {chart.name: chart for chart in store_charts(warehouse, "uk")}
    png = charts["sync-latency"].png
    assert png != no_data["sync-latency"].png != waiting_only["sync-latency"].png
    page = _html(report.store_pages["us"])
    assert 'alt="Sync latency to Amazon (last 30 days) chart for US Main Store"' in page
    assert base64.b64encode(png).decode() in page


def test_store_page_shows_the_dashboard_header_totals_and_counts(report: ReportPages) -> None:
    text = _html(report.store_pages["us"])
    for expected in (
        "US Main Store",
        "Magento Website",
        "Needs attention",  # two open errors
        "2026-05-04 11:55 UTC",  # Last Updated
        "3,312.50 USD",
        "14,789.25 USD",
        "56,210.75 USD",
        "1,402",
        "1,187",
        "Ready to List",
        "New Third Party",
    ):
        assert expected in text, expected


def test_store_page_lists_errors_first_then_the_oldest_ten(report: ReportPages) -> None:
    text = _html(report.store_pages["us"])
    shown = re.findall(r"SKU-(?:W\d\d|E\d\d|X|RESOLVED)", text)
    assert shown[:2] == ["SKU-E01", "SKU-X"]  # errors, oldest first
    assert shown[2:] == [f"SKU-W{n:02d}" for n in range(1, 9)]  # then the oldest warnings
    assert "The 10 most urgent of 13 open issues (2 errors)" in text


def test_values_from_the_database_are_escaped(report: ReportPages) -> None:
    text = _html(report.store_pages["us"])
    assert NASTY not in text
    assert f"SKU-X {ESCAPED}" in text
    assert f"Amazon says {ESCAPED}" in text
    assert "UK Shop &amp; Co" in _html(report.index)


SCRIPT = '<script>alert("x")</script> & Co'
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co"


def test_a_script_in_store_product_or_issue_text_reaches_every_page_escaped(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    stores = [StoreHeader("us", f"US {SCRIPT}", "ATVPDKIKX0DER", f"site {SCRIPT}"), STORES[3]]
    warehouse.execute("BEGIN")
    try:
        warehouse.executemany(
            "INSERT INTO core.sync_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                _issue(f"SKU {SCRIPT}", "error", 20, "amazon_listing_error", f"Amazon: {SCRIPT}"),
                _issue("M-3", "warning", 9000, "invalid_identifier", f"EAN {SCRIPT}", "magento"),
            ],
        )
        warehouse.execute(
            "UPDATE raw.store_fetches SET message = ? WHERE store_id = 'fr' "
            "AND dataset = 'amazon_listings'",
            [f"refused {SCRIPT}"],
        )
        pages = write_report_pages(warehouse, tmp_path / "reports", stores)
    finally:
        warehouse.execute("ROLLBACK")
    index, us, fr = (
        _html(p) for p in (pages.index, pages.store_pages["us"], pages.store_pages["fr"])
    )
    for text in (index, us, fr):
        assert "<script" not in text.lower() and SCRIPT not in text
    for escaped in (f"US {ESCAPED_SCRIPT}", f"site {ESCAPED_SCRIPT}"):  # store, Magento website
        assert escaped in us and escaped in index, escaped
    assert f"SKU {ESCAPED_SCRIPT}" in us and f"Amazon: {ESCAPED_SCRIPT}" in us  # product, issue
    assert f'alt="Daily sales (last 30 days) chart for US {ESCAPED_SCRIPT}"' in us
    assert f"EAN {ESCAPED_SCRIPT}" in index  # the Magento catalog's own issue
    assert f"refused {ESCAPED_SCRIPT}" in fr and f"refused {ESCAPED_SCRIPT}" in index


def test_a_value_a_template_needs_but_is_not_given_fails_the_render() -> None:
    with pytest.raises(UndefinedError, match="'title' is undefined"):
        render_page("index.html.j2", as_of=AS_OF, pages=[], health_rows=[], magento_issues=[])


def test_a_stale_store_with_a_single_point_says_stale(report: ReportPages) -> None:
    text = _html(report.store_pages["uk"])
    assert '<span class="badge stale">Stale</span>' in text
    assert "19.99 GBP" in text


def test_a_store_without_data_still_gets_a_page(report: ReportPages) -> None:
    text = _html(report.store_pages["de"])
    assert "German Store" in text
    assert "No data yet" in text
    assert "No fetch has finished for this store yet." in text
    assert "No open sync issues." in text
    assert text.count("<img ") == 4


FR_SAYS = (
    "Amazon listings failed at 2026-05-04 11:53 UTC: SP-API createReport failed (no response): "
    f"connection refused {ESCAPED}"
)


def test_a_store_whose_fetches_all_failed_says_why_on_its_page_and_card(
    report: ReportPages,
) -> None:
    page = _html(report.store_pages["fr"])
    header = page.split("</section>", 1)[0]
    assert FR_SAYS in header  # the latest failed fetch: dataset, time, message, escaped
    assert "an older failure" not in page and FR_FAILURE not in page
    index = _html(report.index)
    card = index.split('<a href="fr.html">Boutique FR</a>', 1)[1].split("</article>", 1)[0]
    assert FR_SAYS in card
    assert FR_FAILURE not in index


def test_a_failure_without_a_message_falls_back_to_the_api_error(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    warehouse.execute("BEGIN")
    try:
        warehouse.execute(
            "UPDATE raw.store_fetches SET message = NULL WHERE store_id = 'fr' "
            "AND dataset = 'amazon_listings'"
        )
        pages = write_report_pages(warehouse, tmp_path / "reports", STORES)
    finally:
        warehouse.execute("ROLLBACK")
    assert FR_SAYS in _html(pages.store_pages["fr"])


def test_a_store_whose_listings_never_loaded_and_nothing_failed_says_so(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    warehouse.execute("BEGIN")
    try:
        warehouse.execute("DELETE FROM raw.store_fetches WHERE store_id = 'fr'")
        pages = write_report_pages(warehouse, tmp_path / "reports", STORES)
    finally:
        warehouse.execute("ROLLBACK")
    assert "No listings report has loaded for this store yet." in _html(pages.store_pages["fr"])
    assert " failed at " not in _html(pages.store_pages["fr"])


def test_a_stale_store_names_its_failure_since_the_last_snapshot_a_fresh_one_none(
    report: ReportPages,
) -> None:
    # uk's orders failed after its (stale) listings loaded: its page names it; us has none.
    assert "Amazon orders failed at 2026-05-04 11:16 UTC: SP-API getOrders failed (503): " in (
        _html(report.store_pages["uk"])
    )
    assert " failed at " not in _html(report.store_pages["us"])


@pytest.mark.parametrize(
    ("store_id", "name", "country", "marketplace_id"),
    [
        ("us", "Amazon.com", "United States of America", "ATVPDKIKX0DER"),
        ("uk", "Amazon.co.uk", "United Kingdom", "A1F83G8C2ARO7P"),
        ("de", "Amazon.de", "Germany", "A1PA6795UKMFR9"),
        ("fr", "Amazon.fr", "France", "A13V1IB3VIYZZH"),
    ],
)
def test_marketplaces_are_named_beside_their_ids(
    report: ReportPages, store_id: str, name: str, country: str, marketplace_id: str
) -> None:
    named = f"{name} · {country} ({marketplace_id})"
    page = _html(report.store_pages[store_id]).split("</section>", 1)[0]
    assert named in page
    index = _html(report.index)
    assert index.count(named) == 1  # the store's card
    table = index.split("<h2>Store health</h2>", 1)[1].split("</section>", 1)[0]
    if store_id != "de":  # de has no store_health row
        row = table.split(f'data-store="{store_id}"', 1)[1].split("</tr>", 1)[0]
        assert name in row and marketplace_id in row


def test_marketplace_names_come_from_the_constants() -> None:
    from asc_pipelines.constants import MARKETPLACES, marketplace

    assert marketplace("GB").name == "Amazon.co.uk"
    assert {m.code: (m.name, m.country) for m in MARKETPLACES.values()} == {
        "US": ("Amazon.com", "United States of America"),
        "CA": ("Amazon.ca", "Canada"),
        "MX": ("Amazon.com.mx", "Mexico"),
        "BR": ("Amazon.com.br", "Brazil"),
        "UK": ("Amazon.co.uk", "United Kingdom"),
        "DE": ("Amazon.de", "Germany"),
        "FR": ("Amazon.fr", "France"),
        "IT": ("Amazon.it", "Italy"),
        "ES": ("Amazon.es", "Spain"),
        "NL": ("Amazon.nl", "Netherlands"),
        "JP": ("Amazon.co.jp", "Japan"),
        "AU": ("Amazon.com.au", "Australia"),
    }


def test_index_has_a_card_per_store_and_the_health_table(report: ReportPages) -> None:
    text = _html(report.index)
    assert "Data as of 2026-05-04 12:00 UTC" in text
    for store in STORES:
        assert f'href="{store.store_id}.html"' in text
    assert text.count('<article class="card">') == 4
    assert "3,312.50 USD" in text and "14,789.25 USD" in text
    assert "3 of 12 failed" in text  # uk's fetches, from the store_health table
    assert text.count("<img ") == 4


def test_index_lists_the_magento_catalogs_own_open_issues(report: ReportPages) -> None:
    text = _html(report.index)
    section = text.split("<h2>Magento catalog</h2>", 1)[1].split("</section>", 1)[0]
    assert 'Invalid identifier</td><td>warning</td><td class="num">2</td>' in section
    assert f"UPC 123 {ESCAPED}" in section and NASTY not in section  # the oldest
    assert all("M-1 upc" not in page.read_text("utf-8") for page in report.store_pages.values())


def _span(first: str, last: str | None = None) -> tuple[datetime, datetime]:
    """A grain's first and last bucket_start in 2026, written as MM-DD [HH:MM]."""
    return datetime.fromisoformat(f"2026-{first}"), datetime.fromisoformat(f"2026-{last or first}")


@pytest.mark.parametrize(
    ("extents", "grain"),
    [
        ({}, None),
        ({"5min": _span("05-04 06:10", "05-04 11:55"), "day": _span("05-04")}, "5min"),
        ({"5min": _span("05-04 12:00"), "hour": _span("05-04 12:00")}, "5min"),
        ({"5min": _span("05-02 12:00", "05-04 12:00"), "hour": _span("04-29")}, "hour"),
        ({"5min": _span("05-04 11:00", "05-04 12:00"), "hour": _span("04-27")}, "hour"),
        ({"hour": _span("02-01", "05-04 12:00"), "day": _span("01-01")}, "day"),
        ({"hour": _span("03-01", "05-04 12:00")}, "hour"),
    ],
    ids=["nothing", "six-hours", "single-bucket", "five-days", "restarted", "a-year", "no-days"],
)  # fmt: skip
def test_status_chart_grain_fits_the_history(
    extents: dict[str, tuple[datetime, datetime]], grain: str | None
) -> None:
    assert pick_grain(extents) == grain


_FRESH = {
    "last_successful_snapshot_at": AS_OF,
    "snapshot_age_minutes": 5.0,
    "open_errors": 0,
    "api_error_rate_24h": 0.0,
}


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "OK"),
        ({"api_error_rate_24h": None}, "OK"),
        ({"open_errors": 2}, "Needs attention"),
        ({"api_error_rate_24h": 0.1}, "Needs attention"),
        ({"snapshot_age_minutes": 31.0, "open_errors": 2}, "Stale"),
        ({"last_successful_snapshot_at": None, "snapshot_age_minutes": None}, "Stale"),
    ],
)
def test_health_status(changes: dict[str, object], status: str) -> None:
    assert health_status({**_FRESH, **changes}) == status


def test_a_store_without_health_row_has_no_data_yet() -> None:
    assert health_status(None) == "No data yet"


# Headless Chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as started:
        yield started


def test_pages_render_in_headless_chromium(
    report: ReportPages, browser: Browser, tmp_path: Path
) -> None:
    pages = {None: report.index, **report.store_pages}
    for store_id, path in pages.items():
        shot = tmp_path / "us-store-page.png" if store_id == "us" else None
        rendered = render(browser, path, shot)
        names = [s.name for s in STORES if store_id in (None, s.store_id)]
        for name in names:
            assert name in rendered["text"], (path.name, name)
        # The index: one image per store card; a store page: its four charts.
        assert len(rendered["images"]) == 4, path.name
        for image in rendered["images"]:
            assert image["complete"] and image["width"] > 0, (path.name, image)
        assert rendered["problems"] == [], path.name
        assert rendered["requests"] == [path.as_uri()], path.name
    screenshot = tmp_path / "us-store-page.png"
    with Image.open(screenshot) as image:
        assert image.format == "PNG" and image.size[0] == 1280


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_store_health_table_fits_a_laptop_screen(
    report: ReportPages, browser: Browser, width: int
) -> None:
    sizes = table_fit(browser, report.index, "Store health", width)
    assert sizes["rows"] == 3  # us, uk and fr have store_health rows
    assert sizes["table"] <= sizes["container"] <= width, sizes
    assert sizes["page"] <= width, sizes  # nor does the page scroll sideways
