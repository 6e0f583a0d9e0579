"""Orders API v0: getOrders, getOrder, getOrderItems (protocols.md 5).

Responses are wrapped in ``payload``. getOrders needs exactly one of CreatedAfter /
LastUpdatedAfter; a *Before bound must be at least two minutes before now, and when omitted the
sandbox uses now - 2 min and echoes it as ``CreatedBefore`` / ``LastUpdatedBefore``. Orders come
sorted by the filtered date ascending; ``NextToken`` carries the original filters and a cursor, so
it works whether or not the client repeats the filters beside it.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Response

from asc_pipelines.constants import (
    ORDER_STATUSES,
    ORDERS_BEFORE_MIN_AGE_SECONDS,
    ORDERS_MAX_RESULTS_PER_PAGE,
)
from asc_pipelines.sandbox.responses import json_response, parse_iso, spapi_error, zulu_time
from asc_pipelines.sandbox.spapi_call import Call

ORDER_ITEMS_PAGE_SIZE = 20  # items per getOrderItems page before a NextToken is returned
FULFILLMENT_CHANNELS = ("AFN", "MFN")


def _invalid(details: str) -> Response:
    return spapi_error(400, "InvalidInput", "Invalid Input", details)


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()


def _decode(token: str) -> dict[str, Any] | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        return None
    return state if isinstance(state, dict) else None


def public_order(order: dict[str, Any]) -> dict[str, Any]:
    """An Order as served: the world file's Order without its ``OrderItems``."""
    return {key: value for key, value in order.items() if key != "OrderItems"}


def _query(call: Call) -> dict[str, Any] | Response:
    """The getOrders filters from the query string, validated like Amazon validates them."""
    args = call.request.args
    marketplace_ids = call.query_list("MarketplaceIds")
    if not marketplace_ids:
        return _invalid("MarketplaceIds is required.")
    if any(m != call.marketplace_id for m in marketplace_ids):
        return _invalid(f"Invalid MarketplaceIds for this seller; use {call.marketplace_id}.")
    created = "CreatedAfter" in args
    if created == ("LastUpdatedAfter" in args):
        return _invalid("Exactly one of CreatedAfter and LastUpdatedAfter must be specified.")
    prefix = "Created" if created else "LastUpdated"
    other = "LastUpdated" if created else "Created"
    if f"{other}Before" in args:
        return _invalid(f"{other}Before cannot be combined with {prefix}After.")
    latest = call.now - timedelta(seconds=ORDERS_BEFORE_MIN_AGE_SECONDS)
    try:
        after = parse_iso(args[f"{prefix}After"])
        before = parse_iso(args[f"{prefix}Before"]) if f"{prefix}Before" in args else latest
        page_size = int(args.get("MaxResultsPerPage", str(ORDERS_MAX_RESULTS_PER_PAGE)))
    except ValueError:
        return _invalid("Dates must be ISO 8601 and MaxResultsPerPage an integer.")
    if before > latest:
        return _invalid(f"{prefix}Before must be at least two minutes before the current time.")
    if f"{prefix}Before" in args and before < after:
        return _invalid(f"{prefix}Before must be equal to or after {prefix}After.")
    if not 1 <= page_size <= ORDERS_MAX_RESULTS_PER_PAGE:
        return _invalid("MaxResultsPerPage must be between 1 and 100.")
    statuses = call.query_list("OrderStatuses")
    channels = call.query_list("FulfillmentChannels")
    if any(s not in ORDER_STATUSES for s in statuses):
        return _invalid("OrderStatuses has an invalid value.")
    if any(c not in FULFILLMENT_CHANNELS for c in channels):
        return _invalid("FulfillmentChannels must be AFN or MFN.")
    amazon_order_ids = call.query_list("AmazonOrderIds")
    if len(amazon_order_ids) > 50:
        return _invalid("At most 50 AmazonOrderIds are allowed.")
    return {
        "field": "PurchaseDate" if created else "LastUpdateDate",
        "bound": f"{prefix}Before",
        "after": after.isoformat(),
        "before": before.isoformat(),
        "statuses": statuses,
        "channels": channels,
        "ids": amazon_order_ids,
        "marketplaces": marketplace_ids,
        "size": page_size,
        "cursor": None,
    }


def _selected(order: dict[str, Any], query: dict[str, Any]) -> bool:
    moment = parse_iso(order[query["field"]])
    return (
        parse_iso(query["after"]) <= moment <= parse_iso(query["before"])
        and (not query["statuses"] or order.get("OrderStatus") in query["statuses"])
        and (not query["channels"] or order.get("FulfillmentChannel") in query["channels"])
        and (not query["ids"] or order["AmazonOrderId"] in query["ids"])
        and order.get("MarketplaceId", query["marketplaces"][0]) in query["marketplaces"]
    )


def get_orders(call: Call) -> Response:
    """getOrders ``GET /orders/v0/orders``."""
    if "NextToken" in call.request.args:
        query = _decode(call.request.args["NextToken"])
        if query is None or query.get("store") != call.store.store.id:
            return _invalid("Invalid NextToken.")
    else:
        query = _query(call)
        if isinstance(query, Response):
            return query
        query["store"] = call.store.store.id
    keyed = sorted(
        ((parse_iso(order[query["field"]]).isoformat(), order["AmazonOrderId"]), order)
        for order in call.store.orders.values()
        if _selected(order, query)
    )
    if query["cursor"] is not None:
        cursor = tuple(query["cursor"])
        keyed = [(key, order) for key, order in keyed if key > cursor]
    page = keyed[: query["size"]]
    payload: dict[str, Any] = {"Orders": [public_order(order) for _, order in page]}
    if len(keyed) > len(page):
        payload["NextToken"] = _encode({**query, "cursor": list(page[-1][0])})
    payload[query["bound"]] = zulu_time(parse_iso(query["before"]))
    return json_response(200, {"payload": payload})


def _order(call: Call) -> dict[str, Any] | None:
    return call.store.orders.get(call.params["orderId"])


def _not_found(call: Call) -> Response:
    return spapi_error(404, "NotFound", f"Invalid AmazonOrderId: {call.params['orderId']}")


def get_order(call: Call) -> Response:
    """getOrder ``GET /orders/v0/orders/{orderId}``."""
    order = _order(call)
    if order is None:
        return _not_found(call)
    return json_response(200, {"payload": public_order(order)})


def get_order_items(call: Call) -> Response:
    """getOrderItems ``GET /orders/v0/orders/{orderId}/orderItems``, paged by NextToken."""
    order = _order(call)
    if order is None:
        return _not_found(call)
    offset = 0
    if "NextToken" in call.request.args:
        state = _decode(call.request.args["NextToken"])
        if state is None or state.get("order") != order["AmazonOrderId"]:
            return _invalid("Invalid NextToken.")
        offset = int(state.get("offset", 0))
    items = order.get("OrderItems", [])
    payload: dict[str, Any] = {
        "AmazonOrderId": order["AmazonOrderId"],
        "OrderItems": items[offset : offset + ORDER_ITEMS_PAGE_SIZE],
    }
    if offset + ORDER_ITEMS_PAGE_SIZE < len(items):
        payload["NextToken"] = _encode(
            {"order": order["AmazonOrderId"], "offset": offset + ORDER_ITEMS_PAGE_SIZE}
        )
    return json_response(200, {"payload": payload})
