"""The Selling Partner API client: Reports, Listings Items, Catalog Items and Orders for one store.

One instance per store (Amazon meters each seller's usage separately). Every call waits for its
operation's client-side token bucket, sends the LWA access token, retries transient failures with
jittered exponential backoff, and on a 403 refreshes the access token once and retries once
(protocols.md 1.2, 6). Responses are the parsed JSON bodies; wrappers (``payload``) are removed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from asc_pipelines import constants
from asc_pipelines.config import AmazonConfig, StoreConfig
from asc_pipelines.sources.download import (
    DEFAULT_REPORT_CHARSET,
    DownloadedReport,
    download_document,
)
from asc_pipelines.sources.errors import SpApiError, scrub
from asc_pipelines.sources.http import (
    RETRYABLE_STATUSES,
    TRANSPORT_ERRORS,
    ServerClock,
    call_with_retries,
    describe_transport_error,
    new_session,
)
from asc_pipelines.sources.lwa import LwaTokenProvider
from asc_pipelines.sources.ratelimit import RateLimiter
from asc_pipelines.sources.tick_guard import TickGuard, host_of

_REPORTS = "/reports/2021-06-30"
_LISTINGS = "/listings/2021-08-01/items"
_ORDERS = "/orders/v0/orders"
_CATALOG = "/catalog/2022-04-01/items"


def format_iso(value: datetime) -> str:
    """An aware datetime as SP-API's ISO-8601 UTC text, e.g. ``2024-03-10T20:11:24Z``."""
    if value.tzinfo is None:
        raise ValueError(f"SP-API datetimes must be timezone-aware, got {value!r}")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | None) -> datetime | None:
    """SP-API ISO-8601 text (``Z`` or ``+00:00``) as an aware UTC datetime; None stays None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class OrdersPage:
    """One page of getOrders plus the window the server says it covered.

    ``watermark`` is where the next incremental fetch may start: the ``LastUpdatedBefore`` the
    server returned, or, when it returned none, the server time of the request minus the two
    minutes Amazon needs to settle recent updates (protocols.md 5.2).
    """

    orders: list[dict[str, Any]]
    last_updated_before: datetime | None
    requested_at: datetime
    next_token: str | None

    @property
    def watermark(self) -> datetime:
        if self.last_updated_before is not None:
            return self.last_updated_before
        return self.requested_at - timedelta(seconds=constants.ORDERS_BEFORE_MIN_AGE_SECONDS)


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


class SpApiClient:
    """SP-API for one store (one seller authorization, one set of rate buckets)."""

    def __init__(
        self,
        *,
        endpoint: str,
        lwa_token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        rate_scale: float = 1.0,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        name: str = "store",
        guard: TickGuard | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.name = name
        self._host = host_of(self.endpoint)
        self._session = new_session(session)
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._sleep = sleep
        self._rng = rng
        self._clock = ServerClock(monotonic)
        self._limiter = RateLimiter(scale=rate_scale, monotonic=monotonic, sleep=sleep)
        self._lwa = LwaTokenProvider(
            session=self._session,
            token_url=lwa_token_url,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            sleep=sleep,
            monotonic=monotonic,
            clock=self._clock,
            rng=rng,
            name=name,
        )
        self.guard = guard or TickGuard(None)
        self.use_guard(self.guard)
        self.requests_sent = 0
        self.throttled_responses = 0  # 429s received: a healthy run keeps this at zero

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

    def server_now(self) -> datetime:
        """Amazon's current time (from the last response's ``Date``), aware UTC."""
        return self._clock.now()

    def use_guard(self, guard: TickGuard) -> None:
        """Hold this tick's deadline and breakers (a client outlives ticks; a guard does not)."""
        self.guard = guard
        self._lwa.guard = guard

    def ensure_access_token(self) -> None:
        """Fetch an LWA access token now if none is cached (fails fast on bad credentials).

        The token response's ``Date`` also sets :meth:`server_now` before the first SP-API call,
        so a first incremental window can be computed with the server's clock.
        """
        self._lwa.access_token()

    @property
    def token_refreshes(self) -> int:
        """How many LWA access tokens this client has fetched."""
        return self._lwa.refresh_count

    # --- transport -------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expected: int = 200,
    ) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            return call_with_retries(
                lambda: self._attempt(operation, method, path, params, body, expected),
                max_retries=self._max_retries,
                backoff_base=self._backoff_base,
                sleep=self._sleep,
                rng=self._rng,
                guard=self.guard,
                operation=operation,
                host=self._host,
                breakers=(self._lwa.breaker,),
            )

        try:
            return run()
        except SpApiError as exc:
            if exc.http_status != 403:
                raise
            # Expired or revoked access token (protocols.md 1.2): refresh once, retry once.
            self._lwa.invalidate()
            return run()

    def _attempt(
        self,
        operation: str,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        expected: int,
    ) -> dict[str, Any]:
        token = self._lwa.access_token()
        headers = {
            "x-amz-access-token": token,
            "x-amz-date": self.server_now().strftime("%Y%m%dT%H%M%SZ"),
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        self._limiter.acquire(operation)
        self.requests_sent += 1
        try:
            response = self._session.request(
                method,
                self.endpoint + path,
                params=params,
                json=body,
                headers=headers,
                timeout=self.guard.timeout(self._timeout),
            )
        except TRANSPORT_ERRORS as exc:
            kind, detail = describe_transport_error(exc, self.endpoint)
            raise SpApiError(
                operation,
                None,
                "TransportError",
                scrub(detail, self._lwa.secrets()),
                retryable=True,
                transport=kind,
            ) from None
        finally:
            self._limiter.settle(operation)
        self._clock.observe(response)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if response.status_code == expected:
            if not isinstance(parsed, dict):
                raise SpApiError(
                    operation,
                    expected,
                    "InvalidBody",
                    "the body is not a JSON object",
                    retryable=True,
                )
            return parsed
        if response.status_code == 429:
            self.throttled_responses += 1
        code, message = _first_error(parsed, response)
        raise SpApiError(
            operation,
            response.status_code,
            code,
            scrub(message, self._lwa.secrets()),
            retryable=response.status_code in RETRYABLE_STATUSES,
        )

    # --- Reports API 2021-06-30 -----------------------------------------------------------

    def create_report(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        report_options: dict[str, str] | None = None,
    ) -> str:
        """Ask Amazon to build a report; returns its reportId (processing is asynchronous)."""
        body: dict[str, Any] = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}
        if report_options:
            body["reportOptions"] = dict(report_options)
        result = self._call("createReport", "POST", f"{_REPORTS}/reports", body=body, expected=202)
        return str(result["reportId"])

    def get_report(self, report_id: str) -> dict[str, Any]:
        """A report's status (``processingStatus``) and, once DONE, its ``reportDocumentId``."""
        return self._call("getReport", "GET", f"{_REPORTS}/reports/{quote(report_id, safe='')}")

    def get_reports(
        self,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] | None = None,
        page_size: int = 10,
    ) -> list[dict[str, Any]]:
        """All reports of the given types (newest first), following ``nextToken`` alone."""
        params: dict[str, Any] = {"reportTypes": ",".join(report_types), "pageSize": page_size}
        if processing_statuses:
            params["processingStatuses"] = ",".join(processing_statuses)
        reports: list[dict[str, Any]] = []
        while True:
            page = self._call("getReports", "GET", f"{_REPORTS}/reports", params=params)
            reports.extend(page.get("reports") or [])
            token = page.get("nextToken")
            if not token:
                return reports
            params = {"nextToken": token}  # must be the only parameter (protocols.md 2.4)

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        """The document's pre-signed ``url`` (valid five minutes) and ``compressionAlgorithm``."""
        return self._call(
            "getReportDocument", "GET", f"{_REPORTS}/documents/{quote(document_id, safe='')}"
        )

    def download_report_document(
        self,
        document: dict[str, Any],
        dest: Path,
        *,
        default_charset: str = DEFAULT_REPORT_CHARSET,
    ) -> DownloadedReport:
        """Download a document to ``dest`` (decompressed); no SP-API headers are sent to S3."""
        return download_document(
            self._session,
            str(document["url"]),
            Path(dest),
            timeout=self._timeout,
            guard=self.guard,
            max_retries=self._max_retries,
            backoff_base=self._backoff_base,
            sleep=self._sleep,
            default_charset=default_charset,
            rng=self._rng,
        )

    # --- Listings Items API 2021-08-01 ----------------------------------------------------

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

    # --- Catalog Items API 2022-04-01 -----------------------------------------------------

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
        are simply absent: map them back with `asc_pipelines.sources.catalog.match_identifiers`
        (protocols.md 4.5). ``identifiers_type`` is one of ASIN, EAN, GTIN, ISBN, JAN, MINSAN,
        SKU, UPC; a SKU search needs ``seller_id``. Raises ValueError for more than 20
        identifiers (the caller batches) or an unknown type.
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

    # --- Orders API v0 ---------------------------------------------------------------------

    def iter_orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        max_results_per_page: int = constants.ORDERS_MAX_RESULTS_PER_PAGE,
    ) -> Iterator[OrdersPage]:
        """Orders updated after a time, page by page (``NextToken`` sent with the same filters).

        Without ``last_updated_before`` none is sent, so the request can never ask for the last
        two minutes Amazon forbids; the server's answer says how far it went
        (`OrdersPage.watermark`). A caller backfilling history passes an upper bound to fetch one
        window at a time; it must be at least two minutes before the server's now.
        """
        params: dict[str, Any] = {
            "MarketplaceIds": ",".join(marketplace_ids),
            "LastUpdatedAfter": format_iso(last_updated_after),
            "MaxResultsPerPage": max_results_per_page,
        }
        if last_updated_before is not None:
            params["LastUpdatedBefore"] = format_iso(last_updated_before)
        token: str | None = None
        while True:
            query = dict(params, NextToken=token) if token else params
            result = self._call("getOrders", "GET", _ORDERS, params=query)
            requested_at = self.server_now()
            payload = result.get("payload") or {}
            token = payload.get("NextToken") or None
            yield OrdersPage(
                orders=list(payload.get("Orders") or []),
                last_updated_before=parse_iso(payload.get("LastUpdatedBefore")),
                requested_at=requested_at,
                next_token=token,
            )
            if not token:
                return

    def get_order_items(self, order_id: str) -> list[dict[str, Any]]:
        """All items of one order (follows ``NextToken``)."""
        path = f"{_ORDERS}/{quote(order_id, safe='')}/orderItems"
        items: list[dict[str, Any]] = []
        params: dict[str, Any] | None = None
        while True:
            result = self._call("getOrderItems", "GET", path, params=params)
            payload = result.get("payload") or {}
            items.extend(payload.get("OrderItems") or [])
            token = payload.get("NextToken")
            if not token:
                return items
            params = {"NextToken": token}


def _first_error(parsed: Any, response: requests.Response) -> tuple[str, str]:
    """The code and message of an SP-API ErrorList (``details`` appended when present)."""
    if isinstance(parsed, dict) and isinstance(parsed.get("errors"), list) and parsed["errors"]:
        first = parsed["errors"][0] if isinstance(parsed["errors"][0], dict) else {}
        code = str(first.get("code") or "Unknown")
        message = str(first.get("message") or "")
        details = first.get("details")
        if details:
            message = f"{message} ({details})"
        return code, message
    return "Unknown", (response.text or response.reason or "")[:200]
