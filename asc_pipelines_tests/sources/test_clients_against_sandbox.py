"""The production clients against the real sandbox: same code, only the base URL differs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from asc_pipelines.config import AttributeCodes
from asc_pipelines.constants import REPORT_TYPE_ALL_LISTINGS, marketplace
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sources.listings_report import stage_listing_report
from asc_pipelines.sources.magento import MagentoClient, product_rows
from asc_pipelines.sources.report_flow import ReportOutcome, advance_report
from asc_pipelines.sources.spapi.client import SpApiClient

RATE_SCALE = 50.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, products=300, stores=2, seed=7)
    return out


@pytest.fixture
def sandbox(world: Path) -> Iterator[SandboxServer]:
    with SandboxServer(
        world, clock_mode="fixed", rate_scale=RATE_SCALE, report_delay_seconds=0.5
    ) as server:
        yield server


def stores(world: Path) -> list[dict[str, str]]:
    return json.loads((world / "world.json").read_text())["stores"]


def amazon(sandbox: SandboxServer, store_id: str) -> SpApiClient:
    return SpApiClient(
        endpoint=sandbox.base_url,
        lwa_token_url=sandbox.base_url + "/auth/o2/token",
        client_id=credentials.LWA_CLIENT_ID,
        client_secret=credentials.LWA_CLIENT_SECRET,
        refresh_token=credentials.refresh_token(store_id),
        rate_scale=RATE_SCALE,
        timeout=10,
        backoff_base=0.05,
    )


def magento(sandbox: SandboxServer, page_size: int = 50) -> MagentoClient:
    return MagentoClient(
        base_url=sandbox.base_url,
        username=credentials.MAGENTO_ADMIN_USERNAME,
        password=credentials.MAGENTO_ADMIN_PASSWORD,
        page_size=page_size,
        timeout=10,
        backoff_base=0.05,
    )


def tick(
    client: SpApiClient, store: dict[str, str], in_flight, dest: Path, wait: float
) -> ReportOutcome:  # type: ignore[no-untyped-def]
    return advance_report(
        client,
        report_type=REPORT_TYPE_ALL_LISTINGS,
        marketplace_id=marketplace(store["marketplace"]).marketplace_id,
        in_flight=in_flight,
        wait_seconds=wait,
        poll_seconds=0.05,
        dest_dir=dest,
    )


def test_report_flow_is_pending_then_done_and_stages_every_line(sandbox, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for store in stores(world):
        client = amazon(sandbox, store["id"])
        first = tick(client, store, None, tmp_path, wait=0.1)
        assert first.state == "pending", first.message
        sandbox.advance(1)
        second = tick(client, store, first.request, tmp_path, wait=5)
        assert second.state == "done", second.message
        assert second.request.report_id == first.request.report_id
        conn = duckdb.connect()
        staged = stage_listing_report(
            conn,
            second.report.path,
            charset=second.report.charset,
            marketplace_code=store["marketplace"],
            store_id=store["id"],
            work_dir=tmp_path / "work",
        )
        source = (world / "amazon" / store["id"] / "listings.tsv").read_bytes()
        data_lines = len([line for line in source.split(b"\n")[1:] if line.strip(b"\r")])
        assert staged.rows + staged.rejected == data_lines
        assert staged.rows > 0
        assert client.throttled_responses == 0


def test_orders_page_with_next_token_and_return_a_watermark(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    store = stores(world)[0]
    client = amazon(sandbox, store["id"])
    market = marketplace(store["marketplace"]).marketplace_id
    client.get_reports([REPORT_TYPE_ALL_LISTINGS])  # one call so server_now is the sandbox's
    start = client.server_now() - timedelta(days=40)
    pages = list(client.iter_orders([market], last_updated_after=start, max_results_per_page=5))
    orders = [order for page in pages for order in page.orders]
    assert len(pages) > 1 and len({o["AmazonOrderId"] for o in orders}) == len(orders)
    assert pages[-1].watermark <= client.server_now() - timedelta(minutes=2)
    assert client.get_order_items(orders[0]["AmazonOrderId"])


def test_listings_items_search_and_single_item(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    store = stores(world)[0]
    client = amazon(sandbox, store["id"])
    market = marketplace(store["marketplace"]).marketplace_id
    search = client.iter_listings_items(store["seller_id"], market)
    items = list(search)
    assert items and not search.capped and search.number_of_results == len(items)
    one = client.get_listings_item(store["seller_id"], items[0]["sku"], market)
    assert one["sku"] == items[0]["sku"]


def test_token_expiry_is_refreshed_transparently(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    client = amazon(sandbox, stores(world)[0]["id"])
    client.get_reports([REPORT_TYPE_ALL_LISTINGS])
    sandbox.advance(61)
    client.get_reports([REPORT_TYPE_ALL_LISTINGS])
    assert client.token_refreshes == 2


def test_transient_fault_is_retried(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    client = amazon(sandbox, stores(world)[0]["id"])
    sandbox.faults.add("getReports", "status", status=503, times=2)
    assert isinstance(client.get_reports([REPORT_TYPE_ALL_LISTINGS]), list)


def test_client_buckets_never_trip_the_sandbox_buckets(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    store = stores(world)[0]
    client = amazon(sandbox, store["id"])
    report_id = client.create_report(
        REPORT_TYPE_ALL_LISTINGS, [marketplace(store["marketplace"]).marketplace_id]
    )
    for _ in range(40):
        client.get_report(report_id)
    assert client.throttled_responses == 0
    assert client.requests_sent == 41


def test_magento_full_and_incremental_pulls(sandbox, world) -> None:  # type: ignore[no-untyped-def]
    client = magento(sandbox)
    websites = client.list_websites()
    pages = list(client.iter_product_pages())
    products = [item for page in pages for item in page]
    assert len({p["id"] for p in products}) == len(products) > 0
    rows = product_rows(products, attributes=AttributeCodes(), website_codes=websites)
    assert all(row["updated_at"].tzinfo is not None for row in rows)
    newest = max(row["updated_at"] for row in rows)
    recent = [
        item
        for page in client.iter_product_pages(updated_after=newest - timedelta(days=30))
        for item in page
    ]
    assert 0 < len(recent) < len(products)
    assert {
        row["sku"]
        for row in product_rows(recent, attributes=AttributeCodes(), website_codes=websites)
    } <= {row["sku"] for row in rows}
    source_items = [item for page in client.iter_source_item_pages() for item in page]
    keys = {(item["sku"], item["source_code"]) for item in source_items}
    assert len(keys) == len(source_items) > 0
    orders = [order for page in client.iter_order_pages() for order in page]
    assert len({o["entity_id"] for o in orders}) == len(orders)
