"""Every fault kind, injected over HTTP or in Python, as a client would experience it."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable

import pytest
import requests

from asc_pipelines.sandbox import app as sandbox_app
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.spapi_models import assert_valid_response

ORDERS = "/orders/v0/orders"
ORDER = f"{ORDERS}/111-0000001-0000001"
REPORTS = "/reports/2021-06-30/reports"
SPEC = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}

Spapi = Callable[..., requests.Response]


def _arm(sandbox: SandboxServer, **fault: object) -> None:
    response = requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)
    assert response.status_code == 201, response.text


def _document_url(spapi: Spapi) -> str:
    report_id = spapi("POST", REPORTS, json=SPEC).json()["reportId"]
    document_id = spapi("GET", f"{REPORTS}/{report_id}").json()["reportDocumentId"]
    return spapi("GET", f"/reports/2021-06-30/documents/{document_id}").json()["url"]


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "QuotaExceeded"), (500, "InternalFailure"), (503, "ServiceUnavailable")],
)
def test_a_status_fault_answers_with_an_error_list_once(
    sandbox: SandboxServer, spapi: Spapi, status: int, code: str
) -> None:
    _arm(sandbox, operation="getOrder", kind="status", status=status)
    failed = spapi("GET", ORDER)
    assert failed.status_code == status
    assert failed.json()["errors"][0]["code"] == code
    assert "x-amzn-RateLimit-Limit" not in failed.headers
    assert "x-amzn-RequestId" in failed.headers
    assert_valid_response("ordersV0.json", "getOrder", status, failed.json())
    assert spapi("GET", ORDER).status_code == 200


def test_a_latency_fault_delays_the_response(
    sandbox: SandboxServer, spapi: Spapi, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    real_sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        waits.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(sandbox_app.time, "sleep", recording_sleep)
    sandbox.faults.add("getOrder", "latency", seconds=0.3)
    assert spapi("GET", ORDER).status_code == 200
    assert 0.3 in waits  # the handler waited the fault's seconds before answering


def test_a_reset_fault_closes_the_connection_without_a_response(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("getOrder", "reset")
    with pytest.raises(requests.ConnectionError):
        spapi("GET", ORDER)
    assert spapi("GET", ORDER).status_code == 200


def test_a_truncate_fault_sends_half_the_body_with_the_full_length(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("getOrder", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        spapi("GET", ORDER)


def test_a_truncated_report_download_fails_mid_body(sandbox: SandboxServer, spapi: Spapi) -> None:
    url = _document_url(spapi)
    sandbox.faults.add("downloadReportDocument", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=5)
    assert requests.get(url, timeout=5).status_code == 200


def test_a_report_status_fault_ends_the_next_report_fatal(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    _arm(sandbox, operation="createReport", kind="report_status", status="FATAL")
    fatal = spapi("POST", REPORTS, json=SPEC).json()["reportId"]
    report = spapi("GET", f"{REPORTS}/{fatal}").json()
    assert report["processingStatus"] == "FATAL"
    assert "reportDocumentId" not in report
    healthy = spapi("POST", REPORTS, json=SPEC).json()["reportId"]
    assert spapi("GET", f"{REPORTS}/{healthy}").json()["processingStatus"] == "DONE"


def test_a_report_status_fault_can_end_the_report_cancelled(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("createReport", "report_status", status="CANCELLED")
    report_id = spapi("POST", REPORTS, json=SPEC).json()["reportId"]
    assert spapi("GET", f"{REPORTS}/{report_id}").json()["processingStatus"] == "CANCELLED"


def test_a_content_encoding_gzip_fault_replays_the_june_2023_incident(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    url = _document_url(spapi)
    sandbox.faults.add("downloadReportDocument", "content_encoding_gzip")
    incident = requests.get(url, timeout=5)
    assert incident.headers["Content-Encoding"] == "gzip"
    # requests already gunzipped the body, so an explicit gunzip now fails like it did for users
    assert incident.content[:2] != b"\x1f\x8b"
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(incident.content)
    normal = requests.get(url, timeout=5)
    assert normal.headers["Content-Encoding"] == "identity"
    assert normal.content[:2] == b"\x1f\x8b"


def test_a_token_expiry_fault_expires_issued_tokens_until_refreshed(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    sandbox.faults.add("getOrder", "token_expiry")
    expired = spapi("GET", ORDER)
    assert expired.status_code == 403
    assert expired.json()["errors"][0]["details"] == "The access token you provided has expired."
    assert spapi("GET", f"{ORDERS}/111-0000002-0000002").status_code == 403  # same old token
    fresh = requests.post(
        f"{sandbox.base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token("us"),
            "client_id": credentials.LWA_CLIENT_ID,
            "client_secret": credentials.LWA_CLIENT_SECRET,
        },
        timeout=5,
    ).json()["access_token"]
    ok = requests.get(sandbox.base_url + ORDER, headers={"x-amz-access-token": fresh}, timeout=5)
    assert ok.status_code == 200


def test_an_lwa_status_fault_fails_the_token_exchange(sandbox: SandboxServer) -> None:
    sandbox.faults.add("lwaToken", "status", status=503)
    response = requests.post(f"{sandbox.base_url}/auth/o2/token", data={}, timeout=5)
    assert response.status_code == 503
    assert response.json()["error"] == "server_error"


def test_faults_are_listed_and_cleared_over_http(sandbox: SandboxServer) -> None:
    _arm(sandbox, operation="getOrders", kind="status", status=503, times=-1)
    listed = requests.get(f"{sandbox.base_url}/_sandbox/faults", timeout=5).json()["faults"]
    assert listed == [{"operation": "getOrders", "kind": "status", "status": 503, "times": -1}]
    cleared = requests.delete(f"{sandbox.base_url}/_sandbox/faults", timeout=5)
    assert cleared.json() == {"faults": []}


def test_a_nonsensical_fault_is_refused_with_400(sandbox: SandboxServer) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"operation": "getOrders", "kind": "meteor"},
        timeout=5,
    )
    assert response.status_code == 400


def test_rate_limiting_allows_the_burst_then_429_without_rate_header(tiny_world) -> None:
    with SandboxServer(tiny_world, clock_mode="fixed") as server:
        token = requests.post(
            f"{server.base_url}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": credentials.refresh_token("us"),
                "client_id": credentials.LWA_CLIENT_ID,
                "client_secret": credentials.LWA_CLIENT_SECRET,
            },
            timeout=5,
        ).json()["access_token"]
        url = f"{server.base_url}/listings/2021-08-01/items/A2SANDBOXUS0001"
        params = {"marketplaceIds": "ATVPDKIKX0DER"}
        headers = {"x-amz-access-token": token}
        statuses = [requests.get(url, params=params, headers=headers, timeout=5) for _ in range(6)]
    assert [r.status_code for r in statuses[:5]] == [200] * 5
    assert statuses[0].headers["x-amzn-RateLimit-Limit"] == "5.0"
    throttled = statuses[5]
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    assert_valid_response(
        "listingsItems_2021-08-01.json", "searchListingsItems", 429, throttled.json()
    )


def test_a_magento_status_fault_answers_in_magento_style(sandbox: SandboxServer) -> None:
    sandbox.faults.add("magento.getProducts", "status", status=503)
    response = requests.get(
        f"{sandbox.base_url}/rest/V1/products",
        params={"searchCriteria[pageSize]": 1},
        headers={"Authorization": f"Bearer {credentials.MAGENTO_INTEGRATION_TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 503
    assert "message" in response.json()
