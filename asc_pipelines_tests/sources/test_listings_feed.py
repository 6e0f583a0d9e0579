"""The JSON_LISTINGS_FEED document and its processing report, held against Amazon's listings feed
schemas v2 and their examples (data/spapi-models/listings-feed, protocols.md 10.2)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.listing_patches import price_patch, quantity_patch
from asc_pipelines.sources.listings_feed import (
    MAX_MESSAGES,
    delete_message,
    encode_feed,
    listings_feed,
    parse_processing_report,
    patch_message,
    update_message,
)

SCHEMAS = Path(__file__).parents[1] / "data" / "spapi-models" / "listings-feed"
ALL_INCLUDED_DATA = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)


def load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def assert_valid(schema_name: str, document: Any) -> None:
    jsonschema.Draft7Validator(load(schema_name)).validate(document)


def test_messages_are_the_schema_examples_own() -> None:
    example = load("listings-feed-schema-v2.example.json")["messages"]
    title = {"item_name": example[2]["attributes"]["item_name"]}
    update_attributes = dict(title, fulfillment_availability=[
        {"fulfillment_channel_code": "AMAZON_NA", "quantity": 10}
    ])  # fmt: skip
    assert delete_message("My-SKU-A").as_json(1) == example[0]
    assert update_message("My-SKU-C", "LUGGAGE", update_attributes).as_json(3) == example[2]
    assert patch_message("My-SKU-D", "LUGGAGE", [quantity_patch(10)]).as_json(4) == example[3]


def test_header_is_the_schema_examples_own() -> None:
    example = load("listings-feed-schema-v2.example.json")
    feed = listings_feed(
        "AXXXXXXXXXXXX",
        [delete_message("My-SKU-A")],
        issue_locale="en_US",
        report_included_data=ALL_INCLUDED_DATA,
    )
    assert feed["header"] == example["header"]


def test_a_mixed_feed_validates_and_numbers_its_messages_from_one() -> None:
    messages = [
        patch_message("SKU-1", "SHOES", [quantity_patch(0)]),
        patch_message("SKU/2 ü", "SHOES", [price_patch(Decimal("19.99"), "EUR", "A1PA6795UKMFR9")]),
        update_message("SKU-3", "PRODUCT", {"merchant_suggested_asin": [{"value": "B0"}]},
                       "LISTING_OFFER_ONLY"),
        delete_message("SKU-4"),
    ]  # fmt: skip
    feed = listings_feed("A1EXAMPLESELLER", messages)
    assert_valid("listings-feed-schema-v2.json", feed)
    for message in feed["messages"]:
        assert_valid("listings-feed-message-schema-v2.json", message)
    assert [m["messageId"] for m in feed["messages"]] == [1, 2, 3, 4]
    assert [m["sku"] for m in feed["messages"]] == ["SKU-1", "SKU/2 ü", "SKU-3", "SKU-4"]
    assert feed["header"] == {"sellerId": "A1EXAMPLESELLER", "version": "2.0"}


def test_the_schema_refuses_what_a_builder_must_never_produce() -> None:
    """The validation above can fail: a PATCH carrying attributes is not a feed message."""
    feed = listings_feed("A1", [patch_message("SKU-1", "SHOES", [quantity_patch(1)])])
    feed["messages"][0]["attributes"] = {"item_name": [{"value": "x"}]}
    with pytest.raises(jsonschema.ValidationError):
        assert_valid("listings-feed-schema-v2.json", feed)


def test_at_most_25000_messages_as_the_schema_says() -> None:
    schema = load("listings-feed-schema-v2.json")
    assert schema["properties"]["messages"]["maxItems"] == MAX_MESSAGES == 25_000
    full = [delete_message(f"SKU-{n}") for n in range(MAX_MESSAGES)]
    assert len(listings_feed("A1", full)["messages"]) == 25_000
    with pytest.raises(ValueError, match="1 to 25000"):
        listings_feed("A1", [*full, delete_message("one-too-many")])
    with pytest.raises(ValueError):
        listings_feed("A1", [])


@pytest.mark.parametrize(
    "build",
    [
        lambda: patch_message("S", "SHOES", []),
        lambda: patch_message("S", "", [quantity_patch(1)]),
        lambda: update_message("S", "SHOES", {}),
        lambda: update_message("S", "SHOES", {"a": [{}]}, "OFFER"),
        lambda: delete_message(""),
    ],
)
def test_incomplete_messages_are_refused(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_encoded_feed_is_utf8_json_with_exact_prices() -> None:
    feed = listings_feed(
        "A1", [patch_message("Ünï", "SHOES", [price_patch(Decimal("0.30"), "EUR", "A1PA")])]
    )
    data = encode_feed(feed)
    assert "Ünï".encode() in data
    assert b'"value_with_tax":0.3}' in data
    assert json.loads(data.decode("utf-8")) == feed


def test_processing_report_example_is_read_with_issues_per_message() -> None:
    example = load("listings-feed-processing-report-schema-v2.example.json")
    assert_valid("listings-feed-processing-report-schema-v2.json", example)
    report = parse_processing_report(json.dumps(example).encode())
    assert report.feed_id == "1234567890"
    summary = report.summary
    assert (summary.errors, summary.warnings) == (3, 0)
    assert (summary.messages_processed, summary.messages_accepted) == (4, 2)
    assert summary.messages_invalid == 2
    assert report.refused_message_ids == {4, 5}
    assert [issue.code for issue in report.issues_of(4)] == ["90220", "90220"]
    (price_issue,) = report.issues_of(5)
    assert price_issue.sku == "My-SKU-C"
    assert price_issue.attribute_name == "purchasable_offer.our_price"
    assert report.issues_of(1) == ()
    assert [item["sku"] for item in report.items] == ["My-SKU-B", "My-SKU-C"]


def test_a_feed_wide_issue_has_no_message_id() -> None:
    report = parse_processing_report(
        json.dumps(
            {
                "header": {"sellerId": "A1", "version": "2.0", "feedId": "9"},
                "issues": [{"severity": "ERROR", "message": "The feed is not valid JSON."}],
                "summary": {
                    "errors": 1,
                    "warnings": 0,
                    "messagesProcessed": 0,
                    "messagesAccepted": 0,
                    "messagesInvalid": 0,
                },
            }
        )
    )
    (issue,) = report.issues
    assert issue.message_id is None and issue.sku is None
    assert report.refused_message_ids == frozenset()


@pytest.mark.parametrize(
    "data",
    [
        b"<html>Access Denied</html>",
        b"[]",
        b'{"header": {"feedId": "1"}}',
        b'{"header": {}, "summary": {"errors": 0}}',
        b'{"header": {}, "summary": {"errors": 0, "warnings": 0, "messagesProcessed": 1,'
        b' "messagesAccepted": 1, "messagesInvalid": 0}, "issues": [{"messageId": 1}]}',
    ],
)
def test_what_is_not_a_processing_report_is_an_error(data: bytes) -> None:
    with pytest.raises(SourceError, match="processing report"):
        parse_processing_report(data)
