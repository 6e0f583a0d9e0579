"""Listings Items API 2021-08-01: one listing, or a search over the seller's listings.

Items are built from the store's listings report rows plus its issues state (protocols.md 3):
summaries (asin, productType, conditionType from ``item-condition``, status, itemName, dates),
issues, offers (from ``price``), fulfillmentAvailability (from ``quantity`` and the channel) and a
minimal attributes object. A search pages 20 at most and never past the 1,000th result.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Response

from asc_pipelines.constants import (
    FBM_CHANNEL,
    ITEM_CONDITIONS,
    LISTINGS_SEARCH_MAX_PAGE_SIZE,
    LISTINGS_SEARCH_MAX_RESULTS,
    PRODUCT_ID_TYPES,
)
from asc_pipelines.sandbox.amazon_state import Listing, StoreState
from asc_pipelines.sandbox.responses import json_response, parse_iso, spapi_error, zulu_time
from asc_pipelines.sandbox.spapi_call import Call

INCLUDED_DATA = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)
IDENTIFIER_TYPES = ("ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
SORT_KEYS = ("sku", "createdDate", "lastUpdatedDate")
PRODUCT_TYPE = "PRODUCT"  # the report does not carry the product type; Amazon's generic one


def _bad_request(details: str) -> Response:
    return spapi_error(400, "BAD_REQUEST", "Invalid input", details)


def _decimal_text(text: str) -> str | None:
    try:
        return f"{Decimal(text.strip()):.2f}"
    except InvalidOperation:
        return None


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _summary(state: StoreState, listing: Listing) -> dict[str, Any]:
    summary: dict[str, Any] = {"marketplaceId": state.store.marketplace.marketplace_id}
    asin = state.cell(listing, "asin1")
    if asin:
        summary["asin"] = asin
    summary["productType"] = PRODUCT_TYPE
    condition = ITEM_CONDITIONS.get(state.cell(listing, "item-condition").strip())
    if condition:
        summary["conditionType"] = condition
    summary["status"] = state.listing_status(listing)
    name = state.cell(listing, "item-name")
    if name:
        summary["itemName"] = name
    summary["createdDate"] = zulu_time(listing.created)
    summary["lastUpdatedDate"] = zulu_time(listing.last_updated)
    return summary


def build_item(state: StoreState, listing: Listing, included: list[str]) -> dict[str, Any]:
    """The model's ``Item`` for a listing with the requested ``includedData`` sets."""
    marketplace = state.store.marketplace
    item: dict[str, Any] = {"sku": listing.sku}
    if "summaries" in included:
        item["summaries"] = [_summary(state, listing)]
    if "attributes" in included:
        attributes: dict[str, Any] = {}
        name = state.cell(listing, "item-name")
        if name:
            attributes["item_name"] = [
                {
                    "value": name,
                    "language_tag": marketplace.locale,
                    "marketplace_id": marketplace.marketplace_id,
                }
            ]
        condition = ITEM_CONDITIONS.get(state.cell(listing, "item-condition").strip())
        if condition:
            attributes["condition_type"] = [
                {"value": condition, "marketplace_id": marketplace.marketplace_id}
            ]
        item["attributes"] = attributes
    if "issues" in included:
        item["issues"] = [dict(issue) for issue in listing.issues]
    if "offers" in included:
        amount = _decimal_text(state.cell(listing, "price"))
        item["offers"] = (
            []
            if amount is None
            else [
                {
                    "marketplaceId": marketplace.marketplace_id,
                    "offerType": "B2C",
                    "price": {"currencyCode": marketplace.currency, "amount": amount},
                }
            ]
        )
    if "fulfillmentAvailability" in included:
        channel = state.cell(listing, "fulfillment-channel") or FBM_CHANNEL
        availability: dict[str, Any] = {"fulfillmentChannelCode": channel}
        quantity = _int(state.cell(listing, "quantity"))
        if quantity is not None:
            availability["quantity"] = max(0, quantity)
        item["fulfillmentAvailability"] = [availability]
    if "procurement" in included:
        item["procurement"] = []
    if "relationships" in included:
        item["relationships"] = [{"marketplaceId": marketplace.marketplace_id, "relationships": []}]
    if "productTypes" in included:
        item["productTypes"] = [
            {"marketplaceId": marketplace.marketplace_id, "productType": PRODUCT_TYPE}
        ]
    return item


def seller_and_marketplace_refusal(
    call: Call, bad_request: Callable[[str], Response]
) -> Response | None:
    """The answer to a Listings Items call on another seller or marketplace than the token's, or
    without ``marketplaceIds``; ``None`` when the call may go on. Read and write operations
    check the same; each words bad input its own way (``bad_request``)."""
    if call.params["sellerId"] != call.store.store.seller_id:
        # The model documents 403 for "Access Denied/Unauthorized": a token only opens its own
        # seller's listings, so another sellerId is a forbidden resource rather than bad input.
        return spapi_error(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "The sellerId does not match the selling partner of the access token.",
        )
    marketplace_ids = call.query_list("marketplaceIds")
    if not marketplace_ids:
        return bad_request("Missing required parameter marketplaceIds.")
    if marketplace_ids != [call.marketplace_id]:
        return bad_request(f"marketplaceIds must be {call.marketplace_id} for this seller.")
    return None


def _common_checks(call: Call) -> Response | list[str]:
    """sellerId, marketplaceIds and includedData, shared by both operations."""
    refusal = seller_and_marketplace_refusal(call, _bad_request)
    if refusal is not None:
        return refusal
    included = call.query_list("includedData") or ["summaries"]
    unknown = [value for value in included if value not in INCLUDED_DATA]
    if unknown:
        return _bad_request(f"Invalid includedData value(s): {', '.join(unknown)}.")
    return included


def get_listings_item(call: Call) -> Response:
    """getListingsItem ``GET /listings/2021-08-01/items/{sellerId}/{sku}``."""
    included = _common_checks(call)
    if isinstance(included, Response):
        return included
    listing = call.store.listings.get(call.params["sku"])
    if listing is None:
        return spapi_error(
            404,
            "NOT_FOUND",
            f"SKU '{call.params['sku']}' not found in marketplace {call.marketplace_id}",
        )
    return json_response(200, build_item(call.store, listing, included))


def _identifier_values(state: StoreState, listing: Listing, kind: str) -> set[str]:
    if kind == "SKU":
        return {listing.sku}
    product_id = state.cell(listing, "product-id").strip()
    product_type = PRODUCT_ID_TYPES.get(state.cell(listing, "product-id-type").strip(), "")
    if kind == "ASIN":
        values = {state.cell(listing, "asin1")}
        return values | ({product_id} if product_type == "ASIN" else set())
    if kind == "GTIN" and product_type in ("UPC", "EAN") and product_id.isdigit():
        return {product_id.zfill(14)}
    return {product_id} if product_type == kind else set()


def _parse_filters(call: Call) -> dict[str, Any] | Response:
    args = call.request.args
    filters: dict[str, Any] = {}
    try:
        filters["page_size"] = int(args.get("pageSize", "10"))
        for name in ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore"):
            filters[name] = parse_iso(args[name]) if name in args else None
    except ValueError:
        return _bad_request("pageSize must be an integer and dates ISO 8601.")
    if not 1 <= filters["page_size"] <= LISTINGS_SEARCH_MAX_PAGE_SIZE:
        return _bad_request(f"pageSize must be between 1 and {LISTINGS_SEARCH_MAX_PAGE_SIZE}.")
    identifiers = call.query_list("identifiers")
    identifiers_type = args.get("identifiersType")
    if len(identifiers) > 20:
        return _bad_request("At most 20 identifiers are allowed.")
    if identifiers and identifiers_type not in IDENTIFIER_TYPES:
        return _bad_request("identifiersType is required with identifiers.")
    filters["identifiers"] = identifiers
    filters["identifiers_type"] = identifiers_type
    filters["severities"] = call.query_list("withIssueSeverity")
    filters["with_status"] = call.query_list("withStatus")
    filters["without_status"] = call.query_list("withoutStatus")
    filters["sort_by"] = args.get("sortBy", "lastUpdatedDate")
    filters["sort_order"] = args.get("sortOrder", "DESC")
    if filters["sort_by"] not in SORT_KEYS or filters["sort_order"] not in ("ASC", "DESC"):
        return _bad_request("sortBy or sortOrder has an invalid value.")
    filters["parent"] = args.get("variationParentSku") or args.get("packageHierarchySku")
    return filters


def _in_range(moment: datetime, after: datetime | None, before: datetime | None) -> bool:
    return (after is None or moment >= after) and (before is None or moment <= before)


def _matches(state: StoreState, listing: Listing, filters: dict[str, Any]) -> bool:
    if filters["parent"]:
        return False  # the sandbox has no variation or package relationships
    if filters["identifiers"]:
        wanted = set(filters["identifiers"])
        if filters["identifiers_type"] == "GTIN":
            wanted = {value.zfill(14) for value in wanted}
        if not wanted & _identifier_values(state, listing, filters["identifiers_type"]):
            return False
    if filters["severities"] and not any(
        issue.get("severity") in filters["severities"] for issue in listing.issues
    ):
        return False
    status = state.listing_status(listing)
    if any(s not in status for s in filters["with_status"]):
        return False
    if any(s in status for s in filters["without_status"]):
        return False
    return _in_range(listing.created, filters["createdAfter"], filters["createdBefore"]) and (
        _in_range(listing.last_updated, filters["lastUpdatedAfter"], filters["lastUpdatedBefore"])
    )


def _sort_key(listing: Listing, sort_by: str) -> Any:
    if sort_by == "sku":
        return (listing.sku,)
    moment = listing.created if sort_by == "createdDate" else listing.last_updated
    return (moment, listing.sku)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str) -> int | None:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


SEARCH_CACHE_SIZE = 8


def _sorted_matches(state: StoreState, filters: dict[str, Any]) -> list[Listing]:
    """The listings a search selects, in its sort order; cached until the store evolves."""
    key = repr(sorted(filters.items(), key=lambda item: item[0]))
    cached = state.search_cache.get(key)
    if cached is not None and cached[0] == state.version:
        return cached[1]
    matches = [listing for listing in state.listings.values() if _matches(state, listing, filters)]
    matches.sort(
        key=lambda listing: _sort_key(listing, filters["sort_by"]),
        reverse=filters["sort_order"] == "DESC",
    )
    if len(state.search_cache) >= SEARCH_CACHE_SIZE:
        state.search_cache.pop(next(iter(state.search_cache)))
    state.search_cache[key] = (state.version, matches)
    return matches


def search_listings_items(call: Call) -> Response:
    """searchListingsItems ``GET /listings/2021-08-01/items/{sellerId}``."""
    included = _common_checks(call)
    if isinstance(included, Response):
        return included
    filters = _parse_filters(call)
    if isinstance(filters, Response):
        return filters
    offset = 0
    if "pageToken" in call.request.args:
        offset = _offset(call.request.args["pageToken"])
        if offset is None:
            return _bad_request("The pageToken is invalid.")
    state = call.store
    matches = _sorted_matches(state, filters)
    reachable = matches[:LISTINGS_SEARCH_MAX_RESULTS]
    size = filters["page_size"]
    page = reachable[offset : offset + size]
    body: dict[str, Any] = {
        "numberOfResults": len(matches),
        "items": [build_item(state, listing, included) for listing in page],
    }
    pagination = {}
    if offset + size < len(reachable):
        pagination["nextToken"] = _token(offset + size)
    if offset > 0:
        pagination["previousToken"] = _token(max(0, offset - size))
    if pagination:
        body["pagination"] = pagination
    return json_response(200, body)
