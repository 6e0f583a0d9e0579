"""Listings Items API 2021-08-01: a seller's listings, searched or one by SKU (protocols.md 3), and
the write operations that change one listing (protocols.md 10.1).

A put, patch or delete answers with Amazon's verdict (`ListingSubmission`): ``INVALID`` is an
answer, returned with Amazon's issues; throttling and server errors are retried like every call.
With ``preview=True`` a put or patch is sent with ``mode=VALIDATION_PREVIEW``: Amazon checks it and
changes nothing, and such calls wait for the 1-per-second preview bucket as well as the
operation's own (Amazon does not say whether a preview also counts against the operation's limit;
the client assumes it does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from asc_pipelines import constants
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.spapi.connection import SpApiConnection, format_iso
from asc_pipelines.sources.spapi.listing_submissions import ListingSubmission, parse_submission

_LISTINGS = "/listings/2021-08-01/items"
# The usage plan (constants.USAGE_PLANS) every VALIDATION_PREVIEW put or patch also waits for.
VALIDATION_PREVIEW_PLAN = "listingsItemValidationPreview"
PUT_REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")


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

    def product_types(
        self, seller_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, str]:
        """The product type of each of ``skus`` Amazon knows, by SKU: `searchListingsItems` by
        SKU with ``summaries``, 20 SKUs a call (one call for 20 listings instead of 20
        `get_listings_item`). A SKU holding a comma cannot be searched (the identifiers are
        comma-separated) and is read alone; a SKU Amazon does not know is left out."""
        found: dict[str, str] = {}
        searchable = [sku for sku in dict.fromkeys(skus) if "," not in sku]
        path = f"{_LISTINGS}/{quote(seller_id, safe='')}"
        step = constants.LISTINGS_SEARCH_MAX_PAGE_SIZE
        for start in range(0, len(searchable), step):
            batch = searchable[start : start + step]
            answer = self._call(
                "searchListingsItems",
                "GET",
                path,
                params={
                    "marketplaceIds": marketplace_id,
                    "identifiers": ",".join(batch),
                    "identifiersType": "SKU",
                    "includedData": "summaries",
                    "pageSize": step,
                },
            )
            wanted = set(batch)
            for item in answer.get("items") or []:
                product_type = listing_product_type(item, marketplace_id)
                if item.get("sku") in wanted and product_type is not None:
                    found[str(item["sku"])] = product_type
        for sku in dict.fromkeys(skus):
            if "," in sku:
                try:
                    item = self.get_listings_item(seller_id, sku, marketplace_id, ("summaries",))
                except SpApiError as exc:
                    if exc.http_status == 404:
                        continue
                    raise
                product_type = listing_product_type(item, marketplace_id)
                if product_type is not None:
                    found[sku] = product_type
        return found

    def get_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        included_data: Sequence[str] = ("summaries", "issues"),
    ) -> dict[str, Any]:
        """One listing by SKU (the SKU is URL-encoded, ``/`` included)."""
        params = {"marketplaceIds": marketplace_id, "includedData": ",".join(included_data)}
        return self._call("getListingsItem", "GET", _item_path(seller_id, sku), params=params)

    def patch_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        patches: Sequence[dict[str, Any]],
        *,
        preview: bool = False,
        issue_locale: str | None = None,
    ) -> ListingSubmission:
        """Change some top-level attributes of a listing (JSON Patch operations, e.g. those of
        `asc_pipelines.sources.listing_patches`); ``product_type`` is the listing's own."""
        if not patches:
            raise ValueError("a patch needs at least one operation")
        body = {"productType": product_type, "patches": list(patches)}
        return self._submit(
            "patchListingsItem",
            "PATCH",
            seller_id,
            sku,
            marketplace_id,
            body,
            preview,
            issue_locale,
        )

    def put_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        requirements: str,
        attributes: dict[str, Any],
        *,
        preview: bool = False,
        issue_locale: str | None = None,
    ) -> ListingSubmission:
        """Create a listing, or replace all of an existing one's attributes with ``attributes``
        (``requirements`` ``LISTING_OFFER_ONLY``: an offer on an ASIN already in the catalog)."""
        if requirements not in PUT_REQUIREMENTS:
            raise ValueError(
                f"requirements must be one of {PUT_REQUIREMENTS}, got {requirements!r}"
            )
        body = {"productType": product_type, "requirements": requirements, "attributes": attributes}
        return self._submit(
            "putListingsItem", "PUT", seller_id, sku, marketplace_id, body, preview, issue_locale
        )

    def delete_listings_item(
        self,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        *,
        issue_locale: str | None = None,
    ) -> ListingSubmission:
        """Remove a listing from a marketplace (Amazon has no preview of a delete)."""
        return self._submit(
            "deleteListingsItem",
            "DELETE",
            seller_id,
            sku,
            marketplace_id,
            None,
            False,
            issue_locale,
        )

    def _submit(
        self,
        operation: str,
        method: str,
        seller_id: str,
        sku: str,
        marketplace_id: str,
        body: dict[str, Any] | None,
        preview: bool,
        issue_locale: str | None,
    ) -> ListingSubmission:
        params = {"marketplaceIds": marketplace_id}
        if preview:
            params["mode"] = "VALIDATION_PREVIEW"
        if issue_locale:
            params["issueLocale"] = issue_locale
        answer = self._call(
            operation,
            method,
            _item_path(seller_id, sku),
            params=params,
            body=body,
            buckets=(VALIDATION_PREVIEW_PLAN, operation) if preview else (),
        )
        return parse_submission(operation, answer)


def listing_product_type(item: dict[str, Any], marketplace_id: str) -> str | None:
    """The Amazon product type of a listing as `get_listings_item` returns it (with
    ``summaries``): what a patch or put of that listing must name. None when Amazon gives none."""
    for summary in item.get("summaries") or []:
        if summary.get("marketplaceId") == marketplace_id and summary.get("productType"):
            return str(summary["productType"])
    return None


def _item_path(seller_id: str, sku: str) -> str:
    """One listing's path; seller id and SKU URL-encoded (a SKU may hold ``/`` or spaces)."""
    return f"{_LISTINGS}/{quote(seller_id, safe='')}/{quote(sku, safe='')}"
