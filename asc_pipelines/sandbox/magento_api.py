"""The sandbox's Magento 2 store: Magento's REST protocol served from a world's ``magento`` files.

``MagentoSandbox.handle`` answers any request under ``/rest/`` the way Magento 2.4 does
(protocols.md section 7): admin and integration bearer tokens, ``searchCriteria`` filtering,
sorting and paging (with the last-page repeat), store-view scoped product values, MSI source
items, websites and orders, Magento's error bodies, and Magento's JSON encoding (non-ASCII as
``\\uXXXX``, ``/`` as ``\\/``). Between ticks ``magento_evolve`` changes the store's data inside
``MagentoSandbox.changing()``.

Routes (operation names are the fault-injection keys):

====================================  ==========================  ==================================
``POST /V1/integration/admin/token``  ``magento.adminToken``      anonymous
``GET  /V1/products``                 ``magento.getProducts``     Magento_Catalog::products
``GET  /V1/products/{sku}``           ``magento.getProduct``      Magento_Catalog::products
``GET  /V1/stockItems/{sku}``         ``magento.getStockItem``    ..CatalogInventory::..inventory
``GET  /V1/inventory/source-items``   ``magento.getSourceItems``  Magento_InventoryApi::source
``GET  /V1/orders``                   ``magento.getOrders``       Magento_Sales::actions_view
``GET  /V1/orders/{id}``              ``magento.getOrder``        Magento_Sales::actions_view
``GET  /V1/store/websites``           ``magento.getWebsites``     Magento_Backend::store
``GET  /V1/store/storeGroups``        ``magento.getStoreGroups``  Magento_Backend::store
``GET  /V1/store/storeViews``         ``magento.getStoreViews``   Magento_Backend::store
``GET  /V1/store/storeConfigs``       ``magento.getStoreConfigs`` Magento_Backend::store
``GET  /V1/directory/currency``       ``magento.getCurrency``     anonymous
====================================  ==========================  ==================================

Store groups, views, currencies and rates come from ``magento_stores`` (the world's optional
``magento/stores.json``): ``/V1/directory/currency`` answers for the request's store view (its
website's base, display and allowed currencies and the rates from its base currency; ``all``: the
global base currency), as Magento's ``CurrencyInformationAcquirer`` does.

Each path may carry a store code: ``/rest/V1/...`` and ``/rest/default/V1/...`` are the default
store view (global values plus the export's ``default`` store-view rows, if it has any),
``/rest/all/V1/...`` the global (admin) values, ``/rest/<view>/V1/...`` a store view of the
export; an unknown code is read as part of the route (404, as Magento does). ``fields=`` partial
responses are applied to every JSON answer.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Request, Response

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.magento_catalog import (
    OPTION_PRODUCT_TYPES,
    MagentoCatalog,
    ProductOverride,
)
from asc_pipelines.sandbox.magento_orders import OrderBook, OrderTable
from asc_pipelines.sandbox.magento_search import (
    Column,
    MagentoError,
    SearchCriteria,
    Table,
    apply_fields,
    format_sql_datetime,
    internal_error,
    invalid_type_error,
    page_bounds,
    parse_fields,
    parse_search_criteria,
    select_rows,
)

ADMIN_TOKEN_LIFETIME = timedelta(hours=4)
SELECTION_CACHE_SIZE = 8
ALL_STORES = "all"
DEFAULT_STORE = "default"

ROUTE_NOT_FOUND = "Request does not match any route."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
SIGN_IN_INCORRECT = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)
PRODUCT_NOT_FOUND = (
    "The product that was requested doesn't exist. Verify the product and try again."
)
ENTITY_NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."

RESOURCE_PRODUCTS = "Magento_Catalog::products"
RESOURCE_STOCK = "Magento_CatalogInventory::cataloginventory"
RESOURCE_SOURCES = "Magento_InventoryApi::source"
RESOURCE_ORDERS = "Magento_Sales::actions_view"
RESOURCE_STORES = "Magento_Backend::store"

Handler = Callable[[Request, str | None, tuple[str, ...]], Any]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: tuple[str, ...]  # "*" matches one path segment, passed to the handler
    operation: str
    resource: str | None  # None: anonymous


@dataclass(frozen=True)
class _Match:
    route: _Route
    store: str | None  # store view code whose values apply; None for ``all`` (global values)
    params: tuple[str, ...]


_ROUTES = (
    _Route("POST", ("integration", "admin", "token"), "magento.adminToken", None),
    _Route("GET", ("products",), "magento.getProducts", RESOURCE_PRODUCTS),
    _Route("GET", ("products", "*"), "magento.getProduct", RESOURCE_PRODUCTS),
    _Route("GET", ("stockItems", "*"), "magento.getStockItem", RESOURCE_STOCK),
    _Route("GET", ("inventory", "source-items"), "magento.getSourceItems", RESOURCE_SOURCES),
    _Route("GET", ("orders",), "magento.getOrders", RESOURCE_ORDERS),
    _Route("GET", ("orders", "*"), "magento.getOrder", RESOURCE_ORDERS),
    _Route("GET", ("store", "websites"), "magento.getWebsites", RESOURCE_STORES),
    _Route("GET", ("store", "storeGroups"), "magento.getStoreGroups", RESOURCE_STORES),
    _Route("GET", ("store", "storeViews"), "magento.getStoreViews", RESOURCE_STORES),
    _Route("GET", ("store", "storeConfigs"), "magento.getStoreConfigs", RESOURCE_STORES),
    _Route("GET", ("directory", "currency"), "magento.getCurrency", None),
)


def magento_json(payload: Any, status: int = 200) -> Response:
    """A JSON response encoded like PHP's ``json_encode`` (``\\uXXXX`` escapes and ``\\/``)."""
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
    return Response(body, status=status, content_type="application/json; charset=utf-8")


_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def currency_symbol(code: str) -> str:
    """A currency's symbol as Magento's locale data gives it (the code when unknown)."""
    return _SYMBOLS.get(code, code)


def _number(value: float) -> float | int:
    """Magento's decimals as JSON numbers: whole values without a fraction (``34``, ``12.5``)."""
    return int(value) if value.is_integer() else value


def _rest_segments(request: Request) -> list[str] | None:
    """The path after ``/rest/``, split on ``/`` before percent-decoding, so ``%2F`` in a SKU
    stays inside its segment (real Magento often rejects such SKUs; the sandbox serves them)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        path = urlsplit(raw).path
        start = path.find("/rest/")
        if start < 0:
            return None
        segments = [unquote(part) for part in path[start + len("/rest/") :].split("/")]
    else:
        start = request.path.find("/rest/")
        if start < 0:
            return None
        segments = request.path[start + len("/rest/") :].split("/")
    while segments and segments[-1] == "":
        segments.pop()
    return segments


class _ProductTable:
    """The catalog as a searchable table, with one store view's values (None: global values)."""

    def __init__(self, catalog: MagentoCatalog, view: str | None) -> None:
        self.catalog = catalog
        self.view = view
        self.overrides: dict[int, ProductOverride] = catalog.overrides.get(view or "", {})

    def row_count(self) -> int:
        return len(self.catalog)

    def natural_order_fields(self) -> frozenset[str]:
        return frozenset({"entity_id", "id"})

    def _patched(self, values: Sequence[Any], attribute: str) -> Sequence[Any]:
        changes = {
            row: getattr(o, attribute)
            for row, o in self.overrides.items()
            if getattr(o, attribute) is not None
        }
        if not changes:
            return values
        patched = list(values)
        for row, value in changes.items():
            patched[row] = value
        return patched

    def column(self, field: str) -> Column:
        c = self.catalog
        if field in ("entity_id", "id"):
            return Column("int", range(1, len(c) + 1))
        if field == "sku":
            return Column("text", c.sku)
        if field == "type_id":
            return Column("text", c.type_id)
        if field == "attribute_set_id":
            return Column("int", c.attribute_set_id)
        if field in ("name", "status", "visibility"):
            kind = "text" if field == "name" else "int"
            return Column(kind, self._patched(getattr(c, field), field))
        if field in ("price", "weight"):
            values = [None if math.isnan(v) else v for v in getattr(c, field)]
            if field == "price":
                values = list(self._patched(values, "price"))
            return Column("float", values, nullable=True)
        if field in ("created_at", "updated_at"):
            return Column("date", getattr(c, field))
        if field == "url_key":
            return Column("text", [c.effective_url_key(r, self.view) for r in range(len(c))])
        if field in ("required_options", "has_options"):
            explicit = self._attribute(field)
            return Column(
                "text",
                [
                    v if v in ("0", "1") else ("1" if t in OPTION_PRODUCT_TYPES else "0")
                    for v, t in zip(explicit, c.type_id, strict=True)
                ],
            )
        if not c.has_attribute(field):
            # Magento's EAV collection: an attribute code it does not know (400).
            raise MagentoError(400, "Invalid attribute name: %1", [field])
        return Column("text", self._attribute(field), nullable=True)

    def _attribute(self, code: str) -> Sequence[str | None]:
        values = self.catalog.attribute_column(code)
        changes = {
            row: o.attributes[code]
            for row, o in self.overrides.items()
            if o.attributes and code in o.attributes
        }
        if not changes:
            return values
        patched = list(values)
        for row, value in changes.items():
            patched[row] = value
        return patched


class _SourceItemTable:
    """MSI source items as a searchable table (``inventory_source_item``)."""

    def __init__(self, catalog: MagentoCatalog) -> None:
        self.items = catalog.source_items

    def row_count(self) -> int:
        return len(self.items.sku)

    def natural_order_fields(self) -> frozenset[str]:
        return frozenset({"source_item_id"})

    def column(self, field: str) -> Column:
        items = self.items
        if field == "source_item_id":
            return Column("int", range(1, len(items.sku) + 1))
        if field in ("sku", "source_code"):
            return Column("text", getattr(items, field))
        if field == "quantity":
            return Column("float", items.quantity)
        if field == "status":
            return Column("int", items.status)
        raise internal_error()  # an unknown column is a SQL error in Magento


class MagentoSandbox:
    """A Magento 2 store for one sandbox world, speaking Magento's REST protocol.

    ``world_dir`` is the world's root (its ``magento/`` folder holds the files); ``clock`` returns
    the sandbox's aware UTC now (token expiry); ``seed`` drives the order history. Requests and
    ``changing()`` blocks are serialized by a lock, so a threaded server may call ``handle``
    concurrently.
    """

    def __init__(self, world_dir: Path, clock: Callable[[], datetime], seed: int = 0) -> None:
        self._clock = clock
        self._catalog = MagentoCatalog.load(Path(world_dir) / "magento", clock())
        self._orders = OrderBook.synthesize(self._catalog, seed)
        self._tokens: dict[str, datetime] = {}
        self._lock = threading.RLock()
        self._selections: OrderedDict[tuple[Any, ...], Sequence[int]] = OrderedDict()
        self._handlers: dict[str, Handler] = {
            "magento.adminToken": self._admin_token,
            "magento.getProducts": self._get_products,
            "magento.getProduct": self._get_product,
            "magento.getStockItem": self._get_stock_item,
            "magento.getSourceItems": self._get_source_items,
            "magento.getOrders": self._get_orders,
            "magento.getOrder": self._get_order,
            "magento.getWebsites": self._get_websites,
            "magento.getStoreGroups": self._get_store_groups,
            "magento.getStoreViews": self._get_store_views,
            "magento.getStoreConfigs": self._get_store_configs,
            "magento.getCurrency": self._get_currency,
        }

    @property
    def catalog(self) -> MagentoCatalog:
        """The store's catalog and stock (for tests and the world summary)."""
        return self._catalog

    @property
    def order_book(self) -> OrderBook:
        """The store's sales orders (for ``magento_evolve``)."""
        return self._orders

    @property
    def orders(self) -> list[dict[str, Any]]:
        """The store's orders as the REST API returns them."""
        return self._orders.orders

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold requests off while the store's data is changed in the block; searches cached
        before it are forgotten after it, as their rows may have changed."""
        with self._lock:
            try:
                yield
            finally:
                self._selections.clear()

    # --- dispatch --------------------------------------------------------------------------

    def _match(self, request: Request) -> _Match | None:
        segments = _rest_segments(request)
        if not segments:
            return None
        if segments[0] == "V1":
            store: str | None = DEFAULT_STORE
            rest = segments[1:]
        elif (
            len(segments) >= 2
            and segments[1] == "V1"
            and (
                segments[0] == ALL_STORES
                or segments[0] in self._catalog.store_views
                or self._catalog.stores.view(segments[0]) is not None
            )
        ):
            store = None if segments[0] == ALL_STORES else segments[0]
            rest = segments[2:]
        else:
            return None  # Magento reads an unknown store code as part of the route
        for route in _ROUTES:
            if route.method != request.method or len(route.pattern) != len(rest):
                continue
            if all(p in ("*", s) for p, s in zip(route.pattern, rest, strict=True)):
                params = tuple(s for p, s in zip(route.pattern, rest, strict=True) if p == "*")
                return _Match(route, store, params)
        return None

    def operation_name(self, request: Request) -> str | None:
        """The operation a request calls (``magento.getProducts``...); None if no route matches."""
        match = self._match(request)
        return match.route.operation if match else None

    def handle(self, request: Request) -> Response:
        """Answer one request under ``/rest/`` as Magento would."""
        match = self._match(request)
        if match is None:
            return magento_json({"message": ROUTE_NOT_FOUND}, 404)
        try:
            with self._lock:
                if match.route.resource is not None:
                    self._authorize(request, match.route.resource)
                payload = self._handlers[match.route.operation](request, match.store, match.params)
        except MagentoError as error:
            return magento_json(error.body(), error.status)
        fields = request.args.get("fields")
        if fields:
            payload = apply_fields(payload, parse_fields(fields))
        return magento_json(payload)

    # --- auth ------------------------------------------------------------------------------

    def _authorize(self, request: Request, resource: str) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            if token == credentials.MAGENTO_INTEGRATION_TOKEN:
                return  # integration tokens never expire
            expires = self._tokens.get(token)
            if expires is not None and self._clock() < expires:
                return
        raise MagentoError(401, NOT_AUTHORIZED, {"resources": resource})

    def _admin_token(self, request: Request, store: str | None, params: tuple[str, ...]) -> str:
        """Issue a 4-hour admin token for the sandbox admin's username and password."""
        if not request.content_type:
            raise MagentoError(400, "Content-Type header is empty.")
        if request.mimetype != "application/json":
            raise MagentoError(
                400,
                "Server cannot understand Content-Type HTTP header media type %1",
                [request.mimetype],
            )
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            raise MagentoError(400, "Decoding error.") from None
        body = body if isinstance(body, dict) else {}
        missing = [name for name in ("username", "password") if not body.get(name)]
        if len(missing) == 1:
            raise MagentoError(
                400, '"%fieldName" is required. Enter and try again.', {"fieldName": missing[0]}
            )
        if missing:
            raise MagentoError(
                400,
                "One or more input exceptions have occurred.",
                errors=[
                    {
                        "message": '"%fieldName" is required. Enter and try again.',
                        "parameters": {"fieldName": name},
                    }
                    for name in missing
                ],
            )
        if (body["username"], body["password"]) != (
            credentials.MAGENTO_ADMIN_USERNAME,
            credentials.MAGENTO_ADMIN_PASSWORD,
        ):
            raise MagentoError(401, SIGN_IN_INCORRECT)
        now = self._clock()
        self._tokens = {t: e for t, e in self._tokens.items() if e > now}
        token = secrets.token_hex(16)
        self._tokens[token] = now + ADMIN_TOKEN_LIFETIME
        return token

    # --- searches --------------------------------------------------------------------------

    def _select(
        self, kind: str, store: str | None, table: Table, criteria: SearchCriteria
    ) -> Sequence[int]:
        """The rows a search selects, cached until the store's data changes (``changing()``): a
        client paging through a million products with the same criteria pays for the filter and
        sort once."""
        key = (kind, store, criteria.selection_key())
        rows = self._selections.get(key)
        if rows is None:
            rows = select_rows(table, criteria)
            self._selections[key] = rows
            while len(self._selections) > SELECTION_CACHE_SIZE:
                self._selections.popitem(last=False)
        else:
            self._selections.move_to_end(key)
        return rows

    def _search(
        self,
        request: Request,
        kind: str,
        store: str | None,
        table: Table,
        render: Callable[[int], Any],
    ) -> dict[str, Any]:
        criteria = parse_search_criteria(request.args.items(multi=True))
        rows = self._select(kind, store, table, criteria)
        start, stop = page_bounds(len(rows), criteria.page_size, criteria.current_page)
        return {
            "items": [render(rows[i]) for i in range(start, stop)],
            "search_criteria": criteria.echo(),
            "total_count": len(rows),
        }

    def _get_products(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        table = _ProductTable(self._catalog, store)
        return self._search(
            request, "products", store, table, lambda row: self._product(row, store)
        )

    def _get_source_items(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        items = self._catalog.source_items
        return self._search(
            request,
            "source_items",
            None,
            _SourceItemTable(self._catalog),
            lambda row: {
                "sku": items.sku[row],
                "source_code": items.source_code[row],
                "quantity": _number(items.quantity[row]),
                "status": items.status[row],
            },
        )

    def _get_orders(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        orders = self._orders.orders
        return self._search(request, "orders", None, OrderTable(orders), orders.__getitem__)

    # --- single entities -------------------------------------------------------------------

    def _product_row(self, sku: str) -> int:
        row = self._catalog.find(sku)
        if row is None:
            raise MagentoError(404, PRODUCT_NOT_FOUND)
        return row

    def _get_product(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        return self._product(self._product_row(params[0]), store, with_stock=True)

    def _get_stock_item(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        return self._stock_item(self._product_row(params[0]))

    def _get_order(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        if not params[0].isdigit():
            raise invalid_type_error(params[0], "int")
        entity_id = int(params[0])
        if not 1 <= entity_id <= len(self._orders.orders):
            raise MagentoError(404, ENTITY_NOT_FOUND)
        return self._orders.orders[entity_id - 1]

    def _get_websites(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        admin = {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0}
        return [admin] + [
            {"id": w.id, "code": w.code, "name": w.name, "default_group_id": w.id}
            for w in self._catalog.websites
        ]

    def _get_store_groups(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        admin = {
            "id": 0,
            "website_id": 0,
            "root_category_id": 0,
            "default_store_id": 0,
            "name": "Default",
            "code": "default",
        }
        stores = self._catalog.stores
        groups = [admin]
        for w in self._catalog.websites:
            if not any(v.website_id == w.id for v in stores.views):
                continue
            base = w.code == "base"
            groups.append(
                {
                    "id": w.id,
                    "website_id": w.id,
                    "root_category_id": 2,
                    "default_store_id": stores.default_view_id(w.id),
                    "name": "Main Website Store" if base else f"{w.name} Store",
                    "code": "main_website_store" if base else f"{w.code}_store",
                }
            )
        return groups

    def _get_store_views(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        admin = {
            "id": 0,
            "code": "admin",
            "name": "Admin",
            "website_id": 0,
            "store_group_id": 0,
            "is_active": 1,
        }
        return [admin] + [
            {
                "id": v.id,
                "code": v.code,
                "name": v.name,
                "website_id": v.website_id,
                "store_group_id": v.group_id,
                "is_active": 1,
            }
            for v in self._catalog.stores.views
        ]

    def _get_store_configs(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """Every store view's config (not the admin's), or those of ``storeCodes[]``."""
        wanted = {
            value for key, value in request.args.items(multi=True) if key.startswith("storeCodes")
        }
        stores = self._catalog.stores
        url = request.host_url
        configs = []
        for v in stores.views:
            if wanted and v.code not in wanted:
                continue
            currencies = stores.website_currencies(v.website_id)
            configs.append(
                {
                    "id": v.id,
                    "code": v.code,
                    "website_id": v.website_id,
                    "locale": v.locale,
                    "base_currency_code": currencies.base,
                    "default_display_currency_code": currencies.display,
                    "timezone": "UTC",
                    "weight_unit": "lbs",
                    "base_url": url,
                    "base_link_url": url,
                    "base_static_url": f"{url}static/",
                    "base_media_url": f"{url}media/",
                    "secure_base_url": url,
                    "secure_base_link_url": url,
                    "secure_base_static_url": f"{url}static/",
                    "secure_base_media_url": f"{url}media/",
                }
            )
        return configs

    def _get_currency(
        self, request: Request, store: str | None, params: tuple[str, ...]
    ) -> dict[str, Any]:
        """The request scope's currencies: a store view's website's, or the global ones for
        ``all``; a rate Magento lacks is left out of ``exchange_rates``."""
        stores = self._catalog.stores
        view = stores.view(store) if store is not None else None
        if view is None:
            base, display, allowed = (
                stores.base_currency,
                stores.base_currency,
                stores.global_allowed,
            )
        else:
            currencies = stores.website_currencies(view.website_id)
            base, display, allowed = currencies.base, currencies.display, currencies.allowed
        rates = []
        for code in allowed:
            rate = stores.rate(base, code)
            if rate is not None:
                rates.append({"currency_to": code, "rate": _number(rate)})
        return {
            "base_currency_code": base,
            "base_currency_symbol": currency_symbol(base),
            "default_display_currency_code": display,
            "default_display_currency_symbol": currency_symbol(display),
            "available_currency_codes": list(allowed),
            "exchange_rates": rates,
        }

    # --- serialization ---------------------------------------------------------------------

    def _product(self, row: int, view: str | None, with_stock: bool = False) -> dict[str, Any]:
        """One product as ``ProductRepository`` serializes it; stock only for single reads."""
        c = self._catalog
        override = c.override(row, view) or ProductOverride()
        attributes = c.attributes(row, view)
        item: dict[str, Any] = {
            "id": row + 1,
            "sku": c.sku[row],
            "name": override.name or c.name[row],
            "attribute_set_id": c.attribute_set_id[row],
        }
        price = override.price if override.price is not None else c.price[row]
        if not math.isnan(price):
            item["price"] = _number(price)
        item["status"] = override.status or c.status[row]
        item["visibility"] = override.visibility or c.visibility[row]
        item["type_id"] = c.type_id[row]
        item["created_at"] = format_sql_datetime(c.created_at[row])
        item["updated_at"] = format_sql_datetime(c.updated_at[row])
        if not math.isnan(c.weight[row]):
            item["weight"] = _number(c.weight[row])
        extension: dict[str, Any] = {"website_ids": list(c.website_ids[row]), "category_links": []}
        children = c.variations.get(row)
        if children:
            extension["configurable_product_links"] = [
                c.index[sku] + 1 for sku in children if sku in c.index
            ]
        if with_stock:
            extension["stock_item"] = self._stock_item(row)
        item["extension_attributes"] = extension
        item["product_links"] = []
        item["options"] = []
        item["media_gallery_entries"] = []
        item["tier_prices"] = []
        required = c.required_options(row, attributes)
        has_options = attributes.get("has_options")
        if has_options not in ("0", "1"):
            has_options = "1" if required == "1" else "0"
        custom = [{"attribute_code": "url_key", "value": c.effective_url_key(row, view)}]
        custom += [
            {"attribute_code": code, "value": value}
            for code, value in attributes.items()
            if code not in ("url_key", "required_options", "has_options")
        ]
        custom.append({"attribute_code": "required_options", "value": required})
        custom.append({"attribute_code": "has_options", "value": has_options})
        item["custom_attributes"] = custom
        return item

    def _stock_item(self, row: int) -> dict[str, Any]:
        """The legacy CatalogInventory stock item: MSI mirrors the ``default`` source into it."""
        c = self._catalog
        source_row = c.source_items.default_row[row]
        if source_row >= 0:
            qty = c.source_items.quantity[source_row]
            in_stock = bool(c.source_items.status[source_row])
        else:
            qty, in_stock = c.legacy_qty[row], bool(c.legacy_in_stock[row])
        return {
            "item_id": row + 1,
            "product_id": row + 1,
            "stock_id": 1,
            "qty": _number(qty),
            "is_in_stock": in_stock,
            "is_qty_decimal": False,
            "show_default_notification_message": False,
            "use_config_min_qty": True,
            "min_qty": 0,
            "use_config_min_sale_qty": 1,
            "min_sale_qty": 1,
            "use_config_max_sale_qty": True,
            "max_sale_qty": 10000,
            "use_config_backorders": True,
            "backorders": 0,
            "use_config_notify_stock_qty": True,
            "notify_stock_qty": 1,
            "use_config_qty_increments": True,
            "qty_increments": 0,
            "use_config_enable_qty_inc": True,
            "enable_qty_increments": False,
            "use_config_manage_stock": True,
            "manage_stock": True,
            "is_decimal_divided": False,
            "stock_status_changed_auto": 0,
        }
