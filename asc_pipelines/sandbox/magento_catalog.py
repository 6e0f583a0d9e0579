"""The Magento side of a sandbox world: the merchant's catalog and its MSI stock, read from files.

``magento/products.csv`` is Magento 2's own product export (System > Data Transfer > Export), so a
merchant's real export can be dropped into a world. ``magento/source_items.csv`` (optional) holds
the Multi-Source Inventory quantities per product and warehouse ("source"); products it does not
list get one ``default`` source item built from the export's ``qty``/``is_in_stock``, exactly as
Magento's MSI migration does, but only for product types that carry stock (simple, virtual,
downloadable): configurable, bundle and grouped parents have no source items in Magento.

The catalog is held column by column (a list or ``array`` per field, row ``i`` = entity id
``i + 1``) so that a million products load in seconds and fit in a few hundred MB. Store-view rows
of the export (non-empty ``store_view_code``) are kept as sparse per-view overrides; the optional
``magento/stores.json`` places views in websites and gives currencies and rates
(``magento_stores``).
"""

from __future__ import annotations

import csv
import gc
import math
import re
import sys
import unicodedata
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from asc_pipelines.constants import (
    DEFAULT_ATTRIBUTE_CODES,
    MAGENTO_STATUS_DISABLED,
    MAGENTO_STATUS_ENABLED,
)
from asc_pipelines.sandbox.magento_stores import (
    STORES_FILE,
    StoresFileError,
    StoreStructure,
    build_structure,
    read_stores_file,
    website_codes_of,
)

PRODUCTS_FILE = "products.csv"
SOURCE_ITEMS_FILE = "source_items.csv"
DEFAULT_SOURCE_CODE = "default"
BASE_WEBSITE_CODE = "base"
LARGE_CATALOG = 50_000  # products from which the loaded catalog is exempted from the cyclic GC

# Product types whose stock Magento tracks per source; the others are composites of these.
STOCK_PRODUCT_TYPES = frozenset({"simple", "virtual", "downloadable"})
# Product types a shopper cannot buy without choosing options: Magento stores required_options=1.
OPTION_PRODUCT_TYPES = frozenset({"configurable", "bundle"})

# Export text -> REST number (protocols.md 7.3). Exports may also carry the number itself.
VISIBILITY_BY_LABEL: dict[str, int] = {
    "not visible individually": 1,
    "catalog": 2,
    "search": 3,
    "catalog, search": 4,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
}
DEFAULT_VISIBILITY = 4

# Magento's "Default" attribute set has id 4; sets created later get higher ids.
DEFAULT_ATTRIBUTE_SET = "Default"
DEFAULT_ATTRIBUTE_SET_ID = 4
FIRST_CUSTOM_ATTRIBUTE_SET_ID = 9

# Attribute codes a stock Magento 2.4 install defines even when no product in the file uses
# them, plus the identifier codes this project maps by default: filtering on them is valid.
STANDARD_ATTRIBUTE_CODES = frozenset(
    {
        "color",
        "cost",
        "country_of_manufacture",
        "description",
        "gift_message_available",
        "has_options",
        "manufacturer",
        "meta_description",
        "meta_keyword",
        "meta_title",
        "news_from_date",
        "news_to_date",
        "required_options",
        "short_description",
        "size",
        "special_from_date",
        "special_price",
        "special_to_date",
        "tax_class_id",
        "url_key",
        *DEFAULT_ATTRIBUTE_CODES.values(),
    }
)

# Export date formats: real exports print the admin locale's short format (``11/29/26, 5:51 AM``);
# generated worlds write ``YYYY-MM-DD HH:MM:SS``. All are read as UTC.
_EXPORT_DATE_FORMATS = (
    "%m/%d/%y, %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y, %H:%M",
    "%m/%d/%Y %H:%M:%S",
)
# The export columns the loader reads, in the order it unpacks them.
_PRODUCT_FIELDS = (
    "sku",
    "store_view_code",
    "product_type",
    "attribute_set_code",
    "product_websites",
    "name",
    "product_online",
    "visibility",
    "price",
    "weight",
    "created_at",
    "updated_at",
    "additional_attributes",
    "url_key",
    "qty",
    "is_in_stock",
    "configurable_variations",
)
_ATTRIBUTE_CODE = re.compile(r"\s*([A-Za-z0-9_]+)=")
_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


class WorldFileError(ValueError):
    """A Magento world file cannot be read; the message names the file, line and value."""


@lru_cache(maxsize=1 << 16)
def parse_export_datetime(text: str) -> int:
    """An export's ``created_at``/``updated_at`` as UTC epoch seconds; ValueError if unreadable."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _EXPORT_DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unrecognised Magento export date {text!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return (parsed - _EPOCH) // _SECOND


def parse_additional_attributes(raw: str) -> dict[str, str]:
    """The ``additional_attributes`` cell as ``{code: value}``, in file order.

    Simple form: ``code=value,code=value``. Values may be wrapped in double quotes (Magento's
    "Fields enclosure" export option), with ``""`` for a quote inside; and, like Magento's
    importer, a piece without ``code=`` continues the previous value (a value holding a comma).
    Multiselect values keep Magento's ``|`` separator verbatim.
    """
    result: dict[str, str] = {}
    last: str | None = None
    pos, end = 0, len(raw)
    while pos < end:
        match = _ATTRIBUTE_CODE.match(raw, pos)
        if match is None:
            stop = raw.find(",", pos)
            stop = end if stop == -1 else stop
            if last is not None:
                result[last] += "," + raw[pos:stop]
            pos = stop + 1
            continue
        code, pos = match.group(1), match.end()
        if pos < end and raw[pos] == '"':
            pieces: list[str] = []
            pos += 1
            while pos < end:
                quote = raw.find('"', pos)
                if quote == -1:
                    pieces.append(raw[pos:])
                    pos = end
                elif quote + 1 < end and raw[quote + 1] == '"':
                    pieces.append(raw[pos : quote + 1])
                    pos = quote + 2
                    continue
                else:
                    pieces.append(raw[pos:quote])
                    pos = quote + 1
                break
            stop = raw.find(",", pos)
            pos = end if stop == -1 else stop + 1
            value = "".join(pieces)
        else:
            stop = raw.find(",", pos)
            stop = end if stop == -1 else stop
            value = raw[pos:stop]
            pos = stop + 1
        result[code] = value
        last = code
    return result


def url_key_from_name(name: str, sku: str) -> str:
    """The URL key Magento's importer derives when the export has none: a lowercase slug."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_JUNK.sub("-", ascii_name.lower()).strip("-")
    return slug or _SLUG_JUNK.sub("-", sku.lower()).strip("-")


def website_name(code: str) -> str:
    """A display name for a website code; ``base`` is Magento's "Main Website"."""
    if code == BASE_WEBSITE_CODE:
        return "Main Website"
    return f"{code.replace('_', ' ').title()} Website"


@dataclass
class SourceItems:
    """MSI ``inventory_source_item`` rows: the quantity of one SKU at one source (warehouse).

    Row ``i`` has ``source_item_id`` ``i + 1``. ``default_row[p]`` is product ``p``'s row at the
    ``default`` source (-1 if none): the legacy stock item mirrors that row.
    """

    sku: list[str] = field(default_factory=list)
    source_code: list[str] = field(default_factory=list)
    quantity: array[float] = field(default_factory=lambda: array("d"))
    status: array[int] = field(default_factory=lambda: array("b"))
    default_row: array[int] = field(default_factory=lambda: array("q"))

    def append(self, sku: str, source_code: str, quantity: float, status: int) -> int:
        """Add a row and return its row number."""
        self.sku.append(sku)
        self.source_code.append(source_code)
        self.quantity.append(quantity)
        self.status.append(status)
        return len(self.sku) - 1


@dataclass
class ProductOverride:
    """A store view's own values for one product (export row with a ``store_view_code``)."""

    name: str | None = None
    status: int | None = None
    visibility: int | None = None
    price: float | None = None
    url_key: str | None = None
    attributes: dict[str, str] | None = None


@dataclass
class Website:
    """A Magento website (``store_website``): id, code, name; one store group per website."""

    id: int
    code: str
    name: str


class MagentoCatalog:
    """Every product of the world's Magento store, column by column (row ``i`` = entity ``i+1``).

    Columns: ``sku``, ``name``, ``type_id``, ``attribute_set_id``, ``status`` (1 enabled,
    2 disabled), ``visibility`` (1-4), ``price`` and ``weight`` (NaN = none), ``created_at`` /
    ``updated_at`` (UTC epoch seconds), ``website_ids`` (shared tuples), ``additional`` (the raw
    ``additional_attributes`` cell, parsed on demand), ``url_key`` (None = derived from the name),
    ``legacy_qty`` / ``legacy_in_stock`` (the export's ``qty``/``is_in_stock``).
    """

    def __init__(self) -> None:
        self.sku: list[str] = []
        self.name: list[str] = []
        self.type_id: list[str] = []
        self.attribute_set_id: array[int] = array("i")
        self.status: array[int] = array("b")
        self.visibility: array[int] = array("b")
        self.price: array[float] = array("d")
        self.weight: array[float] = array("d")
        self.created_at: array[int] = array("q")
        self.updated_at: array[int] = array("q")
        self.website_ids: list[tuple[int, ...]] = []
        self.additional: list[str | None] = []
        self.url_key: list[str | None] = []
        self.legacy_qty: array[float] = array("d")
        self.legacy_in_stock: array[int] = array("b")
        self.index: dict[str, int] = {}
        self.variations: dict[int, tuple[str, ...]] = {}
        self.overrides: dict[str, dict[int, ProductOverride]] = {}
        self.store_views: list[str] = ["default"]
        self.websites: list[Website] = []
        self.stores = StoreStructure()
        self.source_items = SourceItems()
        self._attribute_columns: dict[str, list[str | None]] = {}
        self._parents: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.sku)

    @classmethod
    def load(cls, magento_dir: Path, now: datetime) -> MagentoCatalog:
        """Read ``products.csv`` and ``source_items.csv`` from a world's ``magento`` directory.

        A world without ``products.csv`` has an empty catalog. ``now`` stands in for rows with
        no ``created_at`` (Magento stamps the import time).
        """
        catalog = cls()
        products = magento_dir / PRODUCTS_FILE
        website_codes: list[tuple[str, ...]] = []
        # Millions of new long-lived objects: the cyclic GC would rescan them over and over while
        # loading and on every later request (hundreds of ms each), and none of them form cycles.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            if products.exists():
                website_codes = catalog._read_products(products, int(now.timestamp()))
            spec = read_stores_file(magento_dir)
            catalog._assign_websites(website_codes, website_codes_of(spec))
            catalog._build_stores(spec, magento_dir / STORES_FILE)
            catalog._build_source_items(magento_dir / SOURCE_ITEMS_FILE)
        finally:
            if gc_was_enabled:
                gc.enable()
        if len(catalog) >= LARGE_CATALOG:
            gc.freeze()  # keep later collections from walking the catalog's objects
        return catalog

    # --- loading ---------------------------------------------------------------------------

    def _read_products(self, path: Path, now_epoch: int) -> list[tuple[str, ...]]:
        """Stream the export: global rows become products, store-view rows overrides.

        One tight loop with the column appends bound to locals: this is the cost of loading a
        million-product world.
        """
        website_codes: list[tuple[str, ...]] = []
        pending: list[tuple[int, dict[str, str]]] = []
        interned: dict[Any, Any] = {}
        set_ids: dict[str, int] = {DEFAULT_ATTRIBUTE_SET: DEFAULT_ATTRIBUTE_SET_ID}
        index = self.index
        (
            add_sku,
            add_name,
            add_type,
            add_set,
            add_status,
            add_visibility,
            add_price,
            add_weight,
            add_created,
            add_updated,
            add_additional,
            add_url_key,
            add_qty,
            add_in_stock,
        ) = (column.append for column in self._column_list())
        visibility_codes = VISIBILITY_BY_LABEL
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return website_codes
            columns = {name.strip(): i for i, name in enumerate(header)}
            if "sku" not in columns:
                raise WorldFileError(f"{path}: the header has no 'sku' column")
            width = len(header)  # every row gets one extra "" at this index: absent columns
            pick = itemgetter(*(columns.get(name, width) for name in _PRODUCT_FIELDS))
            for line_no, row in enumerate(reader, start=2):
                if len(row) == width:
                    row.append("")
                else:
                    row = row[:width] + [""] * (width + 1 - min(len(row), width))
                fields = pick(row)
                sku = fields[0].strip()
                if not sku:
                    continue
                if fields[1]:
                    pending.append((line_no, dict(zip(_PRODUCT_FIELDS, fields, strict=True))))
                    continue
                (
                    _,
                    _,
                    type_id,
                    set_code,
                    sites_text,
                    name,
                    online,
                    visibility,
                    price,
                    weight,
                    created_text,
                    updated_text,
                    additional,
                    url_key,
                    qty,
                    in_stock,
                    variations,
                ) = fields
                try:
                    type_id = type_id or "simple"
                    sites = interned.get(sites_text)
                    if sites is None:
                        sites = tuple(s.strip() for s in sites_text.split(",") if s.strip())
                        interned[sites_text] = sites
                    set_id = set_ids.get(set_code or DEFAULT_ATTRIBUTE_SET)
                    if set_id is None:
                        set_id = FIRST_CUSTOM_ATTRIBUTE_SET_ID + len(set_ids) - 1
                        set_ids[set_code] = set_id
                    created = parse_export_datetime(created_text) if created_text else now_epoch
                    updated = parse_export_datetime(updated_text) if updated_text else created
                    visibility_code = visibility_codes.get(visibility) or _visibility(visibility)
                    price_value = float(price) if price else math.nan
                    weight_value = float(weight) if weight else math.nan
                    qty_value = float(qty) if qty else 0.0
                except ValueError as exc:
                    raise WorldFileError(f"{path}:{line_no} ({sku}): {exc}") from None
                status = MAGENTO_STATUS_ENABLED if online in ("", "1") else MAGENTO_STATUS_DISABLED
                stocked = 1 if in_stock in ("1", "1.0") else 0
                row_no = index.get(sku)
                if row_no is None:
                    row_no = index[sku] = len(website_codes)
                    add_sku(sku)
                    add_name(name)
                    add_type(interned.setdefault(type_id, type_id))
                    add_set(set_id)
                    add_status(status)
                    add_visibility(visibility_code)
                    add_price(price_value)
                    add_weight(weight_value)
                    add_created(created)
                    add_updated(updated)
                    add_additional(additional or None)
                    add_url_key(url_key or None)
                    add_qty(qty_value)
                    add_in_stock(stocked)
                    website_codes.append(sites)
                else:  # a repeated global row updates the product, as a re-import would
                    values = (
                        sku,
                        name,
                        interned.setdefault(type_id, type_id),
                        set_id,
                        status,
                        visibility_code,
                        price_value,
                        weight_value,
                        created,
                        updated,
                        additional or None,
                        url_key or None,
                        qty_value,
                        stocked,
                    )
                    self._replace(row_no, values)
                    website_codes[row_no] = sites
                if variations:
                    self.variations[row_no] = _variation_skus(variations)
        for line_no, record in pending:
            try:
                self._add_override(record)
            except ValueError as exc:
                raise WorldFileError(f"{path}:{line_no} ({record['sku']}): {exc}") from None
        return website_codes

    def _replace(self, row: int, values: tuple[Any, ...]) -> None:
        for column, value in zip(self._column_list(), values, strict=True):
            column[row] = value

    def _column_list(self) -> tuple[Any, ...]:
        return (
            self.sku,
            self.name,
            self.type_id,
            self.attribute_set_id,
            self.status,
            self.visibility,
            self.price,
            self.weight,
            self.created_at,
            self.updated_at,
            self.additional,
            self.url_key,
            self.legacy_qty,
            self.legacy_in_stock,
        )

    def _add_override(self, record: dict[str, str]) -> None:
        sku, view = record["sku"].strip(), record["store_view_code"].strip()
        row = self.index.get(sku)
        if row is None:
            return  # a store-view row without its global row: Magento's import rejects it
        if view not in self.store_views:
            self.store_views.append(view)
        override = self.overrides.setdefault(view, {}).setdefault(row, ProductOverride())
        override.name = record["name"] or override.name
        if record["product_online"]:
            override.status = _status(record["product_online"])
        if record["visibility"]:
            override.visibility = _visibility(record["visibility"])
        if record["price"]:
            override.price = float(record["price"])
        override.url_key = record["url_key"] or override.url_key
        if record["additional_attributes"]:
            attributes = parse_additional_attributes(record["additional_attributes"])
            override.attributes = {**(override.attributes or {}), **attributes}

    def _assign_websites(
        self, website_codes: list[tuple[str, ...]], declared: list[str] | None = None
    ) -> None:
        codes = {code for sites in set(website_codes) for code in sites} | set(declared or [])
        ordered = [BASE_WEBSITE_CODE, *sorted(codes - {BASE_WEBSITE_CODE})]
        self.websites = [Website(i, code, website_name(code)) for i, code in enumerate(ordered, 1)]
        ids = {w.code: w.id for w in self.websites}
        as_ids = {sites: tuple(ids[c] for c in sites) for sites in set(website_codes)}
        self.website_ids = [as_ids[sites] for sites in website_codes]

    def _build_stores(self, spec: dict[str, Any], path: Path) -> None:
        """Store views, currencies and rates (``magento_stores``). With the stores file's
        ``price_scope: website``, the views of one website share the prices its export rows
        give; otherwise a view row's price is that view's alone, as before."""
        websites = [(w.id, w.code, w.name) for w in self.websites]
        exported = [view for view in self.store_views if view != "default"]
        try:
            self.stores = build_structure(spec, websites, exported, path)
        except StoresFileError as exc:
            raise WorldFileError(str(exc)) from None
        if not self.stores.website_price_scope:
            return
        by_website: dict[int, list[str]] = {}
        for view in self.stores.views:
            by_website.setdefault(view.website_id, []).append(view.code)
        for views in by_website.values():
            prices: dict[int, float] = {}
            for view in views:
                for row, override in self.overrides.get(view, {}).items():
                    if override.price is not None:
                        prices.setdefault(row, override.price)
            for view in views:
                own = self.overrides.setdefault(view, {})
                for row, price in prices.items():
                    if own.get(row) is None:
                        own[row] = ProductOverride(price=price)
                    elif own[row].price is None:
                        own[row].price = price
            for view in views:
                if not self.overrides.get(view):
                    self.overrides.pop(view, None)

    def _build_source_items(self, path: Path) -> None:
        listed: dict[str, list[tuple[str, float, int]]] = {}
        if path.exists():
            listed = _read_source_items(path)
        items = self.source_items
        default_row = array("q", [-1]) * len(self.sku)
        for row, sku in enumerate(self.sku):
            rows = listed.pop(sku, None)
            if rows is None:
                if self.type_id[row] not in STOCK_PRODUCT_TYPES:
                    continue
                rows = [(DEFAULT_SOURCE_CODE, self.legacy_qty[row], self.legacy_in_stock[row])]
            for source_code, quantity, status in rows:
                at = items.append(sku, source_code, quantity, status)
                if source_code == DEFAULT_SOURCE_CODE:
                    default_row[row] = at
        for sku, rows in listed.items():  # MSI keeps source items of SKUs it has no product for
            for source_code, quantity, status in rows:
                items.append(sku, source_code, quantity, status)
        items.default_row = default_row

    # --- reading ---------------------------------------------------------------------------

    def attributes(self, row: int, view: str | None = None) -> dict[str, str]:
        """Product ``row``'s ``additional_attributes``, with the store view's overrides."""
        raw = self.additional[row]
        attributes = parse_additional_attributes(raw) if raw else {}
        override = self.override(row, view)
        if override is not None and override.attributes:
            attributes.update(override.attributes)
        return attributes

    def attribute_column(self, code: str) -> list[str | None]:
        """One custom attribute's global value for every product (None where unset), cached."""
        column = self._attribute_columns.get(code)
        if column is None:
            needle = code + "="
            # Fast path for the simple form; quoted or comma-holding values take the full parser.
            simple = re.compile(
                r"(?:^|,)\s*" + re.escape(code) + r'=([^,"]*)(?=,\s*[A-Za-z0-9_]+=|$)'
            ).search
            column = []
            for raw in self.additional:
                if not raw or needle not in raw:
                    column.append(None)
                    continue
                match = simple(raw)
                if match is not None:
                    column.append(match.group(1))
                else:
                    column.append(parse_additional_attributes(raw).get(code))
            self._attribute_columns[code] = column
        return column

    def has_attribute(self, code: str) -> bool:
        """Whether Magento would know the attribute code: a standard one or one a product uses."""
        if code in STANDARD_ATTRIBUTE_CODES:
            return True
        if any(
            code in o.attributes
            for v in self.overrides.values()
            for o in v.values()
            if o.attributes
        ):
            return True
        return any(value is not None for value in self.attribute_column(code))

    def override(self, row: int, view: str | None) -> ProductOverride | None:
        """The store view's override of product ``row``, if the export has one."""
        if view is None:
            return None
        return self.overrides.get(view, {}).get(row)

    def effective_url_key(self, row: int, view: str | None = None) -> str:
        """The product's URL key: the view's, the export's, or one derived from the name."""
        override = self.override(row, view)
        if override is not None and override.url_key:
            return override.url_key
        return self.url_key[row] or url_key_from_name(self.name[row], self.sku[row])

    def required_options(self, row: int, attributes: dict[str, str]) -> str:
        """``"1"`` when a shopper must pick options to buy (configurable, bundle), else ``"0"``.

        An explicit ``required_options`` in ``additional_attributes`` (a product with required
        custom options) wins.
        """
        explicit = attributes.get("required_options")
        if explicit in ("0", "1"):
            return explicit
        return "1" if self.type_id[row] in OPTION_PRODUCT_TYPES else "0"

    def find(self, sku: str) -> int | None:
        """The row of a SKU; like MySQL's collation, a case-only difference still matches."""
        row = self.index.get(sku)
        if row is not None:
            return row
        folded = sku.casefold()
        return next((i for i, s in enumerate(self.sku) if s.casefold() == folded), None)

    def parent_of(self) -> dict[str, int]:
        """Child SKU -> configurable parent row, from the parents' ``configurable_variations``."""
        if self._parents is None:
            self._parents = {
                child: parent for parent, skus in self.variations.items() for child in skus
            }
        return self._parents


def _read_source_items(path: Path) -> dict[str, list[tuple[str, float, int]]]:
    listed: dict[str, list[tuple[str, float, int]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_no, record in enumerate(csv.DictReader(handle), start=2):
            sku = (record.get("sku") or "").strip()
            if not sku:
                continue
            try:
                quantity = float(record.get("quantity") or 0)
                status = int(float(record.get("status") or 0))
            except ValueError as exc:
                raise WorldFileError(f"{path}:{line_no} ({sku}): {exc}") from None
            source = sys.intern((record.get("source_code") or DEFAULT_SOURCE_CODE).strip())
            listed.setdefault(sku, []).append((source, quantity, 1 if status else 0))
    return listed


def _status(text: str) -> int:
    """``product_online``: 1 enabled; 2 (export) or 0 (import files) disabled; empty enabled."""
    if text in ("", "1"):
        return MAGENTO_STATUS_ENABLED
    return MAGENTO_STATUS_DISABLED


def _visibility(text: str) -> int:
    if not text:
        return DEFAULT_VISIBILITY
    try:
        return VISIBILITY_BY_LABEL[" ".join(text.lower().split())]
    except KeyError:
        raise ValueError(f"unknown visibility {text!r}") from None


def _variation_skus(cell: str) -> tuple[str, ...]:
    """Child SKUs of ``configurable_variations`` (``sku=A,size=S,color=Red|sku=B,...``)."""
    skus = []
    for variation in cell.split("|"):
        sku = parse_additional_attributes(variation).get("sku")
        if sku:
            skus.append(sku.strip())
    return tuple(skus)
