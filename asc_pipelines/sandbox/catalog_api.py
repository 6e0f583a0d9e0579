"""Catalog Items API 2022-04-01: searchCatalogItems and getCatalogItem (protocols.md 4).

The Amazon catalog of a world is ``amazon/catalog.csv`` (``marketplace,identifier_type,
identifier,asin,parent_asin``): each row says that, in one marketplace, an external identifier
(UPC, EAN, ISBN, ...) resolves to an ASIN. An identifier on several rows with different ASINs is
ambiguous and returns all of them. An ASIN named in other rows' ``parent_asin`` is a variation
parent (``itemClassification: VARIATION_PARENT``, ``childAsins``); a row with a ``parent_asin``
is a variation child (``parentAsins``). Known ASINs are the ``asin`` and ``parent_asin`` values.

Identifier matching works like Amazon's barcode lookup: UPC, EAN, GTIN, ISBN and JAN values are
compared as zero-padded 14-digit GTINs, so the UPC ``036000291452`` finds a row stored as the EAN
``0036000291452``; an ISBN-10 is first converted to its ISBN-13. ``ASIN`` and ``MINSAN`` compare
literally, ``SKU`` resolves through the calling seller's own listings (``sellerId`` required).
Identifiers without a match are simply absent from ``items`` (protocols.md 4.5).

Simplifications, all valid against the model: ``summaries`` carry a synthesized ``itemName``;
``identifiers`` list the catalog rows of the ASIN exactly as stored (the result does not say which
searched identifier matched, as on Amazon); ``productTypes`` is the generic ``PRODUCT``; the other
``includedData`` sets (attributes, images, ...) come back empty. Keyword searches are validated
but always return an empty result: a world has no product texts to search. A search can page
through at most 1,000 ASINs; ``pageToken`` must come with the same query, as on Amazon.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from asc_pipelines.constants import (
    CATALOG_IDENTIFIER_TYPES,
    CATALOG_INCLUDED_DATA,
    CATALOG_SEARCH_MAX_IDENTIFIERS,
    CATALOG_SEARCH_MAX_PAGE_SIZE,
    CATALOG_SEARCH_MAX_RESULTS,
    CATALOG_VARIATION_PARENT,
    MARKETPLACES,
    marketplace,
)
from asc_pipelines.sandbox.responses import json_response, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

# Identifier types that are GS1 numbers and therefore one key space (GTIN-14).
GTIN_TYPES = frozenset({"UPC", "EAN", "GTIN", "ISBN", "JAN"})
PRODUCT_TYPE = "PRODUCT"
DEFAULT_PAGE_SIZE = 10
KEYWORD_ONLY_PARAMETERS = ("brandNames", "classificationIds", "keywordsLocale")
_UNPARSEABLE = "Request has missing or invalid parameters and cannot be parsed."


def _invalid(message: str, details: str = "") -> Response:
    return spapi_error(400, "InvalidInput", message, details)


def isbn10_to_isbn13(isbn10: str) -> str:
    """The ISBN-13 of an ISBN-10: ``978`` + its first nine digits + a new EAN-13 check digit."""
    body = "978" + isbn10[:9]
    total = sum(int(digit) * (3 if position % 2 else 1) for position, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def identifier_key(identifier_type: str, identifier: str) -> tuple[str, str]:
    """The comparison key of an identifier: GS1 numbers as GTIN-14, anything else literally."""
    kind = identifier_type.strip().upper()
    text = identifier.strip()
    if kind in GTIN_TYPES:
        digits = text.replace("-", "").replace(" ", "").upper()
        if kind == "ISBN" and len(digits) == 10 and digits[:9].isdigit():
            digits = isbn10_to_isbn13(digits)
        if digits.isdigit() and len(digits) <= 14:
            return "GTIN", digits.zfill(14)
        return kind, digits
    if kind == "ASIN":
        return kind, text.upper()
    return kind, text


@dataclass
class CatalogEntry:
    """One ASIN in one marketplace: its external identifiers and variation relationships."""

    asin: str
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (type, value) as stored
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


class CatalogIndex:
    """The world's ``catalog.csv`` rows, indexed per marketplace id by ASIN and identifier key."""

    def __init__(self, rows: Sequence[dict[str, str]]) -> None:
        self.entries: dict[str, dict[str, CatalogEntry]] = {}
        self.lookup: dict[tuple[str, str, str], list[str]] = {}
        for number, row in enumerate(rows, start=2):
            try:
                market_id = marketplace(row["marketplace"]).marketplace_id
            except KeyError as error:
                raise ValueError(f"amazon/catalog.csv line {number}: {error}") from None
            asin = (row.get("asin") or "").strip().upper()
            if not asin:
                continue
            entries = self.entries.setdefault(market_id, {})
            entry = entries.setdefault(asin, CatalogEntry(asin))
            kind = (row.get("identifier_type") or "").strip().upper()
            value = (row.get("identifier") or "").strip()
            if kind and value:
                if not (kind == "ASIN" and value.upper() == asin):
                    pair = (kind, value)
                    if pair not in entry.identifiers:
                        entry.identifiers.append(pair)
                found = self.lookup.setdefault((market_id, *identifier_key(kind, value)), [])
                if asin not in found:
                    found.append(asin)
            parent = (row.get("parent_asin") or "").strip().upper()
            if parent and parent != asin:
                if parent not in entry.parents:
                    entry.parents.append(parent)
                family = entries.setdefault(parent, CatalogEntry(parent))
                if asin not in family.children:
                    family.children.append(asin)

    def entry(self, marketplace_id: str, asin: str) -> CatalogEntry | None:
        """A known ASIN of a marketplace, or None."""
        return self.entries.get(marketplace_id, {}).get(asin.strip().upper())

    def find(self, marketplace_id: str, identifier_type: str, identifier: str) -> list[str]:
        """The ASINs an identifier resolves to in a marketplace (empty when unknown)."""
        kind, key = identifier_key(identifier_type, identifier)
        found = list(self.lookup.get((marketplace_id, kind, key), []))
        if kind == "ASIN" and key in self.entries.get(marketplace_id, {}) and key not in found:
            found.insert(0, key)
        return found


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str) -> int | None:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


class CatalogApi:
    """The two Catalog Items operations over a world's catalog (index built on first use)."""

    def __init__(self, rows: Sequence[dict[str, str]]) -> None:
        for code in {row.get("marketplace") or "" for row in rows}:  # fail at start-up
            try:
                marketplace(code)
            except KeyError as error:
                raise ValueError(f"amazon/catalog.csv: {error}") from None
        self._rows = rows
        self._index: CatalogIndex | None = None

    @property
    def index(self) -> CatalogIndex:
        """The catalog index; large worlds pay for it only when the Catalog API is called."""
        if self._index is None:
            self._index = CatalogIndex(self._rows)
        return self._index

    # -- items ---------------------------------------------------------------------------------

    def build_item(self, marketplace_id: str, asin: str, included: Sequence[str]) -> dict[str, Any]:
        """The model's ``Item`` for one ASIN in one marketplace, with the requested data sets."""
        return self._merge(asin, [marketplace_id], included)

    def _merge(
        self, asin: str, marketplace_ids: Sequence[str], included: Sequence[str]
    ) -> dict[str, Any]:
        item: dict[str, Any] = {"asin": asin}
        entries = [
            (market_id, self.index.entry(market_id, asin) or CatalogEntry(asin))
            for market_id in marketplace_ids
        ]
        for name in included:
            if name == "summaries":
                item[name] = [self._summary(market_id, entry) for market_id, entry in entries]
            elif name == "identifiers":
                item[name] = [
                    {
                        "marketplaceId": market_id,
                        "identifiers": [
                            {"identifierType": kind, "identifier": value}
                            for kind, value in entry.identifiers
                        ],
                    }
                    for market_id, entry in entries
                ]
            elif name == "relationships":
                item[name] = [
                    {"marketplaceId": market_id, "relationships": self._relationships(entry)}
                    for market_id, entry in entries
                ]
            elif name == "productTypes":
                item[name] = [
                    {"marketplaceId": market_id, "productType": PRODUCT_TYPE}
                    for market_id, _ in entries
                ]
            elif name == "attributes":
                item[name] = {}
            else:  # classifications, dimensions, images, salesRanks, vendorDetails
                item[name] = []
        return item

    @staticmethod
    def _summary(marketplace_id: str, entry: CatalogEntry) -> dict[str, Any]:
        parent = bool(entry.children)
        return {
            "marketplaceId": marketplace_id,
            "itemClassification": CATALOG_VARIATION_PARENT if parent else "BASE_PRODUCT",
            "itemName": (
                f"Sandbox variation family {entry.asin}"
                if parent
                else f"Sandbox catalog item {entry.asin}"
            ),
        }

    @staticmethod
    def _relationships(entry: CatalogEntry) -> list[dict[str, Any]]:
        if not entry.children and not entry.parents:
            return []
        relationship: dict[str, Any] = {"type": "VARIATION"}
        if entry.children:
            relationship["childAsins"] = list(entry.children)
        if entry.parents:
            relationship["parentAsins"] = list(entry.parents)
        return [relationship]

    # -- request parsing -----------------------------------------------------------------------

    @staticmethod
    def _included(call: Call) -> list[str] | Response:
        included = call.query_list("includedData") or ["summaries"]
        unknown = [value for value in included if value not in CATALOG_INCLUDED_DATA]
        if unknown:
            return _invalid(_UNPARSEABLE, f"Invalid includedData value(s): {', '.join(unknown)}.")
        return list(dict.fromkeys(included))

    @staticmethod
    def _marketplaces(call: Call, *, at_most_one: bool) -> list[str] | Response:
        parts = [
            p.strip() for raw in call.request.args.getlist("marketplaceIds") for p in raw.split(",")
        ]
        marketplace_ids = [part for part in parts if part]
        if not marketplace_ids or len(marketplace_ids) != len(parts):
            return _invalid(_UNPARSEABLE, "marketplaceIds is required and cannot be empty.")
        if at_most_one and len(marketplace_ids) > 1:
            return _invalid(_UNPARSEABLE, "marketplaceIds accepts at most 1 marketplace.")
        known = {m.marketplace_id for m in MARKETPLACES.values()}
        unknown = [m for m in marketplace_ids if m not in known]
        if unknown:
            return _invalid(f"Invalid marketplaceIds: {', '.join(unknown)}.")
        return list(dict.fromkeys(marketplace_ids))

    def _resolve(
        self, call: Call, market_id: str, kind: str, identifiers: Sequence[str]
    ) -> list[str]:
        """The distinct ASINs the identifiers resolve to, in order of the identifiers."""
        asins: list[str] = []
        for identifier in identifiers:
            if kind == "SKU":
                listing = call.store.listings.get(identifier)
                asin = call.store.cell(listing, "asin1").strip().upper() if listing else ""
                found = [asin] if asin and market_id == call.marketplace_id else []
            else:
                found = self.index.find(market_id, kind, identifier)
            asins.extend(asin for asin in found if asin not in asins)
        return asins

    # -- operations ----------------------------------------------------------------------------

    def search_catalog_items(self, call: Call) -> Response:
        """searchCatalogItems ``GET /catalog/2022-04-01/items``."""
        args = call.request.args
        marketplace_ids = self._marketplaces(call, at_most_one=True)
        if isinstance(marketplace_ids, Response):
            return marketplace_ids
        included = self._included(call)
        if isinstance(included, Response):
            return included
        identifiers = call.query_list("identifiers")
        keywords = call.query_list("keywords")
        if identifiers and keywords:
            return _invalid("Invalid combination of 'identifiers' and 'keywords' provided")
        if not identifiers and not keywords:
            return _invalid("Missing required 'identifiers' or 'keywords'.")
        if len(identifiers) > CATALOG_SEARCH_MAX_IDENTIFIERS:
            return _invalid(
                _UNPARSEABLE,
                f"identifiers accepts at most {CATALOG_SEARCH_MAX_IDENTIFIERS} values.",
            )
        if len(keywords) > CATALOG_SEARCH_MAX_IDENTIFIERS:
            return _invalid(
                _UNPARSEABLE, f"keywords accepts at most {CATALOG_SEARCH_MAX_IDENTIFIERS} values."
            )
        kind = args.get("identifiersType", "")
        if identifiers:
            if not kind:
                return _invalid("Missing required 'identifiersType' for 'identifiers'.")
            if kind not in CATALOG_IDENTIFIER_TYPES:
                return _invalid(_UNPARSEABLE, f"Invalid identifiersType '{kind}'.")
            if any(name in args for name in KEYWORD_ONLY_PARAMETERS):
                return _invalid(
                    "Invalid combination of 'identifiers' and keyword search parameters provided"
                )
            if kind == "SKU":
                seller_id = args.get("sellerId", "")
                if not seller_id:
                    return _invalid("Missing required 'sellerId' for identifiersType SKU.")
                if seller_id != call.store.store.seller_id:
                    return _invalid(f"Invalid sellerId '{seller_id}' for this selling partner.")
        try:
            page_size = int(args.get("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            return _invalid(_UNPARSEABLE, "pageSize must be an integer.")
        if not 1 <= page_size <= CATALOG_SEARCH_MAX_PAGE_SIZE:
            return _invalid(
                _UNPARSEABLE, f"pageSize must be between 1 and {CATALOG_SEARCH_MAX_PAGE_SIZE}."
            )
        offset = 0
        if "pageToken" in args:
            decoded = _decode_token(args["pageToken"])
            if decoded is None:
                return _invalid(_UNPARSEABLE, "Invalid pageToken.")
            offset = decoded
        market_id = marketplace_ids[0]
        asins = self._resolve(call, market_id, kind, identifiers) if identifiers else []
        reachable = asins[:CATALOG_SEARCH_MAX_RESULTS]
        page = reachable[offset : offset + page_size]
        body: dict[str, Any] = {
            "numberOfResults": len(asins),
            "items": [self.build_item(market_id, asin, included) for asin in page],
        }
        pagination: dict[str, str] = {}
        if offset + page_size < len(reachable):
            pagination["nextToken"] = _encode_token(offset + page_size)
        if offset > 0:
            pagination["previousToken"] = _encode_token(max(0, offset - page_size))
        if pagination:
            body["pagination"] = pagination
        return json_response(200, body)

    def get_catalog_item(self, call: Call) -> Response:
        """getCatalogItem ``GET /catalog/2022-04-01/items/{asin}``."""
        asin = call.params["asin"].strip().upper()
        marketplace_ids = self._marketplaces(call, at_most_one=False)
        if isinstance(marketplace_ids, Response):
            return marketplace_ids
        included = self._included(call)
        if isinstance(included, Response):
            return included
        known = [m for m in marketplace_ids if self.index.entry(m, asin) is not None]
        if not known:
            return spapi_error(
                404,
                "NOT_FOUND",
                f"Requested item '{call.params['asin']}' not found in marketplace(s) "
                f"{','.join(marketplace_ids)}.",
            )
        return json_response(200, self._merge(asin, known, included))
