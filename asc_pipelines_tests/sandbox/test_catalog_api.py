"""Catalog Items API 2022-04-01 against the official model (protocols.md 4).

The tiny world gets an ``amazon/catalog.csv`` here (the shared fixture stays catalog-free):
a plain UPC, an EAN that a UPC search must find through GTIN-14 padding, an ambiguous GTIN, a
variation family whose parent has no row of its own, an ISBN-13 and a UK-only EAN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.conftest import fetch_token
from asc_pipelines_tests.sandbox.worlds import US_SELLER, build_tiny_world
from asc_pipelines_tests.spapi_models import assert_valid_response

MODEL = "catalogItems_2022-04-01.json"
US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"
ITEMS = "/catalog/2022-04-01/items"
ALL = "summaries,identifiers,relationships"

CATALOG_CSV = """marketplace,identifier_type,identifier,asin,parent_asin
US,UPC,012345678905,B0CAT00001,
US,ASIN,B0CAT00001,B0CAT00001,
US,EAN,0036000291452,B0CAT00002,
US,GTIN,00614141000036,B0CAT00003,
US,GTIN,00614141000036,B0CAT00004,
US,UPC,081123456004,B0CHILD001,B0PARENT01
US,UPC,081123456011,B0CHILD002,B0PARENT01
US,ISBN,9780306406157,B0BOOK0001,
UK,EAN,5012345678900,B0UKCAT001,
"""

Spapi = Callable[..., requests.Response]


def build_catalog_world(path: Path) -> Path:
    """The tiny world plus a catalog.csv."""
    world = build_tiny_world(path)
    (world / "amazon" / "catalog.csv").write_text(CATALOG_CSV, "utf-8")
    return world


@pytest.fixture
def catalog_world(tmp_path: Path) -> Path:
    return build_catalog_world(tmp_path / "world")


@pytest.fixture
def spapi(catalog_world: Path) -> Iterator[Spapi]:
    """SP-API calls as store ``us`` on a sandbox with generous rate limits."""
    with SandboxServer(catalog_world, clock_mode="fixed", rate_scale=100.0) as server:
        token = fetch_token(server.base_url, "us")

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            headers = {"x-amz-access-token": token}
            return requests.request(
                method, server.base_url + path, headers=headers, timeout=10, **kwargs
            )

        yield call


def search(spapi: Spapi, status: int = 200, **params: str) -> dict[str, Any]:
    """searchCatalogItems; asserts the status, the headers and the model, returns the body."""
    params.setdefault("marketplaceIds", US)
    response = spapi("GET", ITEMS, params=params)
    assert response.status_code == status, response.text
    assert "x-amzn-RequestId" in response.headers
    assert "x-amzn-RateLimit-Limit" in response.headers
    body = response.json()
    assert_valid_response(MODEL, "searchCatalogItems", status, body)
    return body


def asins(body: dict[str, Any]) -> list[str]:
    return [item["asin"] for item in body["items"]]


def test_a_single_upc_resolves_to_its_asin_with_identifiers_and_no_relationships(
    spapi: Spapi,
) -> None:
    body = search(spapi, identifiers="012345678905", identifiersType="UPC", includedData=ALL)
    assert body["numberOfResults"] == 1
    assert "pagination" not in body
    assert body["items"] == [
        {
            "asin": "B0CAT00001",
            "summaries": [
                {
                    "marketplaceId": US,
                    "itemClassification": "BASE_PRODUCT",
                    "itemName": "Sandbox catalog item B0CAT00001",
                }
            ],
            "identifiers": [
                {
                    "marketplaceId": US,
                    "identifiers": [{"identifierType": "UPC", "identifier": "012345678905"}],
                }
            ],
            "relationships": [{"marketplaceId": US, "relationships": []}],
        }
    ]


def test_summaries_are_the_default_included_data(spapi: Spapi) -> None:
    body = search(spapi, identifiers="B0CAT00001", identifiersType="ASIN")
    assert set(body["items"][0]) == {"asin", "summaries"}


@pytest.mark.parametrize(
    ("kind", "identifier", "asin"),
    [
        ("UPC", "036000291452", "B0CAT00002"),  # stored as EAN 0036000291452
        ("GTIN", "00036000291452", "B0CAT00002"),
        ("EAN", "0012345678905", "B0CAT00001"),  # stored as UPC 012345678905
        ("ISBN", "0306406152", "B0BOOK0001"),  # ISBN-10 of the stored ISBN-13
        ("ISBN", "978-0-306-40615-7", "B0BOOK0001"),
        ("EAN", "9780306406157", "B0BOOK0001"),
    ],
)
def test_gs1_numbers_match_whatever_their_padding_or_type(
    spapi: Spapi, kind: str, identifier: str, asin: str
) -> None:
    body = search(spapi, identifiers=identifier, identifiersType=kind, includedData=ALL)
    assert asins(body) == [asin]


def test_a_upc_search_may_only_show_the_ean_it_matched(spapi: Spapi) -> None:
    """protocols.md 4.5: the result does not say which identifier matched, nor in which form."""
    body = search(spapi, identifiers="036000291452", identifiersType="UPC", includedData=ALL)
    listed = body["items"][0]["identifiers"][0]["identifiers"]
    assert listed == [{"identifierType": "EAN", "identifier": "0036000291452"}]


def test_an_ambiguous_identifier_returns_every_asin(spapi: Spapi) -> None:
    body = search(spapi, identifiers="0614141000036", identifiersType="EAN", includedData=ALL)
    assert body["numberOfResults"] == 2
    assert asins(body) == ["B0CAT00003", "B0CAT00004"]


def test_a_variation_parent_lists_its_children(spapi: Spapi) -> None:
    body = search(spapi, identifiers="B0PARENT01", identifiersType="ASIN", includedData=ALL)
    (item,) = body["items"]
    assert item["summaries"][0]["itemClassification"] == "VARIATION_PARENT"
    assert item["identifiers"] == [{"marketplaceId": US, "identifiers": []}]
    assert item["relationships"] == [
        {
            "marketplaceId": US,
            "relationships": [{"type": "VARIATION", "childAsins": ["B0CHILD001", "B0CHILD002"]}],
        }
    ]


def test_a_variation_child_names_its_parent(spapi: Spapi) -> None:
    body = search(spapi, identifiers="081123456011", identifiersType="UPC", includedData=ALL)
    (item,) = body["items"]
    assert item["asin"] == "B0CHILD002"
    assert item["summaries"][0]["itemClassification"] == "BASE_PRODUCT"
    assert item["relationships"][0]["relationships"] == [
        {"type": "VARIATION", "parentAsins": ["B0PARENT01"]}
    ]


def test_identifiers_not_found_are_simply_absent(spapi: Spapi) -> None:
    body = search(
        spapi, identifiers="099999999993,012345678905,5012345678900", identifiersType="UPC"
    )
    assert body["numberOfResults"] == 1
    assert asins(body) == ["B0CAT00001"]  # the EAN is only in the UK catalog
    nothing = search(spapi, identifiers="099999999993", identifiersType="UPC")
    assert nothing == {"numberOfResults": 0, "items": []}


def test_each_marketplace_has_its_own_catalog(spapi: Spapi) -> None:
    body = search(spapi, marketplaceIds=UK, identifiers="5012345678900", identifiersType="EAN")
    assert asins(body) == ["B0UKCAT001"]
    assert body["items"][0]["summaries"][0]["marketplaceId"] == UK


def test_results_page_with_next_and_previous_tokens(spapi: Spapi) -> None:
    query = {"identifiers": "00614141000036,012345678905", "identifiersType": "GTIN"}
    first = search(spapi, pageSize="2", **query)
    assert first["numberOfResults"] == 3
    assert asins(first) == ["B0CAT00003", "B0CAT00004"]
    second = search(spapi, pageSize="2", pageToken=first["pagination"]["nextToken"], **query)
    assert asins(second) == ["B0CAT00001"]
    assert set(second["pagination"]) == {"previousToken"}


def test_a_sku_search_resolves_the_sellers_own_listing(spapi: Spapi) -> None:
    body = search(spapi, identifiers="CAFE-12", identifiersType="SKU", sellerId=US_SELLER)
    assert asins(body) == ["B0CAFE0001"]
    error = search(spapi, 400, identifiers="CAFE-12", identifiersType="SKU")
    assert "sellerId" in error["errors"][0]["message"]


def test_a_keyword_search_is_valid_but_finds_nothing_in_the_sandbox(spapi: Spapi) -> None:
    assert search(spapi, keywords="samsung,tv") == {"numberOfResults": 0, "items": []}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"identifiers": ",".join(f"{n:012d}" for n in range(21)), "identifiersType": "UPC"},
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {
                "identifiers": "012345678905",
                "identifiersType": "UPC",
                "marketplaceIds": f"{US},{UK}",
            },
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "UPC", "keywords": "mug"},
            "Invalid combination of 'identifiers' and 'keywords' provided",
        ),
        ({}, "Missing required 'identifiers' or 'keywords'."),
        (
            {"identifiers": "012345678905"},
            "Missing required 'identifiersType' for 'identifiers'.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "FNSKU"},
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "UPC", "pageSize": "21"},
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "UPC", "includedData": "offers"},
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "UPC", "marketplaceIds": ""},
            "Request has missing or invalid parameters and cannot be parsed.",
        ),
        (
            {"identifiers": "012345678905", "identifiersType": "UPC", "marketplaceIds": "XX"},
            "Invalid marketplaceIds: XX.",
        ),
    ],
    ids=[
        "21-identifiers",
        "2-marketplaces",
        "identifiers-and-keywords",
        "neither",
        "no-identifiersType",
        "bad-identifiersType",
        "pageSize-21",
        "bad-includedData",
        "empty-marketplace",
        "unknown-marketplace",
    ],
)
def test_invalid_searches_are_400(spapi: Spapi, params: dict[str, str], message: str) -> None:
    body = search(spapi, 400, **params)
    assert body["errors"][0]["code"] == "InvalidInput"
    assert body["errors"][0]["message"] == message


def test_get_catalog_item_returns_one_item_or_404(spapi: Spapi) -> None:
    response = spapi(
        "GET", f"{ITEMS}/B0PARENT01", params={"marketplaceIds": US, "includedData": ALL}
    )
    assert response.status_code == 200
    assert "x-amzn-RateLimit-Limit" in response.headers
    item = response.json()
    assert_valid_response(MODEL, "getCatalogItem", 200, item)
    assert item["asin"] == "B0PARENT01"
    assert item["relationships"][0]["relationships"][0]["childAsins"] == [
        "B0CHILD001",
        "B0CHILD002",
    ]
    missing = spapi("GET", f"{ITEMS}/B0NOPE0000", params={"marketplaceIds": US})
    assert missing.status_code == 404
    assert "x-amzn-RateLimit-Limit" in missing.headers
    assert_valid_response(MODEL, "getCatalogItem", 404, missing.json())
    assert missing.json()["errors"][0]["code"] == "NOT_FOUND"


def test_get_catalog_item_elsewhere_is_404_and_without_marketplace_400(spapi: Spapi) -> None:
    # A test of its own: getCatalogItem's burst is 2, and a third call in the same
    # millisecond may be throttled (429) however fast the scaled rate refills.
    elsewhere = spapi("GET", f"{ITEMS}/B0UKCAT001", params={"marketplaceIds": US})
    assert elsewhere.status_code == 404
    no_market = spapi("GET", f"{ITEMS}/B0CAT00001")
    assert no_market.status_code == 400
    assert_valid_response(MODEL, "getCatalogItem", 400, no_market.json())


def test_get_catalog_item_accepts_several_marketplaces(spapi: Spapi) -> None:
    item = spapi(
        "GET",
        f"{ITEMS}/B0UKCAT001",
        params={"marketplaceIds": f"{US},{UK}", "includedData": "summaries,productTypes"},
    ).json()
    assert_valid_response(MODEL, "getCatalogItem", 200, item)
    assert [s["marketplaceId"] for s in item["summaries"]] == [UK]
    assert item["productTypes"] == [{"marketplaceId": UK, "productType": "PRODUCT"}]


def test_other_included_data_sets_come_back_empty_but_valid(spapi: Spapi) -> None:
    every = "attributes,classifications,dimensions,images,salesRanks,vendorDetails"
    body = search(spapi, identifiers="012345678905", identifiersType="UPC", includedData=every)
    item = body["items"][0]
    assert item["attributes"] == {}
    assert item["images"] == [] and item["vendorDetails"] == []


def test_a_bad_token_is_403_without_rate_header(catalog_world: Path) -> None:
    with SandboxServer(catalog_world, clock_mode="fixed") as server:
        response = requests.get(
            server.base_url + ITEMS,
            params={"marketplaceIds": US, "keywords": "x"},
            headers={"x-amz-access-token": "Atza|nope"},
            timeout=5,
        )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert_valid_response(MODEL, "searchCatalogItems", 403, response.json())


def test_the_burst_of_two_then_429(catalog_world: Path) -> None:
    with SandboxServer(catalog_world, clock_mode="fixed") as server:
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        params = {"marketplaceIds": US, "identifiers": "012345678905", "identifiersType": "UPC"}
        statuses = [
            requests.get(server.base_url + ITEMS, params=params, headers=headers, timeout=5)
            for _ in range(3)
        ]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[0].headers["x-amzn-RateLimit-Limit"] == "2.0"
    throttled = statuses[2]
    assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    assert "x-amzn-RequestId" in throttled.headers
    assert_valid_response(MODEL, "searchCatalogItems", 429, throttled.json())


def test_faults_use_the_catalog_operation_names(catalog_world: Path) -> None:
    with SandboxServer(catalog_world, clock_mode="fixed", rate_scale=100.0) as server:
        server.faults.add("searchCatalogItems", "status", status=503)
        server.faults.add("getCatalogItem", "status", status=500)
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        params = {"marketplaceIds": US, "identifiers": "012345678905", "identifiersType": "UPC"}
        failed = requests.get(server.base_url + ITEMS, params=params, headers=headers, timeout=5)
        retried = requests.get(server.base_url + ITEMS, params=params, headers=headers, timeout=5)
        item = requests.get(
            f"{server.base_url}{ITEMS}/B0CAT00001",
            params={"marketplaceIds": US},
            headers=headers,
            timeout=5,
        )
    assert failed.status_code == 503
    assert_valid_response(MODEL, "searchCatalogItems", 503, failed.json())
    assert retried.status_code == 200
    assert item.status_code == 500
    assert_valid_response(MODEL, "getCatalogItem", 500, item.json())


def test_a_world_without_catalog_finds_nothing(tmp_path: Path) -> None:
    world = build_tiny_world(tmp_path / "plain")
    with SandboxServer(world, clock_mode="fixed", rate_scale=100.0) as server:
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        params = {"marketplaceIds": US, "identifiers": "012345678905", "identifiersType": "UPC"}
        response = requests.get(server.base_url + ITEMS, params=params, headers=headers, timeout=5)
    assert response.json() == {"numberOfResults": 0, "items": []}


def test_an_unknown_catalog_marketplace_fails_at_start(tmp_path: Path) -> None:
    world = build_tiny_world(tmp_path / "bad")
    (world / "amazon" / "catalog.csv").write_text(
        "marketplace,identifier_type,identifier,asin,parent_asin\nXX,UPC,1,B0X,\n", "utf-8"
    )
    with pytest.raises(ValueError, match=r"catalog\.csv"):
        SandboxServer(world, clock_mode="fixed")
