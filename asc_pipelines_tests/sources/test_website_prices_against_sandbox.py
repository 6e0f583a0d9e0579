"""The Magento client reads website prices, store views and currency rates from the sandbox over
real HTTP (``magento.price_scope: website``, ``price.currency_rate: magento``), into a real
DuckDB warehouse, as the catalog pull does; with the defaults it asks for none of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import duckdb
import pytest
import requests

from asc_pipelines.config import AscConfig, MagentoConfig, PriceRules, StoreConfig
from asc_pipelines.logic.store_views import StoreViewError
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sources.magento import MagentoClient
from asc_pipelines.sources.magento_prices import PricePull, pull_website_prices
from asc_pipelines.warehouse.magento_catalog import CatalogStaging
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.sandbox.magento_world import LiveStore, ManualClock, serve
from asc_pipelines_tests.sandbox.website_world import write_website_world

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    root = write_website_world(tmp_path_factory.mktemp("uk_world"))
    clock = ManualClock()
    with serve(MagentoSandbox(root, clock, seed=7), clock) as live:
        yield live


class Recorded:
    """A client whose requests (path and query) are recorded."""

    def __init__(self, sandbox: LiveStore, page_size: int = 300) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        session = requests.Session()
        session.hooks["response"].append(self._record)
        self.client = MagentoClient(
            base_url=sandbox.base_url,
            token=credentials.MAGENTO_INTEGRATION_TOKEN,
            page_size=page_size,
            timeout=10,
            session=session,
        )

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        parts = urlsplit(response.request.url or "")
        self.requests.append((parts.path.split("/rest", 1)[1], dict(parse_qsl(parts.query))))

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def cfg(scope: str = "website", **store: Any) -> AscConfig:
    uk = StoreConfig(id="uk", marketplace="UK", seller_id="A1", website="uk", **store)
    us = StoreConfig(id="us", marketplace="US", seller_id="A2")
    return AscConfig(stores=[us, uk], magento=MagentoConfig(base_url="http://x", price_scope=scope))


def pull(
    conn: duckdb.DuckDBPyConnection,
    recorded: Recorded,
    config: AscConfig,
    *,
    full: bool = True,
    since: datetime | None = None,
) -> PricePull:
    websites = recorded.client.list_websites()
    with CatalogStaging(conn) as staging:
        read, plan = pull_website_prices(
            recorded.client, staging, config, websites=websites, full=full, since=since
        )
        staging.replace_catalog(
            full=False, now=NOW, watermark=None, last_full=None, website_prices=read
        )
    return plan


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


def warehouse() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    ensure_schema(conn)
    return conn


def test_website_prices_views_and_rates_land_in_the_warehouse(sandbox: LiveStore) -> None:
    conn, recorded = warehouse(), Recorded(sandbox)
    plan = pull(conn, recorded, cfg())
    assert (plan.views, plan.prices) == ({"default": True, "uk_en": True}, 6)
    assert rows(
        conn,
        "SELECT store_view_code, website_code, is_default_view, base_currency_code, "
        "default_display_currency_code FROM raw.magento_store_views ORDER BY store_view_id",
    ) == [
        ("default", "base", True, "USD", "USD"),
        ("uk_en", "uk", True, "GBP", "GBP"),
        ("uk_cy", "uk", False, "GBP", "GBP"),
    ]
    assert rows(
        conn,
        "SELECT sku, price::VARCHAR, updated_at FROM raw.magento_website_prices "
        "WHERE store_view_code = 'uk_en' ORDER BY sku",
    ) == [
        ("LAMP", "30.0000", datetime(2026, 1, 12, 8, tzinfo=UTC)),
        ("MUG", "20.0000", datetime(2026, 1, 11, 8, tzinfo=UTC)),
        ("TEA", "8.5000", datetime(2026, 1, 10, 8, tzinfo=UTC)),
    ]
    assert rows(
        conn,
        "SELECT scope_code, base_currency_code, currency_to, rate::DOUBLE "
        "FROM raw.magento_currency_rates ORDER BY ALL",
    ) == [
        ("all", "USD", "EUR", 0.92),
        ("all", "USD", "GBP", 0.79),
        ("all", "USD", "USD", 1.0),
        ("default", "USD", "EUR", 0.92),
        ("default", "USD", "GBP", 0.79),
        ("default", "USD", "USD", 1.0),
        ("uk_en", "GBP", "GBP", 1.0),
        ("uk_en", "GBP", "USD", 1.27),
    ]


def test_prices_are_read_in_the_views_scope_asking_only_for_three_fields(
    sandbox: LiveStore,
) -> None:
    conn, recorded = warehouse(), Recorded(sandbox, page_size=2)
    pull(conn, recorded, cfg())
    assert recorded.paths() == [
        "/V1/store/websites",
        "/V1/store/storeViews",
        "/V1/store/storeGroups",
        "/V1/store/storeConfigs",
        "/default/V1/products",
        "/default/V1/products",
        "/uk_en/V1/products",
        "/uk_en/V1/products",
        "/all/V1/directory/currency",
        "/default/V1/directory/currency",
        "/uk_en/V1/directory/currency",
    ]
    queries = [query for path, query in recorded.requests if path.endswith("/products")]
    assert {q["fields"] for q in queries} == {"items[sku,price,updated_at],total_count"}
    assert [q["searchCriteria[currentPage]"] for q in queries] == ["1", "2", "1", "2"]


def test_an_incremental_pull_asks_for_recent_products_of_views_it_already_holds(
    sandbox: LiveStore,
) -> None:
    conn = warehouse()
    pull(conn, Recorded(sandbox), cfg())
    recorded = Recorded(sandbox)
    since = datetime(2026, 1, 10, 12, tzinfo=UTC)
    plan = pull(conn, recorded, cfg(store_view="uk_cy"), full=False, since=since)
    assert plan.views == {"default": False, "uk_cy": True}  # uk_cy is new: read in full
    filters = {
        path: query.get("searchCriteria[filter_groups][0][filters][0][value]")
        for path, query in recorded.requests
        if path.endswith("/products")
    }
    assert filters == {"/default/V1/products": "2026-01-10 12:00:00", "/uk_cy/V1/products": None}
    # uk_en is no longer read: its prices are dropped; default kept what it had.
    assert rows(
        conn,
        "SELECT store_view_code, count(*) FROM raw.magento_website_prices GROUP BY ALL ORDER BY 1",
    ) == [("default", 3), ("uk_cy", 3)]


def test_with_the_defaults_nothing_more_is_asked(sandbox: LiveStore) -> None:
    conn, recorded = warehouse(), Recorded(sandbox)
    plan = pull(conn, recorded, cfg(scope="global"))
    assert recorded.paths() == ["/V1/store/websites"]
    assert not plan.needed
    for table in ("magento_store_views", "magento_website_prices", "magento_currency_rates"):
        assert rows(conn, f"SELECT count(*) FROM raw.{table}") == [(0,)]


def test_magentos_rate_in_a_global_scope_reads_only_the_global_rates(sandbox: LiveStore) -> None:
    conn, recorded = warehouse(), Recorded(sandbox)
    pull(conn, recorded, cfg(scope="global", price=PriceRules(currency_rate="magento")))
    assert recorded.paths() == ["/V1/store/websites", "/all/V1/directory/currency"]


def test_a_store_view_magento_lacks_fails_the_pull_naming_the_store(sandbox: LiveStore) -> None:
    conn = warehouse()
    with pytest.raises(StoreViewError, match="store uk: store_view 'uk_xx' is not a store view"):
        pull(conn, Recorded(sandbox), cfg(store_view="uk_xx"))
