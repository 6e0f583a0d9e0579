"""Catalog Items API 2022-04-01: the ASINs product identifiers resolve to (protocols.md 4).

A search's items do not say which identifier found them; `catalog_matches` maps them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from asc_pipelines import constants
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.spapi.connection import SpApiConnection

_CATALOG = "/catalog/2022-04-01/items"


class CatalogItemsApi(SpApiConnection):
    """The Catalog Items API operations of one store's connection."""

    def search_catalog_items(
        self,
        marketplace_id: str,
        identifiers: Sequence[str],
        identifiers_type: str,
        *,
        included_data: Sequence[str] = ("summaries", "identifiers", "relationships"),
        seller_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """The Amazon catalog items (ASINs) that up to 20 product identifiers resolve to.

        One searchCatalogItems request per page (``pageSize`` 20, ``pageToken`` sent with the
        same query). The items do not say which identifier found them and unknown identifiers
        are simply absent: map them back with
        `asc_pipelines.sources.spapi.catalog_matches.match_identifiers` (protocols.md 4.5).
        ``identifiers_type`` is one of ASIN, EAN, GTIN, ISBN, JAN, MINSAN, SKU, UPC; a SKU search
        needs ``seller_id``. Raises ValueError for more than 20 identifiers (the caller batches)
        or an unknown type.
        """
        wanted = list(dict.fromkeys(i.strip() for i in identifiers if i and i.strip()))
        if len(wanted) > constants.CATALOG_SEARCH_MAX_IDENTIFIERS:
            raise ValueError(
                f"searchCatalogItems takes at most {constants.CATALOG_SEARCH_MAX_IDENTIFIERS} "
                f"identifiers per request, got {len(wanted)}"
            )
        if identifiers_type not in constants.CATALOG_IDENTIFIER_TYPES:
            raise ValueError(f"unknown identifiersType {identifiers_type!r}")
        if identifiers_type == "SKU" and not seller_id:
            raise ValueError("a SKU catalog search needs seller_id")
        if not wanted:
            return []
        params: dict[str, Any] = {
            "marketplaceIds": marketplace_id,
            "identifiers": ",".join(wanted),
            "identifiersType": identifiers_type,
            "includedData": ",".join(included_data),
            "pageSize": constants.CATALOG_SEARCH_MAX_PAGE_SIZE,
        }
        if seller_id:
            params["sellerId"] = seller_id
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = dict(params, pageToken=token) if token else params
            page = self._call("searchCatalogItems", "GET", _CATALOG, params=query)
            items.extend(item for item in page.get("items") or [] if isinstance(item, dict))
            token = (page.get("pagination") or {}).get("nextToken")
            if not token:
                return items

    def get_catalog_item(
        self,
        asin: str,
        marketplace_ids: Sequence[str],
        *,
        included_data: Sequence[str] = ("summaries", "identifiers", "relationships"),
    ) -> dict[str, Any] | None:
        """One catalog item by ASIN (getCatalogItem); None when Amazon does not know the ASIN."""
        path = f"{_CATALOG}/{quote(asin, safe='')}"
        params = {
            "marketplaceIds": ",".join(marketplace_ids),
            "includedData": ",".join(included_data),
        }
        try:
            return self._call("getCatalogItem", "GET", path, params=params)
        except SpApiError as exc:
            if exc.http_status == 404:
                return None
            raise
