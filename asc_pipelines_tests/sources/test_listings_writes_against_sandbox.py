"""The client's Listings Items write operations against the real sandbox on 127.0.0.1: a preview
changes nothing, an accepted patch shows only after Amazon's processing delay, refusals come back
as INVALID answers, an offer-only put creates a listing that a delete removes, and previews are
paced to Amazon's one per second (protocols.md 10.1)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from asc_pipelines.constants import marketplace
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.listing_patches import (
    offer_only_attributes,
    price_patch,
    quantity_patch,
)
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.spapi.listings_api import listing_product_type

WRITE_DELAY_SECONDS = 60.0
SHOWN = ("summaries", "offers", "fulfillmentAvailability")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, products=120, stores=2, seed=7)
    return out


def serve(world: Path, rate_scale: float) -> SandboxServer:
    return SandboxServer(
        world,
        clock_mode="fixed",
        rate_scale=rate_scale,
        write_delay_seconds=WRITE_DELAY_SECONDS,
    )


@pytest.fixture
def sandbox(world: Path) -> Iterator[SandboxServer]:
    with serve(world, rate_scale=50.0) as server:
        yield server


def us_store(world: Path) -> dict[str, str]:
    stores = json.loads((world / "world.json").read_text())["stores"]
    return next(store for store in stores if store["id"] == "us")


def listings(world: Path) -> list[dict[str, str]]:
    text = (world / "amazon" / "us" / "listings.tsv").read_bytes().decode("cp1252", "replace")
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def first_listing(world: Path, channel: str) -> dict[str, str]:
    return next(row for row in listings(world) if row["fulfillment-channel"] == channel)


def client(sandbox: SandboxServer, rate_scale: float = 50.0) -> SpApiClient:
    return SpApiClient(
        endpoint=sandbox.base_url,
        lwa_token_url=sandbox.base_url + "/auth/o2/token",
        client_id=credentials.LWA_CLIENT_ID,
        client_secret=credentials.LWA_CLIENT_SECRET,
        refresh_token=credentials.refresh_token("us"),
        rate_scale=rate_scale,
        timeout=10,
        backoff_base=0.05,
    )


def shown(api: SpApiClient, seller_id: str, sku: str, market: str) -> tuple[Decimal, int]:
    """The price and merchant quantity Amazon shows for a listing."""
    item = api.get_listings_item(seller_id, sku, market, included_data=SHOWN)
    (offer,), (availability,) = item["offers"], item["fulfillmentAvailability"]
    return Decimal(offer["price"]["amount"]), availability["quantity"]


def test_a_preview_changes_nothing_and_an_accepted_patch_shows_after_the_delay(
    sandbox: SandboxServer, world: Path
) -> None:
    store, row = us_store(world), first_listing(world, "DEFAULT")
    market = marketplace(store["marketplace"]).marketplace_id
    seller, sku = store["seller_id"], row["seller-sku"]
    api = client(sandbox)
    item = api.get_listings_item(seller, sku, market, included_data=SHOWN)
    product_type = listing_product_type(item, market)
    assert product_type == "PRODUCT"
    before = shown(api, seller, sku, market)
    price, quantity = before[0] + Decimal("1.11"), before[1] + 3
    patches = [quantity_patch(quantity), price_patch(price, "USD", market)]

    preview = api.patch_listings_item(seller, sku, market, product_type, patches, preview=True)
    assert preview.status == "VALID" and preview.issues == ()
    sandbox.clock.advance(2 * WRITE_DELAY_SECONDS)
    assert shown(api, seller, sku, market) == before

    live = api.patch_listings_item(seller, sku, market, product_type, patches)
    assert live.accepted and live.sku == sku and live.submission_id
    assert shown(api, seller, sku, market) == before  # ACCEPTED is queued, not done
    sandbox.clock.advance(WRITE_DELAY_SECONDS + 1)
    assert shown(api, seller, sku, market) == (price, quantity)

    patch_calls = sandbox.request_log.entries({"patchListingsItem"})
    assert [entry.status for entry in patch_calls] == [200, 200]
    assert api.throttled_responses == 0


def test_refusals_are_invalid_answers_with_amazons_issues(
    sandbox: SandboxServer, world: Path
) -> None:
    store = us_store(world)
    market = marketplace(store["marketplace"]).marketplace_id
    seller, api = store["seller_id"], client(sandbox)
    fba_sku = first_listing(world, "AMAZON_NA")["seller-sku"]
    fbm_sku = first_listing(world, "DEFAULT")["seller-sku"]

    unknown = api.patch_listings_item(seller, "NO-SUCH-SKU", market, "PRODUCT", [quantity_patch(1)])
    fba = api.patch_listings_item(seller, fba_sku, market, "PRODUCT", [quantity_patch(5)])
    free = api.patch_listings_item(
        seller, fbm_sku, market, "PRODUCT", [price_patch(Decimal("0.00"), "USD", market)]
    )
    no_type = api.patch_listings_item(seller, fbm_sku, market, "", [quantity_patch(1)])
    for answer in (unknown, fba, free, no_type):
        assert answer.invalid and answer.errors, answer
    assert fba.errors[0].attribute_names == ("fulfillment_availability",)
    assert free.errors[0].attribute_names == ("purchasable_offer",)
    assert "INVALID_PRICE" in free.errors[0].categories


def test_an_offer_only_put_creates_a_listing_that_a_delete_removes(
    sandbox: SandboxServer, world: Path
) -> None:
    store = us_store(world)
    market = marketplace(store["marketplace"]).marketplace_id
    seller, api = store["seller_id"], client(sandbox)
    asin = first_listing(world, "DEFAULT")["asin1"]
    attributes = offer_only_attributes(
        asin=asin,
        condition="new_new",
        quantity=6,
        price=Decimal("17.25"),
        currency="USD",
        marketplace_id=market,
    )
    put = api.put_listings_item(
        seller, "NEW-OFFER-1", market, "PRODUCT", "LISTING_OFFER_ONLY", attributes
    )
    assert put.accepted, put
    sandbox.clock.advance(WRITE_DELAY_SECONDS + 1)
    item = api.get_listings_item(seller, "NEW-OFFER-1", market, included_data=SHOWN)
    assert item["summaries"][0]["asin"] == asin
    assert shown(api, seller, "NEW-OFFER-1", market) == (Decimal("17.25"), 6)

    assert api.delete_listings_item(seller, "NEW-OFFER-1", market).accepted
    sandbox.clock.advance(WRITE_DELAY_SECONDS + 1)
    with pytest.raises(SpApiError) as gone:
        api.get_listings_item(seller, "NEW-OFFER-1", market)
    assert gone.value.http_status == 404


def test_previews_are_paced_to_amazons_one_per_second(world: Path) -> None:
    """At Amazon's real rates the sandbox throttles a second preview within the same second; the
    client's preview bucket keeps it from ever being sent that early."""
    with serve(world, rate_scale=1.0) as sandbox:
        store, row = us_store(world), first_listing(world, "DEFAULT")
        market = marketplace(store["marketplace"]).marketplace_id
        api = client(sandbox, rate_scale=1.0)
        answers: list[Any] = [
            api.patch_listings_item(
                store["seller_id"], row["seller-sku"], market, "PRODUCT", [quantity_patch(n)],
                preview=True,
            )
            for n in range(3)
        ]  # fmt: skip
        assert [answer.status for answer in answers] == ["VALID"] * 3
        assert api.throttled_responses == 0
        logged = sandbox.request_log.entries({"patchListingsItem"})
        assert [entry.status for entry in logged] == [200, 200, 200]


def test_product_types_of_many_listings_come_20_to_a_search(
    sandbox: SandboxServer, world: Path
) -> None:
    store = us_store(world)
    skus = [row["seller-sku"] for row in listings(world)][:45]
    api = client(sandbox)
    sandbox.request_log.clear()

    found = api.product_types(
        store["seller_id"], marketplace("US").marketplace_id, [*skus, "NOT-A-SKU-OF-THIS-SELLER"]
    )

    assert set(found) == set(skus)
    assert set(found.values()) == {"PRODUCT"}
    assert len(sandbox.request_log.entries({"searchListingsItems"})) == 3  # 46 SKUs: 20, 20, 6
    assert sandbox.request_log.entries({"getListingsItem"}) == []
