"""The sandbox Magento's store structure and currencies over real HTTP, checked against Adobe's
2.4.9 admin REST schema: store views, groups, configs, websites, ``/V1/directory/currency`` per
scope, and a website's prices read through its store views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sandbox.magento_catalog import WorldFileError
from asc_pipelines.sandbox.magento_evolve import evolve_magento
from asc_pipelines_tests.magento_schema import assert_valid_magento_response
from asc_pipelines_tests.sandbox.magento_world import (
    LiveStore,
    ManualClock,
    criteria,
    serve,
    standard_products,
    write_world,
)
from asc_pipelines_tests.sandbox.website_world import write_website_world

STRUCTURE = (
    "/V1/store/websites",
    "/V1/store/storeGroups",
    "/V1/store/storeViews",
    "/V1/store/storeConfigs",
)


@pytest.fixture(scope="module")
def uk_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    root = write_website_world(tmp_path_factory.mktemp("uk_world"))
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock, seed=7), clock) as live:
        yield live


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    root = write_world(tmp_path_factory.mktemp("plain_world"), standard_products())
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock, seed=7), clock) as live:
        yield live


def body(store: LiveStore, path: str, params: object = None) -> object:
    response = store.get(path, params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("world", ["uk_store", "plain_store"])
def test_every_answer_matches_magentos_schema(world: str, request: pytest.FixtureRequest) -> None:
    store: LiveStore = request.getfixturevalue(world)
    for path in STRUCTURE:
        assert_valid_magento_response(path, body(store, f"/rest/V1{path[3:]}"))
    views = [v["code"] for v in body(store, "/rest/V1/store/storeViews")]
    for scope in ["all", *views[1:]]:
        currency = body(store, f"/rest/{scope}/V1/directory/currency")
        assert_valid_magento_response("/V1/directory/currency", currency)
    scope = views[-1]
    full = body(store, f"/rest/{scope}/V1/products", criteria(page_size=3))
    assert_valid_magento_response("/V1/products", full)
    prices = body(
        store,
        f"/rest/{scope}/V1/products",
        [*criteria(page_size=3), ("fields", "items[sku,price,updated_at],total_count")],
    )
    assert_valid_magento_response("/V1/products", prices, partial=True)


def test_the_schema_check_can_fail(uk_store: LiveStore) -> None:
    views = body(uk_store, "/rest/V1/store/storeViews")
    views[1]["website_code"] = "uk"  # not a field of Magento's store view
    with pytest.raises(AssertionError, match="website_code"):
        assert_valid_magento_response("/V1/store/storeViews", views)


def test_views_groups_and_configs_place_each_view_in_its_website(uk_store: LiveStore) -> None:
    websites = {w["code"]: w["id"] for w in body(uk_store, "/rest/V1/store/websites")}
    views = {v["code"]: v for v in body(uk_store, "/rest/V1/store/storeViews")}
    assert list(views) == ["admin", "default", "uk_en", "uk_cy"]
    assert views["admin"]["id"] == 0
    assert {code: v["website_id"] for code, v in views.items()} == {
        "admin": 0,
        "default": websites["base"],
        "uk_en": websites["uk"],
        "uk_cy": websites["uk"],
    }
    groups = {g["website_id"]: g for g in body(uk_store, "/rest/V1/store/storeGroups")}
    assert groups[websites["uk"]]["default_store_id"] == views["uk_en"]["id"]
    assert groups[websites["base"]]["code"] == "main_website_store"
    configs = {c["code"]: c for c in body(uk_store, "/rest/V1/store/storeConfigs")}
    assert "admin" not in configs
    assert (configs["uk_cy"]["base_currency_code"], configs["uk_cy"]["locale"]) == ("GBP", "en_GB")
    assert configs["default"]["base_currency_code"] == "USD"
    only = body(uk_store, "/rest/V1/store/storeConfigs", [("storeCodes[0]", "uk_en")])
    assert [c["code"] for c in only] == ["uk_en"]


def test_currency_information_answers_for_the_requests_scope(uk_store: LiveStore) -> None:
    uk = body(uk_store, "/rest/uk_en/V1/directory/currency")
    assert (uk["base_currency_code"], uk["default_display_currency_code"]) == ("GBP", "GBP")
    assert uk["exchange_rates"] == [
        {"currency_to": "GBP", "rate": 1},
        {"currency_to": "USD", "rate": 1.27},
    ]
    glob = body(uk_store, "/rest/all/V1/directory/currency")
    assert (glob["base_currency_code"], glob["available_currency_codes"]) == (
        "USD",
        ["USD", "EUR", "GBP"],
    )
    assert {r["currency_to"]: r["rate"] for r in glob["exchange_rates"]} == {
        "USD": 1,
        "EUR": 0.92,
        "GBP": 0.79,
    }
    assert body(uk_store, "/rest/V1/directory/currency")["base_currency_code"] == "USD"


def test_a_websites_views_share_its_prices_and_fall_back_to_the_global_price(
    uk_store: LiveStore,
) -> None:
    params = [*criteria(page_size=10), ("fields", "items[sku,price],total_count")]
    for view in ("uk_en", "uk_cy"):
        answer = body(uk_store, f"/rest/{view}/V1/products", params)
        assert answer == {
            "items": [
                {"sku": "TEA", "price": 8.5},
                {"sku": "MUG", "price": 20},
                {"sku": "LAMP", "price": 30},
            ],
            "total_count": 3,
        }
    default = body(uk_store, "/rest/default/V1/products", params)
    assert default["items"][0] == {"sku": "TEA", "price": 10}


def test_a_world_without_stores_file_has_one_view_per_website_in_usd(
    plain_store: LiveStore,
) -> None:
    views = [(v["code"], v["website_id"]) for v in body(plain_store, "/rest/V1/store/storeViews")]
    websites = {w["code"]: w["id"] for w in body(plain_store, "/rest/V1/store/websites")}
    assert views == [("admin", 0), ("default", 1), ("fr", 1), ("jp_site", websites["jp_site"])]
    configs = body(plain_store, "/rest/V1/store/storeConfigs")
    assert {c["base_currency_code"] for c in configs} == {"USD"}
    currency = body(plain_store, "/rest/jp_site/V1/directory/currency")
    assert currency["exchange_rates"] == [{"currency_to": "USD", "rate": 1}]
    # Without price_scope website a view's price is its own: fr's 39.9 stays fr's.
    default = body(plain_store, "/rest/default/V1/products/24-MB01")
    assert default["price"] == 34


def test_store_structure_needs_a_token_the_currency_does_not(uk_store: LiveStore) -> None:
    denied = uk_store.get("/rest/V1/store/storeViews", headers={})
    assert denied.status_code == 401
    assert denied.json()["parameters"] == {"resources": "Magento_Backend::store"}
    assert uk_store.get("/rest/uk_en/V1/directory/currency", headers={}).status_code == 200


@pytest.mark.parametrize(
    ("stores", "message"),
    [
        ({"base_currency": "usd"}, "base_currency must be an ISO 4217 code"),
        ({"websites": {"uk": "GBP"}}, "websites.uk is not a website object"),
        ({"currency_rates": {"USD": {"GBP": 0}}}, "currency_rates.USD.GBP must be a number"),
        ({"price_scope": "store"}, "price_scope must be global or website"),
        (
            {"websites": {"uk": {"store_views": ["default"]}}},
            "store view 'default' is placed twice",
        ),
    ],
)
def test_a_bad_stores_file_names_the_file_and_key(
    tmp_path: Path, stores: dict[str, object], message: str
) -> None:
    root = write_website_world(tmp_path, stores)
    with pytest.raises(WorldFileError, match=r"stores\.json") as caught:
        MagentoSandbox(root, ManualClock(), seed=7)
    assert message in str(caught.value)


def test_the_merchant_reprices_at_a_website_over_time(tmp_path: Path) -> None:
    root = write_website_world(tmp_path)
    clock = ManualClock()
    sandbox = MagentoSandbox(root, clock, seed=3)
    row = sandbox.catalog.index["TEA"]
    before = sandbox.catalog.updated_at[row]
    changes = []
    for tick in range(1, 4):
        clock.advance(minutes=5)
        summary = evolve_magento(sandbox, seed=3, tick=tick, minutes=5, now=clock.now)
        changes.append(summary["website_price_changes"])
    assert changes == [1, 1, 1]  # TEA is the only product with a uk price
    en, cy = (sandbox.catalog.override(row, view) for view in ("uk_en", "uk_cy"))
    assert en is not None and cy is not None
    assert en.price == cy.price != 8.5
    assert sandbox.catalog.updated_at[row] == int(clock.now.timestamp()) > before


def test_a_world_without_website_prices_evolves_as_before(tmp_path: Path) -> None:
    root = write_world(tmp_path, standard_products())
    clock = ManualClock()
    clock.advance(minutes=5)
    summary = evolve_magento(
        MagentoSandbox(root, clock, seed=3), seed=3, tick=1, minutes=5, now=clock.now
    )
    assert "website_price_changes" not in summary
