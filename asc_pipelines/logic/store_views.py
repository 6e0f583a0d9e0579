"""Which Magento store view gives a store's website prices (``magento.price_scope: website``).

A Magento website's own prices are read through one of its store views' REST scope
(``GET /rest/<store view code>/V1/products``). Each Amazon store names its website in
``asc.yaml`` (``website``, default ``base``); the view is the one the store names
(``store_view``), or else the website's default view: the default store view of the website's
default store group, as Stores > All Stores shows it. The same rule serves the catalog pull
(which views to read) and ``core.desired_listings`` (which view's prices a store takes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from asc_pipelines.config import AscConfig, StoreConfig


class StoreViewError(ValueError):
    """A store's website or store view is not in Magento; the message names the store and key."""


@dataclass(frozen=True)
class StoreView:
    """One Magento store view as the pipeline needs it."""

    code: str
    website_code: str | None
    is_default_view: bool
    is_active: bool = True
    base_currency_code: str | None = None


def price_view(store: StoreConfig, views: Iterable[StoreView]) -> StoreView:
    """The view whose REST scope gives ``store``'s website prices; raises `StoreViewError`
    naming the store when its ``store_view`` or ``website`` has none in Magento."""
    views = list(views)
    if store.store_view is not None:
        named = next((v for v in views if v.code == store.store_view), None)
        if named is None:
            raise StoreViewError(
                f"store {store.id}: store_view {store.store_view!r} is not a store view of "
                f"Magento (it has {', '.join(sorted(v.code for v in views)) or 'none'})"
            )
        if named.website_code != store.website:
            raise StoreViewError(
                f"store {store.id}: store_view {store.store_view!r} belongs to Magento website "
                f"{named.website_code!r}, not to the store's website {store.website!r}"
            )
        return named
    of_website = [v for v in views if v.website_code == store.website]
    if not of_website:
        raise StoreViewError(
            f"store {store.id}: website {store.website!r} has no store view in Magento to read "
            "its prices through; check website, or name one with store_view"
        )
    default = next((v for v in of_website if v.is_default_view), None)
    return default or min(of_website, key=lambda v: (not v.is_active, v.code))


def price_views(cfg: AscConfig, views: Iterable[StoreView]) -> dict[str, StoreView]:
    """Store id -> the view its website prices come from, for every store when the catalog's
    price scope is website; empty for a global price scope. Raises `StoreViewError`."""
    if cfg.magento.price_scope != "website":
        return {}
    views = list(views)
    return {store.id: price_view(store, views) for store in cfg.stores}
