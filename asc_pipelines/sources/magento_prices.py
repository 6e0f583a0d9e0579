"""Magento's prices per website and its currency rates, read with the catalog when a store needs
them (issue 11, section 1).

Nothing here runs with the defaults (``magento.price_scope: global`` and no store with
``price.currency_rate: magento``): no extra request is made. Otherwise, each catalog pull reads:

- the store structure: store views, store groups and store configs (``/V1/store/...``; three
  small requests), giving each view's website, whether it is its website's default view, and
  the base currency its prices are in;
- with ``price_scope: website``, every product's ``sku``, ``price`` and ``updated_at`` through
  each store view a store reads (``/rest/<view>/V1/products`` with ``fields=``), in pages,
  incrementally like the catalog: the products updated since its watermark (a website price
  change moves the product's ``updated_at``), all of them on a full pull or for a view with no
  prices yet;
- the currency information of the global scope (``/rest/all/V1/directory/currency``) and of
  each view read: its base currency and the rates from it into the allowed currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asc_pipelines.config import AscConfig
from asc_pipelines.logic.store_views import StoreView, price_views
from asc_pipelines.sources.errors import MagentoError
from asc_pipelines.sources.magento import MagentoClient, parse_magento_datetime
from asc_pipelines.warehouse.magento_catalog import CatalogStaging, WebsitePrices, priced_views

GLOBAL_SCOPE = "all"


@dataclass
class PricePull:
    """What the pull reads besides the catalog: the views whose prices it reads (view -> read
    in full) and the scopes whose currency rates it reads; counts for the tick's metadata."""

    views: dict[str, bool] = field(default_factory=dict)
    rate_scopes: list[str] = field(default_factory=list)
    prices: int = 0

    @property
    def needed(self) -> bool:
        return bool(self.views or self.rate_scopes)


def needs_store_structure(cfg: AscConfig) -> bool:
    """Whether any store needs Magento's store views, prices per website or rates."""
    return cfg.magento.price_scope == "website" or cfg.reads_magento_rates


def store_view_rows(
    views: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    websites: dict[int, str],
    configs: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """``raw.magento_store_views`` rows from Magento's store views, groups and configs (the
    admin view, id 0, left out). A website's default view: its default group's default view."""
    default_group = {int(g["website_id"]): int(g["id"]) for g in groups if g.get("id") is not None}
    group_default_view = {int(g["id"]): int(g["default_store_id"]) for g in groups}
    by_code = {str(c.get("code")): c for c in configs}
    rows = []
    for view in views:
        view_id, website_id = int(view["id"]), int(view["website_id"])
        if view_id == 0:
            continue
        group_id = int(view["store_group_id"])
        config = by_code.get(str(view["code"]), {})
        rows.append(
            {
                "store_view_code": str(view["code"]),
                "store_view_id": view_id,
                "website_id": website_id,
                "website_code": websites.get(website_id),
                "store_group_id": group_id,
                "is_default_view": default_group.get(website_id) == group_id
                and group_default_view.get(group_id) == view_id,
                "is_active": bool(int(view.get("is_active") or 0)),
                "base_currency_code": config.get("base_currency_code"),
                "default_display_currency_code": config.get("default_display_currency_code"),
            }
        )
    return rows


def _views(rows: Iterable[dict[str, Any]]) -> list[StoreView]:
    return [
        StoreView(
            r["store_view_code"],
            r["website_code"],
            r["is_default_view"],
            r["is_active"],
            r["base_currency_code"],
        )
        for r in rows
    ]


def plan_prices(
    cfg: AscConfig, view_rows: list[dict[str, Any]], *, full: bool, priced_views: set[str]
) -> PricePull:
    """The views to read prices through (in full when the catalog pull is, or when the view has
    no prices yet: ``priced_views`` are those that have) and the scopes to read rates of.
    Raises ``StoreViewError`` naming the store whose website or store_view Magento lacks."""
    chosen = {view.code for view in price_views(cfg, _views(view_rows)).values()}
    views = {code: full or code not in priced_views for code in sorted(chosen)}
    return PricePull(views=views, rate_scopes=[GLOBAL_SCOPE, *sorted(chosen)])


def price_rows(page: list[dict[str, Any]], view: str) -> list[dict[str, Any]]:
    """A page of store-view scoped products as ``raw.magento_website_prices`` rows."""
    rows = []
    for item in page:
        price = item.get("price")
        rows.append(
            {
                "store_view_code": view,
                "sku": item["sku"],
                "price": None if price is None or price == "" else float(price),
                "updated_at": parse_magento_datetime(item.get("updated_at")),
            }
        )
    return rows


def rate_rows(scope: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    """``raw.magento_currency_rates`` rows of one scope's currency information; a scope with no
    exchange rate keeps a row for its base currency into itself, so its base is known."""
    base = info.get("base_currency_code")
    if not isinstance(base, str) or not base:
        raise MagentoError("get currency", 200, f"scope {scope}: no base_currency_code")
    rows = {
        str(rate["currency_to"]): rate.get("rate")
        for rate in info.get("exchange_rates") or []
        if isinstance(rate, dict) and rate.get("currency_to")
    }
    rows.setdefault(base, 1)
    return [
        {
            "scope_code": scope,
            "base_currency_code": base,
            "currency_to": to,
            "rate": None if rate in (None, "", False) else float(rate),
        }
        for to, rate in rows.items()
    ]


def pull_website_prices(
    client: MagentoClient,
    staging: CatalogStaging,
    cfg: AscConfig,
    *,
    websites: dict[int, str],
    full: bool,
    since: datetime | None,
) -> tuple[WebsitePrices, PricePull]:
    """Read what the stores need besides the catalog (nothing with the defaults): the store
    structure, each planned view's prices (paged into ``staging``) and the rates; returns them
    for `CatalogStaging.replace_catalog`, and the plan with its counts."""
    if not needs_store_structure(cfg):
        return WebsitePrices(), PricePull()
    view_rows: list[dict[str, Any]] = []
    if cfg.magento.price_scope == "website":
        view_rows = store_view_rows(
            client.list_store_views(),
            client.list_store_groups(),
            websites,
            client.list_store_configs(),
        )
    pull = plan_prices(cfg, view_rows, full=full, priced_views=priced_views(staging.conn))
    for view, whole in pull.views.items():
        for page in client.iter_price_pages(view, updated_after=None if whole else since):
            rows = price_rows(page, view)
            staging.add_website_prices(rows)
            pull.prices += len(rows)
    rates: list[dict[str, Any]] = []
    for scope in pull.rate_scopes:
        rates += rate_rows(scope, client.currency_information(scope))
    return WebsitePrices(pull.views, view_rows, rates), pull
