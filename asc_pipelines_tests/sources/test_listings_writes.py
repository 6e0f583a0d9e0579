"""The Listings Items write operations on the wire (protocols.md 10.1): method, path, query,
headers and body as listingsItems_2021-08-01.json says, answered with the model's own examples by
a scripted local server, and Amazon's verdict returned as a typed record."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.listing_patches import (
    offer_only_attributes,
    price_patch,
    quantity_patch,
)
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines_tests.spapi_models import assert_valid_response, load_model

from .conftest import FakeTime, ScriptedServer
from .test_listing_patches import assert_valid_request

MODEL = "listingsItems_2021-08-01.json"
SELLER = "A1EXAMPLESELLER"
MARKET = "ATVPDKIKX0DER"
ITEM = f"/listings/2021-08-01/items/{SELLER}/GM-ZDPI-9B4E"


def model_example(verb: str, sku: str | None = None) -> dict[str, Any]:
    """The model's sandbox response to a put/patch/delete: for ``sku``, or the catch-all one."""
    operation = load_model(MODEL)["paths"]["/listings/2021-08-01/items/{sellerId}/{sku}"][verb]
    for case in operation["responses"]["200"]["x-amzn-api-sandbox"]["static"]:
        wanted = (case["request"]["parameters"].get("sku") or {}).get("value")
        if wanted == sku:
            return case["response"]
    raise AssertionError(f"no {verb} example for {sku}")


def answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def throttled() -> Response:
    return answer(
        {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]}, 429
    )


def api(server: ScriptedServer, fake_time: FakeTime, **settings: Any) -> SpApiClient:
    @server.route("POST", "/auth/o2/token")
    def token(request: Request) -> Response:
        return answer({"access_token": "Atza|write-token", "expires_in": 3600})

    return SpApiClient(
        endpoint=server.base_url,
        lwa_token_url=server.base_url + "/auth/o2/token",
        client_id="amzn1.application-oa2-client.x",
        client_secret="secret",
        refresh_token="Atzr|refresh",
        timeout=5.0,
        sleep=fake_time.sleep,
        monotonic=fake_time.monotonic,
        **settings,
    )


def sent_json(server: ScriptedServer, path: str) -> list[Any]:
    return [
        json.loads(body) if body else None
        for request, body in zip(server.seen, server.seen_bodies, strict=True)
        if request.path == path
    ]


def test_model_examples_used_here_match_the_model() -> None:
    for verb, sku in [
        ("patch", None),
        ("patch", "VALIDATION_INVALID"),
        ("put", "VALIDATION_VALID"),
    ]:
        operation = {"patch": "patchListingsItem", "put": "putListingsItem"}[verb]
        assert_valid_response(MODEL, operation, 200, model_example(verb, sku), strict=False)


def test_patch_sends_the_model_request_and_returns_accepted(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("PATCH", ITEM)(lambda request: answer(model_example("patch")))
    patches = [quantity_patch(7), price_patch(Decimal("19.99"), "USD", MARKET)]
    result = api(server, fake_time).patch_listings_item(
        SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", patches
    )
    assert result.accepted and not result.invalid
    assert (result.sku, result.submission_id) == (
        "GM-ZDPI-9B4E",
        "f1dc2914-75dd-11ea-bc55-0242ac130003",
    )
    assert result.issues == ()
    (request,) = server.calls(ITEM)
    assert request.method == "PATCH"
    assert request.args.to_dict(flat=False) == {"marketplaceIds": [MARKET]}
    assert request.headers["x-amz-access-token"] == "Atza|write-token"
    assert request.headers["Content-Type"] == "application/json"
    (body,) = sent_json(server, ITEM)
    assert body == {"productType": "LUGGAGE", "patches": patches}
    assert '"value_with_tax": 19.99' in server.seen_bodies[-1].decode()
    assert_valid_request("ListingsItemPatchRequest", body)


def test_sku_and_seller_are_url_encoded(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    path = f"/listings/2021-08-01/items/{SELLER}/A%2FB%20C"
    server.route("PATCH", "/listings/2021-08-01/items/A1EXAMPLESELLER/A/B C")(
        lambda request: answer(dict(model_example("patch"), sku="A/B C"))
    )
    result = api(server, fake_time).patch_listings_item(
        SELLER, "A/B C", MARKET, "LUGGAGE", [quantity_patch(1)]
    )
    assert result.sku == "A/B C"
    # werkzeug decodes the path; the raw request line kept the encoding.
    assert server.seen[-1].environ["RAW_URI"].startswith(path + "?")


def test_invalid_preview_is_an_answer_with_typed_issues(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    path = f"/listings/2021-08-01/items/{SELLER}/VALIDATION_INVALID"
    server.route("PATCH", path)(
        lambda request: answer(model_example("patch", "VALIDATION_INVALID"))
    )
    result = api(server, fake_time).patch_listings_item(
        SELLER, "VALIDATION_INVALID", MARKET, "LUGGAGE", [quantity_patch(3)],
        preview=True, issue_locale="en_US",
    )  # fmt: skip
    assert result.invalid and not result.accepted
    assert result.submission_id == "a1c562c2-1695-11ee-be56-0242ac120002"
    (issue,) = result.issues
    assert (issue.code, issue.severity, issue.message) == (
        "90000900",
        "ERROR",
        "The attributes are invalid.",
    )
    assert issue.attribute_names == ("fake_attribute",)
    assert issue.categories == ("INVALID_ATTRIBUTE",)
    assert result.errors == (issue,)
    assert server.calls(path)[0].args.to_dict() == {
        "marketplaceIds": MARKET,
        "mode": "VALIDATION_PREVIEW",
        "issueLocale": "en_US",
    }


def test_offer_only_put_sends_requirements_and_attributes(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    path = f"/listings/2021-08-01/items/{SELLER}/VALIDATION_VALID"
    server.route("PUT", path)(lambda request: answer(model_example("put", "VALIDATION_VALID")))
    attributes = offer_only_attributes(
        asin="B07N4M94X4",
        condition="new_new",
        quantity=4,
        price=Decimal("24.95"),
        currency="USD",
        marketplace_id=MARKET,
    )
    result = api(server, fake_time).put_listings_item(
        SELLER, "VALIDATION_VALID", MARKET, "PRODUCT", "LISTING_OFFER_ONLY", attributes,
        preview=True,
    )  # fmt: skip
    assert result.status == "VALID" and not result.accepted and not result.invalid
    (request,) = server.calls(path)
    assert request.method == "PUT"
    assert request.args.to_dict() == {"marketplaceIds": MARKET, "mode": "VALIDATION_PREVIEW"}
    (body,) = sent_json(server, path)
    assert body == {
        "productType": "PRODUCT",
        "requirements": "LISTING_OFFER_ONLY",
        "attributes": attributes,
    }
    assert_valid_request("ListingsItemPutRequest", body)


def test_delete_sends_no_body(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("DELETE", ITEM)(lambda request: answer(model_example("delete")))
    result = api(server, fake_time).delete_listings_item(
        SELLER, "GM-ZDPI-9B4E", MARKET, issue_locale="de_DE"
    )
    assert result.accepted
    (request,) = server.calls(ITEM)
    assert request.args.to_dict() == {"marketplaceIds": MARKET, "issueLocale": "de_DE"}
    assert server.seen_bodies[-1] == b""
    assert "Content-Type" not in request.headers


def test_previews_wait_for_the_one_per_second_bucket(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("PATCH", ITEM)(lambda request: answer(model_example("patch")))
    client = api(server, fake_time)
    for _ in range(3):
        client.patch_listings_item(
            SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", [quantity_patch(1)], preview=True
        )
    # Preview bucket: burst 1 at 1/s, so the 2nd and 3rd previews each wait a second.
    assert fake_time.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]
    assert len(server.calls(ITEM)) == 3
    assert all(request.args["mode"] == "VALIDATION_PREVIEW" for request in server.calls(ITEM))


def test_live_patches_use_their_own_burst_and_previews_count_against_it_too(
    server, fake_time
) -> None:  # type: ignore[no-untyped-def]
    server.route("PATCH", ITEM)(lambda request: answer(model_example("patch")))
    client = api(server, fake_time)
    for _ in range(5):  # patchListingsItem: burst 5, no wait
        client.patch_listings_item(SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", [quantity_patch(1)])
    assert fake_time.sleeps == []
    client.patch_listings_item(
        SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", [quantity_patch(1)], preview=True
    )
    # The preview bucket is full, but the patch bucket is empty: one token at 5/s is 0.2 s away.
    assert fake_time.sleeps == [pytest.approx(0.2)]


def test_throttling_and_server_errors_are_retried(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    answers = iter(
        [
            throttled(),
            answer({"errors": [{"code": "InternalFailure", "message": "x"}]}, 500),
            answer(model_example("patch")),
        ]
    )
    server.route("PATCH", ITEM)(lambda request: next(answers))
    client = api(server, fake_time, backoff_base=0.5)
    result = client.patch_listings_item(
        SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", [quantity_patch(0)]
    )
    assert result.accepted
    assert len(server.calls(ITEM)) == 3
    assert client.throttled_responses == 1
    first, *again = sent_json(server, ITEM)
    assert again == [first, first]  # the same patch each time


def test_a_refusal_of_the_request_itself_is_an_error_not_a_verdict(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("PUT", ITEM)(
        lambda request: answer({"errors": [{"code": "InvalidInput", "message": "bad"}]}, 400)
    )
    with pytest.raises(SpApiError, match="putListingsItem failed \\(HTTP 400\\)"):
        api(server, fake_time).put_listings_item(
            SELLER, "GM-ZDPI-9B4E", MARKET, "PRODUCT", "LISTING", {"item_name": [{"value": "x"}]}
        )
    assert len(server.calls(ITEM)) == 1


def test_an_answer_without_a_status_is_not_taken_for_a_verdict(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("PATCH", ITEM)(lambda request: answer({"sku": "GM-ZDPI-9B4E"}))
    with pytest.raises(SpApiError, match="InvalidBody"):
        api(server, fake_time).patch_listings_item(
            SELLER, "GM-ZDPI-9B4E", MARKET, "LUGGAGE", [quantity_patch(1)]
        )


def test_nothing_is_sent_for_an_empty_patch_or_unknown_requirements(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    client = api(server, fake_time)
    with pytest.raises(ValueError):
        client.patch_listings_item(SELLER, "S", MARKET, "LUGGAGE", [])
    with pytest.raises(ValueError):
        client.put_listings_item(SELLER, "S", MARKET, "LUGGAGE", "OFFER", {"a": [{}]})
    assert server.seen == []
