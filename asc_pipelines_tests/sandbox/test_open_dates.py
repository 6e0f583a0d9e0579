"""Open dates: the sandbox's writer and the client's parser held against Amazon's own examples.

The two sides keep separate tables on purpose (``sandbox/open_dates.py`` and the client's
``constants.Marketplace.open_date_formats`` / ``TIMEZONE_ABBREVIATIONS``), so they are held here
against the ``open-date`` values Amazon documents, quoted in ``../shared/docs/protocols.md``
section 2.7 (nothing under ``../shared/data/`` carries an ``open-date`` value). Amazon documents
examples for US, UK and JP only, plus an EU help page's one that names no marketplace; CA, MX, BR,
DE, FR, IT, ES, NL and AU have none, so for them the sandbox's style is its own assumption and only
the round trip (what the sandbox writes, the client reads as the same instant) is held.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from asc_pipelines.constants import MARKETPLACES, REPORT_HEADER_ALL_DATA_29
from asc_pipelines.sandbox.generate_text import open_date_text
from asc_pipelines.sandbox.open_dates import OPEN_DATE_STYLES, parse_open_date
from asc_pipelines.sources.listings_report import stage_listing_report

# Amazon's documented examples: marketplace, the text, the instant its abbreviation fixes.
DOCUMENTED = [
    # protocols.md 2.7, `open-date`: "US `2022-03-15 02:26:37 PDT`"
    ("US", "2022-03-15 02:26:37 PDT", datetime(2022, 3, 15, 9, 26, 37, tzinfo=UTC)),
    # protocols.md 2.7, `open-date`: "UK `29/09/2025 16:19:39 BST`"
    ("UK", "29/09/2025 16:19:39 BST", datetime(2025, 9, 29, 15, 19, 39, tzinfo=UTC)),
    # protocols.md 2.7, `open-date`: "UK ... / `30/03/2011 16:23:57 GMT` (DD/MM/YYYY)"
    ("UK", "30/03/2011 16:23:57 GMT", datetime(2011, 3, 30, 16, 23, 57, tzinfo=UTC)),
    # protocols.md 2.7, `open-date`: "JP `2009/09/18 15:18:58 JST`"
    ("JP", "2009/09/18 15:18:58 JST", datetime(2009, 9, 18, 6, 18, 58, tzinfo=UTC)),
]
# protocols.md 2.7, `open-date`: "EU help page `2008-02-27 20:15:20 GMT`" (no marketplace named).
EU_HELP_PAGE = ("2008-02-27 20:15:20 GMT", datetime(2008, 2, 27, 20, 15, 20, tzinfo=UTC))
EU_MARKETPLACES = sorted(code for code, market in MARKETPLACES.items() if market.region == "EU")
# The 2011 UK example says GMT three days after Britain's clocks went forward (27 March 2011);
# the sandbox follows Europe/London's rules and writes that instant as BST, so it is held to the
# instant only (test_the_2011_uk_example_is_written_as_summer_time_for_the_same_instant).
WRITTEN_AS_DOCUMENTED = [
    example for example in DOCUMENTED if example[1] != "30/03/2011 16:23:57 GMT"
]
CLIENT_EXAMPLES = [
    *DOCUMENTED,
    *((market, *EU_HELP_PAGE) for market in EU_MARKETPLACES),
]


def client_open_dates(tmp_path: Path, market: str, texts: list[str]) -> list[datetime | None]:
    """The client's reading of each ``open-date`` text, through its listings report parser."""
    header = list(REPORT_HEADER_ALL_DATA_29)
    rows = []
    for number, text in enumerate(texts):
        cells = dict.fromkeys(header, "")
        cells.update({"seller-sku": f"SKU-{number}", "price": "1.00", "open-date": text})
        rows.append("\t".join(cells[name] for name in header))
    report = tmp_path / f"{market}.tsv"
    report.write_bytes(("\n".join(["\t".join(header), *rows]) + "\n").encode("cp1252"))
    with stage_listing_report(
        duckdb.connect(),
        report,
        charset="cp1252",
        marketplace_code=market,
        store_id=market.lower(),
        work_dir=tmp_path / "work",
    ) as staged:
        reasons = staged.conn.execute(f"SELECT reason FROM {staged.rejected_table}").fetchall()
        assert staged.rejected == 0, reasons
        found = dict(
            staged.conn.execute(
                f"SELECT seller_sku, open_date FROM {staged.listings_table}"
            ).fetchall()
        )
    return [found[f"SKU-{number}"] for number in range(len(texts))]


def sandbox_writes(market: str, instant: datetime) -> str:
    return open_date_text(np.array([int(instant.timestamp())]), market).tolist()[0]


@pytest.mark.parametrize(("market", "text", "instant"), CLIENT_EXAMPLES)
def test_the_client_reads_each_documented_example_as_its_instant(
    tmp_path: Path, market: str, text: str, instant: datetime
) -> None:
    assert client_open_dates(tmp_path, market, [text]) == [instant]


@pytest.mark.parametrize(("market", "text", "instant"), CLIENT_EXAMPLES)
def test_the_sandbox_reads_each_documented_example_as_its_instant(
    market: str, text: str, instant: datetime
) -> None:
    assert parse_open_date(text) == instant


@pytest.mark.parametrize(("market", "text", "instant"), WRITTEN_AS_DOCUMENTED)
def test_the_sandbox_writes_each_documented_example_from_its_instant(
    market: str, text: str, instant: datetime
) -> None:
    assert sandbox_writes(market, instant) == text


def test_the_2011_uk_example_is_written_as_summer_time_for_the_same_instant(
    tmp_path: Path,
) -> None:
    instant = datetime(2011, 3, 30, 16, 23, 57, tzinfo=UTC)
    written = sandbox_writes("UK", instant)
    assert written == "30/03/2011 17:23:57 BST"
    assert client_open_dates(tmp_path, "UK", [written]) == [instant]


def test_every_marketplace_the_config_accepts_has_an_open_date_style() -> None:
    assert set(OPEN_DATE_STYLES) == set(MARKETPLACES)


@pytest.mark.parametrize("market", sorted(MARKETPLACES))
def test_what_the_sandbox_writes_the_client_and_the_sandbox_read_as_the_same_instant(
    tmp_path: Path, market: str
) -> None:
    # January and July: winter and summer time on either side of the equator.
    instants = [
        datetime(2024, 1, 15, 23, 30, 5, tzinfo=UTC),
        datetime(2024, 7, 15, 23, 30, 5, tzinfo=UTC),
        datetime(2009, 9, 18, 6, 18, 58, tzinfo=UTC),
    ]
    written = [sandbox_writes(market, instant) for instant in instants]
    assert client_open_dates(tmp_path, market, written) == instants
    assert [parse_open_date(text) for text in written] == instants


@pytest.mark.parametrize(
    "text", ["yesterday", "2022-03-15 02:26:37 XYZ", "2022-13-15 02:26:37 PDT"]
)
def test_the_sandbox_reads_an_unknown_zone_or_layout_as_unreadable(text: str) -> None:
    assert parse_open_date(text) is None
