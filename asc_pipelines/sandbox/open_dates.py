"""How each marketplace's listings report writes ``open-date``: the sandbox's own table.

Amazon writes a listing's open date as the marketplace's wall clock in a local layout followed by
a time-zone abbreviation (protocols.md 2.7). This table is the sandbox's, kept apart from the
client's parser (``constants.Marketplace.open_date_formats`` and ``TIMEZONE_ABBREVIATIONS``) on
purpose, so a wrong format cannot be wrong on both sides at once;
``asc_pipelines_tests/sandbox/test_open_dates.py`` holds both against Amazon's documented examples.

Documented (protocols.md 2.7): US ``2022-03-15 02:26:37 PDT``, UK ``29/09/2025 16:19:39 BST`` and
``30/03/2011 16:23:57 GMT``, JP ``2009/09/18 15:18:58 JST``, and an EU help page's
``2008-02-27 20:15:20 GMT`` that names no marketplace. Amazon documents no example for CA, MX, BR,
DE, FR, IT, ES, NL or AU: their rows are the sandbox's assumption (the North American ones on
Pacific time like the US, the European ones on their own zone in the EU help page's layout, AU
like the UK's layout on Sydney time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

YMD = "%Y-%m-%d %H:%M:%S"
DMY = "%d/%m/%Y %H:%M:%S"
YMD_SLASH = "%Y/%m/%d %H:%M:%S"
LAYOUTS = (YMD, DMY, YMD_SLASH)


@dataclass(frozen=True)
class OpenDateStyle:
    """One marketplace's ``open-date``: wall clock of ``zone`` in ``layout``, then the
    abbreviation of the UTC offset in force at that moment."""

    zone: str  # IANA time zone, e.g. "America/Los_Angeles"
    abbreviations: dict[int, str]  # UTC offset in hours -> the abbreviation Amazon prints
    layout: str  # one of LAYOUTS


_PACIFIC = OpenDateStyle("America/Los_Angeles", {-7: "PDT", -8: "PST"}, YMD)


def _central_european(zone: str) -> OpenDateStyle:
    return OpenDateStyle(zone, {2: "CEST", 1: "CET"}, YMD)


OPEN_DATE_STYLES: dict[str, OpenDateStyle] = {
    "US": _PACIFIC,
    "CA": _PACIFIC,
    "MX": _PACIFIC,
    "BR": _PACIFIC,
    "UK": OpenDateStyle("Europe/London", {1: "BST", 0: "GMT"}, DMY),
    "DE": OpenDateStyle("Europe/Berlin", {2: "MESZ", 1: "MEZ"}, YMD),
    "FR": _central_european("Europe/Paris"),
    "IT": _central_european("Europe/Rome"),
    "ES": _central_european("Europe/Madrid"),
    "NL": _central_european("Europe/Amsterdam"),
    "JP": OpenDateStyle("Asia/Tokyo", {9: "JST"}, YMD_SLASH),
    "AU": OpenDateStyle("Australia/Sydney", {11: "AEDT", 10: "AEST"}, DMY),
}

# Every abbreviation the table writes, with its UTC offset in hours.
_OFFSETS: dict[str, int] = {
    name: hours
    for style in OPEN_DATE_STYLES.values()
    for hours, name in style.abbreviations.items()
}


def parse_open_date(text: str) -> datetime | None:
    """An ``open-date`` in any layout and abbreviation of the table, as UTC; None if unreadable.

    A world's file may come from any marketplace or be written by hand, so every layout is tried
    (they cannot be mistaken for one another) and the abbreviation alone fixes the offset.
    """
    local, _, zone = text.strip().rpartition(" ")
    hours = _OFFSETS.get(zone.upper())
    if hours is None:
        return None
    for layout in LAYOUTS:
        try:
            parsed = datetime.strptime(local, layout)
        except ValueError:
            continue
        return (parsed - timedelta(hours=hours)).replace(tzinfo=UTC)
    return None
