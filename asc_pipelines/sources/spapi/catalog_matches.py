"""Map Catalog Items search results back to the product identifiers that were searched.

A searchCatalogItems request takes up to 20 identifiers but its items do not say which identifier
found them, and an identifier without a match is simply absent (protocols.md 4.5). Amazon's advice
is to request ``includedData=identifiers`` and map the ASINs back through them; but the catalog
lists barcodes in its own form (a UPC search can come back listing only the EAN and the GTIN), so
both sides are compared as GTIN-14: UPC ``036000291452`` = EAN ``0036000291452`` = GTIN
``00036000291452``, and an ISBN-10 equals its ISBN-13. ASINs and other codes compare literally.

When a single identifier was searched, every item belongs to it whatever its identifiers say
(that is also the fallback for SKU searches, whose items carry no SKU).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from stdnum import ean, isbn
from stdnum.exceptions import ValidationError

from asc_pipelines import constants

# Identifier types that are GS1 numbers (one number space, compared as GTIN-14).
GTIN_TYPES = frozenset({"UPC", "EAN", "GTIN", "ISBN", "JAN"})


@dataclass(frozen=True)
class CatalogMatch:
    """What one searched identifier resolved to in the Amazon catalog.

    ``asins`` is empty when Amazon knows no item for the identifier (the product is not in the
    catalog yet: it needs a new ASIN); more than one ASIN means the identifier is ambiguous.
    ``variation_parent_asins`` are those of ``asins`` that are variation parents: abstract
    family items that cannot be offered themselves (the offer goes on a child ASIN).
    """

    identifier: str
    asins: tuple[str, ...]
    variation_parent_asins: tuple[str, ...]

    @property
    def found(self) -> bool:
        """The identifier resolved to at least one ASIN."""
        return bool(self.asins)

    @property
    def ambiguous(self) -> bool:
        """The identifier resolved to more than one ASIN."""
        return len(self.asins) > 1


def normalize_identifier(identifier_type: str, identifier: str) -> tuple[str, str]:
    """The comparison key of an identifier: ``("GTIN", 14 digits)`` for GS1 numbers.

    UPC, EAN, GTIN, JAN and ISBN values lose separators and are zero-padded to 14 digits (an
    ISBN-10 becomes its ISBN-13 first). Anything else, or a GS1 value that is not digits, keeps
    its type and compact text (ASINs upper-cased). Check digits are not verified: a wrong one
    simply matches nothing.
    """
    kind = identifier_type.strip().upper()
    text = identifier.strip()
    if kind in GTIN_TYPES:
        compact = isbn.compact(text) if kind == "ISBN" else ean.compact(text)
        if kind == "ISBN" and len(compact) == 10:
            try:
                compact = isbn.to_isbn13(compact)
            except (ValidationError, ValueError):
                return kind, compact
        if compact.isdigit() and len(compact) <= 14:
            return "GTIN", compact.zfill(14)
        return kind, compact
    if kind == "ASIN":
        return kind, text.upper()
    return kind, text


def _marketplace_entries(item: dict[str, Any], key: str, marketplace_id: str) -> Iterator[Any]:
    """The entries of one ``includedData`` set of an item that belong to the marketplace."""
    for group in item.get(key) or []:
        if isinstance(group, dict) and group.get("marketplaceId") == marketplace_id:
            yield group


def item_keys(item: dict[str, Any], marketplace_id: str) -> set[tuple[str, str]]:
    """Every comparison key an item answers to: its ASIN and its identifiers in the marketplace."""
    keys: set[tuple[str, str]] = set()
    asin = item.get("asin")
    if isinstance(asin, str) and asin:
        keys.add(normalize_identifier("ASIN", asin))
    for group in _marketplace_entries(item, "identifiers", marketplace_id):
        for entry in group.get("identifiers") or []:
            kind, value = entry.get("identifierType"), entry.get("identifier")
            if isinstance(kind, str) and isinstance(value, str) and value.strip():
                keys.add(normalize_identifier(kind, value))
    return keys


def is_variation_parent(item: dict[str, Any], marketplace_id: str) -> bool:
    """A family parent: ``itemClassification`` VARIATION_PARENT, or a VARIATION with children."""
    for summary in _marketplace_entries(item, "summaries", marketplace_id):
        if summary.get("itemClassification") == constants.CATALOG_VARIATION_PARENT:
            return True
    for group in _marketplace_entries(item, "relationships", marketplace_id):
        for relationship in group.get("relationships") or []:
            if relationship.get("type") == "VARIATION" and relationship.get("childAsins"):
                return True
    return False


def match_identifiers(
    searched: Sequence[str],
    identifiers_type: str,
    items: list[dict[str, Any]],
    marketplace_id: str,
) -> dict[str, CatalogMatch]:
    """One `CatalogMatch` per searched identifier (keyed by the identifier as given).

    ``items`` are the searchCatalogItems results of one request (or of several requests for the
    same identifiers type and marketplace), fetched with ``includedData`` containing
    ``identifiers`` and, to recognise variation parents, ``summaries`` or ``relationships``.
    ASINs keep the order in which Amazon returned them.
    """
    distinct = list(dict.fromkeys(searched))
    keyed = [(item, item_keys(item, marketplace_id)) for item in items if item.get("asin")]
    matches: dict[str, CatalogMatch] = {}
    for identifier in distinct:
        key = normalize_identifier(identifiers_type, identifier)
        if len(distinct) == 1:
            found = [item for item, _ in keyed]
        else:
            found = [item for item, keys in keyed if key in keys]
        asins = tuple(dict.fromkeys(str(item["asin"]) for item in found))
        parents = tuple(
            dict.fromkeys(
                str(item["asin"]) for item in found if is_variation_parent(item, marketplace_id)
            )
        )
        matches[identifier] = CatalogMatch(identifier, asins, parents)
    return matches
