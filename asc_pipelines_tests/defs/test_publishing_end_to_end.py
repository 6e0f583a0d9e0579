"""Publishing Ready to List products through the real sync job against the real sandbox (issue 11,
section 3, ``push.publish``): with ``publish: true`` in ``live`` they are listed with
``putListingsItem`` (``LISTING_OFFER_ONLY``) and are Active once the next listings report shows
them; an offer Amazon refuses is reported once and not sent again; with ``publish: false`` (the
default) nothing is listed."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest

from asc_pipelines_tests.defs.test_listing_pushes import Pushing
from asc_pipelines_tests.defs.test_listing_pushes import pushing as pushing

pytestmark = pytest.mark.slow

PUT = {"putListingsItem"}
LIVE = {"mode": "live", "max_patches_per_tick": 1000}


def _seller_id(world: Pushing, store_id: str) -> str:
    return world.server.app.amazon.stores[store_id].store.seller_id


def _puts(world: Pushing, store_id: str) -> list[str]:
    """The seller SKUs the store's putListingsItem calls named, in order."""
    prefix = f"/listings/2021-08-01/items/{_seller_id(world, store_id)}/"
    return [c.path[len(prefix) :] for c in world.calls(PUT) if c.path.startswith(prefix)]


def _withdraw_the_first_asin_put(world: Pushing) -> set[str]:
    """Amazon's catalog loses the first ASIN a new listing names (its put is then INVALID: the
    ASIN does not exist in the marketplace); returns the set that will hold that ASIN."""
    writes = world.server.app.listings_writes
    known = writes.catalog_has
    withdrawn: set[str] = set()

    def catalog_has(marketplace_id: str, asin: str) -> bool:
        if not withdrawn:
            withdrawn.add(asin)
        return asin not in withdrawn and known(marketplace_id, asin)

    writes.catalog_has = catalog_has
    return withdrawn


def _pushes_metadata(world: Pushing) -> dict[str, Any]:
    event = world.instance.get_latest_materialization_event(dg.AssetKey("amazon_listing_pushes"))
    assert event is not None and event.asset_materialization is not None
    return dict(event.asset_materialization.metadata)


def _ready(world: Pushing, store_id: str) -> list[tuple[Any, ...]]:
    return world.rows(
        "SELECT magento_sku, asin FROM core.listing_status WHERE store_id = ? "
        "AND status = 'ready_to_list' AND asin IS NOT NULL ORDER BY 1",
        [store_id],
    )


def test_live_publishing_lists_ready_to_list_products_and_reports_a_refusal_once(
    pushing,
) -> None:
    world = pushing(us={"push": {**LIVE, "publish": True}}, uk={"push": LIVE})
    withdrawn = _withdraw_the_first_asin_put(world)

    world.tick()
    ready = _ready(world, "us")
    offers = dict(
        world.rows(
            "SELECT status, count(*) FROM core.listing_outbox "
            "WHERE store_id = 'us' AND attribute = 'offer' GROUP BY 1"
        )
    )
    refused = world.rows(
        "SELECT seller_sku, value, last_issues FROM core.listing_outbox "
        "WHERE attribute = 'offer' AND status = 'invalid' ORDER BY 1"
    )
    refused_skus = {sku for sku, _, _ in refused}
    puts = _puts(world, "us")
    uk_ready = _ready(world, "uk")
    metadata = _pushes_metadata(world)

    world.after_the_write_delay()
    world.tick()

    # Tick 1: every Ready to List product with an ASIN put once, the withdrawn ASIN refused.
    assert len(ready) > 10 and sorted(puts) == [sku for sku, _ in ready]
    assert offers == {"accepted": len(ready) - len(refused), "invalid": len(refused)}
    assert withdrawn and withdrawn <= {asin for _, asin, _ in refused}
    assert all("does not exist in this marketplace" in issues for _, _, issues in refused)
    assert metadata["offers_sent"].value == len(ready)
    summary = metadata["summary"].value
    assert (
        "| offers | offers accepted | offers valid (preview) | offers invalid "
        "| offer failed calls |" in summary
    )
    assert f"| {len(ready)} | {len(ready) - len(refused)} | 0 | {len(refused)} | 0 |" in summary
    # Tick 2: the listings report shows them, so they are Active and their offers confirmed.
    statuses = dict(
        world.rows(
            "SELECT magento_sku, status FROM core.listing_status WHERE store_id = 'us' "
            "AND list_contains(?, magento_sku)",
            [[sku for sku, _ in ready]],
        )
    )
    assert statuses == {
        sku: "ready_to_list" if sku in refused_skus else "active" for sku, _ in ready
    }
    assert dict(
        world.rows(
            "SELECT status, count(*) FROM core.listing_outbox "
            "WHERE store_id = 'us' AND attribute = 'offer' GROUP BY 1"
        )
    ) == {"confirmed": len(ready) - len(refused), "invalid": len(refused)}
    listed = world.rows(
        "SELECT DISTINCT seller_sku = magento_sku FROM core.listing_status "
        "WHERE store_id = 'us' AND list_contains(?, magento_sku)",
        [[sku for sku, _ in ready if sku not in refused_skus]],
    )
    assert listed == [(True,)]  # listed under its Magento SKU
    # Each refusal: one push_rejected error, open, and the offer not put again.
    assert world.rows(
        "SELECT subject, severity, resolved_at FROM core.sync_issues "
        "WHERE kind = 'push_rejected' ORDER BY 1"
    ) == [(f"{sku} offer", "error", None) for sku in sorted(refused_skus)]
    assert _puts(world, "us") == puts
    # uk sends its listing changes but does not publish: nothing listed, nothing queued.
    assert uk_ready and _puts(world, "uk") == [] and _ready(world, "uk") == uk_ready
    assert (
        world.rows(
            "SELECT 1 FROM core.listing_outbox WHERE store_id = 'uk' AND attribute = 'offer'"
        )
        == []
    )


def test_without_publish_no_store_lists_anything(pushing) -> None:
    world = pushing(us={"push": LIVE}, uk={"push": {**LIVE, "publish": False}})

    world.tick()

    assert world.calls({"patchListingsItem"})  # sending is on
    assert world.calls(PUT) == []
    assert world.rows("SELECT 1 FROM core.listing_outbox WHERE attribute = 'offer'") == []
