"""How values read on the report pages: counts, money, times, ages. Plain text out; the
templates escape it. FILTERS names them for the templates (``{{ row.orders_7d | number }}``)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from asc_pipelines.dashboard.charts import issue_kind_label

MISSING = "—"  # how a value the warehouse does not have (NULL) reads


def number(value: int | None) -> str:
    """``1402`` -> ``1,402``."""
    return MISSING if value is None else f"{value:,}"


def money(amount: Decimal | None, currency: str) -> str:
    """``3312.5``, ``USD`` -> ``3,312.50 USD``."""
    return MISSING if amount is None else f"{amount:,.2f} {currency}"


def when(moment: datetime | None) -> str:
    """A UTC time to the minute, ``2026-05-04 11:55 UTC``; ``never`` when there is none."""
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def age(minutes: float | None) -> str:
    """How old something is: minutes up to 90, then hours up to two days, then days."""
    if minutes is None:
        return MISSING
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def plural(count: int | None, noun: str) -> str:
    """``2``, ``error`` -> ``2 errors``; ``1 error``."""
    return f"{number(count)} {noun}{'' if count == 1 else 's'}"


def png_base64(png: bytes) -> str:
    """A chart's PNG bytes for a ``data:image/png;base64,`` URI."""
    return base64.b64encode(png).decode("ascii")


FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "money": money,
    "when": when,
    "age": age,
    "plural": plural,
    "png_base64": png_base64,
    "issue_kind": issue_kind_label,
}
