"""Orders API v0 against the official model (protocols.md 5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from asc_pipelines.sandbox import orders_api
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.spapi_models import assert_valid_response

MODEL = "ordersV0.json"
ORDERS = "/orders/v0/orders"
US = "ATVPDKIKX0DER"

Spapi = Callable[..., requests.Response]


def test_orders_updated_after_come_sorted_by_update_with_the_default_upper_bound(
    spapi: Spapi,
) -> None:
    response = spapi(
        "GET", ORDERS, params={"MarketplaceIds": US, "LastUpdatedAfter": "2025-09-01T00:00:00Z"}
    )
    assert response.status_code == 200
    body = response.json()
    assert_valid_response(MODEL, "getOrders", 200, body)
    payload = body["payload"]
    # now is 12:00 (fixed clock) so the bound is two minutes earlier; the 11:30 order is inside.
    assert payload["LastUpdatedBefore"] == "2025-10-01T11:58:00Z"
    assert [o["AmazonOrderId"] for o in payload["Orders"]] == [
        "111-0000001-0000001",
        "111-0000002-0000002",
        "111-0000003-0000003",
    ]
    assert all("OrderItems" not in o for o in payload["Orders"])


def test_orders_created_after_filter_on_purchase_date(spapi: Spapi) -> None:
    payload = spapi(
        "GET", ORDERS, params={"MarketplaceIds": US, "CreatedAfter": "2025-09-30T09:00:00Z"}
    ).json()["payload"]
    assert [o["AmazonOrderId"] for o in payload["Orders"]] == [
        "111-0000002-0000002",
        "111-0000003-0000003",
    ]
    assert "CreatedBefore" in payload


def test_order_statuses_and_channels_filter(spapi: Spapi) -> None:
    params = {
        "MarketplaceIds": US,
        "LastUpdatedAfter": "2025-09-01T00:00:00Z",
        "OrderStatuses": "Shipped",
    }
    payload = spapi("GET", ORDERS, params=params).json()["payload"]
    assert [o["OrderStatus"] for o in payload["Orders"]] == ["Shipped"]
    payload = spapi(
        "GET",
        ORDERS,
        params={**params, "OrderStatuses": "Unshipped,Shipped", "FulfillmentChannels": "AFN"},
    ).json()["payload"]
    assert payload["Orders"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"LastUpdatedAfter": "2025-09-01T00:00:00Z"},
        {"MarketplaceIds": US},
        {
            "MarketplaceIds": US,
            "CreatedAfter": "2025-09-01T00:00:00Z",
            "LastUpdatedAfter": "2025-09-01T00:00:00Z",
        },
        {
            "MarketplaceIds": US,
            "CreatedAfter": "2025-09-01T00:00:00Z",
            "LastUpdatedBefore": "2025-09-02T00:00:00Z",
        },
        {
            "MarketplaceIds": US,
            "LastUpdatedAfter": "2025-09-01T00:00:00Z",
            "MaxResultsPerPage": 101,
        },
        {"MarketplaceIds": US, "LastUpdatedAfter": "2025-09-01T00:00:00Z", "OrderStatuses": "Lost"},
        {"MarketplaceIds": "A1F83G8C2ARO7P", "LastUpdatedAfter": "2025-09-01T00:00:00Z"},
        {"MarketplaceIds": US, "LastUpdatedAfter": "last tuesday"},
    ],
)
def test_invalid_order_queries_are_400_invalid_input(spapi: Spapi, params: dict) -> None:
    response = spapi("GET", ORDERS, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert_valid_response(MODEL, "getOrders", 400, response.json())


def test_a_before_bound_within_two_minutes_of_now_is_400(spapi: Spapi) -> None:
    params = {"MarketplaceIds": US, "LastUpdatedAfter": "2025-09-01T00:00:00Z"}
    too_late = spapi("GET", ORDERS, params={**params, "LastUpdatedBefore": "2025-10-01T11:59:00Z"})
    assert too_late.status_code == 400
    just_ok = spapi("GET", ORDERS, params={**params, "LastUpdatedBefore": "2025-10-01T11:58:00Z"})
    assert just_ok.status_code == 200
    assert just_ok.json()["payload"]["LastUpdatedBefore"] == "2025-10-01T11:58:00Z"


def test_next_token_continues_the_original_filters(spapi: Spapi) -> None:
    params = {
        "MarketplaceIds": US,
        "LastUpdatedAfter": "2025-09-01T00:00:00Z",
        "MaxResultsPerPage": 2,
    }
    first = spapi("GET", ORDERS, params=params).json()["payload"]
    assert len(first["Orders"]) == 2
    token_only = spapi("GET", ORDERS, params={"NextToken": first["NextToken"]}).json()
    assert_valid_response(MODEL, "getOrders", 200, token_only)
    with_filters = spapi("GET", ORDERS, params={**params, "NextToken": first["NextToken"]}).json()
    assert token_only["payload"]["Orders"] == with_filters["payload"]["Orders"]
    assert [o["AmazonOrderId"] for o in token_only["payload"]["Orders"]] == ["111-0000003-0000003"]
    assert "NextToken" not in token_only["payload"]


def test_a_bad_next_token_is_400(spapi: Spapi) -> None:
    assert spapi("GET", ORDERS, params={"NextToken": "garbage"}).status_code == 400


def test_get_order_returns_the_order_without_items(spapi: Spapi) -> None:
    body = spapi("GET", f"{ORDERS}/111-0000002-0000002").json()
    assert_valid_response(MODEL, "getOrder", 200, body)
    assert body["payload"]["OrderStatus"] == "Unshipped"
    assert "OrderItems" not in body["payload"]


def test_an_unknown_order_is_404(spapi: Spapi) -> None:
    for path in (f"{ORDERS}/999-0000000-0000000", f"{ORDERS}/999-0000000-0000000/orderItems"):
        response = spapi("GET", path)
        assert response.status_code == 404
        operation = "getOrderItems" if path.endswith("orderItems") else "getOrder"
        assert_valid_response(MODEL, operation, 404, response.json())


def test_get_order_items_returns_the_items(spapi: Spapi) -> None:
    body = spapi("GET", f"{ORDERS}/111-0000001-0000001/orderItems").json()
    assert_valid_response(MODEL, "getOrderItems", 200, body)
    assert body["payload"]["AmazonOrderId"] == "111-0000001-0000001"
    assert body["payload"]["OrderItems"][0]["SellerSKU"] == "CAFE-12"


def test_order_items_page_with_next_token(
    spapi: Spapi, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = sandbox.app.amazon.stores["us"].orders["111-0000001-0000001"]
    order["OrderItems"] = [dict(order["OrderItems"][0], OrderItemId=str(n)) for n in range(5)]
    monkeypatch.setattr(orders_api, "ORDER_ITEMS_PAGE_SIZE", 2)
    path = f"{ORDERS}/111-0000001-0000001/orderItems"
    ids, params = [], {}
    while True:
        payload = spapi("GET", path, params=params).json()["payload"]
        ids += [item["OrderItemId"] for item in payload["OrderItems"]]
        if "NextToken" not in payload:
            break
        params = {"NextToken": payload["NextToken"]}
    assert ids == ["0", "1", "2", "3", "4"]
