"""Login With Amazon and SP-API access-token checks (protocols.md 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.spapi_models import assert_valid_response

LISTINGS = "listingsItems_2021-08-01.json"
ITEM = "/listings/2021-08-01/items/A2SANDBOXUS0001/CAFE-12?marketplaceIds=ATVPDKIKX0DER"


def _token_request(sandbox: SandboxServer, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": credentials.refresh_token("us"),
        "client_id": credentials.LWA_CLIENT_ID,
        "client_secret": credentials.LWA_CLIENT_SECRET,
        **overrides,
    }
    return requests.post(f"{sandbox.base_url}/auth/o2/token", data=form, timeout=5)


def test_a_refresh_token_buys_a_one_hour_bearer_token(sandbox: SandboxServer) -> None:
    response = _token_request(sandbox)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["access_token"].startswith("Atza|")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == credentials.refresh_token("us")


def test_an_unknown_refresh_token_is_an_invalid_grant(sandbox: SandboxServer) -> None:
    response = _token_request(sandbox, refresh_token="Atzr|revoked")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The request has an invalid grant parameter : refresh_token",
    }


def test_a_wrong_client_secret_is_an_invalid_client(sandbox: SandboxServer) -> None:
    response = _token_request(sandbox, client_secret="nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_call_without_access_token_is_forbidden(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.base_url + ITEM, timeout=5)
    assert response.status_code == 403
    assert (
        response.json()["errors"][0]["details"] == "Access token is missing in the request header."
    )
    assert "x-amzn-RequestId" in response.headers
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert_valid_response(LISTINGS, "getListingsItem", 403, response.json())


def test_a_made_up_access_token_is_forbidden(sandbox: SandboxServer) -> None:
    headers = {"x-amz-access-token": "Atza|made-up"}
    response = requests.get(sandbox.base_url + ITEM, headers=headers, timeout=5)
    assert response.status_code == 403
    assert response.json()["errors"][0] == {
        "code": "Unauthorized",
        "message": "Access to requested resource is denied.",
        "details": "The access token you provided is revoked, malformed or invalid.",
    }


def test_an_access_token_expires_after_an_hour_of_sandbox_time(
    sandbox: SandboxServer, spapi: Callable[..., requests.Response]
) -> None:
    assert spapi("GET", ITEM).status_code == 200
    sandbox.clock.advance(61 * 60)
    response = spapi("GET", ITEM)
    assert response.status_code == 403
    assert response.json()["errors"][0]["details"] == "The access token you provided has expired."


def test_a_sigv4_authorization_header_is_ignored(
    spapi: Callable[..., requests.Response],
) -> None:
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/execute-api"}
    assert spapi("GET", ITEM, headers=headers).status_code == 200


OPERATIONS = [
    ("reports_2021-06-30.json", "getReports", "GET", "/reports/2021-06-30/reports"),
    ("reports_2021-06-30.json", "createReport", "POST", "/reports/2021-06-30/reports"),
    ("reports_2021-06-30.json", "getReport", "GET", "/reports/2021-06-30/reports/1"),
    ("reports_2021-06-30.json", "cancelReport", "DELETE", "/reports/2021-06-30/reports/1"),
    ("reports_2021-06-30.json", "getReportDocument", "GET", "/reports/2021-06-30/documents/d"),
    (LISTINGS, "getListingsItem", "GET", "/listings/2021-08-01/items/S/SKU"),
    (LISTINGS, "searchListingsItems", "GET", "/listings/2021-08-01/items/S"),
    ("ordersV0.json", "getOrders", "GET", "/orders/v0/orders"),
    ("ordersV0.json", "getOrder", "GET", "/orders/v0/orders/1"),
    ("ordersV0.json", "getOrderItems", "GET", "/orders/v0/orders/1/orderItems"),
]


@pytest.mark.parametrize(("model", "operation", "method", "path"), OPERATIONS)
def test_every_operation_refuses_a_missing_token_with_its_models_403(
    sandbox: SandboxServer, model: str, operation: str, method: str, path: str
) -> None:
    response = requests.request(method, sandbox.base_url + path, timeout=5)
    assert response.status_code == 403
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert_valid_response(model, operation, 403, response.json())
