"""One pull of the Magento catalog: which products to ask for, and paging them into a staging.

Products come incrementally (``updated_at`` after the watermark, minus an overlap) with a full
pull at least every ``full_reconcile_hours``, because mass attribute updates and image changes do
not move ``updated_at``. MSI source items have no ``updated_at`` and come in full every pull.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from asc_pipelines.config import AttributeCodes, MagentoConfig
from asc_pipelines.sources.magento import MagentoClient, product_rows
from asc_pipelines.warehouse.magento_catalog import CatalogStaging


@dataclass
class CatalogPull:
    """What a pull has fetched so far; kept when it fails half-way, for the tick's metadata."""

    full: bool
    since: datetime | None  # products updated after this; None: every product
    products: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "full" if self.full else "incremental"


def plan_pull(
    watermark: datetime | None, last_full: datetime | None, now: datetime, magento: MagentoConfig
) -> CatalogPull:
    """A full pull when none was made yet or the last is ``full_reconcile_hours`` old (at
    ``now``, Magento's clock); otherwise the products updated since the watermark, less an
    overlap for updates committed late."""
    full = (
        watermark is None
        or last_full is None
        or now - last_full >= timedelta(hours=magento.full_reconcile_hours)
    )
    if full:
        return CatalogPull(full=True, since=None)
    assert watermark is not None
    return CatalogPull(
        full=False, since=watermark - timedelta(minutes=magento.updated_at_overlap_minutes)
    )


def source_item_rows(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MSI ``SourceItemInterface`` objects as ``raw.magento_source_items`` rows."""
    return [
        {
            "sku": item["sku"],
            "source_code": item["source_code"],
            "quantity": item.get("quantity"),
            "status": item.get("status"),
        }
        for item in page
    ]


def pull_catalog(
    client: MagentoClient,
    staging: CatalogStaging,
    pull: CatalogPull,
    *,
    attributes: AttributeCodes,
    websites: dict[int, str],
) -> None:
    """Page the pull's products and every source item into ``staging``, counting in ``pull``."""
    t0 = time.monotonic()
    for page in client.iter_product_pages(updated_after=pull.since):
        rows = product_rows(page, attributes=attributes, website_codes=websites)
        staging.add_products(rows)
        pull.products += len(rows)
    pull.timings["products_seconds"] = time.monotonic() - t0
    t0 = time.monotonic()
    for page in client.iter_source_item_pages():
        staging.add_source_items(source_item_rows(page))
    pull.timings["source_items_seconds"] = time.monotonic() - t0
