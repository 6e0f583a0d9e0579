"""Listings Items API 2021-08-01 against the official model (protocols.md 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.conftest import fetch_token
from asc_pipelines_tests.sandbox.worlds import US_SELLER, build_big_store_world
from asc_pipelines_tests.spapi_models import assert_valid_response

MODEL = "listingsItems_2021-08-01.json"
US = "ATVPDKIKX0DER"
ITEMS = f"/listings/2021-08-01/items/{US_SELLER}"
ALL_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability,productTypes,relationships"

Spapi = Callable[..., requests.Response]


def test_get_listings_item_builds_the_item_from_the_report_row_and_issues(spapi: Spapi) -> None:
    response = spapi(
        "GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US, "includedData": ALL_DATA}
    )
    assert response.status_code == 200
    assert "x-amzn-RateLimit-Limit" in response.headers
    item = response.json()
    assert_valid_response(MODEL, "getListingsItem", 200, item)
    summary = item["summaries"][0]
    assert summary["asin"] == "B0CAFE0001"
    assert summary["itemName"] == "Café Crème – 12oz"
    assert summary["conditionType"] == "new_new"
    assert summary["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert summary["createdDate"] == "2022-03-15T09:26:37Z"
    assert item["offers"][0]["price"] == {"currencyCode": "USD", "amount": "12.99"}
    assert item["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 40}
    ]
    assert item["issues"][0]["severity"] == "WARNING"


def test_summaries_are_the_default_included_data(spapi: Spapi) -> None:
    item = spapi("GET", f"{ITEMS}/MUG-16", params={"marketplaceIds": US}).json()
    assert set(item) == {"sku", "summaries"}
    assert item["summaries"][0]["itemName"] == 'Mug "Big" 16oz'


def test_an_inactive_listing_has_an_empty_status_and_its_error(spapi: Spapi) -> None:
    item = spapi(
        "GET", f"{ITEMS}/OLD-1", params={"marketplaceIds": US, "includedData": "summaries,issues"}
    ).json()
    assert item["summaries"][0]["status"] == []
    assert item["summaries"][0]["conditionType"] == "used_like_new"
    assert item["issues"][0]["enforcements"]["actions"] == [{"action": "LISTING_SUPPRESSED"}]


def test_an_fba_listing_has_its_channel_and_no_quantity(spapi: Spapi) -> None:
    item = spapi(
        "GET",
        f"{ITEMS}/FBA-TEA",
        params={"marketplaceIds": US, "includedData": "fulfillmentAvailability"},
    ).json()
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA"}]


def test_an_unknown_sku_is_404(spapi: Spapi) -> None:
    response = spapi("GET", f"{ITEMS}/NOPE", params={"marketplaceIds": US})
    assert response.status_code == 404
    assert "x-amzn-RateLimit-Limit" in response.headers
    assert_valid_response(MODEL, "getListingsItem", 404, response.json())


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"marketplaceIds": "A1F83G8C2ARO7P"},
        {"marketplaceIds": US, "includedData": "everything"},
    ],
)
def test_bad_marketplace_or_included_data_is_400(spapi: Spapi, params: dict) -> None:
    response = spapi("GET", f"{ITEMS}/CAFE-12", params=params)
    assert response.status_code == 400
    assert_valid_response(MODEL, "getListingsItem", 400, response.json())


def test_another_sellers_listings_are_forbidden(spapi: Spapi) -> None:
    response = spapi(
        "GET", "/listings/2021-08-01/items/A2SOMEONEELSE/CAFE-12", params={"marketplaceIds": US}
    )
    assert response.status_code == 403
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert_valid_response(MODEL, "getListingsItem", 403, response.json())


def test_search_returns_all_listings_newest_update_first(spapi: Spapi) -> None:
    response = spapi("GET", ITEMS, params={"marketplaceIds": US, "includedData": ALL_DATA})
    assert response.status_code == 200
    body = response.json()
    assert_valid_response(MODEL, "searchListingsItems", 200, body)
    assert body["numberOfResults"] == 4
    dates = [item["summaries"][0]["lastUpdatedDate"] for item in body["items"]]
    assert dates == sorted(dates, reverse=True)


def test_search_by_issue_severity_finds_only_listings_with_such_issues(spapi: Spapi) -> None:
    body = spapi("GET", ITEMS, params={"marketplaceIds": US, "withIssueSeverity": "ERROR"}).json()
    assert [item["sku"] for item in body["items"]] == ["OLD-1"]


def test_search_by_identifiers_matches_skus_and_gtins(spapi: Spapi) -> None:
    by_sku = spapi(
        "GET",
        ITEMS,
        params={
            "marketplaceIds": US,
            "identifiers": "MUG-16,CAFE-12",
            "identifiersType": "SKU",
            "sortBy": "sku",
            "sortOrder": "ASC",
        },
    ).json()
    assert [item["sku"] for item in by_sku["items"]] == ["CAFE-12", "MUG-16"]
    by_gtin = spapi(
        "GET",
        ITEMS,
        params={"marketplaceIds": US, "identifiers": "00012345678905", "identifiersType": "GTIN"},
    ).json()
    assert [item["sku"] for item in by_gtin["items"]] == ["CAFE-12"]
    missing_type = spapi("GET", ITEMS, params={"marketplaceIds": US, "identifiers": "MUG-16"})
    assert missing_type.status_code == 400


def test_search_filters_by_last_updated_after(spapi: Spapi) -> None:
    body = spapi(
        "GET", ITEMS, params={"marketplaceIds": US, "lastUpdatedAfter": "2023-01-01T00:00:00Z"}
    ).json()
    assert sorted(item["sku"] for item in body["items"]) == ["FBA-TEA", "MUG-16"]


def test_search_page_size_above_20_is_400(spapi: Spapi) -> None:
    response = spapi("GET", ITEMS, params={"marketplaceIds": US, "pageSize": 21})
    assert response.status_code == 400
    assert_valid_response(MODEL, "searchListingsItems", 400, response.json())


def test_search_pages_with_next_and_previous_tokens(spapi: Spapi) -> None:
    params = {"marketplaceIds": US, "pageSize": 3, "sortBy": "sku", "sortOrder": "ASC"}
    first = spapi("GET", ITEMS, params=params).json()
    second = spapi(
        "GET", ITEMS, params={**params, "pageToken": first["pagination"]["nextToken"]}
    ).json()
    assert_valid_response(MODEL, "searchListingsItems", 200, second)
    assert [i["sku"] for i in first["items"] + second["items"]] == [
        "CAFE-12",
        "FBA-TEA",
        "MUG-16",
        "OLD-1",
    ]
    assert "nextToken" not in second["pagination"]
    back = spapi(
        "GET", ITEMS, params={**params, "pageToken": second["pagination"]["previousToken"]}
    ).json()
    assert back["items"] == first["items"]


def test_search_counts_past_1000_but_pages_stop_at_1000(tmp_path: Path) -> None:
    world = build_big_store_world(tmp_path / "big", 1030)
    with SandboxServer(world, clock_mode="fixed", rate_scale=1000) as server:
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        params: dict = {"marketplaceIds": US, "pageSize": 20, "sortBy": "sku", "sortOrder": "ASC"}
        seen = 0
        while True:
            body = requests.get(
                server.base_url + ITEMS, params=params, headers=headers, timeout=5
            ).json()
            assert body["numberOfResults"] == 1030
            seen += len(body["items"])
            token = body.get("pagination", {}).get("nextToken")
            if not token:
                break
            params["pageToken"] = token
    assert seen == 1000
