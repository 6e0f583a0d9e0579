"""Magento client behaviour against a scripted local server (protocols.md 7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from werkzeug.wrappers import Request, Response

from asc_pipelines.sources.errors import AuthError, MagentoError
from asc_pipelines.sources.magento import MagentoClient

from .conftest import FakeTime, ScriptedServer

PASSWORD = "very-secret-password"
PRODUCTS = "/rest/all/V1/products"


def admin_token_route(server: ScriptedServer) -> list[str]:
    issued: list[str] = []

    @server.route("POST", "/rest/V1/integration/admin/token")
    def token(request: Request) -> Response:
        body = json.loads(request.get_data())
        if body["password"] != PASSWORD:
            message = {"message": "The account sign-in was incorrect."}
            return Response(json.dumps(message), status=401, content_type="application/json")
        issued.append(f"admintoken{len(issued) + 1}")
        return Response(json.dumps(issued[-1]), content_type="application/json")

    return issued


def catalog_route(server: ScriptedServer, total: int) -> None:
    """Products 1..total; pages past the end return the last page again, like Magento."""

    @server.route("GET", PRODUCTS)
    def products(request: Request) -> Response:
        size = int(request.args["searchCriteria[pageSize]"])
        page = int(request.args["searchCriteria[currentPage]"])
        last = max(1, -(-total // size))
        page = min(page, last)
        ids = range((page - 1) * size + 1, min(total, page * size) + 1)
        body = {"items": [{"id": i, "sku": f"S{i}"} for i in ids], "total_count": total}
        return Response(json.dumps(body), content_type="application/json")


def magento(server: ScriptedServer, fake_time: FakeTime, **kwargs) -> MagentoClient:  # type: ignore[no-untyped-def]
    settings = {"username": "admin", "password": PASSWORD, "page_size": 10}
    settings.update(kwargs)
    return MagentoClient(
        base_url=server.base_url, sleep=fake_time.sleep, monotonic=fake_time.monotonic, **settings
    )


@pytest.mark.parametrize("total", [0, 7, 10, 25, 30])
def test_paging_stops_at_total_count_never_reading_the_repeated_last_page(
    server, fake_time, total
) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)
    catalog_route(server, total)
    pages = list(magento(server, fake_time).iter_product_pages())
    ids = [item["id"] for page in pages for item in page]
    assert ids == list(range(1, total + 1))
    assert len(server.calls(PRODUCTS)) == max(1, -(-total // 10))


def test_requests_sort_by_entity_id_and_filter_updated_at(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)
    catalog_route(server, 3)
    list(
        magento(server, fake_time).iter_product_pages(
            updated_after=datetime(2024, 5, 1, 12, tzinfo=UTC)
        )
    )
    args = server.calls(PRODUCTS)[0].args
    assert args["searchCriteria[sortOrders][0][field]"] == "entity_id"
    assert args["searchCriteria[sortOrders][0][direction]"] == "ASC"
    assert args["searchCriteria[filter_groups][0][filters][0][field]"] == "updated_at"
    assert args["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gt"
    assert args["searchCriteria[filter_groups][0][filters][0][value]"] == "2024-05-01 12:00:00"
    assert server.calls(PRODUCTS)[0].headers["Authorization"] == "Bearer admintoken1"


def test_repeated_page_is_detected(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)

    @server.route("GET", PRODUCTS)
    def products(request: Request) -> Response:  # ignores currentPage and lies about the total
        body = {"items": [{"id": i} for i in range(1, 11)], "total_count": 100}
        return Response(json.dumps(body), content_type="application/json")

    with pytest.raises(MagentoError, match="page 2 repeats page 1"):
        list(magento(server, fake_time).iter_product_pages())


def test_401_fetches_a_new_admin_token_once(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    issued = admin_token_route(server)

    @server.route("GET", "/rest/V1/store/websites")
    def websites(request: Request) -> Response:
        if request.headers["Authorization"] == "Bearer admintoken1":
            body = {
                "message": "The consumer isn't authorized to access %resources.",
                "parameters": {"resources": "Magento_Backend::store"},
            }
            return Response(json.dumps(body), status=401, content_type="application/json")
        sites = [{"id": 0, "code": "admin"}, {"id": 1, "code": "base"}]
        return Response(json.dumps(sites), content_type="application/json")

    assert magento(server, fake_time).list_websites() == {0: "admin", 1: "base"}
    assert issued == ["admintoken1", "admintoken2"]


def test_error_message_substitutes_placeholders_and_hides_credentials(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    @server.route("GET", PRODUCTS)
    def products(request: Request) -> Response:
        body = {
            "message": "%fieldName is a required field.",
            "parameters": {"fieldName": "searchCriteria"},
        }
        return Response(json.dumps(body), status=400, content_type="application/json")

    client = magento(server, fake_time, username=None, password=None, token="integration-secret")
    with pytest.raises(MagentoError) as caught:
        list(client.iter_product_pages())
    assert str(caught.value) == (
        "Magento list products failed (HTTP 400): searchCriteria is a required field."
    )
    assert server.calls(PRODUCTS)[0].headers["Authorization"] == "Bearer integration-secret"


def test_wrong_password_is_an_auth_error_without_the_password(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)
    with pytest.raises(AuthError) as caught:
        magento(server, fake_time, password="wrong-password-x").list_websites()
    assert "wrong-password-x" not in str(caught.value)


def test_500_is_retried_then_succeeds(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)
    answers = iter(
        [Response("oops", status=503), Response(json.dumps([]), content_type="application/json")]
    )
    server.route("GET", "/rest/V1/store/websites")(lambda request: next(answers))
    assert magento(server, fake_time).list_websites() == {}
    assert len(server.calls("/rest/V1/store/websites")) == 2


def test_source_items_sorted_by_sku_then_source(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    admin_token_route(server)

    @server.route("GET", "/rest/all/V1/inventory/source-items")
    def items(request: Request) -> Response:
        assert request.args["searchCriteria[sortOrders][0][field]"] == "sku"
        assert request.args["searchCriteria[sortOrders][1][field]"] == "source_code"
        body = {
            "items": [{"sku": "A", "source_code": "default", "quantity": 5, "status": 1}],
            "total_count": 1,
        }
        return Response(json.dumps(body), content_type="application/json")

    assert list(magento(server, fake_time).iter_source_item_pages()) == [
        [{"sku": "A", "source_code": "default", "quantity": 5, "status": 1}]
    ]
