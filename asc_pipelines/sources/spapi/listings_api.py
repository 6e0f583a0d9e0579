"""Listings Items API 2021-08-01: a seller's listings, searched or one by SKU (protocols.md 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from asc_pipelines import constants
from asc_pipelines.sources.spapi.connection import SpApiConnection, format_iso

_LISTINGS = "/listings/2021-08-01/items"


@dataclass
class ListingsItemsSearch:
    """Iterates searchListingsItems results page by page (pageToken).

    Amazon lets a search page through at most 1,000 results; past that the iteration stops and
    ``capped`` is True (the caller must then rely on the listings report for completeness).
    """

    _pages: Callable[[str | None], dict[str, Any]]
    limit: int = constants.LISTINGS_SEARCH_MAX_RESULTS
    number_of_results: int | None = None
    capped: bool = False
    yielded: int = 0
    _iterator: Iterator[dict[str, Any]] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._iterator is None:
            self._iterator = self._walk()
        return next(self._iterator)

    def _walk(self) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self._pages(token)
            if self.number_of_results is None and isinstance(page.get("numberOfResults"), int):
                self.number_of_results = page["numberOfResults"]
            for item in page.get("items") or []:
                if self.yielded >= self.limit:
                    self.capped = True
                    return
                self.yielded += 1
                yield item
            token = (page.get("pagination") or {}).get("nextToken")
            if not token:
                return
            if self.yielded >= self.limit:
                self.capped = True
                return


class ListingsItemsApi(SpApiConnection):
    """The Listings Items API operations of one store's connection."""

    def iter_listings_items(
        self,
        seller_id: str,
        marketplace_id: str,
        *,
        included_data: Sequence[str] = ("summaries", "issues"),
        with_issue_severity: Sequence[str] | None = None,
        last_updated_after: datetime | None = None,
        page_size: int = constants.LISTINGS_SEARCH_MAX_PAGE_SIZE,
    ) -> ListingsItemsSearch:
        """The seller's listings in a marketplace (searchListingsItems), at most 1,000 of them."""
        params: dict[str, Any] = {
            "marketplaceIds": marketplace_id,
            "includedData": ",".join(included_data),
            "pageSize": min(page_size, constants.LISTINGS_SEARCH_MAX_PAGE_SIZE),
        }
        if with_issue_severity:
            params["withIssueSeverity"] = ",".join(with_issue_severity)
        if last_updated_after is not None:
            params["lastUpdatedAfter"] = format_iso(last_updated_after)
        path = f"{_LISTINGS}/{quote(seller_id, safe='')}"

        def page(token: str | None) -> dict[str, Any]:
            query = dict(params, pageToken=token) if token else params
            return self._call("searchListingsItems", "GET", path, params=query)

        return ListingsItemsSearch(page)

    def get_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        included_data: Sequence[str] = ("summaries", "issues"),
    ) -> dict[str, Any]:
        """One listing by SKU (the SKU is URL-encoded, ``/`` included)."""
        path = f"{_LISTINGS}/{quote(seller_id, safe='')}/{quote(sku, safe='')}"
        params = {"marketplaceIds": marketplace_id, "includedData": ",".join(included_data)}
        return self._call("getListingsItem", "GET", path, params=params)
