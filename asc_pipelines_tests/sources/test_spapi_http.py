"""SP-API client behaviour against a scripted local server (protocols.md 1, 2, 3, 5, 6)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from asc_pipelines.sources.errors import AuthError, SourceError, SpApiError
from asc_pipelines.sources.spapi.client import SpApiClient

from .conftest import FakeTime, ScriptedServer

SECRET = "client-secret-value-123"
REFRESH = "Atzr|refresh-token-value-456"
REPORT = "/reports/2021-06-30/reports/R1"


def token_route(server: ScriptedServer, *, expires_in: int = 3600) -> list[str]:
    issued: list[str] = []

    @server.route("POST", "/auth/o2/token")
    def token(request: Request) -> Response:
        assert request.form["grant_type"] == "refresh_token"
        assert request.form["refresh_token"] == REFRESH
        issued.append(f"Atza|token-{len(issued) + 1}")
        body = {"access_token": issued[-1], "token_type": "bearer", "expires_in": expires_in}
        return Response(json.dumps(body), content_type="application/json")

    return issued


def client(server: ScriptedServer, fake_time: FakeTime, **kwargs) -> SpApiClient:  # type: ignore[no-untyped-def]
    return SpApiClient(
        endpoint=server.base_url,
        lwa_token_url=server.base_url + "/auth/o2/token",
        client_id="amzn1.application-oa2-client.x",
        client_secret=SECRET,
        refresh_token=REFRESH,
        timeout=5.0,
        sleep=fake_time.sleep,
        monotonic=fake_time.monotonic,
        **kwargs,
    )


def error(status: int, code: str, message: str) -> Response:
    body = {"errors": [{"code": code, "message": message, "details": ""}]}
    return Response(json.dumps(body), status=status, content_type="application/json")


def report_body() -> Response:
    body = {"reportId": "R1", "reportType": "X", "processingStatus": "IN_QUEUE", "createdTime": "x"}
    return Response(json.dumps(body), content_type="application/json")


def test_requests_carry_access_token_date_and_user_agent(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    server.route("GET", REPORT)(lambda request: report_body())
    assert client(server, fake_time).get_report("R1")["reportId"] == "R1"
    request = server.calls(REPORT)[0]
    assert request.headers["x-amz-access-token"] == "Atza|token-1"
    assert request.headers["User-Agent"].startswith("asc_pipelines/0.1 (Language=Python/3.")
    assert len(request.headers["x-amz-date"]) == 16


def test_403_refreshes_the_token_once_and_retries_once(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    issued = token_route(server)

    @server.route("GET", REPORT)
    def get(request: Request) -> Response:
        if request.headers["x-amz-access-token"] == "Atza|token-1":
            return error(403, "Unauthorized", "Access to requested resource is denied.")
        return report_body()

    api = client(server, fake_time)
    assert api.get_report("R1")["processingStatus"] == "IN_QUEUE"
    assert issued == ["Atza|token-1", "Atza|token-2"]
    assert len(server.calls(REPORT)) == 2


def test_persistent_403_raises_after_one_refresh(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    issued = token_route(server)
    server.route("GET", REPORT)(lambda request: error(403, "Unauthorized", "denied"))
    with pytest.raises(SpApiError) as caught:
        client(server, fake_time).get_report("R1")
    assert caught.value.http_status == 403 and caught.value.code == "Unauthorized"
    assert len(issued) == 2 and len(server.calls(REPORT)) == 2


def test_429_is_retried_with_backoff_then_succeeds(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    answers = iter([error(429, "QuotaExceeded", "You exceeded your quota"), report_body()])
    server.route("GET", REPORT)(lambda request: next(answers))
    api = client(server, fake_time, backoff_base=2.0)
    assert api.get_report("R1")["reportId"] == "R1"
    assert api.throttled_responses == 1
    backoffs = [s for s in fake_time.sleeps if s > 0]
    assert len(backoffs) <= 1 and all(0 <= s <= 2.0 for s in backoffs)


def test_400_is_not_retried_and_message_names_operation_and_code(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    server.route("GET", REPORT)(lambda request: error(400, "InvalidInput", "Invalid Input"))
    with pytest.raises(SpApiError, match=r"getReport failed \(HTTP 400\): InvalidInput: Invalid"):
        client(server, fake_time).get_report("R1")
    assert len(server.calls(REPORT)) == 1


def test_retries_are_bounded(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    server.route("GET", REPORT)(lambda request: error(503, "ServiceUnavailable", "busy"))
    with pytest.raises(SpApiError) as caught:
        client(server, fake_time, max_retries=3).get_report("R1")
    assert caught.value.retryable and len(server.calls(REPORT)) == 4


def test_invalid_grant_is_a_permanent_auth_error_without_secrets(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    @server.route("POST", "/auth/o2/token")
    def token(request: Request) -> Response:
        body = {"error": "invalid_grant", "error_description": f"bad token {REFRESH}"}
        return Response(json.dumps(body), status=400, content_type="application/json")

    with pytest.raises(AuthError) as caught:
        client(server, fake_time).get_report("R1")
    assert "invalid_grant" in str(caught.value)
    assert REFRESH not in str(caught.value) and SECRET not in str(caught.value)
    assert len(server.calls("/auth/o2/token")) == 1


def test_access_token_is_cached_until_five_minutes_before_expiry(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    issued = token_route(server, expires_in=3600)
    server.route("GET", REPORT)(lambda request: report_body())
    api = client(server, fake_time)
    api.get_report("R1")
    fake_time.now += 3000
    api.get_report("R1")
    assert len(issued) == 1
    fake_time.now += 400
    api.get_report("R1")
    assert len(issued) == 2


def test_server_now_follows_the_date_header(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("GET", REPORT)
    def get(request: Request) -> Response:
        response = report_body()
        response.headers["Date"] = "Wed, 01 Jan 2031 12:00:00 GMT"
        return response

    api = client(server, fake_time)
    api.get_report("R1")
    fake_time.now += 90
    assert api.server_now() == datetime(2031, 1, 1, 12, 1, 30, tzinfo=UTC)


def test_get_reports_sends_next_token_alone(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("GET", "/reports/2021-06-30/reports")
    def reports(request: Request) -> Response:
        if "nextToken" in request.args:
            assert list(request.args) == ["nextToken"]
            return Response(
                json.dumps({"reports": [{"reportId": "2"}]}), content_type="application/json"
            )
        assert request.args["reportTypes"] == "A,B"
        body = {"reports": [{"reportId": "1"}], "nextToken": "t1"}
        return Response(json.dumps(body), content_type="application/json")

    found = client(server, fake_time).get_reports(["A", "B"], ["DONE"])
    assert [r["reportId"] for r in found] == ["1", "2"]


def test_create_report_expects_202(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("POST", "/reports/2021-06-30/reports")
    def create(request: Request) -> Response:
        body = json.loads(request.get_data())
        assert body == {
            "reportType": "T",
            "marketplaceIds": ["M"],
            "reportOptions": {"custom": "true"},
        }
        assert request.headers["Content-Type"] == "application/json"
        return Response(json.dumps({"reportId": "99"}), status=202, content_type="application/json")

    assert client(server, fake_time).create_report("T", ["M"], {"custom": "true"}) == "99"


def test_orders_paging_keeps_filters_and_exposes_watermark(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("GET", "/orders/v0/orders")
    def orders(request: Request) -> Response:
        assert request.args["LastUpdatedAfter"] == "2024-01-01T00:00:00Z"
        assert request.args["MarketplaceIds"] == "ATVPDKIKX0DER"
        assert "LastUpdatedBefore" not in request.args
        if request.args.get("NextToken") == "n1":
            payload = {
                "Orders": [{"AmazonOrderId": "2"}],
                "LastUpdatedBefore": "2024-01-02T00:00:00Z",
            }
        else:
            payload = {
                "Orders": [{"AmazonOrderId": "1"}],
                "NextToken": "n1",
                "LastUpdatedBefore": "2024-01-02T00:00:00Z",
            }
        return Response(json.dumps({"payload": payload}), content_type="application/json")

    pages = list(
        client(server, fake_time).iter_orders(
            ["ATVPDKIKX0DER"], last_updated_after=datetime(2024, 1, 1, tzinfo=UTC)
        )
    )
    assert [o["AmazonOrderId"] for page in pages for o in page.orders] == ["1", "2"]
    assert pages[-1].watermark == datetime(2024, 1, 2, tzinfo=UTC)


def test_orders_watermark_without_last_updated_before_is_two_minutes_back(
    server, fake_time
) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("GET", "/orders/v0/orders")
    def orders(request: Request) -> Response:
        response = Response(
            json.dumps({"payload": {"Orders": []}}), content_type="application/json"
        )
        response.headers["Date"] = "Wed, 01 Jan 2031 12:00:00 GMT"
        return response

    (page,) = client(server, fake_time).iter_orders(
        ["M"], last_updated_after=datetime(2030, 12, 1, tzinfo=UTC)
    )
    assert page.watermark == datetime(2031, 1, 1, 12, 0, tzinfo=UTC) - timedelta(minutes=2)


def test_order_items_follow_next_token(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    path = "/orders/v0/orders/111-2222222-3333333/orderItems"

    @server.route("GET", path)
    def items(request: Request) -> Response:
        token = request.args.get("NextToken")
        payload = {"OrderItems": [{"OrderItemId": token or "first"}]}
        if token is None:
            payload["NextToken"] = "second"
        return Response(json.dumps({"payload": payload}), content_type="application/json")

    found = client(server, fake_time).get_order_items("111-2222222-3333333")
    assert [i["OrderItemId"] for i in found] == ["first", "second"]


def test_listings_search_stops_at_the_1000_result_cap(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)

    @server.route("GET", "/listings/2021-08-01/items/SELLER1")
    def search_page(request: Request) -> Response:
        start = int(request.args.get("pageToken") or 0)
        items = [{"sku": f"S{start + i}"} for i in range(20)]
        body = {
            "numberOfResults": 1500,
            "items": items,
            "pagination": {"nextToken": str(start + 20)},
        }
        return Response(json.dumps(body), content_type="application/json")

    search = client(server, fake_time).iter_listings_items("SELLER1", "M")
    skus = [item["sku"] for item in search]
    assert len(skus) == 1000 and search.capped and search.number_of_results == 1500
    assert len(server.calls("/listings/2021-08-01/items/SELLER1")) == 50


def test_get_listings_item_url_encodes_the_sku(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    token_route(server)
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.environ.get("RAW_URI", request.full_path))
        return Response(json.dumps({"sku": "A/B C"}), content_type="application/json")

    server.route("GET", "/listings/2021-08-01/items/S1/A/B C")(handler)
    assert client(server, fake_time).get_listings_item("S1", "A/B C", "M")["sku"] == "A/B C"
    assert "A%2FB%20C" in seen[0]


# --- report document download (protocols.md 2.5) ------------------------------------------

TEXT = "seller-sku\titem-name\nA\tCafé\n".encode("cp1252")
SIGNED = "/doc?X-Amz-Signature=deadbeefsecret&X-Amz-Credential=AKIA"


def download(server: ScriptedServer, fake_time: FakeTime, tmp_path: Path, **kwargs):  # type: ignore[no-untyped-def]
    token_route(server)
    document = {"reportDocumentId": "D1", "url": server.base_url + SIGNED, **kwargs}
    return client(server, fake_time, max_retries=2).download_report_document(
        document, tmp_path / "report.txt"
    )


def test_download_sends_no_spapi_headers_and_gunzips_by_magic(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    @server.route("GET", "/doc")
    def doc(request: Request) -> Response:
        assert "x-amz-access-token" not in request.headers
        assert request.headers["Accept-Encoding"] == "identity"
        return Response(gzip.compress(TEXT), content_type="text/plain; charset=Cp1252")

    result = download(server, fake_time, tmp_path, compressionAlgorithm="GZIP")
    assert result.compressed and result.charset == "cp1252"
    assert result.path.read_bytes() == TEXT


def test_download_survives_content_encoding_gzip_incident(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    @server.route("GET", "/doc")
    def doc(request: Request) -> Response:
        response = Response(gzip.compress(TEXT), content_type="text/plain; charset=Cp1252")
        response.headers["Content-Encoding"] = "gzip"
        return response

    result = download(server, fake_time, tmp_path, compressionAlgorithm="GZIP")
    assert result.compressed and result.path.read_bytes() == TEXT


def test_download_reads_plain_body_despite_gzip_declared(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("GET", "/doc")(
        lambda request: Response(TEXT, content_type="text/plain; charset=Windows-31J")
    )
    result = download(server, fake_time, tmp_path, compressionAlgorithm="GZIP")
    assert not result.compressed and result.charset == "cp932"
    assert result.bytes_downloaded == len(TEXT) and result.path.read_bytes() == TEXT


def test_download_retries_a_truncated_body(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    attempts: list[int] = []

    @server.route("GET", "/doc")
    def doc(request: Request) -> Response:
        attempts.append(1)
        if len(attempts) == 1:
            return Response(
                iter([TEXT[:10]]),
                direct_passthrough=True,
                headers={"Content-Length": str(len(TEXT)), "Connection": "close"},
                content_type="text/plain; charset=UTF-8",
            )
        return Response(TEXT, content_type="text/plain; charset=UTF-8")

    result = download(server, fake_time, tmp_path)
    assert len(attempts) == 2 and result.path.read_bytes() == TEXT and result.charset == "utf-8"


def test_download_error_message_has_no_signature(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("GET", "/doc")(lambda request: Response("<Error>AccessDenied</Error>", status=403))
    with pytest.raises(SourceError) as caught:
        download(server, fake_time, tmp_path)
    message = str(caught.value)
    assert "HTTP 403" in message and "/doc" in message
    assert "deadbeefsecret" not in message and "AKIA" not in message
