"""Listings Items API 2021-08-01 write operations in the sandbox (protocols.md 10.1).

Every answer is checked against Amazon's model; every accepted change is checked where a client
would look for it after the processing delay: getListingsItem, searchListingsItems and the next
GET_MERCHANT_LISTINGS_ALL_DATA report.
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
from asc_pipelines_tests.sandbox.writes_world import CATALOG_CSV, listings_report
from asc_pipelines_tests.spapi_models import assert_valid_response

MODEL = "listingsItems_2021-08-01.json"
US = "ATVPDKIKX0DER"
ITEMS = f"/listings/2021-08-01/items/{US_SELLER}"
DELAY = 90.0

Spapi = Callable[..., requests.Response]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    """The tiny world plus a one-ASIN catalog; changes take effect DELAY sandbox seconds later."""
    world = build_tiny_world(tmp_path / "world")
    (world / "amazon" / "catalog.csv").write_text(CATALOG_CSV, "utf-8")
    with SandboxServer(
        world,
        clock_mode="fixed",
        rate_scale=100.0,
        report_delay_seconds=0.0,
        write_delay_seconds=DELAY,
    ) as server:
        yield server


def _price(amount: Any, currency: str = "USD") -> dict[str, Any]:
    return {
        "op": "replace",
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": US,
                "currency": currency,
                "our_price": [{"schedule": [{"value_with_tax": amount}]}],
            }
        ],
    }


def _quantity(quantity: int) -> dict[str, Any]:
    return {
        "op": "replace",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
    }


def _patch(
    spapi: Spapi, sku: str, patches: list[dict[str, Any]], **params: str
) -> requests.Response:
    response = spapi(
        "PATCH",
        f"{ITEMS}/{sku}",
        params={"marketplaceIds": US, **params},
        json={"productType": "PRODUCT", "patches": patches},
    )
    assert_valid_response(MODEL, "patchListingsItem", response.status_code, response.json())
    return response


def _offer_only_put(spapi: Spapi, sku: str, asin: str, **attributes: Any) -> requests.Response:
    body = {
        "productType": "PRODUCT",
        "requirements": "LISTING_OFFER_ONLY",
        "attributes": {
            "merchant_suggested_asin": [{"value": asin, "marketplace_id": US}],
            "condition_type": [{"value": "new_new", "marketplace_id": US}],
            **attributes,
        },
    }
    response = spapi(
        "PUT",
        f"{ITEMS}/{sku}",
        params={"marketplaceIds": US, "includedData": "issues,identifiers"},
        json=body,
    )
    assert_valid_response(MODEL, "putListingsItem", response.status_code, response.json())
    return response


def _item(spapi: Spapi, sku: str) -> dict[str, Any]:
    response = spapi(
        "GET",
        f"{ITEMS}/{sku}",
        params={"marketplaceIds": US, "includedData": "summaries,offers,fulfillmentAvailability"},
    )
    assert response.status_code == 200, response.text
    assert_valid_response(MODEL, "getListingsItem", 200, response.json())
    return response.json()


def _search_skus(spapi: Spapi) -> dict[str, dict[str, Any]]:
    response = spapi(
        "GET", ITEMS, params={"marketplaceIds": US, "includedData": "summaries,offers"}
    )
    assert_valid_response(MODEL, "searchListingsItems", 200, response.json())
    return {item["sku"]: item for item in response.json()["items"]}


def _offer(item: dict[str, Any]) -> str:
    return item["offers"][0]["price"]["amount"]


def test_a_patch_is_accepted_and_takes_effect_after_the_delay(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    response = _patch(spapi, "CAFE-12", [_price(14.5), _quantity(7)])
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ACCEPTED"
    assert body["sku"] == "CAFE-12"
    assert len(body["submissionId"]) == 32
    assert body["issues"] == []
    assert "identifiers" not in body

    sandbox.clock.advance(DELAY - 1)
    item = _item(spapi, "CAFE-12")
    assert _offer(item) == "12.99"  # ACCEPTED is not done
    assert item["fulfillmentAvailability"][0]["quantity"] == 40
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"

    sandbox.clock.advance(1)
    item = _item(spapi, "CAFE-12")
    assert _offer(item) == "14.50"
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}]
    assert item["summaries"][0]["lastUpdatedDate"] == "2025-10-01T12:01:30Z"
    assert _offer(_search_skus(spapi)["CAFE-12"]) == "14.50"
    row = listings_report(spapi)["CAFE-12"]
    assert (row["price"], row["quantity"], row["status"]) == ("14.50", "7", "Active")
    assert listings_report(spapi)["MUG-16"]["price"] == "8.50"  # nothing else changed


def test_a_validation_preview_answers_valid_and_changes_nothing(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    response = _patch(spapi, "CAFE-12", [_price(99)], mode="VALIDATION_PREVIEW")
    assert response.json()["status"] == "VALID"
    sandbox.clock.advance(DELAY * 10)
    assert _offer(_item(spapi, "CAFE-12")) == "12.99"
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"


def test_a_put_preview_creates_no_listing(sandbox: SandboxServer, spapi: Spapi) -> None:
    put = spapi(
        "PUT",
        f"{ITEMS}/NEW-PREVIEW",
        params={"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"},
        json={
            "productType": "PRODUCT",
            "requirements": "LISTING_OFFER_ONLY",
            "attributes": {"merchant_suggested_asin": [{"value": "B0NEWITEM1"}]},
        },
    )
    assert_valid_response(MODEL, "putListingsItem", 200, put.json())
    assert put.json()["status"] == "VALID"
    sandbox.clock.advance(DELAY * 10)
    assert spapi("GET", f"{ITEMS}/NEW-PREVIEW", params={"marketplaceIds": US}).status_code == 404
    assert "NEW-PREVIEW" not in listings_report(spapi)


def test_a_preview_of_a_bad_change_is_invalid(spapi: Spapi) -> None:
    response = _patch(spapi, "CAFE-12", [_price(0)], mode="VALIDATION_PREVIEW")
    assert response.json()["status"] == "INVALID"


@pytest.mark.parametrize(
    ("sku", "body", "attribute"),
    [
        ("NO-SUCH-SKU", {"productType": "PRODUCT", "patches": [_price(5)]}, None),
        ("CAFE-12", {"productType": "PRODUCT", "patches": [_price(0)]}, "purchasable_offer"),
        ("CAFE-12", {"productType": "PRODUCT", "patches": [_price(-3)]}, "purchasable_offer"),
        ("CAFE-12", {"productType": "PRODUCT", "patches": [_price(5, "EUR")]}, "purchasable_offer"),
        ("CAFE-12", {"patches": [_price(5)]}, None),
        ("CAFE-12", {"productType": "", "patches": [_price(5)]}, None),
        ("CAFE-12", {"productType": "SPACESHIP", "patches": [_price(5)]}, None),
        (
            "FBA-TEA",
            {"productType": "PRODUCT", "patches": [_quantity(5)]},
            "fulfillment_availability",
        ),
        (
            "CAFE-12",
            {"productType": "PRODUCT", "patches": [_quantity(-1)]},
            "fulfillment_availability",
        ),
    ],
    ids=[
        "unknown-sku",
        "zero-price",
        "negative-price",
        "wrong-currency",
        "missing-product-type",
        "empty-product-type",
        "unknown-product-type",
        "fba-quantity",
        "negative-quantity",
    ],
)
def test_a_refused_patch_is_invalid_with_an_issue_and_changes_nothing(
    sandbox: SandboxServer, spapi: Spapi, sku: str, body: dict[str, Any], attribute: str | None
) -> None:
    before = listings_report(spapi)
    response = spapi("PATCH", f"{ITEMS}/{sku}", params={"marketplaceIds": US}, json=body)
    assert response.status_code == 200
    answer = response.json()
    assert_valid_response(MODEL, "patchListingsItem", 200, answer)
    assert answer["status"] == "INVALID"
    assert answer["issues"], answer
    assert {entry["severity"] for entry in answer["issues"]} == {"ERROR"}
    if attribute is not None:
        assert answer["issues"][0]["attributeNames"] == [attribute]
    sandbox.clock.advance(DELAY * 2)
    assert listings_report(spapi) == before
    assert sandbox.app.state()["stores"][0]["pending_listing_changes"] == 0


def test_a_patch_that_is_partly_wrong_is_refused_whole(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    answer = _patch(spapi, "CAFE-12", [_quantity(3), _price(0)]).json()
    assert answer["status"] == "INVALID"
    sandbox.clock.advance(DELAY)
    assert _item(spapi, "CAFE-12")["fulfillmentAvailability"][0]["quantity"] == 40


def test_an_offer_only_put_on_a_catalog_asin_becomes_an_active_listing(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    price = _price(21)["value"]
    quantity = _quantity(4)["value"]
    response = _offer_only_put(
        spapi, "NEW-1", "B0NEWITEM1", purchasable_offer=price, fulfillment_availability=quantity
    )
    answer = response.json()
    assert answer["status"] == "ACCEPTED"
    assert answer["identifiers"] == [{"marketplaceId": US, "asin": "B0NEWITEM1"}]
    assert spapi("GET", f"{ITEMS}/NEW-1", params={"marketplaceIds": US}).status_code == 404

    sandbox.clock.advance(DELAY)
    item = _item(spapi, "NEW-1")
    summary = item["summaries"][0]
    assert summary["asin"] == "B0NEWITEM1"
    assert summary["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert summary["conditionType"] == "new_new"
    assert summary["createdDate"] == "2025-10-01T12:01:30Z"
    assert _offer(item) == "21.00"
    assert "NEW-1" in _search_skus(spapi)
    row = listings_report(spapi)["NEW-1"]
    assert row["asin1"] == row["product-id"] == "B0NEWITEM1"
    assert (row["price"], row["quantity"], row["status"]) == ("21.00", "4", "Active")
    assert row["open-date"] == "2025-10-01 05:01:30 PDT"
    assert row["fulfillment-channel"] == "DEFAULT"


def test_a_put_without_quantity_lists_the_sku_inactive(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    answer = _offer_only_put(spapi, "NEW-2", "B0NEWITEM1", purchasable_offer=_price(9)["value"])
    assert answer.json()["status"] == "ACCEPTED"
    sandbox.clock.advance(DELAY)
    assert _item(spapi, "NEW-2")["summaries"][0]["status"] == []
    assert listings_report(spapi)["NEW-2"]["status"] == "Inactive"


def test_a_new_sku_on_an_asin_the_seller_already_lists_is_accepted(spapi: Spapi) -> None:
    answer = _offer_only_put(spapi, "MUG-16-USED", "B0MUG00016").json()
    assert answer["status"] == "ACCEPTED"


@pytest.mark.parametrize(
    ("sku", "asin", "code"),
    [("NEW-3", "B0NOTHERE9", "8105"), ("NEW-4", "", "90220"), ("CAFE-12", "B0MUG00016", "8541")],
    ids=["unknown-asin", "no-asin", "asin-of-another-product"],
)
def test_a_put_on_an_unknown_or_wrong_asin_is_invalid(
    sandbox: SandboxServer, spapi: Spapi, sku: str, asin: str, code: str
) -> None:
    answer = _offer_only_put(spapi, sku, asin, purchasable_offer=_price(9)["value"]).json()
    assert answer["status"] == "INVALID"
    assert [(i["code"], i["attributeNames"]) for i in answer["issues"]] == [
        (code, ["merchant_suggested_asin"])
    ]
    expected = [{"marketplaceId": US, "asin": "B0CAFE0001"}] if sku == "CAFE-12" else []
    assert answer["identifiers"] == expected
    sandbox.clock.advance(DELAY)
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"
    assert "NEW-3" not in listings_report(spapi)


def test_a_delete_removes_the_listing_after_the_delay(sandbox: SandboxServer, spapi: Spapi) -> None:
    response = spapi("DELETE", f"{ITEMS}/MUG-16", params={"marketplaceIds": US})
    assert_valid_response(MODEL, "deleteListingsItem", 200, response.json())
    assert response.json()["status"] == "ACCEPTED"
    assert "MUG-16" in listings_report(spapi)
    sandbox.clock.advance(DELAY)
    assert "MUG-16" not in listings_report(spapi)
    assert "MUG-16" not in _search_skus(spapi)
    assert spapi("GET", f"{ITEMS}/MUG-16", params={"marketplaceIds": US}).status_code == 404
    again = spapi("DELETE", f"{ITEMS}/MUG-16", params={"marketplaceIds": US}).json()
    assert_valid_response(MODEL, "deleteListingsItem", 200, again)
    assert again["status"] == "INVALID"


def test_a_patch_right_after_an_accepted_delete_is_refused(spapi: Spapi) -> None:
    assert spapi("DELETE", f"{ITEMS}/MUG-16", params={"marketplaceIds": US}).json()["status"] == (
        "ACCEPTED"
    )
    assert _patch(spapi, "MUG-16", [_price(3)]).json()["status"] == "INVALID"


def test_an_fba_listing_takes_a_price_but_keeps_amazons_quantity(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    assert _patch(spapi, "FBA-TEA", [_price(6.25)]).json()["status"] == "ACCEPTED"
    sandbox.clock.advance(DELAY)
    item = _item(spapi, "FBA-TEA")
    assert _offer(item) == "6.25"
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA"}]
    row = listings_report(spapi)["FBA-TEA"]
    assert (row["quantity"], row["fulfillment-channel"], row["status"]) == (
        "",
        "AMAZON_NA",
        "Active",
    )


def test_quantity_zero_makes_a_listing_inactive_and_stock_makes_it_active_again(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    _patch(spapi, "MUG-16", [_quantity(0)])
    sandbox.clock.advance(DELAY)
    assert listings_report(spapi)["MUG-16"]["status"] == "Inactive"
    _patch(spapi, "MUG-16", [_quantity(12)])
    sandbox.clock.advance(DELAY)
    assert listings_report(spapi)["MUG-16"]["status"] == "Active"
    assert _item(spapi, "MUG-16")["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]


def test_stock_does_not_reactivate_a_listing_suppressed_for_another_reason(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    assert _patch(spapi, "OLD-1", [_quantity(5)]).json()["status"] == "ACCEPTED"
    sandbox.clock.advance(DELAY)
    row = listings_report(spapi)["OLD-1"]
    assert (row["quantity"], row["status"]) == ("5", "Inactive")  # 'size' is still missing


def test_changes_to_one_sku_apply_in_the_order_they_were_accepted(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    _patch(spapi, "CAFE-12", [_price(10)])
    sandbox.clock.advance(1)
    _patch(spapi, "CAFE-12", [_price(11)])
    sandbox.clock.advance(DELAY)
    assert listings_report(spapi)["CAFE-12"]["price"] == "11.00"


@pytest.mark.parametrize(
    ("method", "params", "body"),
    [
        ("PATCH", {}, {"productType": "PRODUCT", "patches": [_price(5)]}),
        (
            "PATCH",
            {"marketplaceIds": "A1F83G8C2ARO7P"},
            {"productType": "PRODUCT", "patches": [_price(5)]},
        ),
        (
            "PATCH",
            {"marketplaceIds": US, "includedData": "offers"},
            {"productType": "PRODUCT", "patches": [_price(5)]},
        ),
        (
            "PATCH",
            {"marketplaceIds": US, "mode": "LIVE"},
            {"productType": "PRODUCT", "patches": [_price(5)]},
        ),
        ("PATCH", {"marketplaceIds": US}, {"productType": "PRODUCT", "patches": []}),
        (
            "PATCH",
            {"marketplaceIds": US},
            {
                "productType": "PRODUCT",
                "patches": [{"op": "move", "path": "/attributes/x", "value": []}],
            },
        ),
        (
            "PATCH",
            {"marketplaceIds": US},
            {
                "productType": "PRODUCT",
                "patches": [
                    {"op": "replace", "path": "/attributes/purchasable_offer/0", "value": []}
                ],
            },
        ),
        (
            "PATCH",
            {"marketplaceIds": US},
            {
                "productType": "PRODUCT",
                "patches": [{"op": "replace", "path": "/attributes/item_name", "value": "text"}],
            },
        ),
        ("PUT", {"marketplaceIds": US}, {"productType": "PRODUCT"}),
        (
            "PUT",
            {"marketplaceIds": US},
            {"productType": "PRODUCT", "requirements": "ALL", "attributes": {}},
        ),
        ("DELETE", {"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"}, None),
    ],
)
def test_a_malformed_request_is_400_invalid_input(
    spapi: Spapi, method: str, params: dict[str, str], body: dict[str, Any] | None
) -> None:
    response = spapi(method, f"{ITEMS}/CAFE-12", params=params, json=body)
    assert response.status_code == 400, response.text
    operation = {"PATCH": "patchListingsItem", "PUT": "putListingsItem"}.get(
        method, "deleteListingsItem"
    )
    assert_valid_response(MODEL, operation, 400, response.json())
    assert "x-amzn-RateLimit-Limit" in response.headers


def test_a_body_that_is_not_json_is_400(spapi: Spapi) -> None:
    response = spapi(
        "PATCH",
        f"{ITEMS}/CAFE-12",
        params={"marketplaceIds": US},
        data=b"productType=PRODUCT",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert_valid_response(MODEL, "patchListingsItem", 400, response.json())


def test_another_sellers_listing_is_403(spapi: Spapi) -> None:
    response = spapi(
        "PATCH",
        "/listings/2021-08-01/items/A2SANDBOXUK0001/UK-CB-1",
        params={"marketplaceIds": US},
        json={"productType": "PRODUCT", "patches": [_price(5)]},
    )
    assert response.status_code == 403
    assert_valid_response(MODEL, "patchListingsItem", 403, response.json())


def test_a_write_status_fault_answers_500_and_changes_nothing(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("patchListingsItem", "status", status=500)
    failed = spapi(
        "PATCH",
        f"{ITEMS}/CAFE-12",
        params={"marketplaceIds": US},
        json={"productType": "PRODUCT", "patches": [_price(5)]},
    )
    assert failed.status_code == 500
    assert_valid_response(MODEL, "patchListingsItem", 500, failed.json())
    assert failed.json()["errors"][0]["code"] == "InternalFailure"
    sandbox.faults.add("putListingsItem", "status", status=429)
    throttled = _offer_only_put(spapi, "NEW-9", "B0NEWITEM1")
    assert throttled.status_code == 429
    sandbox.clock.advance(DELAY)
    assert listings_report(spapi)["CAFE-12"]["price"] == "12.99"
    assert "NEW-9" not in listings_report(spapi)
    assert _patch(spapi, "CAFE-12", [_price(5)]).json()["status"] == "ACCEPTED"  # fired once


def _token_session(server: SandboxServer) -> Spapi:
    token = fetch_token(server.base_url, "us")

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"x-amz-access-token": token}
        return requests.request(
            method, server.base_url + path, headers=headers, timeout=5, **kwargs
        )

    return call


def test_patches_are_throttled_after_amazons_burst_of_five(tmp_path: Path) -> None:
    world = build_tiny_world(tmp_path / "world")
    with SandboxServer(world, clock_mode="fixed") as server:
        call = _token_session(server)
        body = {"productType": "PRODUCT", "patches": [_price(5)]}
        statuses = [
            call("PATCH", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US}, json=body)
            for _ in range(6)
        ]
        deletes = [
            call("DELETE", f"{ITEMS}/NOPE", params={"marketplaceIds": US}).status_code
            for _ in range(11)
        ]
    assert [r.status_code for r in statuses] == [200] * 5 + [429]
    assert statuses[0].headers["x-amzn-RateLimit-Limit"] == "5.0"
    assert_valid_response(MODEL, "patchListingsItem", 429, statuses[5].json())
    assert "x-amzn-RateLimit-Limit" not in statuses[5].headers
    assert deletes == [200] * 10 + [429]  # the delete bucket is its own, burst 10


def test_validation_previews_are_limited_to_one_a_second(tmp_path: Path) -> None:
    world = build_tiny_world(tmp_path / "world")
    with SandboxServer(world, clock_mode="fixed") as server:
        call = _token_session(server)
        body = {"productType": "PRODUCT", "patches": [_price(5)]}
        preview = {"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"}
        first = call("PATCH", f"{ITEMS}/CAFE-12", params=preview, json=body)
        second = call("PATCH", f"{ITEMS}/CAFE-12", params=preview, json=body)
        live = call("PATCH", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US}, json=body)
    assert first.json()["status"] == "VALID"
    assert second.status_code == 429
    assert_valid_response(MODEL, "patchListingsItem", 429, second.json())
    assert live.json()["status"] == "ACCEPTED"  # a live patch is not held by the preview limit


@pytest.mark.parametrize(
    "method, body",
    [
        ("PATCH", {"productType": "PRODUCT", "patches": [_price(5)]}),
        (
            "PUT",
            {
                "productType": "PRODUCT",
                "requirements": "LISTING_OFFER_ONLY",
                "attributes": {"merchant_suggested_asin": [{"value": "B0NEWITEM1"}]},
            },
        ),
    ],
)
def test_a_preview_names_the_preview_limit_in_its_rate_header(
    tmp_path: Path, method: str, body: dict[str, Any]
) -> None:
    world = build_tiny_world(tmp_path / "world")
    with SandboxServer(world, clock_mode="fixed") as server:
        call = _token_session(server)
        preview = {"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"}
        previewed = call(method, f"{ITEMS}/CAFE-12", params=preview, json=body)
        live = call(method, f"{ITEMS}/CAFE-12", params={"marketplaceIds": US}, json=body)
    assert previewed.status_code == live.status_code == 200, previewed.text
    assert previewed.headers["x-amzn-RateLimit-Limit"] == "1.0"  # the 1/s preview plan applied
    assert live.headers["x-amzn-RateLimit-Limit"] == "5.0"


def test_the_request_log_shows_every_write_call_with_its_status(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    _item(spapi, "CAFE-12")
    _patch(spapi, "CAFE-12", [_price(5)])
    _offer_only_put(spapi, "NEW-5", "B0NEWITEM1")
    sandbox.faults.add("deleteListingsItem", "status", status=503)
    spapi("DELETE", f"{ITEMS}/MUG-16", params={"marketplaceIds": US})
    writes = {"patchListingsItem", "putListingsItem", "deleteListingsItem"}
    logged = [
        (e.operation, e.method, e.path, e.status) for e in sandbox.request_log.entries(writes)
    ]
    assert logged == [
        ("patchListingsItem", "PATCH", f"{ITEMS}/CAFE-12", 200),
        ("putListingsItem", "PUT", f"{ITEMS}/NEW-5", 200),
        ("deleteListingsItem", "DELETE", f"{ITEMS}/MUG-16", 503),
    ]
    over_http = requests.get(
        f"{sandbox.base_url}/_sandbox/requests",
        params={"operation": "putListingsItem,getListingsItem"},
        timeout=5,
    ).json()["requests"]
    assert [entry["operation"] for entry in over_http] == ["getListingsItem", "putListingsItem"]
    assert over_http[1]["at"] == "2025-10-01T12:00:00+00:00"
    assert all("token" not in str(entry).lower() for entry in over_http)
    requests.delete(f"{sandbox.base_url}/_sandbox/requests", timeout=5)
    assert sandbox.request_log.entries() == []


def test_the_state_endpoint_counts_changes_still_queued(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    _patch(spapi, "CAFE-12", [_price(5)])
    state = requests.get(f"{sandbox.base_url}/_sandbox/state", timeout=5).json()
    assert state["stores"][0]["pending_listing_changes"] == 1
    sandbox.clock.advance(DELAY)
    state = requests.get(f"{sandbox.base_url}/_sandbox/state", timeout=5).json()
    assert state["stores"][0]["pending_listing_changes"] == 0
