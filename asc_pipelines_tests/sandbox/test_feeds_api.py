"""Feeds API 2021-06-30 with JSON_LISTINGS_FEED in the sandbox (protocols.md 10.2).

Every Feeds answer is checked against Amazon's model and every processing report against Amazon's
``listings-feed-processing-report-schema-v2.json``; the changes a feed carries are checked where a
client would look for them once the feed is DONE and the write delay has passed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.conftest import fetch_token
from asc_pipelines_tests.sandbox.worlds import US_SELLER, build_tiny_world
from asc_pipelines_tests.sandbox.writes_world import CATALOG_CSV, listings_report
from asc_pipelines_tests.spapi_models import MODELS_DIR, assert_valid_response

MODEL = "feeds_2021-06-30.json"
FEEDS = "/feeds/2021-06-30"
US = "ATVPDKIKX0DER"
CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_DELAY = 60.0  # IN_QUEUE for 20 s, IN_PROGRESS until 60 s, then DONE
WRITE_DELAY = 90.0

Spapi = Callable[..., requests.Response]


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((MODELS_DIR / "listings-feed" / name).read_text(encoding="utf-8"))


def assert_valid_processing_report(report: dict[str, Any]) -> None:
    """Fail when a processing report breaks Amazon's processing report schema (v2)."""
    schema = _schema("listings-feed-processing-report-schema-v2.json")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(report))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    world = build_tiny_world(tmp_path / "world")
    (world / "amazon" / "catalog.csv").write_text(CATALOG_CSV, "utf-8")
    with SandboxServer(
        world,
        clock_mode="fixed",
        rate_scale=100.0,
        report_delay_seconds=0.0,
        write_delay_seconds=WRITE_DELAY,
        feed_delay_seconds=FEED_DELAY,
    ) as server:
        yield server


def _feed(*messages: dict[str, Any], **header: Any) -> dict[str, Any]:
    head = {"sellerId": US_SELLER, "version": "2.0", "issueLocale": "en_US", **header}
    return {
        "header": head,
        "messages": [{"messageId": n, **m} for n, m in enumerate(messages, start=1)],
    }


def _price_patch(sku: str, amount: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": [
                    {
                        "marketplace_id": US,
                        "currency": "USD",
                        "our_price": [{"schedule": [{"value_with_tax": amount}]}],
                    }
                ],
            }
        ],
    }


def _upload(spapi: Spapi, body: bytes, content_type: str = CONTENT_TYPE) -> str:
    created = spapi("POST", f"{FEEDS}/documents", json={"contentType": content_type})
    assert created.status_code == 201, created.text
    assert_valid_response(MODEL, "createFeedDocument", 201, created.json())
    put = requests.put(
        created.json()["url"], data=body, headers={"Content-Type": content_type}, timeout=5
    )
    assert put.status_code == 200, put.text
    assert put.content == b""
    return created.json()["feedDocumentId"]


def _submit(spapi: Spapi, document_id: str, feed_type: str = "JSON_LISTINGS_FEED") -> str:
    response = spapi(
        "POST",
        f"{FEEDS}/feeds",
        json={"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": document_id},
    )
    assert response.status_code == 202, response.text
    assert_valid_response(MODEL, "createFeed", 202, response.json())
    return response.json()["feedId"]


def _send(spapi: Spapi, feed: dict[str, Any]) -> str:
    return _submit(spapi, _upload(spapi, json.dumps(feed).encode("utf-8")))


def _get(spapi: Spapi, feed_id: str) -> dict[str, Any]:
    response = spapi("GET", f"{FEEDS}/feeds/{feed_id}")
    assert response.status_code == 200, response.text
    assert_valid_response(MODEL, "getFeed", 200, response.json())
    return response.json()


def _processing_report(spapi: Spapi, feed: dict[str, Any]) -> dict[str, Any]:
    document = spapi("GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}")
    assert document.status_code == 200, document.text
    assert_valid_response(MODEL, "getFeedDocument", 200, document.json())
    report = requests.get(document.json()["url"], timeout=5).json()
    assert_valid_processing_report(report)
    return report


def test_a_feed_moves_through_its_statuses_and_its_changes_show_later(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    feed_id = _send(
        spapi,
        _feed(
            _price_patch("CAFE-12", 15.25),
            {
                "sku": "MUG-16",
                "operationType": "PARTIAL_UPDATE",
                "productType": "PRODUCT",
                "attributes": {
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "DEFAULT", "quantity": 9}
                    ]
                },
            },
            _price_patch("NO-SUCH-SKU", 3),
            {
                "sku": "NEW-F1",
                "operationType": "UPDATE",
                "productType": "PRODUCT",
                "requirements": "LISTING_OFFER_ONLY",
                "attributes": {
                    "merchant_suggested_asin": [{"value": "B0NEWITEM1"}],
                    "purchasable_offer": _price_patch("x", 30)["patches"][0]["value"],
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "DEFAULT", "quantity": 2}
                    ],
                },
            },
            {"sku": "OLD-1", "operationType": "DELETE"},
            _price_patch("MUG-16", 0),
        ),
    )
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "IN_QUEUE"
    assert feed["feedType"] == "JSON_LISTINGS_FEED"
    assert "resultFeedDocumentId" not in feed
    sandbox.clock.advance(FEED_DELAY / 3)
    assert _get(spapi, feed_id)["processingStatus"] == "IN_PROGRESS"
    sandbox.clock.advance(FEED_DELAY * 2 / 3)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "DONE"
    assert feed["processingEndTime"] == "2025-10-01T12:01:00+00:00"

    report = _processing_report(spapi, feed)
    assert report["header"] == {"sellerId": US_SELLER, "version": "2.0", "feedId": feed_id}
    assert report["summary"] == {
        "errors": 2,
        "warnings": 0,
        "messagesProcessed": 6,
        "messagesAccepted": 4,
        "messagesInvalid": 2,
    }
    assert [(i["messageId"], i["sku"], i["severity"]) for i in report["issues"]] == [
        (3, "NO-SUCH-SKU", "ERROR"),
        (6, "MUG-16", "ERROR"),
    ]
    assert report["issues"][1]["attributeName"] == "purchasable_offer"

    listings = listings_report(spapi)
    assert listings["CAFE-12"]["price"] == "12.99"  # accepted is not done
    sandbox.clock.advance(WRITE_DELAY)
    listings = listings_report(spapi)
    assert listings["CAFE-12"]["price"] == "15.25"
    assert listings["MUG-16"]["quantity"] == "9"
    assert listings["MUG-16"]["price"] == "8.50"  # message 6 was refused
    assert (listings["NEW-F1"]["price"], listings["NEW-F1"]["status"]) == ("30.00", "Active")
    assert "OLD-1" not in listings
    assert "NO-SUCH-SKU" not in listings


def test_amazons_example_feed_is_processed_message_by_message(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    example = json.loads(
        (MODELS_DIR / "listings-feed" / "listings-feed-schema-v2.example.json").read_text("utf-8")
    )
    example["header"]["sellerId"] = US_SELLER
    feed_id = _send(spapi, example)
    sandbox.clock.advance(FEED_DELAY)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "DONE"
    report = _processing_report(spapi, feed)
    # None of the example's SKUs exists in the sandbox world: every message is refused.
    assert report["summary"]["messagesProcessed"] == 5
    assert report["summary"]["messagesInvalid"] == 5
    assert {issue["messageId"] for issue in report["issues"]} == {1, 2, 3, 4, 5}
    assert report["header"]["report"]["includedData"] == example["header"]["report"]["includedData"]
    assert report["items"] == []
    assert report["summary"]["itemSummary"] == {"items": 0, "errors": 0, "warnings": 0}


def test_a_report_with_included_data_lists_the_accepted_items(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    report_header = {"includedData": ["summaries", "offers"], "apiVersion": "2021-08-01"}
    feed_id = _send(spapi, _feed(_price_patch("CAFE-12", 13), report=report_header))
    sandbox.clock.advance(FEED_DELAY)
    report = _processing_report(spapi, _get(spapi, feed_id))
    assert [item["sku"] for item in report["items"]] == ["CAFE-12"]
    assert set(report["items"][0]) == {"sku", "summaries", "offers"}


@pytest.mark.parametrize(
    "document",
    [
        b"not json at all",
        json.dumps(_feed(_price_patch("CAFE-12", 5), sellerId="A2SOMEONEELSE1")).encode(),
        json.dumps(_feed(_price_patch("CAFE-12", 5), version="1.0")).encode(),
        json.dumps({"header": {"sellerId": US_SELLER, "version": "2.0"}, "messages": []}).encode(),
    ],
    ids=["not-json", "another-seller", "old-version", "no-messages"],
)
def test_an_unreadable_feed_ends_fatal_and_changes_nothing(
    sandbox: SandboxServer, spapi: Spapi, document: bytes
) -> None:
    feed_id = _submit(spapi, _upload(spapi, document))
    sandbox.clock.advance(FEED_DELAY + WRITE_DELAY)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "FATAL"
    report = _processing_report(spapi, feed)
    assert report["summary"]["messagesProcessed"] == 0
    assert report["issues"][0]["severity"] == "ERROR"
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"


def test_a_feed_whose_document_was_never_uploaded_ends_fatal(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    created = spapi("POST", f"{FEEDS}/documents", json={"contentType": CONTENT_TYPE}).json()
    feed_id = _submit(spapi, created["feedDocumentId"])
    sandbox.clock.advance(FEED_DELAY)
    assert _get(spapi, feed_id)["processingStatus"] == "FATAL"


def test_a_fatal_fault_ends_the_next_feed_fatal_without_changes(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("createFeed", "feed_status")
    feed_id = _send(spapi, _feed(_price_patch("CAFE-12", 5)))
    sandbox.clock.advance(FEED_DELAY + WRITE_DELAY)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert _processing_report(spapi, feed)["summary"]["messagesAccepted"] == 0
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"
    second = _send(spapi, _feed(_price_patch("CAFE-12", 6)))  # the fault fired once
    sandbox.clock.advance(FEED_DELAY)
    assert _get(spapi, second)["processingStatus"] == "DONE"


def test_a_stuck_feed_stays_in_progress_and_cannot_be_cancelled(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("createFeed", "feed_status", status="IN_PROGRESS")
    feed_id = _send(spapi, _feed(_price_patch("CAFE-12", 5)))
    sandbox.clock.advance(50 * FEED_DELAY)  # far past its end (an access token lasts an hour)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "IN_PROGRESS"
    assert "processingEndTime" not in feed
    cancel = spapi("DELETE", f"{FEEDS}/feeds/{feed_id}")
    assert cancel.status_code == 400
    assert_valid_response(MODEL, "cancelFeed", 400, cancel.json())
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"


def test_a_queued_feed_can_be_cancelled_and_is_never_processed(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    feed_id = _send(spapi, _feed(_price_patch("CAFE-12", 5)))
    cancel = spapi("DELETE", f"{FEEDS}/feeds/{feed_id}")
    assert cancel.status_code == 200
    assert cancel.content == b""
    sandbox.clock.advance(FEED_DELAY + WRITE_DELAY)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "CANCELLED"
    assert "resultFeedDocumentId" not in feed
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"
    missing = spapi("DELETE", f"{FEEDS}/feeds/999")
    assert missing.status_code == 404
    assert_valid_response(MODEL, "cancelFeed", 404, missing.json())


def test_a_removed_feed_type_ends_fatal_without_a_report(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    document = _upload(spapi, b"<AmazonEnvelope/>", "text/xml; charset=UTF-8")
    feed_id = _submit(spapi, document, "POST_PRODUCT_PRICING_DATA")
    sandbox.clock.advance(FEED_DELAY)
    feed = _get(spapi, feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert "resultFeedDocumentId" not in feed


def test_get_feeds_lists_newest_first_pages_and_filters(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    ids = []
    for amount in (5, 6, 7):
        ids.append(_send(spapi, _feed(_price_patch("CAFE-12", amount))))
        sandbox.clock.advance(FEED_DELAY / 2)
    page = spapi("GET", f"{FEEDS}/feeds", params={"feedTypes": "JSON_LISTINGS_FEED", "pageSize": 2})
    assert page.status_code == 200
    assert_valid_response(MODEL, "getFeeds", 200, page.json())
    assert [f["feedId"] for f in page.json()["feeds"]] == [ids[2], ids[1]]
    rest = spapi("GET", f"{FEEDS}/feeds", params={"nextToken": page.json()["nextToken"]}).json()
    assert_valid_response(MODEL, "getFeeds", 200, rest)
    assert [f["feedId"] for f in rest["feeds"]] == [ids[0]]
    assert "nextToken" not in rest
    done = spapi(
        "GET",
        f"{FEEDS}/feeds",
        params={"feedTypes": "JSON_LISTINGS_FEED", "processingStatuses": "DONE"},
    ).json()
    assert [f["feedId"] for f in done["feeds"]] == [ids[1], ids[0]]
    for params in ({}, {"feedTypes": "JSON_LISTINGS_FEED", "processingStatuses": "LOST"}):
        bad = spapi("GET", f"{FEEDS}/feeds", params=params)
        assert bad.status_code == 400
        assert_valid_response(MODEL, "getFeeds", 400, bad.json())


@pytest.mark.parametrize(
    "body",
    [
        {"marketplaceIds": [US], "inputFeedDocumentId": "amzn1.tortuga.4.na.nothing"},
        {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [US]},
        {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [US], "inputFeedDocumentId": "nope"},
        {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": ["A1F83G8C2ARO7P"]},
    ],
)
def test_a_bad_create_feed_is_400(spapi: Spapi, body: dict[str, Any]) -> None:
    body = copy.deepcopy(body)
    if "inputFeedDocumentId" not in body and "feedType" in body and body["marketplaceIds"] != [US]:
        body["inputFeedDocumentId"] = _upload(spapi, b"{}")
    response = spapi("POST", f"{FEEDS}/feeds", json=body)
    assert response.status_code == 400
    assert_valid_response(MODEL, "createFeed", 400, response.json())


def test_a_create_feed_document_without_content_type_is_400(spapi: Spapi) -> None:
    response = spapi("POST", f"{FEEDS}/documents", json={})
    assert response.status_code == 400
    assert_valid_response(MODEL, "createFeedDocument", 400, response.json())


def test_the_upload_url_checks_content_type_signature_and_expiry(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    url = spapi("POST", f"{FEEDS}/documents", json={"contentType": CONTENT_TYPE}).json()["url"]
    other_type = requests.put(url, data=b"{}", headers={"Content-Type": "text/plain"}, timeout=5)
    assert other_type.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in other_type.content
    forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert (
        requests.put(
            forged, data=b"{}", headers={"Content-Type": CONTENT_TYPE}, timeout=5
        ).status_code
        == 403
    )
    assert requests.get(url, timeout=5).status_code == 405
    sandbox.clock.advance(301)
    expired = requests.put(url, data=b"{}", headers={"Content-Type": CONTENT_TYPE}, timeout=5)
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content


def test_another_sellers_feed_is_not_found(sandbox: SandboxServer, spapi: Spapi) -> None:
    feed_id = _send(spapi, _feed(_price_patch("CAFE-12", 5)))
    sandbox.clock.advance(FEED_DELAY)
    feed = _get(spapi, feed_id)
    assert spapi("GET", f"{FEEDS}/feeds/{feed_id}", store="uk").status_code == 404
    document = spapi("GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}", store="uk")
    assert document.status_code == 404
    assert_valid_response(MODEL, "getFeedDocument", 404, document.json())


def test_create_feed_is_throttled_after_amazons_burst_of_fifteen(tmp_path: Path) -> None:
    world = build_tiny_world(tmp_path / "world")
    with SandboxServer(world, clock_mode="fixed", feed_delay_seconds=FEED_DELAY) as server:
        token = fetch_token(server.base_url, "us")

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            headers = {"x-amz-access-token": token}
            return requests.request(
                method, server.base_url + path, headers=headers, timeout=5, **kwargs
            )

        document = _upload(call, json.dumps(_feed(_price_patch("CAFE-12", 5))).encode())
        body = {
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [US],
            "inputFeedDocumentId": document,
        }
        statuses = [call("POST", f"{FEEDS}/feeds", json=body) for _ in range(16)]
    assert [r.status_code for r in statuses] == [202] * 15 + [429]
    assert_valid_response(MODEL, "createFeed", 429, statuses[15].json())
    assert statuses[0].headers["x-amzn-RateLimit-Limit"] == "0.0083"


def test_feed_calls_are_logged_and_take_status_faults(sandbox: SandboxServer, spapi: Spapi) -> None:
    sandbox.faults.add("createFeed", "status", status=503)
    document = _upload(spapi, json.dumps(_feed(_price_patch("CAFE-12", 5))).encode())
    body = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [US],
        "inputFeedDocumentId": document,
    }
    failed = spapi("POST", f"{FEEDS}/feeds", json=body)
    assert failed.status_code == 503
    assert_valid_response(MODEL, "createFeed", 503, failed.json())
    _submit(spapi, document)
    logged = [
        (entry.operation, entry.status)
        for entry in sandbox.request_log.entries(
            {"createFeedDocument", "uploadFeedDocument", "createFeed"}
        )
    ]
    assert logged == [
        ("createFeedDocument", 201),
        ("uploadFeedDocument", 200),
        ("createFeed", 503),
        ("createFeed", 202),
    ]


def test_a_feed_status_fault_is_fatal_or_stuck_only(sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="feed_status"):
        sandbox.faults.add("createFeed", "feed_status", status="DONE")
    assert sandbox.faults.add("createFeed", "feed_status", status="in_progress").status == (
        "IN_PROGRESS"
    )
