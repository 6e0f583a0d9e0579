"""Which products a catalog pull asks Magento for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from asc_pipelines.config import MagentoConfig
from asc_pipelines.sources.magento_catalog import plan_pull, source_item_rows

NOW = datetime(2031, 1, 1, 12, tzinfo=UTC)
MAGENTO = MagentoConfig(
    base_url="https://shop.example.com", full_reconcile_hours=24, updated_at_overlap_minutes=10
)


@pytest.mark.parametrize(
    ("watermark", "last_full"),
    [(None, None), (NOW, None), (NOW, NOW - timedelta(hours=24))],
    ids=["first pull", "never a full pull", "last full pull a day old"],
)
def test_a_full_pull_when_none_was_made_or_the_last_is_old(
    watermark: datetime | None, last_full: datetime | None
) -> None:
    pull = plan_pull(watermark, last_full, NOW, MAGENTO)
    assert (pull.full, pull.since, pull.mode) == (True, None, "full")


def test_otherwise_the_products_updated_since_the_watermark_less_the_overlap() -> None:
    watermark = NOW - timedelta(minutes=5)
    pull = plan_pull(watermark, NOW - timedelta(hours=23, minutes=59), NOW, MAGENTO)
    assert (pull.full, pull.since, pull.mode) == (
        False,
        watermark - timedelta(minutes=10),
        "incremental",
    )
    assert (pull.products, pull.timings) == (0, {})


def test_source_items_keep_the_columns_the_warehouse_holds() -> None:
    page = [{"sku": "A", "source_code": "eu", "quantity": 2.5, "status": 1, "extension": {}}]
    assert source_item_rows(page) == [
        {"sku": "A", "source_code": "eu", "quantity": 2.5, "status": 1}
    ]
