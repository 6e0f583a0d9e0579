"""The JSON Patches and offer-only attributes we would send Amazon (protocols.md 10.1), held against
the Listings Items model's request schemas and the listings feed schema's own examples."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from asc_pipelines.sources import listing_patches
from asc_pipelines.sources.listing_patches import (
    condition_patch,
    json_number,
    offer_only_attributes,
    price_patch,
    quantity_patch,
)
from asc_pipelines_tests.spapi_models import load_model

FEED_SCHEMAS = Path(__file__).parents[1] / "data" / "spapi-models" / "listings-feed"
LISTINGS_MODEL = "listingsItems_2021-08-01.json"


def assert_valid_request(definition: str, body: Any) -> None:
    """``body`` matches a request definition of the Listings Items model (swagger 2.0)."""
    definitions = copy.deepcopy(load_model(LISTINGS_MODEL)["definitions"])
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    jsonschema.Draft4Validator(schema).validate(body)


def feed_example() -> dict[str, Any]:
    return json.loads((FEED_SCHEMAS / "listings-feed-schema-v2.example.json").read_text())


def test_quantity_patch_is_the_feed_schemas_own_example() -> None:
    # listings-feed-schema-v2.example.json, message 4: a replace of the DEFAULT channel's quantity.
    example = feed_example()["messages"][3]["patches"][0]
    assert quantity_patch(10) == example


def test_quantity_patch_value_is_the_patch_schemas_example_value() -> None:
    schema = json.loads((FEED_SCHEMAS / "listings-feed-schema-v2.json").read_text())
    patch_schema = schema["properties"]["messages"]["items"]["properties"]["patches"]["items"]
    assert quantity_patch(10)["value"] == patch_schema["properties"]["value"]["example"]
    assert quantity_patch(10)["path"] == patch_schema["properties"]["path"]["example"]


def test_price_patch_shape_and_number_without_float_noise() -> None:
    patch = price_patch(Decimal("19.99"), "USD", "ATVPDKIKX0DER")
    assert patch == {
        "op": "replace",
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": "ATVPDKIKX0DER",
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
            }
        ],
    }
    assert '"value_with_tax": 19.99}' in json.dumps(patch)


@pytest.mark.parametrize(
    ("amount", "text"),
    [("19.99", "19.99"), ("0.10", "0.1"), ("1234567.89", "1234567.89"), ("20", "20.0")],
)
def test_json_number_prints_the_same_digits(amount: str, text: str) -> None:
    assert json.dumps(json_number(Decimal(amount))) == text


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "0.12345678901234567890"])
def test_json_number_refuses_what_it_cannot_carry_exactly(amount: str) -> None:
    with pytest.raises(ValueError):
        json_number(Decimal(amount))


def test_json_number_takes_decimals_only() -> None:
    with pytest.raises(TypeError):
        json_number(19.99)  # type: ignore[arg-type]


def test_condition_patch() -> None:
    assert condition_patch("new_new") == {
        "op": "replace",
        "path": "/attributes/condition_type",
        "value": [{"value": "new_new"}],
    }
    assert condition_patch("used_good", "A1F83G8C2ARO7P")["value"] == [
        {"value": "used_good", "marketplace_id": "A1F83G8C2ARO7P"}
    ]


@pytest.mark.parametrize("quantity", [-1, True, 2.0])
def test_quantity_must_be_a_whole_non_negative_number(quantity: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        quantity_patch(quantity)


def test_patches_match_the_models_patch_request() -> None:
    body = {
        "productType": "LUGGAGE",
        "patches": [
            quantity_patch(0),
            price_patch(Decimal("5.00"), "GBP", "A1F83G8C2ARO7P"),
            condition_patch("new_new"),
        ],
    }
    assert_valid_request("ListingsItemPatchRequest", body)


def test_offer_only_attributes_match_the_models_put_request() -> None:
    attributes = offer_only_attributes(
        asin="B07N4M94X4",
        condition="new_new",
        quantity=3,
        price=Decimal("12.50"),
        currency="USD",
        marketplace_id="ATVPDKIKX0DER",
    )
    assert attributes == {
        "merchant_suggested_asin": [{"value": "B07N4M94X4", "marketplace_id": "ATVPDKIKX0DER"}],
        "condition_type": [{"value": "new_new", "marketplace_id": "ATVPDKIKX0DER"}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
        "purchasable_offer": [
            {
                "marketplace_id": "ATVPDKIKX0DER",
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": 12.5}]}],
            }
        ],
    }
    body = {
        "productType": "PRODUCT",
        "requirements": listing_patches.OFFER_ONLY_REQUIREMENTS,
        "attributes": attributes,
    }
    assert_valid_request("ListingsItemPutRequest", body)


def test_only_top_level_attributes_can_be_replaced() -> None:
    with pytest.raises(ValueError):
        listing_patches.replace_attribute("purchasable_offer/0/our_price", [])
