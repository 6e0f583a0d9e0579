"""The SP-API front door: routing, access-token check, usage plans and response headers.

Every response gets an ``x-amzn-RequestId``; ``x-amzn-RateLimit-Limit`` is added only on
200/202/400/404 (never 401/403/415/429/500/503, protocols.md 6). An ``Authorization:
AWS4-HMAC-SHA256`` header is ignored: SigV4 is no longer required (protocols.md 1.2).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from asc_pipelines.sandbox import listings_api, orders_api
from asc_pipelines.sandbox.amazon_state import AmazonState
from asc_pipelines.sandbox.catalog_api import CatalogApi
from asc_pipelines.sandbox.clock import SandboxClock
from asc_pipelines.sandbox.documents import DocumentStore
from asc_pipelines.sandbox.faults import FaultInjector
from asc_pipelines.sandbox.feed_uploads import FeedUploads
from asc_pipelines.sandbox.feeds_api import FeedsApi
from asc_pipelines.sandbox.listings_write_api import ListingsWriteApi
from asc_pipelines.sandbox.listings_writes import ListingsWrites
from asc_pipelines.sandbox.lwa import TOKEN_EXPIRED, TokenRegistry
from asc_pipelines.sandbox.ratelimit import RateLimiter
from asc_pipelines.sandbox.reports_api import ReportsApi
from asc_pipelines.sandbox.responses import quota_exceeded, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

Handler = Callable[[Call], Response]
RATE_LIMIT_STATUSES = frozenset({200, 202, 400, 404})
_SEGMENT = r"(?P<{}>[^/]+)"


@dataclass(frozen=True)
class Route:
    """One SP-API operation: HTTP method, path pattern and its operationId."""

    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Handler


def _route(method: str, template: str, operation: str, handler: Handler) -> Route:
    regex = re.sub(r"\{(\w+)\}", lambda m: _SEGMENT.format(m.group(1)), template)
    return Route(method, re.compile(f"^{regex}$"), operation, handler)


def unauthorized(details: str) -> Response:
    """403 as SP-API answers any access-token problem."""
    return spapi_error(403, "Unauthorized", "Access to requested resource is denied.", details)


class SpApi:
    """Dispatches SP-API requests to the Reports, Listings, Catalog and Orders handlers."""

    def __init__(
        self,
        state: AmazonState,
        clock: SandboxClock,
        tokens: TokenRegistry,
        limiter: RateLimiter,
        faults: FaultInjector,
        reports: ReportsApi,
        lock: threading.RLock,
        catalog: CatalogApi | None = None,
        listings_writes: ListingsWrites | None = None,
        feeds: FeedsApi | None = None,
    ) -> None:
        self.state = state
        self.catalog = catalog if catalog is not None else CatalogApi([])
        self.clock = clock
        self.tokens = tokens
        self.limiter = limiter
        self.faults = faults
        self.reports = reports
        self.lock = lock
        listings_writes = listings_writes or ListingsWrites(lambda market, asin: False)
        writes = ListingsWriteApi(listings_writes, limiter)
        feeds = feeds or FeedsApi(FeedUploads(), DocumentStore(), faults, listings_writes)
        feeds_path = "/feeds/2021-06-30"
        self.routes = [
            _route("GET", "/reports/2021-06-30/reports", "getReports", reports.get_reports),
            _route("POST", "/reports/2021-06-30/reports", "createReport", reports.create_report),
            _route(
                "GET", "/reports/2021-06-30/reports/{reportId}", "getReport", reports.get_report
            ),
            _route(
                "DELETE",
                "/reports/2021-06-30/reports/{reportId}",
                "cancelReport",
                reports.cancel_report,
            ),
            _route(
                "GET",
                "/reports/2021-06-30/documents/{reportDocumentId}",
                "getReportDocument",
                reports.get_report_document,
            ),
            _route(
                "GET",
                "/listings/2021-08-01/items/{sellerId}/{sku}",
                "getListingsItem",
                listings_api.get_listings_item,
            ),
            _route(
                "PATCH",
                "/listings/2021-08-01/items/{sellerId}/{sku}",
                "patchListingsItem",
                writes.patch_listings_item,
            ),
            _route(
                "PUT",
                "/listings/2021-08-01/items/{sellerId}/{sku}",
                "putListingsItem",
                writes.put_listings_item,
            ),
            _route(
                "DELETE",
                "/listings/2021-08-01/items/{sellerId}/{sku}",
                "deleteListingsItem",
                writes.delete_listings_item,
            ),
            _route(
                "GET",
                "/listings/2021-08-01/items/{sellerId}",
                "searchListingsItems",
                listings_api.search_listings_items,
            ),
            _route(
                "GET",
                "/catalog/2022-04-01/items",
                "searchCatalogItems",
                self.catalog.search_catalog_items,
            ),
            _route(
                "GET",
                "/catalog/2022-04-01/items/{asin}",
                "getCatalogItem",
                self.catalog.get_catalog_item,
            ),
            _route("GET", f"{feeds_path}/feeds", "getFeeds", feeds.get_feeds),
            _route("POST", f"{feeds_path}/feeds", "createFeed", feeds.create_feed),
            _route("GET", f"{feeds_path}/feeds/{{feedId}}", "getFeed", feeds.get_feed),
            _route("DELETE", f"{feeds_path}/feeds/{{feedId}}", "cancelFeed", feeds.cancel_feed),
            _route(
                "POST", f"{feeds_path}/documents", "createFeedDocument", feeds.create_feed_document
            ),
            _route(
                "GET",
                f"{feeds_path}/documents/{{feedDocumentId}}",
                "getFeedDocument",
                feeds.get_feed_document,
            ),
            _route("GET", "/orders/v0/orders", "getOrders", orders_api.get_orders),
            _route("GET", "/orders/v0/orders/{orderId}", "getOrder", orders_api.get_order),
            _route(
                "GET",
                "/orders/v0/orders/{orderId}/orderItems",
                "getOrderItems",
                orders_api.get_order_items,
            ),
        ]

    def match(self, request: Request) -> tuple[Route, dict[str, str]] | None:
        """The route and path parameters of a request, or None for an unknown path/method."""
        for route in self.routes:
            found = route.pattern.match(request.path)
            if found and route.method == request.method:
                return route, found.groupdict()
        return None

    def operation_name(self, request: Request) -> str | None:
        """The operationId a request calls (the fault and rate-limit key)."""
        matched = self.match(request)
        return matched[0].operation if matched else None

    def handle(self, request: Request) -> Response:
        """Answer an SP-API request (always with ``x-amzn-RequestId``)."""
        response = self._dispatch(request)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response

    def _dispatch(self, request: Request) -> Response:
        matched = self.match(request)
        if matched is None:
            return spapi_error(404, "NotFound", "Resource not found.", request.path)
        route, params = matched
        now = self.clock.now()
        store_id, details = self.tokens.check(request.headers.get("x-amz-access-token"), now)
        if store_id is None:
            return unauthorized(details)
        if self.faults.take(route.operation, "token_expiry"):
            self.tokens.expire_all(now)
            return unauthorized(TOKEN_EXPIRED)
        store = self.state.stores.get(store_id)
        if store is None:
            return unauthorized("The selling partner of this access token is unknown.")
        if not self.limiter.try_acquire(store.store.seller_id, route.operation):
            return quota_exceeded()
        call = Call(request, store, params, now, usage_plan=route.operation)
        with self.lock:
            try:
                response = route.handler(call)
            except (KeyError, ValueError, TypeError, AttributeError):
                # A request the handler cannot make sense of (a forged NextToken, a body of the
                # wrong types): Amazon answers 400 InvalidInput, never an HTML server error.
                response = spapi_error(400, "InvalidInput", "Invalid input.")
        limit = self.limiter.rate_header(call.usage_plan)
        if limit is not None and response.status_code in RATE_LIMIT_STATUSES:
            response.headers["x-amzn-RateLimit-Limit"] = limit
        return response
