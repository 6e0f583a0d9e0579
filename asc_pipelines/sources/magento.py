"""The Magento 2 / Adobe Commerce REST client: websites, store views and their configuration,
currency rates, products (and their website prices in a store view's scope), MSI source items,
orders.

Authentication is an admin token (``POST /rest/V1/integration/admin/token``, re-fetched once on a
401) or a given integration token (protocols.md 7.1). Lists are read with ``searchCriteria`` pages
sorted on a unique key. Magento answers a page past the end with the last page again (the
collection clamps ``curPage``, protocols.md 7.3), so paging stops on ``total_count`` or a short
page, never on an empty page, and a page that repeats the previous one is an error.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from asc_pipelines import constants
from asc_pipelines.config import AttributeCodes, MagentoConfig
from asc_pipelines.sources.errors import AuthError, MagentoError, scrub
from asc_pipelines.sources.http import ServerClock
from asc_pipelines.sources.tick_guard import TickGuard, TickLimitReached
from asc_pipelines.sources.transport import Transport

_PLACEHOLDER = re.compile(r"%(\w+)")
# A refused admin token is remembered for the rest of the tick under this key.
ADMIN_TOKEN_BREAKER = "Magento admin token"  # noqa: S105 - a name, not a secret

# Stable orders for paging (protocols.md 7.3): products and orders by entity_id; MSI source items
# have no id, so (sku, source_code), their unique key.
PRODUCT_SORT = (("entity_id", "ASC"),)
ORDER_SORT = (("entity_id", "ASC"),)
SOURCE_ITEM_SORT = (("sku", "ASC"), ("source_code", "ASC"))
# A website price pull asks only for what it keeps (Magento's ``fields`` partial response).
PRICE_FIELDS = "items[sku,price,updated_at],total_count"


def substitute_placeholders(message: str, parameters: Any) -> str:
    """Fill Magento's ``%name`` (dict parameters) or ``%1`` (list parameters) placeholders."""
    if isinstance(parameters, dict):
        values = {str(key): value for key, value in parameters.items()}
    elif isinstance(parameters, list):
        values = {str(index): value for index, value in enumerate(parameters, start=1)}
    else:
        return message

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values else match.group(0)

    return _PLACEHOLDER.sub(fill, message)


def format_magento_datetime(value: datetime) -> str:
    """An aware datetime as Magento's UTC ``YYYY-MM-DD HH:MM:SS``."""
    if value.tzinfo is None:
        raise ValueError(f"Magento filter datetimes must be timezone-aware, got {value!r}")
    return value.astimezone(UTC).strftime(constants.MAGENTO_DATETIME_FORMAT)


def parse_magento_datetime(value: str | None) -> datetime | None:
    """Magento's ``YYYY-MM-DD HH:MM:SS`` (UTC, no zone) as an aware UTC datetime."""
    if not value:
        return None
    return datetime.strptime(value, constants.MAGENTO_DATETIME_FORMAT).replace(tzinfo=UTC)


def search_criteria(
    *,
    page_size: int,
    current_page: int,
    sort: Sequence[tuple[str, str]],
    filters: Sequence[tuple[str, str, str]] = (),
) -> dict[str, str]:
    """Query parameters for a searchCriteria list call; each filter is its own (ANDed) group."""
    params: dict[str, str] = {}
    for group, (field, condition, value) in enumerate(filters):
        prefix = f"searchCriteria[filter_groups][{group}][filters][0]"
        params[f"{prefix}[field]"] = field
        params[f"{prefix}[value]"] = value
        params[f"{prefix}[condition_type]"] = condition
    for index, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{index}][field]"] = field
        params[f"searchCriteria[sortOrders][{index}][direction]"] = direction
    params["searchCriteria[pageSize]"] = str(page_size)
    params["searchCriteria[currentPage]"] = str(current_page)
    return params


class MagentoClient:
    """Read access to one Magento installation."""

    def __init__(
        self,
        *,
        base_url: str,
        store_code: str = "all",
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        page_size: int = 300,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        guard: TickGuard | None = None,
    ) -> None:
        if token is None and (username is None or password is None):
            raise ValueError("MagentoClient needs a token, or a username and a password")
        self.base_url = base_url.rstrip("/")
        self.store_code = store_code
        self.page_size = page_size
        self._username = username
        self._password = password
        self._integration_token = token
        self._admin_token: str | None = None
        self._clock = ServerClock(monotonic)
        self._transport = Transport(
            session=session,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            sleep=sleep,
            rng=rng,
            guard=guard,
            clock=self._clock,
        )
        self._dialect = _MagentoDialect(self._secrets)

    @classmethod
    def from_config(
        cls,
        cfg: MagentoConfig,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        **overrides: Any,
    ) -> MagentoClient:
        """A client for the configured Magento; credentials come from the caller (env vars)."""
        settings: dict[str, Any] = {
            "base_url": cfg.base_url,
            "store_code": cfg.store_code,
            "username": username,
            "password": password,
            "token": token if cfg.auth == "integration_token" or username is None else None,
            "page_size": cfg.page_size,
            "timeout": cfg.request_timeout_seconds,
            "max_retries": cfg.max_retries,
            "backoff_base": cfg.backoff_base_seconds,
        }
        settings.update(overrides)
        return cls(**settings)

    def server_now(self) -> datetime:
        """Magento's current time (from the last response's ``Date``), aware UTC."""
        return self._clock.now()

    # --- transport -------------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        values = (self._password, self._integration_token, self._admin_token, self._username)
        return [v for v in values if v]

    def _bearer(self) -> str:
        if self._integration_token is not None:
            return self._integration_token
        if self._admin_token is None:
            self._admin_token = self._fetch_admin_token()
        return self._admin_token

    def _fetch_admin_token(self) -> str:
        body = {"username": self._username, "password": self._password}
        try:
            token = self._send(
                "admin token",
                "POST",
                "/rest/V1/integration/admin/token",
                json=body,
                breakers=(ADMIN_TOKEN_BREAKER,),
            )
        except TickLimitReached:
            raise
        except MagentoError as exc:
            self._transport.guard.trip(ADMIN_TOKEN_BREAKER, str(exc))
            if exc.http_status in (400, 401, 403):
                raise AuthError(
                    str(exc),
                    operation="magento.adminToken",
                    http_status=exc.http_status,
                    code="invalid_credentials",
                ) from None
            raise
        if not isinstance(token, str) or not token:
            raise AuthError("Magento admin token failed: the response is not a token string")
        return token

    def _get(self, operation: str, path: str, params: dict[str, str] | None = None) -> Any:
        def run() -> Any:
            return self._send(
                operation,
                "GET",
                path,
                params=params,
                authorized=True,
                breakers=(ADMIN_TOKEN_BREAKER,) if self._integration_token is None else (),
            )

        try:
            return run()
        except MagentoError as exc:
            if exc.http_status != 401 or self._integration_token is not None:
                raise
            # The admin token expired (4 hours by default): fetch a new one once and retry once.
            self._admin_token = None
            return run()

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        breakers: tuple[str, ...],
        authorized: bool = False,
        **request: Any,
    ) -> Any:
        """One call with retries: the JSON body of a 200 answer, unless the tick's guard or one of
        ``breakers`` stops it first."""
        url = self.base_url + path

        def attempt() -> Any:
            headers = {"Accept": "application/json"}
            if authorized:
                headers["Authorization"] = f"Bearer {self._bearer()}"
            return self._transport.send(
                operation, method, url, self._dialect, json_object=False, headers=headers, **request
            )

        return self._transport.retrying(
            attempt, operation=f"Magento {operation}", url=url, breakers=breakers
        )

    def _path(self, endpoint: str, store_code: str | None = None) -> str:
        code = self.store_code if store_code is None else store_code
        return f"/rest/{quote(code, safe='')}/V1/{endpoint}"

    def _pages(
        self,
        operation: str,
        endpoint: str,
        *,
        sort: Sequence[tuple[str, str]],
        key: Callable[[dict[str, Any]], Any],
        filters: Sequence[tuple[str, str, str]] = (),
        store_code: str | None = None,
        fields: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a searchCriteria list; stops on total_count or a short page.
        ``store_code``: another REST scope than the configured one; ``fields``: Magento's
        partial response (it must keep ``total_count``)."""
        page = 1
        previous_keys: list[Any] | None = None
        while True:
            params = search_criteria(
                page_size=self.page_size, current_page=page, sort=sort, filters=filters
            )
            if fields is not None:
                params["fields"] = fields
            body = self._get(operation, self._path(endpoint, store_code), params)
            if not isinstance(body, dict):
                raise MagentoError(operation, 200, "the list response is not a JSON object")
            items = list(body.get("items") or [])
            total = int(body.get("total_count") or 0)
            keys = [key(item) for item in items]
            if items and keys == previous_keys:
                raise MagentoError(
                    operation,
                    200,
                    f"page {page} repeats page {page - 1} (total_count {total}); "
                    "Magento clamps pages past the end, so paging stopped",
                )
            if items:
                yield items
            if not items or page * self.page_size >= total or len(items) < self.page_size:
                return
            previous_keys = keys
            page += 1

    # --- endpoints -------------------------------------------------------------------------

    def list_websites(self) -> dict[int, str]:
        """Website id -> code (``GET /rest/V1/store/websites``); id 0 is the admin website."""
        body = self._get("list websites", "/rest/V1/store/websites")
        return {int(site["id"]): str(site["code"]) for site in body or []}

    def list_store_views(self) -> list[dict[str, Any]]:
        """Every store view (``GET /rest/V1/store/storeViews``); id 0 is the admin view."""
        return list(self._get("list store views", "/rest/V1/store/storeViews") or [])

    def list_store_groups(self) -> list[dict[str, Any]]:
        """Every store group (``GET /rest/V1/store/storeGroups``): each website's default
        group names its default store view."""
        return list(self._get("list store groups", "/rest/V1/store/storeGroups") or [])

    def list_store_configs(self) -> list[dict[str, Any]]:
        """Every store view's configuration (``GET /rest/V1/store/storeConfigs``): its base and
        default display currency."""
        return list(self._get("list store configs", "/rest/V1/store/storeConfigs") or [])

    def currency_information(self, store_code: str) -> dict[str, Any]:
        """A scope's base, display and allowed currencies with the rates from its base
        (``GET /rest/<store_code>/V1/directory/currency``; ``all``: the global scope)."""
        body = self._get("get currency", self._path("directory/currency", store_code))
        if not isinstance(body, dict):
            raise MagentoError("get currency", 200, "the currency answer is not a JSON object")
        return body

    def iter_price_pages(
        self, store_code: str, *, updated_after: datetime | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Each product's SKU, price and ``updated_at`` in a store view's scope (its website's
        price when the price scope is website), page by page, asking for those fields only."""
        filters = []
        if updated_after is not None:
            filters.append(("updated_at", "gt", format_magento_datetime(updated_after)))
        return self._pages(
            "list website prices",
            "products",
            sort=PRODUCT_SORT,
            key=lambda item: item.get("sku"),
            filters=filters,
            store_code=store_code,
            fields=PRICE_FIELDS,
        )

    def iter_product_pages(
        self, *, updated_after: datetime | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Catalog products page by page; only those with ``updated_at`` > ``updated_after``."""
        filters = []
        if updated_after is not None:
            filters.append(("updated_at", "gt", format_magento_datetime(updated_after)))
        return self._pages(
            "list products",
            "products",
            sort=PRODUCT_SORT,
            key=lambda item: item.get("id"),
            filters=filters,
        )

    def iter_source_item_pages(self) -> Iterator[list[dict[str, Any]]]:
        """All MSI source items (stock per source); re-read fully, they have no ``updated_at``."""
        return self._pages(
            "list source items",
            "inventory/source-items",
            sort=SOURCE_ITEM_SORT,
            key=lambda item: (item.get("sku"), item.get("source_code")),
        )

    def iter_order_pages(
        self, *, updated_after: datetime | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Sales orders page by page; only those with ``updated_at`` >= ``updated_after``."""
        filters = []
        if updated_after is not None:
            filters.append(("updated_at", "gteq", format_magento_datetime(updated_after)))
        return self._pages(
            "list orders",
            "orders",
            sort=ORDER_SORT,
            key=lambda item: item.get("entity_id"),
            filters=filters,
        )


class _MagentoDialect:
    """Magento's errors: ``{"message": "%fieldName is a required field.", "parameters": ...}``,
    placeholders substituted; credentials scrubbed from every message."""

    def __init__(self, secrets: Callable[[], list[str]]) -> None:
        self._secrets = secrets

    def no_response(self, operation: str, kind: str, detail: str) -> MagentoError:
        return MagentoError(
            operation, None, scrub(detail, self._secrets()), retryable=True, transport=kind
        )

    def unreadable(self, operation: str, status: int) -> MagentoError:
        return MagentoError(operation, status, "the body is not valid JSON", retryable=True)

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> MagentoError:
        if isinstance(body, dict) and "message" in body:
            message = substitute_placeholders(str(body["message"]), body.get("parameters"))
        else:
            message = (response.text or response.reason or "")[:200]
        return MagentoError(
            operation, response.status_code, scrub(message, self._secrets()), retryable=retryable
        )


def _custom_attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {
        str(entry.get("attribute_code")): entry.get("value")
        for entry in item.get("custom_attributes") or []
        if isinstance(entry, dict)
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def product_rows(
    items: list[dict[str, Any]], *, attributes: AttributeCodes, website_codes: dict[int, str]
) -> list[dict[str, Any]]:
    """Products as flat rows: identifiers from the configured attribute codes, websites by code.

    Salable quantity is not here: it is computed in SQL from the MSI source items.
    """
    rows = []
    for item in items:
        custom = _custom_attributes(item)
        extension = item.get("extension_attributes") or {}
        website_ids = extension.get("website_ids") or []
        rows.append(
            {
                "sku": item.get("sku"),
                "entity_id": _int(item.get("id")),
                "type_id": item.get("type_id"),
                "name": item.get("name"),
                "status": _int(item.get("status")),
                "visibility": _int(item.get("visibility")),
                "price": _float(item.get("price")),
                "website_codes": [website_codes.get(int(i), str(i)) for i in website_ids],
                "asin": _text(custom.get(attributes.asin)),
                "upc": _text(custom.get(attributes.upc)),
                "ean": _text(custom.get(attributes.ean)),
                "isbn": _text(custom.get(attributes.isbn)),
                "gtin": _text(custom.get(attributes.gtin)),
                "condition": _text(custom.get(attributes.condition)),
                "required_options": _int(
                    custom.get("required_options", item.get("required_options"))
                ),
                "created_at": parse_magento_datetime(item.get("created_at")),
                "updated_at": parse_magento_datetime(item.get("updated_at")),
            }
        )
    return rows
