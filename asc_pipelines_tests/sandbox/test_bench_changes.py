"""``POST /_sandbox/change``: a share of the catalog changed at once, in every way an incremental
sync must catch, seen through the same HTTP APIs the pipeline reads."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.bench_changes import CHANGE_KINDS
from asc_pipelines.sandbox.magento_search import format_sql_datetime
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.conftest import fetch_token
from asc_pipelines_tests.sandbox.magento_world import criteria

MAGENTO = {"Authorization": f"Bearer {credentials.MAGENTO_INTEGRATION_TOKEN}"}


@pytest.fixture
def served(small_world: Path, sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """The 1,000-product world on a fixed clock, reports done at once."""
    return sandbox_factory(small_world, clock_mode="fixed", report_delay_seconds=0.0)


def _change(server: SandboxServer, **body: Any) -> requests.Response:
    return requests.post(f"{server.base_url}/_sandbox/change", json=body, timeout=30)


def _changed(server: SandboxServer, rate: float, **body: Any) -> dict[str, Any]:
    response = _change(server, rate=rate, details=True, **body)
    assert response.status_code == 200, response.text
    return response.json()


def _skus(answer: dict[str, Any], kind: str) -> list[str]:
    return [entry["sku"] for entry in answer["details"][kind]]


def _products(server: SandboxServer, skus: list[str]) -> dict[str, dict[str, Any]]:
    response = requests.get(
        f"{server.base_url}/rest/all/V1/products",
        params=criteria([("sku", ",".join(skus), "in")], page_size=len(skus)),
        headers=MAGENTO,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {item["sku"]: item for item in response.json()["items"]}


def _source_items(server: SandboxServer, skus: list[str]) -> dict[str, tuple[float, int]]:
    response = requests.get(
        f"{server.base_url}/rest/V1/inventory/source-items",
        params=criteria([("sku", ",".join(skus), "in")], [("source_code", "default", "eq")]),
        headers=MAGENTO,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {item["sku"]: (item["quantity"], item["status"]) for item in response.json()["items"]}


class _Amazon:
    """SP-API calls as one store of the served world."""

    def __init__(self, server: SandboxServer, store: str) -> None:
        self.server = server
        state = requests.get(f"{server.base_url}/_sandbox/state", timeout=5).json()
        found = next(s for s in state["stores"] if s["id"] == store)
        self.seller, self.marketplace = found["seller_id"], found["marketplace_id"]
        self.headers = {"x-amz-access-token": fetch_token(server.base_url, store)}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(
            self.server.base_url + path, params=params, headers=self.headers, timeout=10
        )

    def updated_after(self, after: str) -> dict[str, dict[str, Any]]:
        """Every listing ``searchListingsItems`` finds with ``lastUpdatedAfter``, by SKU."""
        found: dict[str, dict[str, Any]] = {}
        token = None
        while True:
            params = {
                "marketplaceIds": self.marketplace,
                "lastUpdatedAfter": after,
                "includedData": "summaries",
                "pageSize": 20,
                **({"pageToken": token} if token else {}),
            }
            response = self.get(f"/listings/2021-08-01/items/{self.seller}", **params)
            assert response.status_code == 200, response.text
            body = response.json()
            found.update({item["sku"]: item for item in body["items"]})
            token = body.get("pagination", {}).get("nextToken")
            if not token:
                return found

    def report(self) -> dict[str, dict[str, str]]:
        """The listings report's rows by seller SKU."""
        created = requests.post(
            f"{self.server.base_url}/reports/2021-06-30/reports",
            json={
                "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                "marketplaceIds": [self.marketplace],
            },
            headers=self.headers,
            timeout=10,
        ).json()
        report = self.get(f"/reports/2021-06-30/reports/{created['reportId']}").json()
        document = self.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
        data = requests.get(document["url"], timeout=10).content
        if document.get("compressionAlgorithm") == "GZIP":
            data = gzip.decompress(data)
        header, *lines = data.decode("cp1252").split("\n")
        names = header.split("\t")
        rows = [dict(zip(names, line.split("\t"), strict=False)) for line in lines if line]
        return {row["seller-sku"]: row for row in rows}


@pytest.fixture
def amazon(served: SandboxServer) -> Iterator[Callable[[str], _Amazon]]:
    yield lambda store: _Amazon(served, store)


def test_the_asked_share_of_products_changes_spread_over_every_kind(
    served: SandboxServer,
) -> None:
    answer = _changed(served, 0.2)
    assert answer["products"] == 1000
    assert answer["changed_products"] == 200 == sum(answer["kinds"].values())
    assert set(answer["kinds"]) == set(CHANGE_KINDS)
    assert all(answer["kinds"][kind] > 0 for kind in CHANGE_KINDS), answer["kinds"]
    every = [entry["sku"] for done in answer["details"].values() for entry in done]
    assert len(every) == len(set(every)) == 200
    assert answer["now"] == served.clock.now().isoformat()
    assert sum(answer["amazon_stores"].values()) == sum(
        answer["kinds"][k] for k in ("amazon_price", "amazon_quantity", "amazon_delete")
    )


def test_a_tiny_rate_still_changes_one_product_and_the_clock_stays(served: SandboxServer) -> None:
    before = served.clock.now()
    answer = _change(served, rate=0.0001).json()
    assert answer["changed_products"] == 1
    assert "details" not in answer
    assert served.clock.now() == before
    state = requests.get(f"{served.base_url}/_sandbox/state", timeout=5).json()
    assert (state["tick"], state["changes"]) == (0, 1)


def test_stock_only_changes_show_in_source_items_and_leave_updated_at_alone(
    served: SandboxServer,
) -> None:
    skus = sorted(served.app.magento.catalog.sku)
    stock_before = _source_items(served, skus)
    products_before = _products(served, skus)
    served.clock.advance(600)
    answer = _changed(served, 0.2)
    stocked = _skus(answer, "magento_stock")
    assert stocked
    stock_after = _source_items(served, skus)
    products_after = _products(served, stocked)
    for sku in stocked:
        assert stock_after[sku] != stock_before[sku], sku
        assert products_after[sku]["updated_at"] == products_before[sku]["updated_at"], sku
    assert {sku for sku in skus if stock_after.get(sku) != stock_before.get(sku)} == set(stocked)


def test_price_status_and_website_changes_move_updated_at(served: SandboxServer) -> None:
    skus = sorted(served.app.magento.catalog.sku)
    before = _products(served, skus)
    served.clock.advance(600)
    now = format_sql_datetime(int(served.clock.now().timestamp()))
    answer = _changed(served, 0.2)
    after = _products(served, skus)
    priced = _skus(answer, "magento_price")
    toggled = _skus(answer, "magento_status")
    moved = _skus(answer, "magento_website")
    for sku in priced:
        assert after[sku]["price"] != before[sku]["price"], sku
    for sku in toggled:
        assert {after[sku]["status"], before[sku]["status"]} == {1, 2}, sku
    for sku in moved:
        old = set(before[sku]["extension_attributes"]["website_ids"])
        new = set(after[sku]["extension_attributes"]["website_ids"])
        assert new < old or (not old and len(new) == 1), sku
    newer = {sku for sku in skus if after[sku]["updated_at"] != before[sku]["updated_at"]}
    assert newer == set(priced + toggled + moved)
    assert {after[sku]["updated_at"] for sku in newer} == {now}
    assert all(now > before[sku]["updated_at"] for sku in newer)


def test_amazon_changes_show_in_the_search_by_last_update_and_the_next_report(
    served: SandboxServer, amazon: Callable[[str], _Amazon]
) -> None:
    us, uk = amazon("us"), amazon("uk")
    reports_before = {"us": us.report(), "uk": uk.report()}
    served.clock.advance(600)
    since = (served.clock.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = _changed(served, 0.2)
    for store, client in (("us", us), ("uk", uk)):
        edited = {
            (kind, entry["sku"])
            for kind in ("amazon_price", "amazon_quantity")
            for entry in answer["details"][kind]
            if entry["store"] == store
        }
        deleted = {e["sku"] for e in answer["details"]["amazon_delete"] if e["store"] == store}
        found = client.updated_after(since)
        assert set(found) == {sku for _, sku in edited}, store
        before, report = reports_before[store], client.report()
        for kind, sku in edited:
            column = "price" if kind == "amazon_price" else "quantity"
            assert report[sku][column] != before[sku][column], (store, sku)
            summary = found[sku]["summaries"][0]
            assert summary["lastUpdatedDate"] > since
        assert set(before) - set(report) == deleted, store
        # (A generated world has a few malformed rows: compare the two columns that change.)
        changed_rows = {
            sku
            for sku in report
            if (report[sku].get("price"), report[sku].get("quantity"))
            != (before[sku].get("price"), before[sku].get("quantity"))
        }
        assert changed_rows == {sku for _, sku in edited}, store
        for sku in deleted:
            gone = client.get(
                f"/listings/2021-08-01/items/{client.seller}/{sku}",
                marketplaceIds=client.marketplace,
            )
            assert gone.status_code == 404, (store, sku)
    assert answer["details"]["amazon_delete"], "no deletion drawn: choose another rate"


def test_the_same_seed_changes_the_same_products_the_same_way(
    small_world: Path, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    first = sandbox_factory(small_world, clock_mode="fixed")
    second = sandbox_factory(small_world, clock_mode="fixed")
    a1, a2 = _changed(first, 0.05), _changed(first, 0.05)
    b1, b2 = _changed(second, 0.05), _changed(second, 0.05)
    assert (a1["details"], a2["details"]) == (b1["details"], b2["details"])
    assert first.app.dump() == second.app.dump()
    assert a1["details"] != a2["details"]  # each call draws from its own stream
    other = sandbox_factory(small_world, clock_mode="fixed")
    assert _changed(other, 0.05, seed=7)["details"] != a1["details"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "rate"),
        ({"rate": 0}, "rate"),
        ({"rate": 1.5}, "rate"),
        ({"rate": "0.1"}, "rate"),
        ({"rate": True}, "rate"),
        ({"rate": 0.1, "seed": "x"}, "seed"),
        ({"rate": 0.1, "details": "yes"}, "details"),
    ],
)
def test_a_bad_change_request_is_400_naming_the_key(
    served: SandboxServer, body: dict[str, Any], key: str
) -> None:
    response = _change(served, **body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{key}:")
    assert served.app.changes == 0


def test_change_is_callable_in_process_too(served: SandboxServer) -> None:
    answer = served.app.change_products(0.01)
    assert (answer["change"], answer["changed_products"]) == (1, 10)
    with pytest.raises(ValueError, match="rate"):
        served.app.change_products(0)
