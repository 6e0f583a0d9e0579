"""Test helpers for the Magento sandbox: small world files, a hand-driven clock, a live server.

The server wraps ``MagentoSandbox`` in a minimal werkzeug app on a free local port, so tests talk
real HTTP with ``requests`` exactly as the Magento client will.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.magento_api import MagentoSandbox

PRODUCT_COLUMNS = (
    "sku",
    "store_view_code",
    "attribute_set_code",
    "product_type",
    "product_websites",
    "name",
    "weight",
    "product_online",
    "visibility",
    "price",
    "url_key",
    "created_at",
    "updated_at",
    "additional_attributes",
    "qty",
    "is_in_stock",
    "configurable_variations",
)
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class ManualClock:
    """The sandbox clock, moved by hand: ``clock()`` is now, ``advance`` moves it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def product(sku: str, **values: Any) -> dict[str, str]:
    """One export row with sensible defaults (an enabled simple product in the base website)."""
    row = {
        "sku": sku,
        "store_view_code": "",
        "attribute_set_code": "Default",
        "product_type": "simple",
        "product_websites": "base",
        "name": f"Product {sku}",
        "weight": "1",
        "product_online": "1",
        "visibility": "Catalog, Search",
        "price": "10",
        "created_at": "2026-01-01 00:00:00",
        "updated_at": "2026-01-01 00:00:00",
        "additional_attributes": "",
        "qty": "5",
        "is_in_stock": "1",
    }
    row.update({k: str(v) for k, v in values.items()})
    return row


def view_row(sku: str, view: str, **values: Any) -> dict[str, str]:
    """A store-view row of the export: only the values that view overrides are filled in."""
    return {"sku": sku, "store_view_code": view, **{k: str(v) for k, v in values.items()}}


def write_world(
    root: Path,
    products: list[dict[str, str]],
    source_items: list[tuple[str, str, float, int]] | None = None,
) -> Path:
    """Write ``magento/products.csv`` (and ``source_items.csv`` if given) under ``root``."""
    magento = root / "magento"
    magento.mkdir(parents=True, exist_ok=True)
    with (magento / "products.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PRODUCT_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(products)
    if source_items is not None:
        with (magento / "source_items.csv").open("w", encoding="utf-8", newline="") as handle:
            writer_ = csv.writer(handle)
            writer_.writerow(["sku", "source_code", "quantity", "status"])
            writer_.writerows(source_items)
    return root


def standard_products() -> list[dict[str, str]]:
    """A small catalog covering the shapes the client meets."""
    return [
        product(
            "24-MB01",
            name="Joust Duffle Bag",
            price="34",
            additional_attributes="amazon_asin=B000000001,upc=012345678905,color=Black",
            updated_at="2026-01-10 08:00:00",
        ),
        product(
            "CAFÉ-01",
            name="Café Crème Tasse",
            price="12.5",
            additional_attributes='ean=4006381333931,material="steel, glass"',
            updated_at="2026-01-12 09:30:00",
        ),
        product(
            "JP-01",
            name="日本茶 湯呑み",
            price="20",
            product_websites="base,jp_site",
            additional_attributes="amazon_asin=B000000003,activity=yoga,running",
            created_at="11/29/25, 5:51 AM",
            updated_at="01/15/26, 5:51 PM",
        ),
        product("OFF-01", name="Disabled Lamp", product_online="2", qty="0", is_in_stock="0"),
        product(
            "MH01",
            product_type="configurable",
            attribute_set_code="Top",
            name="Chaz Kangeroo Hoodie",
            price="",
            weight="",
            qty="0",
            configurable_variations="sku=MH01-S-Red,size=S,color=Red|sku=MH01-M-Red,size=M,color=Red",
            updated_at="2026-01-05 00:00:00",
        ),
        product(
            "MH01-S-Red",
            attribute_set_code="Top",
            name="Chaz Hoodie S Red",
            visibility="Not Visible Individually",
            price="52",
            additional_attributes="size=S,color=Red",
        ),
        product(
            "MH01-M-Red",
            attribute_set_code="Top",
            name="Chaz Hoodie M Red",
            visibility="Not Visible Individually",
            price="52",
            additional_attributes="size=M,color=Red",
        ),
        product(
            "BNDL-01",
            product_type="bundle",
            name="Yoga Bundle",
            price="",
            visibility="Catalog",
            qty="0",
        ),
        product("VIRT-01", product_type="virtual", name="Gift Wrap", weight="", price="3"),
        view_row(
            "24-MB01",
            "fr",
            name="Sac de sport Joust",
            visibility="Search",
            price="39.9",
            additional_attributes="color=Noir",
        ),
        view_row("OFF-01", "fr", product_online="1"),
    ]


def admin_token(base_url: str) -> str:
    """A fresh admin token for the sandbox admin."""
    response = requests.post(
        f"{base_url}/rest/V1/integration/admin/token",
        json={
            "username": credentials.MAGENTO_ADMIN_USERNAME,
            "password": credentials.MAGENTO_ADMIN_PASSWORD,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


@dataclass
class LiveStore:
    """A served sandbox: its base URL, the sandbox, its clock and an authorized session."""

    base_url: str
    sandbox: MagentoSandbox
    clock: ManualClock
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        """GET ``/rest/...`` with the integration token unless headers are given."""
        kwargs.setdefault(
            "headers", {"Authorization": f"Bearer {credentials.MAGENTO_INTEGRATION_TOKEN}"}
        )
        return self.session.get(f"{self.base_url}{path}", params=params, timeout=10, **kwargs)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Keep test output free of access-log lines."""


@contextmanager
def serve(sandbox: MagentoSandbox, clock: ManualClock) -> Iterator[LiveStore]:
    """Serve the sandbox on 127.0.0.1 at a free port for the duration of the block."""

    @Request.application
    def app(request: Request) -> Response:
        return sandbox.handle(request)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield LiveStore(f"http://127.0.0.1:{server.server_port}", sandbox, clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def criteria(
    *groups: list[tuple[str, str, str | None]],
    sort: list[tuple[str, str]] | None = None,
    page_size: int | None = None,
    current_page: int | None = None,
) -> list[tuple[str, str]]:
    """``searchCriteria[...]`` query pairs: groups of (field, value, condition_type)."""
    pairs: list[tuple[str, str]] = []
    for g, group in enumerate(groups):
        for f, (field_name, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            pairs.append((f"{prefix}[field]", field_name))
            pairs.append((f"{prefix}[value]", value))
            if condition is not None:
                pairs.append((f"{prefix}[condition_type]", condition))
    for n, (field_name, direction) in enumerate(sort or []):
        pairs.append((f"searchCriteria[sortOrders][{n}][field]", field_name))
        pairs.append((f"searchCriteria[sortOrders][{n}][direction]", direction))
    if page_size is not None:
        pairs.append(("searchCriteria[pageSize]", str(page_size)))
    if current_page is not None:
        pairs.append(("searchCriteria[currentPage]", str(current_page)))
    if not pairs:
        pairs.append(("searchCriteria", ""))
    return pairs
