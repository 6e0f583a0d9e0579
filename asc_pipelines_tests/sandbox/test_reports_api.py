"""Reports API 2021-06-30 against the official model (protocols.md 2)."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.conftest import fetch_token
from asc_pipelines_tests.spapi_models import assert_valid_response

MODEL = "reports_2021-06-30.json"
REPORTS = "/reports/2021-06-30/reports"
ALL_DATA = "GET_MERCHANT_LISTINGS_ALL_DATA"
US = "ATVPDKIKX0DER"
UK = "A1F83G8C2ARO7P"

Spapi = Callable[..., requests.Response]


def _create(spapi: Spapi, report_type: str = ALL_DATA, store: str = "us", mp: str = US) -> str:
    response = spapi(
        "POST", REPORTS, store=store, json={"reportType": report_type, "marketplaceIds": [mp]}
    )
    assert response.status_code == 202, response.text
    assert_valid_response(MODEL, "createReport", 202, response.json())
    return response.json()["reportId"]


def _download(spapi: Spapi, report_id: str, store: str = "us") -> requests.Response:
    report = spapi("GET", f"{REPORTS}/{report_id}", store=store).json()
    document = spapi(
        "GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}", store=store
    )
    assert document.status_code == 200
    assert_valid_response(MODEL, "getReportDocument", 200, document.json())
    return requests.get(document.json()["url"], timeout=5)


def test_create_report_returns_202_with_a_numeric_report_id(spapi: Spapi) -> None:
    response = spapi("POST", REPORTS, json={"reportType": ALL_DATA, "marketplaceIds": [US]})
    assert response.status_code == 202
    assert response.json()["reportId"].isdigit()
    assert response.headers["x-amzn-RateLimit-Limit"]
    assert response.headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
    "body",
    [
        {"marketplaceIds": [US]},
        {"reportType": ALL_DATA},
        {"reportType": ALL_DATA, "marketplaceIds": [UK]},
        {"reportType": ALL_DATA, "marketplaceIds": []},
        {"reportType": ALL_DATA, "marketplaceIds": [US], "dataStartTime": "not a date"},
    ],
)
def test_create_report_rejects_bad_specifications_with_400(spapi: Spapi, body: dict) -> None:
    response = spapi("POST", REPORTS, json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert "x-amzn-RateLimit-Limit" in response.headers
    assert_valid_response(MODEL, "createReport", 400, response.json())


def test_a_report_goes_from_in_queue_through_in_progress_to_done(tiny_world: Path) -> None:
    with SandboxServer(tiny_world, rate_scale=100, report_delay_seconds=0.6) as server:
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        created = requests.post(
            server.base_url + REPORTS,
            json={"reportType": ALL_DATA, "marketplaceIds": [US]},
            headers=headers,
            timeout=5,
        )
        report_url = f"{server.base_url}{REPORTS}/{created.json()['reportId']}"
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            report = requests.get(report_url, headers=headers, timeout=5).json()
            assert_valid_response(MODEL, "getReport", 200, report)
            if not seen or seen[-1] != report["processingStatus"]:
                seen.append(report["processingStatus"])
            if report["processingStatus"] == "DONE":
                break
            time.sleep(0.05)
    assert seen == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert report["reportDocumentId"]
    assert report["createdTime"].endswith("+00:00")
    assert "processingEndTime" in report


def test_an_untouched_world_file_is_downloaded_byte_for_byte(
    spapi: Spapi, tiny_world: Path
) -> None:
    download = _download(spapi, _create(spapi))
    assert download.status_code == 200
    assert download.content[:2] == b"\x1f\x8b"
    assert download.headers["Content-Type"] == "text/plain; charset=Cp1252"
    assert download.headers["Content-Encoding"] == "identity"
    original = (tiny_world / "amazon" / "us" / "listings.tsv").read_bytes()
    assert gzip.decompress(download.content) == original
    assert "Café Crème – 12oz".encode("cp1252") in original


def test_a_utf8_world_file_is_served_with_a_utf8_charset(spapi: Spapi, tiny_world: Path) -> None:
    download = _download(spapi, _create(spapi, store="uk", mp=UK), store="uk")
    assert download.headers["Content-Type"] == "text/plain; charset=UTF-8"
    original = (tiny_world / "amazon" / "uk" / "listings.tsv").read_bytes()
    assert gzip.decompress(download.content) == original


def test_after_evolution_the_report_keeps_header_charset_and_line_format(
    sandbox: SandboxServer, spapi: Spapi, tiny_world: Path
) -> None:
    for _ in range(5):
        sandbox.advance(10)
    original = (tiny_world / "amazon" / "us" / "listings.tsv").read_bytes()
    served = gzip.decompress(_download(spapi, _create(spapi)).content)
    assert served != original
    assert served.split(b"\n")[0] == original.split(b"\n")[0]
    assert served.endswith(b"\n") and b"\r" not in served
    text = served.decode("cp1252")
    assert "Café Crème – 12oz" in text
    assert 'Mug "Big" 16oz' in text
    assert all(len(line.split("\t")) == 29 for line in text.splitlines())


def test_a_report_captures_the_listings_at_creation_time(
    sandbox: SandboxServer, spapi: Spapi, tiny_world: Path
) -> None:
    report_id = _create(spapi)
    for _ in range(5):
        sandbox.advance(10)
    served = gzip.decompress(_download(spapi, report_id).content)
    assert served == (tiny_world / "amazon" / "us" / "listings.tsv").read_bytes()


def test_other_report_types_end_cancelled_without_a_document(spapi: Spapi) -> None:
    report_id = _create(spapi, "GET_FBA_FULFILLMENT_CURRENT_INVENTORY_DATA")
    report = spapi("GET", f"{REPORTS}/{report_id}").json()
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report


def test_an_unknown_report_is_404(spapi: Spapi) -> None:
    response = spapi("GET", f"{REPORTS}/999")
    assert response.status_code == 404
    assert "x-amzn-RateLimit-Limit" in response.headers
    assert_valid_response(MODEL, "getReport", 404, response.json())


def test_another_sellers_report_is_not_visible(spapi: Spapi) -> None:
    report_id = _create(spapi)
    assert spapi("GET", f"{REPORTS}/{report_id}", store="uk").status_code == 404


def test_get_reports_filters_by_type_and_pages_with_next_token_alone(spapi: Spapi) -> None:
    created = [_create(spapi) for _ in range(3)]
    _create(spapi, "GET_MERCHANT_LISTINGS_DATA")
    first = spapi("GET", REPORTS, params={"reportTypes": ALL_DATA, "pageSize": 2})
    assert first.status_code == 200
    assert_valid_response(MODEL, "getReports", 200, first.json())
    token = first.json()["nextToken"]
    second = spapi("GET", REPORTS, params={"nextToken": token})
    assert_valid_response(MODEL, "getReports", 200, second.json())
    assert "nextToken" not in second.json()
    ids = [r["reportId"] for page in (first, second) for r in page.json()["reports"]]
    assert sorted(ids) == sorted(created)


def test_get_reports_with_next_token_and_other_parameters_is_400(spapi: Spapi) -> None:
    _create(spapi)
    _create(spapi)
    token = spapi("GET", REPORTS, params={"reportTypes": ALL_DATA, "pageSize": 1}).json()[
        "nextToken"
    ]
    response = spapi("GET", REPORTS, params={"nextToken": token, "reportTypes": ALL_DATA})
    assert response.status_code == 400
    assert_valid_response(MODEL, "getReports", 400, response.json())


def test_get_reports_needs_report_types_and_valid_statuses(spapi: Spapi) -> None:
    assert spapi("GET", REPORTS).status_code == 400
    bad = spapi("GET", REPORTS, params={"reportTypes": ALL_DATA, "processingStatuses": "BAD"})
    assert bad.status_code == 400
    done = spapi("GET", REPORTS, params={"reportTypes": ALL_DATA, "processingStatuses": "DONE"})
    assert done.status_code == 200


def test_only_an_in_queue_report_can_be_cancelled(tiny_world: Path) -> None:
    with SandboxServer(
        tiny_world, clock_mode="fixed", rate_scale=100, report_delay_seconds=60
    ) as server:
        headers = {"x-amz-access-token": fetch_token(server.base_url, "us")}
        url = server.base_url + REPORTS
        spec = {"reportType": ALL_DATA, "marketplaceIds": [US]}
        queued = requests.post(url, json=spec, headers=headers, timeout=5).json()["reportId"]
        cancelled = requests.delete(f"{url}/{queued}", headers=headers, timeout=5)
        assert cancelled.status_code == 200
        assert cancelled.content == b""
        report = requests.get(f"{url}/{queued}", headers=headers, timeout=5).json()
        assert report["processingStatus"] == "CANCELLED"
        assert_valid_response(MODEL, "getReport", 200, report)
        running = requests.post(url, json=spec, headers=headers, timeout=5).json()["reportId"]
        server.clock.advance(30)
        refused = requests.delete(f"{url}/{running}", headers=headers, timeout=5)
        assert refused.status_code == 400
        assert_valid_response(MODEL, "cancelReport", 400, refused.json())


def test_the_document_url_expires_after_five_minutes(sandbox: SandboxServer, spapi: Spapi) -> None:
    report = spapi("GET", f"{REPORTS}/{_create(spapi)}").json()
    document = spapi("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    assert "X-Amz-Expires=300" in document["url"]
    sandbox.clock.advance(301)
    expired = requests.get(document["url"], timeout=5)
    assert expired.status_code == 403
    assert expired.headers["Content-Type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in expired.content
    assert b"Request has expired" in expired.content


def test_a_tampered_document_url_is_refused(spapi: Spapi) -> None:
    report = spapi("GET", f"{REPORTS}/{_create(spapi)}").json()
    document = spapi("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    url = document["url"].replace("X-Amz-Expires=300", "X-Amz-Expires=9999")
    tampered = requests.get(url, timeout=5)
    assert tampered.status_code == 403
    assert b"SignatureDoesNotMatch" in tampered.content


def test_an_unknown_report_document_is_404(spapi: Spapi) -> None:
    response = spapi("GET", "/reports/2021-06-30/documents/amzn1.spdoc.nope")
    assert response.status_code == 404
    assert_valid_response(MODEL, "getReportDocument", 404, response.json())


def test_content_encoding_url_header_option_serves_gzip_encoding(spapi: Spapi) -> None:
    report = spapi("GET", f"{REPORTS}/{_create(spapi)}").json()
    document = spapi(
        "GET",
        f"/reports/2021-06-30/documents/{report['reportDocumentId']}",
        params={"enableContentEncodingUrlHeader": "true"},
    ).json()
    raw = requests.get(document["url"], timeout=5, stream=True).raw
    assert raw.headers["Content-Encoding"] == "gzip"
