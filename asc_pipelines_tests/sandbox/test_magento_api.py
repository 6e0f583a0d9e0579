"""The sandbox Magento store over real HTTP: auth, searches, paging, store views, stock, orders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines_tests.sandbox.magento_world import (
    LiveStore,
    ManualClock,
    admin_token,
    criteria,
    product,
    serve,
    standard_products,
    write_world,
)

ALL_SKUS = [
    "24-MB01",
    "CAFÉ-01",
    "JP-01",
    "OFF-01",
    "MH01",
    "MH01-S-Red",
    "MH01-M-Red",
    "BNDL-01",
    "VIRT-01",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    """The standard small catalog, served; tests here must not change its state."""
    root = write_world(tmp_path_factory.mktemp("world"), standard_products())
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock, seed=7), clock) as live:
        yield live


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[LiveStore]:
    """A store of its own, for tests that move the clock."""
    root = write_world(tmp_path, standard_products())
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock, seed=7), clock) as live:
        yield live


def _skus(
    store: LiveStore, pairs: list[tuple[str, str]], path: str = "/rest/V1/products"
) -> list[str]:
    response = store.get(path, pairs)
    assert response.status_code == 200, response.text
    return [item["sku"] for item in response.json()["items"]]


# --- auth ------------------------------------------------------------------------------------


def test_admin_token_is_a_json_string_that_opens_the_api(store: LiveStore) -> None:
    token = admin_token(store.base_url)
    assert isinstance(token, str) and len(token) == 32
    response = store.get("/rest/V1/store/websites", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_wrong_password_is_401_with_magentos_sign_in_message(store: LiveStore) -> None:
    response = requests.post(
        f"{store.base_url}/rest/V1/integration/admin/token",
        json={"username": credentials.MAGENTO_ADMIN_USERNAME, "password": "nope"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["message"].startswith("The account sign-in was incorrect")


def test_missing_password_is_a_required_field_error(store: LiveStore) -> None:
    response = requests.post(
        f"{store.base_url}/rest/V1/integration/admin/token",
        json={"username": credentials.MAGENTO_ADMIN_USERNAME},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "password"},
    }


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        ("/rest/V1/products?searchCriteria=", "Magento_Catalog::products"),
        ("/rest/V1/products/24-MB01", "Magento_Catalog::products"),
        ("/rest/V1/inventory/source-items?searchCriteria=", "Magento_InventoryApi::source"),
        ("/rest/V1/orders?searchCriteria=", "Magento_Sales::actions_view"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_requests_without_a_valid_token_are_401_naming_the_resource(
    store: LiveStore, path: str, resource: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = store.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": resource},
    }


def test_admin_tokens_expire_after_four_hours_integration_tokens_never(
    fresh_store: LiveStore,
) -> None:
    token = admin_token(fresh_store.base_url)
    admin = {"Authorization": f"Bearer {token}"}
    fresh_store.clock.advance(hours=3, minutes=59)
    assert fresh_store.get("/rest/V1/store/websites", headers=admin).status_code == 200
    fresh_store.clock.advance(minutes=1)
    assert fresh_store.get("/rest/V1/store/websites", headers=admin).status_code == 401
    fresh_store.clock.advance(days=400)
    assert fresh_store.get("/rest/V1/store/websites").status_code == 200  # integration token


# --- product searches ------------------------------------------------------------------------


def test_missing_search_criteria_is_400(store: LiveStore) -> None:
    response = store.get("/rest/V1/products")
    assert response.status_code == 400
    assert response.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "searchCriteria"},
    }


def test_without_page_size_every_product_is_returned(store: LiveStore) -> None:
    body = store.get("/rest/V1/products", criteria()).json()
    assert [item["sku"] for item in body["items"]] == ALL_SKUS
    assert body["total_count"] == 9
    assert body["search_criteria"] == {"filter_groups": []}


@pytest.mark.parametrize(
    ("field", "value", "condition", "expected"),
    [
        ("sku", "24-MB01", "eq", ["24-MB01"]),
        ("sku", "24-mb01", "eq", ["24-MB01"]),  # MySQL's case-insensitive collation
        ("name", "Gift Wrap", None, ["VIRT-01"]),  # eq is the default
        ("type_id", "simple", "neq", ["MH01", "BNDL-01", "VIRT-01"]),
        ("price", "20", "gt", ["24-MB01", "MH01-S-Red", "MH01-M-Red"]),
        ("price", "20", "gteq", ["24-MB01", "JP-01", "MH01-S-Red", "MH01-M-Red"]),
        ("price", "20", "moreq", ["24-MB01", "JP-01", "MH01-S-Red", "MH01-M-Red"]),
        ("price", "10", "lt", ["VIRT-01"]),  # no price (configurable, bundle) never matches
        ("price", "10", "lteq", ["OFF-01", "VIRT-01"]),
        ("sku", "JP-01, VIRT-01,OFF-01", "in", ["JP-01", "OFF-01", "VIRT-01"]),
        ("type_id", "simple,virtual", "nin", ["MH01", "BNDL-01"]),
        ("name", "%hoodie%", "like", ["MH01", "MH01-S-Red", "MH01-M-Red"]),
        ("sku", "MH01-_-Red", "like", ["MH01-S-Red", "MH01-M-Red"]),
        ("sku", "MH01%", "nlike", ["24-MB01", "CAFÉ-01", "JP-01", "OFF-01", "BNDL-01", "VIRT-01"]),
        ("amazon_asin", "", "notnull", ["24-MB01", "JP-01"]),
        ("upc", "", "null", [s for s in ALL_SKUS if s != "24-MB01"]),
        ("activity", "running", "finset", ["JP-01"]),
        ("color", "Red", "nfinset", ["24-MB01"]),
        ("updated_at", "2026-01-12 09:30:00", "from", ["CAFÉ-01", "JP-01"]),
        (
            "updated_at",
            "2026-01-05",
            "to",
            ["OFF-01", "MH01", "MH01-S-Red", "MH01-M-Red", "BNDL-01", "VIRT-01"],
        ),
        ("updated_at", "2026-01-10 08:00:00", "gt", ["CAFÉ-01", "JP-01"]),
        ("created_at", "2026-01-01", "lt", ["JP-01"]),
        ("entity_id", "7", "gt", ["BNDL-01", "VIRT-01"]),
        ("id", "2", "lteq", ["24-MB01", "CAFÉ-01"]),
        ("status", "2", "eq", ["OFF-01"]),
        ("visibility", "1", "eq", ["MH01-S-Red", "MH01-M-Red"]),
        ("required_options", "1", "eq", ["MH01", "BNDL-01"]),
        ("url_key", "cafe-creme-tasse", "eq", ["CAFÉ-01"]),
        ("ean", "4006381333931", "eq", ["CAFÉ-01"]),
    ],
)
def test_condition_types(
    store: LiveStore, field: str, value: str, condition: str | None, expected: list[str]
) -> None:
    assert _skus(store, criteria([(field, value, condition)])) == expected


def test_filters_in_a_group_are_ored(store: LiveStore) -> None:
    group = [("sku", "24-MB01", "eq"), ("sku", "JP-01", "eq")]
    assert _skus(store, criteria(group)) == ["24-MB01", "JP-01"]


def test_filter_groups_are_anded(store: LiveStore) -> None:
    pairs = criteria([("price", "15", "gt")], [("type_id", "simple", "eq")])
    assert _skus(store, pairs) == ["24-MB01", "JP-01", "MH01-S-Red", "MH01-M-Red"]


def test_from_and_to_in_separate_groups_make_a_range(store: LiveStore) -> None:
    pairs = criteria(
        [("updated_at", "2026-01-05", "from")], [("updated_at", "2026-01-12 23:59:59", "to")]
    )
    assert _skus(store, pairs) == ["24-MB01", "CAFÉ-01", "MH01"]


def test_unknown_condition_type_is_400(store: LiveStore) -> None:
    response = store.get("/rest/V1/products", criteria([("sku", "A", "contains")]))
    assert response.status_code == 400
    assert response.json()["parameters"] == {"value": "contains", "fieldName": "condition_type"}


def test_unknown_attribute_is_400(store: LiveStore) -> None:
    response = store.get("/rest/V1/products", criteria([("no_such_code", "A", "eq")]))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Invalid attribute name: %1",
        "parameters": ["no_such_code"],
    }


def test_sorting_puts_missing_prices_last_when_descending(store: LiveStore) -> None:
    pairs = criteria(sort=[("price", "DESC")])
    assert _skus(store, pairs) == [
        "MH01-S-Red",
        "MH01-M-Red",
        "24-MB01",
        "JP-01",
        "CAFÉ-01",
        "OFF-01",
        "VIRT-01",
        "MH01",
        "BNDL-01",
    ]


def test_sorting_by_several_fields_and_by_name(store: LiveStore) -> None:
    by_type = _skus(store, criteria(sort=[("type_id", "ASC"), ("entity_id", "DESC")]))
    assert by_type[:2] == ["BNDL-01", "MH01"]
    assert by_type[-1] == "VIRT-01"
    assert by_type[2:8] == ["MH01-M-Red", "MH01-S-Red", "OFF-01", "JP-01", "CAFÉ-01", "24-MB01"]
    by_name = _skus(store, criteria(sort=[("name", "ASC")]))
    assert by_name[:2] == ["CAFÉ-01", "MH01-M-Red"]
    assert by_name[-1] == "JP-01"


def test_paging_and_the_past_last_page_repeat(store: LiveStore) -> None:
    sort = [("entity_id", "ASC")]
    pages = [
        store.get("/rest/V1/products", criteria(sort=sort, page_size=4, current_page=n)).json()
        for n in (1, 2, 3, 4, 9)
    ]
    items = [[item["sku"] for item in page["items"]] for page in pages]
    assert items[0] + items[1] + items[2] == ALL_SKUS
    assert items[3] == items[2] == items[4] == ["VIRT-01"]
    assert {page["total_count"] for page in pages} == {9}
    assert [page["search_criteria"]["current_page"] for page in pages] == [1, 2, 3, 4, 9]
    assert pages[3]["search_criteria"] == {
        "filter_groups": [],
        "sort_orders": [{"field": "entity_id", "direction": "ASC"}],
        "page_size": 4,
        "current_page": 4,
    }


def test_current_page_zero_is_page_one(store: LiveStore) -> None:
    assert _skus(store, criteria(page_size=2, current_page=0)) == ["24-MB01", "CAFÉ-01"]


def test_incremental_sync_page_as_the_client_asks_for_it(store: LiveStore) -> None:
    pairs = criteria(
        [("updated_at", "2026-01-05 00:00:00", "gt")],
        sort=[("entity_id", "ASC")],
        page_size=2,
        current_page=2,
    )
    body = store.get("/rest/V1/products", pairs).json()
    assert [item["sku"] for item in body["items"]] == ["JP-01"]
    assert body["total_count"] == 3
    assert body["search_criteria"]["filter_groups"] == [
        {
            "filters": [
                {"field": "updated_at", "value": "2026-01-05 00:00:00", "condition_type": "gt"}
            ]
        }
    ]


def test_list_items_have_magentos_shape_and_no_stock(store: LiveStore) -> None:
    item = store.get("/rest/V1/products", criteria([("sku", "24-MB01", "eq")])).json()["items"][0]
    assert list(item) == [
        "id",
        "sku",
        "name",
        "attribute_set_id",
        "price",
        "status",
        "visibility",
        "type_id",
        "created_at",
        "updated_at",
        "weight",
        "extension_attributes",
        "product_links",
        "options",
        "media_gallery_entries",
        "tier_prices",
        "custom_attributes",
    ]
    assert item["extension_attributes"] == {"website_ids": [1], "category_links": []}
    assert (item["price"], item["status"], item["visibility"]) == (34, 1, 4)
    assert item["updated_at"] == "2026-01-10 08:00:00"
    assert item["custom_attributes"] == [
        {"attribute_code": "url_key", "value": "joust-duffle-bag"},
        {"attribute_code": "amazon_asin", "value": "B000000001"},
        {"attribute_code": "upc", "value": "012345678905"},
        {"attribute_code": "color", "value": "Black"},
        {"attribute_code": "required_options", "value": "0"},
        {"attribute_code": "has_options", "value": "0"},
    ]


def test_configurable_parent_lists_children_and_requires_options(store: LiveStore) -> None:
    item = store.get("/rest/V1/products", criteria([("sku", "MH01", "eq")])).json()["items"][0]
    assert "price" not in item and "weight" not in item
    assert item["attribute_set_id"] == 9
    assert item["extension_attributes"]["configurable_product_links"] == [6, 7]
    assert {"attribute_code": "required_options", "value": "1"} in item["custom_attributes"]


def test_non_ascii_is_escaped_on_the_wire_and_decodes_back(store: LiveStore) -> None:
    response = store.get("/rest/V1/products", criteria([("sku", "JP-01", "eq")]))
    assert "\\u65e5\\u672c" in response.text
    assert response.json()["items"][0]["name"] == "日本茶 湯呑み"
    assert response.json()["items"][0]["extension_attributes"]["website_ids"] == [1, 2]


def test_fields_returns_a_partial_response(store: LiveStore) -> None:
    pairs = [*criteria(page_size=2), ("fields", "items[sku,price],total_count")]
    body = store.get("/rest/V1/products", pairs).json()
    assert body == {
        "items": [{"sku": "24-MB01", "price": 34}, {"sku": "CAFÉ-01", "price": 12.5}],
        "total_count": 9,
    }


# --- store views -----------------------------------------------------------------------------


def test_store_view_path_applies_that_views_values(store: LiveStore) -> None:
    pairs = criteria([("sku", "24-MB01,OFF-01", "in")])
    fr = store.get("/rest/fr/V1/products", pairs).json()["items"]
    assert [(i["name"], i["status"], i["visibility"], i.get("price")) for i in fr] == [
        ("Sac de sport Joust", 1, 3, 39.9),
        ("Disabled Lamp", 1, 4, 10),
    ]
    assert {"attribute_code": "color", "value": "Noir"} in fr[0]["custom_attributes"]
    for path in ("/rest/V1/products", "/rest/all/V1/products", "/rest/default/V1/products"):
        items = store.get(path, pairs).json()["items"]
        assert [(i["name"], i["status"]) for i in items] == [
            ("Joust Duffle Bag", 1),
            ("Disabled Lamp", 2),
        ]


def test_store_view_filters_see_the_views_values(store: LiveStore) -> None:
    pairs = criteria([("name", "Sac%", "like")])
    assert _skus(store, pairs, "/rest/fr/V1/products") == ["24-MB01"]
    assert _skus(store, pairs, "/rest/V1/products") == []
    assert _skus(store, criteria([("color", "Noir", "eq")]), "/rest/fr/V1/products") == ["24-MB01"]


@pytest.mark.parametrize(
    "path", ["/rest/xx/V1/products?searchCriteria=", "/rest/V1/nothing", "/rest/V2/products"]
)
def test_unknown_routes_and_store_codes_are_404(store: LiveStore, path: str) -> None:
    response = store.get(path)
    assert response.status_code == 404
    assert response.json() == {"message": "Request does not match any route."}


# --- single product and stock ----------------------------------------------------------------


def test_single_product_includes_the_stock_item(store: LiveStore) -> None:
    item = store.get("/rest/V1/products/CAF%C3%89-01").json()
    assert item["sku"] == "CAFÉ-01"
    stock = item["extension_attributes"]["stock_item"]
    assert {k: stock[k] for k in ("item_id", "product_id", "stock_id", "qty", "is_in_stock")} == {
        "item_id": 2,
        "product_id": 2,
        "stock_id": 1,
        "qty": 5,
        "is_in_stock": True,
    }
    assert {"attribute_code": "material", "value": "steel, glass"} in item["custom_attributes"]


def test_unknown_sku_is_404(store: LiveStore) -> None:
    response = store.get("/rest/V1/products/NO-SUCH-SKU")
    assert response.status_code == 404
    assert response.json() == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."
    }


def test_sku_with_a_slash_is_served_when_percent_encoded(tmp_path: Path) -> None:
    root = write_world(tmp_path, [product("BOX/2", name="Boîte")])
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock), clock) as live:
        assert live.get("/rest/V1/products/BOX%2F2").json()["name"] == "Boîte"
        assert live.get("/rest/V1/stockItems/BOX%2F2").json()["qty"] == 5


def test_source_items_are_synthesized_from_qty(store: LiveStore) -> None:
    body = store.get("/rest/V1/inventory/source-items", criteria()).json()
    assert body["total_count"] == 7
    assert body["items"][3] == {
        "sku": "OFF-01",
        "source_code": "default",
        "quantity": 0,
        "status": 0,
    }
    skus = [item["sku"] for item in body["items"]]
    assert "MH01" not in skus and "BNDL-01" not in skus


def test_source_items_search_and_page_like_products(tmp_path: Path) -> None:
    products = [product("A", qty=7), product("B", qty=3), product("C", qty=0, is_in_stock=0)]
    listed = [("A", "default", 2, 1), ("A", "eu_warehouse", 9, 1)]
    root = write_world(tmp_path, products, listed)
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock), clock) as live:
        path = "/rest/V1/inventory/source-items"
        body = live.get(
            path, criteria([("quantity", "2", "gteq")], page_size=1, current_page=5)
        ).json()
        assert body["total_count"] == 3
        assert body["items"] == [{"sku": "B", "source_code": "default", "quantity": 3, "status": 1}]
        in_eu = live.get(path, criteria([("source_code", "eu_warehouse", "eq")])).json()
        assert [i["sku"] for i in in_eu["items"]] == ["A"]
        sorted_ = live.get(path, criteria(sort=[("quantity", "DESC")])).json()
        assert [i["quantity"] for i in sorted_["items"]] == [9, 3, 2, 0]
        assert (
            live.get("/rest/V1/products/A").json()["extension_attributes"]["stock_item"]["qty"] == 2
        )
        bad = live.get(path, criteria([("no_column", "1", "eq")]))
        assert bad.status_code == 500
        assert bad.json()["message"].startswith("Internal Error.")


def test_composite_products_have_a_legacy_stock_item_but_no_source_items(store: LiveStore) -> None:
    stock = store.get("/rest/V1/products/MH01").json()["extension_attributes"]["stock_item"]
    assert (stock["qty"], stock["is_in_stock"]) == (0, True)
    items = store.get("/rest/V1/inventory/source-items", criteria([("sku", "MH01", "eq")])).json()
    assert items["total_count"] == 0


# --- websites and orders ---------------------------------------------------------------------


def test_websites_include_admin_and_every_website_code(store: LiveStore) -> None:
    assert store.get("/rest/V1/store/websites").json() == [
        {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
        {"id": 1, "code": "base", "name": "Main Website", "default_group_id": 1},
        {"id": 2, "code": "jp_site", "name": "Jp Site Website", "default_group_id": 2},
    ]


def test_orders_search_and_single_order(store: LiveStore) -> None:
    body = store.get("/rest/V1/orders", criteria(sort=[("created_at", "DESC")], page_size=5)).json()
    assert body["total_count"] == 20
    created = [order["created_at"] for order in body["items"]]
    assert created == sorted(created, reverse=True)
    first = body["items"][0]
    assert store.get(f"/rest/V1/orders/{first['entity_id']}").json() == first
    complete = store.get("/rest/V1/orders", criteria([("state", "complete", "eq")])).json()
    assert all(o["status"] == "complete" for o in complete["items"])
    assert store.get("/rest/V1/orders/9999").status_code == 404


def test_configurable_purchases_are_two_order_lines(tmp_path: Path) -> None:
    products = [
        product(
            "P", product_type="configurable", price="", configurable_variations="sku=P-S,size=S"
        ),
        product("P-S", price="25"),
    ]
    sandbox = MagentoSandbox(write_world(tmp_path, products), ManualClock(), seed=3)
    order = sandbox.orders[0]
    parent, child = order["items"]
    assert (parent["sku"], parent["price"], child["sku"], child["price"]) == ("P", 25, "P-S", 0)
    assert child["parent_item_id"] == parent["item_id"]
