"""A JSON_LISTINGS_FEED through the client against the real sandbox on 127.0.0.1: document, upload
to the pre-signed URL, feed, status until DONE, processing report mapped back by messageId, and
the accepted changes visible afterwards; a queued feed can be cancelled (protocols.md 10.2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from asc_pipelines.constants import marketplace
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sources.listing_patches import offer_only_attributes, price_patch, quantity_patch
from asc_pipelines.sources.listings_feed import (
    CONTENT_TYPE,
    FEED_TYPE,
    delete_message,
    encode_feed,
    listings_feed,
    patch_message,
    update_message,
)

from .test_listings_writes_against_sandbox import (
    WRITE_DELAY_SECONDS,
    client,
    first_listing,
    shown,
    us_store,
)

FEED_DELAY_SECONDS = 90.0
REPORT_SCHEMA = (
    Path(__file__).parents[1]
    / "data/spapi-models/listings-feed/listings-feed-processing-report-schema-v2.json"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, products=120, stores=2, seed=7)
    return out


@pytest.fixture
def sandbox(world: Path) -> Iterator[SandboxServer]:
    with SandboxServer(
        world,
        clock_mode="fixed",
        rate_scale=50.0,
        write_delay_seconds=WRITE_DELAY_SECONDS,
        feed_delay_seconds=FEED_DELAY_SECONDS,
    ) as server:
        yield server


def test_a_feed_is_processed_and_its_report_maps_refusals_to_messages(
    sandbox: SandboxServer, world: Path, tmp_path: Path
) -> None:
    store = us_store(world)
    market = marketplace(store["marketplace"]).marketplace_id
    seller, api = store["seller_id"], client(sandbox)
    fbm, fba = first_listing(world, "DEFAULT"), first_listing(world, "AMAZON_NA")
    before = shown(api, seller, fbm["seller-sku"], market)
    price, quantity = before[0] + Decimal("2.50"), before[1] + 1
    offer = offer_only_attributes(
        asin=fbm["asin1"], condition="new_new", quantity=2, price=Decimal("9.99"),
        currency="USD", marketplace_id=market,
    )  # fmt: skip
    feed = listings_feed(
        seller,
        [
            patch_message(
                fbm["seller-sku"],
                "PRODUCT",
                [quantity_patch(quantity), price_patch(price, "USD", market)],
            ),
            patch_message(fba["seller-sku"], "PRODUCT", [quantity_patch(4)]),
            delete_message("NO-SUCH-SKU"),
            update_message("FEED-OFFER-1", "PRODUCT", offer, "LISTING_OFFER_ONLY"),
        ],
        issue_locale="en_US",
    )

    upload = api.create_feed_document(CONTENT_TYPE)
    api.upload_feed_document(upload.url, encode_feed(feed), CONTENT_TYPE)
    feed_id = api.create_feed(FEED_TYPE, [market], upload.feed_document_id)
    assert api.get_feed(feed_id).processing_status == "IN_QUEUE"
    sandbox.clock.advance(FEED_DELAY_SECONDS + 1)
    done = api.get_feed(feed_id)
    assert done.processing_status == "DONE" and done.finished, done
    assert done.result_feed_document_id

    document = api.get_feed_document(done.result_feed_document_id)
    report = api.download_feed_processing_report(document, tmp_path / "report.json")
    jsonschema.Draft7Validator(json.loads(REPORT_SCHEMA.read_text())).validate(
        json.loads((tmp_path / "report.json").read_bytes())
    )
    assert report.feed_id == feed_id
    assert report.refused_message_ids == {2, 3}
    assert report.summary.messages_processed == 4
    assert (report.summary.messages_accepted, report.summary.messages_invalid) == (2, 2)
    assert {issue.sku for issue in report.issues_of(2)} == {fba["seller-sku"]}

    sandbox.clock.advance(WRITE_DELAY_SECONDS + 1)
    assert shown(api, seller, fbm["seller-sku"], market) == (price, quantity)
    assert shown(api, seller, "FEED-OFFER-1", market) == (Decimal("9.99"), 2)
    assert api.throttled_responses == 0
    assert not sandbox.request_log.entries({"patchListingsItem", "putListingsItem"})


def test_a_queued_feed_can_be_cancelled(sandbox: SandboxServer, world: Path) -> None:
    store = us_store(world)
    market = marketplace(store["marketplace"]).marketplace_id
    api = client(sandbox)
    feed = listings_feed(
        store["seller_id"], [delete_message(first_listing(world, "DEFAULT")["seller-sku"])]
    )
    upload = api.create_feed_document(CONTENT_TYPE)
    api.upload_feed_document(upload.url, encode_feed(feed), CONTENT_TYPE)
    feed_id = api.create_feed(FEED_TYPE, [market], upload.feed_document_id)
    api.cancel_feed(feed_id)
    sandbox.clock.advance(FEED_DELAY_SECONDS + WRITE_DELAY_SECONDS + 2)
    cancelled = api.get_feed(feed_id)
    assert cancelled.processing_status == "CANCELLED" and cancelled.finished
    assert cancelled.result_feed_document_id is None
    # Nothing of a cancelled feed is applied: the listing is still there.
    assert shown(api, store["seller_id"], first_listing(world, "DEFAULT")["seller-sku"], market)
