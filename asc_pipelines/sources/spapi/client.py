"""The Selling Partner API client of one store: every API family over one connection.

Each family keeps its operations and paths in its own module, as the sandbox does; they share
the store's `SpApiConnection` (LWA token, rate buckets, retries, the tick's guard), so a store has
one access token and one set of buckets whichever API an asset calls.
"""

from __future__ import annotations

from typing import Any

from asc_pipelines.config import AmazonConfig, StoreConfig
from asc_pipelines.sources.spapi.catalog_api import CatalogItemsApi
from asc_pipelines.sources.spapi.feeds_api import FeedsApi
from asc_pipelines.sources.spapi.listings_api import ListingsItemsApi
from asc_pipelines.sources.spapi.orders_api import OrdersApi
from asc_pipelines.sources.spapi.reports_api import ReportsApi


class SpApiClient(ReportsApi, ListingsItemsApi, CatalogItemsApi, OrdersApi, FeedsApi):
    """SP-API for one store: Reports, Listings Items, Catalog Items, Orders and Feeds."""

    @classmethod
    def from_config(
        cls,
        amazon: AmazonConfig,
        store: StoreConfig,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        **overrides: Any,
    ) -> SpApiClient:
        """A client for one configured store (credentials are passed in, never read from files)."""
        settings: dict[str, Any] = {
            "endpoint": store.spapi_endpoint,
            "lwa_token_url": amazon.lwa_token_url,
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "rate_scale": amazon.rate_scale,
            "timeout": amazon.request_timeout_seconds,
            "max_retries": amazon.max_retries,
            "backoff_base": amazon.backoff_base_seconds,
            "name": f"store {store.id}",
        }
        settings.update(overrides)
        return cls(**settings)
