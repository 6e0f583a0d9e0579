"""What Amazon does with a listing change: validate it, answer at once, apply it a little later.

One entry point, ``ListingsWrites.submit``, takes one item's PATCH, PUT or DELETE (the body of
``patchListingsItem`` / ``putListingsItem``, or one message of a ``JSON_LISTINGS_FEED``) and
returns the ``ListingsItemSubmissionResponse`` Amazon would give: ``INVALID`` with issues,
``VALID`` (a ``VALIDATION_PREVIEW``: nothing changes) or ``ACCEPTED``. Like Amazon, ``ACCEPTED``
only means queued: the change is applied ``delay_seconds`` of sandbox time later
(``apply_due``), and only then shows in ``getListingsItem``, ``searchListingsItems`` and the next
listings report.

Attributes the sandbox understands (protocols.md 10.1): ``fulfillment_availability`` (a
merchant-fulfilled quantity), ``purchasable_offer`` (``our_price`` schedule ``value_with_tax``,
in the marketplace's currency), ``condition_type``, ``item_name`` and, on a PUT,
``merchant_suggested_asin``. Other attributes are accepted and have no effect.

Refusals (``INVALID``; the whole submission is refused, nothing of it is applied):
- a PATCH or DELETE of a SKU the seller does not have (real Amazon sometimes accepts a price for
  an unknown SKU and creates an offer-only stub; the sandbox is strict so a client bug shows);
- a PUT of a new SKU without ``merchant_suggested_asin``, or with an ASIN that neither the
  marketplace's catalog nor the seller's listings know; a PUT naming another ASIN than the
  existing listing's (Amazon's well-known 8541 mismatch);
- a price of 0 or less, a price in another currency or for another marketplace;
- a missing or unknown ``productType``;
- a quantity for a listing fulfilled by Amazon: its quantity is Amazon's stock in Amazon's
  warehouses. (On Amazon a ``DEFAULT`` quantity turns an FBA listing into a merchant-fulfilled one,
  which no sync tool wants; the sandbox refuses it so such a client bug cannot go unnoticed.)

When a change is applied, a merchant-fulfilled listing becomes Active when it has a price and a
quantity above 0 and no ERROR issue left, else Inactive; ERROR issues about an attribute the change
set again are dropped (Amazon re-validates them). A listing created by a PUT gets a report row in
the store's own header variant, with an ``open-date`` in the marketplace's style.

Issue codes are the sandbox's choice, modelled on codes Amazon answers (``90220`` "is required
but not supplied", ``4000001`` "the provided value is invalid", ``8541`` ASIN mismatch); a client
should act on ``severity`` and ``attributeNames``, never on a code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from asc_pipelines.constants import FBM_CHANNEL, ITEM_CONDITIONS
from asc_pipelines.sandbox.amazon_state import ACTIVE_STATUS, AmazonState, Listing, StoreState
from asc_pipelines.sandbox.open_dates import OPEN_DATE_STYLES

WRITE_OPERATIONS = ("PATCH", "PUT", "DELETE")
PATCH_OPS = ("add", "replace", "merge", "delete")
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
DEFAULT_WRITE_DELAY_SECONDS = 120.0
# Product types the sandbox knows: Amazon's generic one (what getListingsItem reports for every
# sandbox listing) and a few common real ones. Anything else is an unknown product type.
PRODUCT_TYPES = frozenset(
    {"PRODUCT", "HOME", "KITCHEN", "BOOK", "TOYS_AND_GAMES", "GROCERY", "BEAUTY", "LUGGAGE"}
)
CONDITION_CODES = {value: code for code, value in ITEM_CONDITIONS.items()}

CODE_MISSING = "90220"
CODE_INVALID_VALUE = "4000001"
CODE_UNKNOWN_SKU = "4000003"
CODE_UNKNOWN_PRODUCT_TYPE = "4000002"
CODE_UNKNOWN_ASIN = "8105"
CODE_ASIN_MISMATCH = "8541"
CODE_FBA_QUANTITY = "4000004"


def issue(
    code: str, message: str, attributes: list[str], category: str = "INVALID_ATTRIBUTE"
) -> dict[str, Any]:
    """An ERROR ``Issue`` of the model."""
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": attributes,
        "categories": [category],
    }


@dataclass(frozen=True)
class ListingChange:
    """What an accepted submission does to one SKU once Amazon has processed it.

    ``None`` leaves a value as it is; a price of ``""`` removes the offer's price.
    """

    sku: str
    delete: bool = False
    asin: str | None = None
    price: str | None = None
    quantity: int | None = None
    condition: str | None = None  # the report's item-condition code, e.g. "11"
    item_name: str | None = None
    attributes: frozenset[str] = frozenset()  # attribute names the change sets


@dataclass(frozen=True)
class PendingWrite:
    """An accepted change waiting for its turn on the sandbox clock."""

    submission_id: str
    due: datetime
    change: ListingChange


@dataclass
class Submission:
    """Amazon's immediate answer to one item's submission."""

    sku: str
    status: str  # ACCEPTED, INVALID or VALID
    submission_id: str
    marketplace_id: str
    issues: list[dict[str, Any]] = field(default_factory=list)
    asin: str | None = None

    def to_json(self, included: list[str]) -> dict[str, Any]:
        """The model's ``ListingsItemSubmissionResponse`` with the requested ``includedData``."""
        body: dict[str, Any] = {
            "sku": self.sku,
            "status": self.status,
            "submissionId": self.submission_id,
        }
        if "issues" in included:
            body["issues"] = [dict(entry) for entry in self.issues]
        if "identifiers" in included:
            body["identifiers"] = (
                [{"marketplaceId": self.marketplace_id, "asin": self.asin}] if self.asin else []
            )
        return body


class MalformedSubmission(ValueError):
    """A body that does not follow the request schema: Amazon answers 400, not ``INVALID``."""


def _values(attributes: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = attributes[name]
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise MalformedSubmission(f"attribute {name} must be an array of objects")
    return value


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class ListingsWrites:
    """Validates, queues and later applies listing changes for every store of the sandbox."""

    def __init__(
        self,
        catalog_has: Callable[[str, str], bool],
        delay_seconds: float = DEFAULT_WRITE_DELAY_SECONDS,
    ) -> None:
        if delay_seconds < 0:
            raise ValueError("the write delay must be >= 0 seconds")
        self.catalog_has = catalog_has  # (marketplace_id, asin) -> does the catalog know it
        self.delay = timedelta(seconds=delay_seconds)
        self._asins: dict[str, tuple[int, set[str]]] = {}

    # -- submitting -----------------------------------------------------------------------------

    def submit(
        self,
        state: StoreState,
        operation: str,
        sku: str,
        body: dict[str, Any] | None,
        *,
        now: datetime,
        preview: bool = False,
    ) -> Submission:
        """Validate one item's PATCH, PUT or DELETE; queue it unless INVALID or a preview.

        Raises ``MalformedSubmission`` for a body that breaks the request schema.
        """
        if operation not in WRITE_OPERATIONS:
            raise MalformedSubmission(f"unknown operation {operation!r}")
        marketplace = state.store.marketplace
        listing = self._future_listing(state, sku)
        issues: list[dict[str, Any]] = []
        asin = state.cell(listing, "asin1") or None if listing is not None else None
        if operation == "DELETE":
            change = ListingChange(sku, delete=True)
            if listing is None:
                issues.append(self._unknown_sku(state, sku))
        else:
            if not isinstance(body, dict):
                raise MalformedSubmission("the request body must be a JSON object")
            issues += self._product_type_issues(body.get("productType"))
            if operation == "PATCH":
                attributes = self._patched_attributes(body)
                if listing is None:
                    issues.append(self._unknown_sku(state, sku))
            else:
                attributes = body.get("attributes")
                if not isinstance(attributes, dict):
                    raise MalformedSubmission("attributes must be a JSON object")
                if body.get("requirements", "LISTING") not in REQUIREMENTS:
                    raise MalformedSubmission(f"requirements must be one of {REQUIREMENTS}")
            change, found = self._change(state, listing, sku, operation, attributes)
            issues += found
            asin = asin or change.asin  # an existing listing keeps its catalog item
        submission = Submission(
            sku, "INVALID", uuid.uuid4().hex, marketplace.marketplace_id, issues, asin
        )
        if any(entry["severity"] == "ERROR" for entry in issues):
            if listing is None:
                submission.asin = None  # a refused new listing is matched to no catalog item
            return submission
        if preview:
            submission.status = "VALID"
            return submission
        submission.status = "ACCEPTED"
        state.pending_writes.setdefault(sku, []).append(
            PendingWrite(submission.submission_id, now + self.delay, change)
        )
        return submission

    @staticmethod
    def _future_listing(state: StoreState, sku: str) -> Listing | None:
        """The listing as it will be once queued changes are applied (a queued PUT creates one,
        a queued DELETE removes it); a listing still to be created is a placeholder."""
        listing = state.listings.get(sku)
        for pending in state.pending_writes.get(sku, []):
            if pending.change.delete:
                listing = None
            elif listing is None:
                row = [""] * len(state.file.header)
                state.file.set(row, "fulfillment-channel", FBM_CHANNEL)
                state.file.set(row, "asin1", pending.change.asin or "")
                listing = Listing(sku, row, pending.due, pending.due, None)
        return listing

    @staticmethod
    def _unknown_sku(state: StoreState, sku: str) -> dict[str, Any]:
        return issue(
            CODE_UNKNOWN_SKU,
            f"SKU '{sku}' does not exist in marketplace "
            f"{state.store.marketplace.marketplace_id}; only an existing listing can be changed.",
            [],
        )

    @staticmethod
    def _product_type_issues(product_type: Any) -> list[dict[str, Any]]:
        if not isinstance(product_type, str) or not product_type.strip():
            return [
                issue(
                    CODE_MISSING,
                    "'productType' is required but not supplied.",
                    [],
                    "MISSING_ATTRIBUTE",
                )
            ]
        if product_type not in PRODUCT_TYPES:
            return [
                issue(
                    CODE_UNKNOWN_PRODUCT_TYPE,
                    f"The product type '{product_type}' is not a valid product type.",
                    [],
                )
            ]
        return []

    @staticmethod
    def _patched_attributes(body: dict[str, Any]) -> dict[str, Any]:
        """The attributes a PATCH sets (a ``delete`` op sets an attribute to ``None``)."""
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches:
            raise MalformedSubmission("patches must be a non-empty array")
        attributes: dict[str, Any] = {}
        for patch in patches:
            if not isinstance(patch, dict) or patch.get("op") not in PATCH_OPS:
                raise MalformedSubmission(f"each patch needs an op among {PATCH_OPS}")
            path = patch.get("path")
            if not isinstance(path, str) or not path.startswith("/attributes/"):
                raise MalformedSubmission("a patch path must be /attributes/<name>")
            name = path[len("/attributes/") :]
            if not name or "/" in name:
                raise MalformedSubmission("only top-level attributes can be patched")
            if patch["op"] == "delete":
                attributes[name] = None
            elif "value" not in patch:
                raise MalformedSubmission(f"the {patch['op']} of {name} needs a value")
            else:
                attributes[name] = patch["value"]
        return attributes

    def _change(
        self,
        state: StoreState,
        listing: Listing | None,
        sku: str,
        operation: str,
        attributes: dict[str, Any],
    ) -> tuple[ListingChange, list[dict[str, Any]]]:
        """The change the attributes describe, and what is wrong with them."""
        marketplace = state.store.marketplace
        issues: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        channel = state.cell(listing, "fulfillment-channel") if listing is not None else ""
        fba = bool(channel) and channel != FBM_CHANNEL
        for name, value in attributes.items():
            if value is None:  # a PATCH delete
                if name == "purchasable_offer":
                    values["price"] = ""
                elif name == "fulfillment_availability" and not fba:
                    values["quantity"] = 0
                continue
            entries = _values(attributes, name)
            if name == "fulfillment_availability":
                issues += self._quantity(entries, fba, values)
            elif name == "purchasable_offer":
                issues += self._price(
                    entries, marketplace.currency, marketplace.marketplace_id, values
                )
            elif name == "condition_type":
                code = CONDITION_CODES.get(str(entries[0].get("value"))) if entries else None
                if code is None:
                    issues.append(
                        issue(
                            CODE_INVALID_VALUE,
                            "The provided value for 'Condition' is invalid.",
                            [name],
                        )
                    )
                values["condition"] = code
            elif name == "item_name" and entries and isinstance(entries[0].get("value"), str):
                values["item_name"] = entries[0]["value"]
            elif name == "merchant_suggested_asin" and operation == "PUT":
                values["asin"] = str(entries[0].get("value", "")).strip().upper() if entries else ""
        if operation == "PUT":
            issues += self._asin_issues(state, listing, values)
            values.setdefault("price", "")  # a PUT replaces the whole offer
            if not fba:
                values.setdefault("quantity", 0)
        return ListingChange(sku, attributes=frozenset(attributes), **values), issues

    @staticmethod
    def _quantity(
        entries: list[dict[str, Any]], fba: bool, values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = ["fulfillment_availability"]
        if fba:
            return [
                issue(
                    CODE_FBA_QUANTITY,
                    "The quantity of a listing fulfilled by Amazon is managed by Amazon and "
                    "cannot be set.",
                    name,
                )
            ]
        entry = entries[0] if entries else {}
        quantity = entry.get("quantity")
        if entry.get("fulfillment_channel_code", FBM_CHANNEL) != FBM_CHANNEL:
            return [
                issue(
                    CODE_INVALID_VALUE,
                    "The provided value for 'Fulfillment Channel Code' is invalid.",
                    name,
                )
            ]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            return [
                issue(CODE_INVALID_VALUE, "The provided value for 'Quantity' is invalid.", name)
            ]
        values["quantity"] = quantity
        return []

    @staticmethod
    def _price(
        entries: list[dict[str, Any]], currency: str, marketplace_id: str, values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = ["purchasable_offer"]
        offers = [e for e in entries if e.get("audience", "ALL") == "ALL"]
        if not offers:
            return [
                issue(
                    CODE_MISSING,
                    "'purchasable_offer' is required but not supplied.",
                    name,
                    "MISSING_PRICE",
                )
            ]
        offer = offers[0]
        if offer.get("marketplace_id", marketplace_id) != marketplace_id:
            return [
                issue(
                    CODE_INVALID_VALUE,
                    f"The offer is for marketplace '{offer['marketplace_id']}', "
                    f"not {marketplace_id}.",
                    name,
                )
            ]
        if offer.get("currency") != currency:
            return [
                issue(
                    CODE_INVALID_VALUE,
                    "The provided value for 'Currency' is invalid: this marketplace sells in "
                    f"{currency}.",
                    name,
                    "INVALID_PRICE",
                )
            ]
        try:
            amount = _decimal(offer["our_price"][0]["schedule"][0]["value_with_tax"])
        except (KeyError, IndexError, TypeError):
            amount = None
        if amount is None:
            return [
                issue(
                    CODE_MISSING, "'our_price' is required but not supplied.", name, "MISSING_PRICE"
                )
            ]
        if amount <= 0:
            return [
                issue(
                    CODE_INVALID_VALUE, "The price must be greater than 0.", name, "INVALID_PRICE"
                )
            ]
        values["price"] = f"{amount.quantize(Decimal('0.01')):.2f}"
        return []

    def _asin_issues(
        self, state: StoreState, listing: Listing | None, values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        name = ["merchant_suggested_asin"]
        asin = values.get("asin")
        current = state.cell(listing, "asin1") if listing is not None else ""
        if listing is not None:
            if asin and current and asin != current:
                return [
                    issue(
                        CODE_ASIN_MISMATCH,
                        f"The SKU '{listing.sku}' is already matched to ASIN {current}, "
                        f"not {asin}.",
                        name,
                    )
                ]
            values["asin"] = asin or current or None
            return []
        if not asin:
            return [
                issue(
                    CODE_MISSING,
                    "'merchant_suggested_asin' is required but not supplied.",
                    name,
                    "MISSING_ATTRIBUTE",
                )
            ]
        if not (
            self.catalog_has(state.store.marketplace.marketplace_id, asin)
            or asin in self._store_asins(state)
        ):
            return [
                issue(
                    CODE_UNKNOWN_ASIN, f"The ASIN {asin} does not exist in this marketplace.", name
                )
            ]
        return []

    def _store_asins(self, state: StoreState) -> set[str]:
        cached = self._asins.get(state.store.id)
        if cached is None or cached[0] != state.version:
            asins = {state.cell(listing, "asin1") for listing in state.listings.values()}
            cached = (state.version, asins)
            self._asins[state.store.id] = cached
        return cached[1]

    # -- applying ------------------------------------------------------------------------------

    def apply_due(self, amazon: AmazonState, now: datetime) -> int:
        """Apply every queued change whose time has come, oldest first; returns how many."""
        applied = 0
        for state in amazon.stores.values():
            if not state.pending_writes:
                continue
            due: list[PendingWrite] = []
            for sku, queue in list(state.pending_writes.items()):
                ready = [p for p in queue if p.due <= now]
                if not ready:
                    continue
                due += ready
                waiting = [p for p in queue if p.due > now]
                if waiting:
                    state.pending_writes[sku] = waiting
                else:
                    del state.pending_writes[sku]
            # A stable sort: one SKU's changes due at the same moment keep their order.
            for pending in sorted(due, key=lambda p: p.due):
                apply_change(state, pending)
                applied += 1
        return applied


def apply_change(state: StoreState, pending: PendingWrite) -> None:
    """Make one accepted change visible in the store's listings and its next report."""
    change = pending.change
    listing = state.listings.get(change.sku)
    if change.delete:
        if listing is not None:
            del state.listings[change.sku]
            state.file.rows = [row for row in state.file.rows if row is not listing.row]
            state.evolved = True
            state.version += 1
        return
    if listing is None:
        listing = _new_listing(state, pending)
        state.listings[change.sku] = listing
        state.file.rows.append(listing.row)
    file = state.file
    if change.price is not None:
        file.set(listing.row, "price", change.price)
    if change.quantity is not None:
        file.set(listing.row, "quantity", str(change.quantity))
    if change.condition is not None:
        file.set(listing.row, "item-condition", change.condition)
    if change.item_name is not None:
        file.set(listing.row, "item-name", change.item_name)
    listing.issues = [
        entry
        for entry in listing.issues
        if entry.get("severity") != "ERROR"
        or not change.attributes & set(entry.get("attributeNames") or [])
    ]
    if (state.cell(listing, "fulfillment-channel") or FBM_CHANNEL) == FBM_CHANNEL:
        _set_status(state, listing)
    listing.last_updated = pending.due
    state.evolved = True
    state.version += 1


def _set_status(state: StoreState, listing: Listing) -> None:
    price = _decimal(state.cell(listing, "price"))
    quantity = _decimal(state.cell(listing, "quantity"))
    buyable = (
        price is not None
        and price > 0
        and quantity is not None
        and quantity > 0
        and not any(entry.get("severity") == "ERROR" for entry in listing.issues)
    )
    listing.status = list(ACTIVE_STATUS) if buyable else []
    state.file.set(listing.row, "status", "Active" if buyable else "Inactive")


def open_date(moment: datetime, marketplace_code: str) -> str:
    """``open-date`` as the marketplace's report writes it (``open_dates.OPEN_DATE_STYLES``)."""
    style = OPEN_DATE_STYLES[marketplace_code]
    local = moment.astimezone(ZoneInfo(style.zone))
    offset = local.utcoffset()
    hours = round(offset.total_seconds() / 3600) if offset is not None else 0
    return f"{local.strftime(style.layout)} {style.abbreviations.get(hours, 'UTC')}"


def _new_listing(state: StoreState, pending: PendingWrite) -> Listing:
    """A report row for a SKU a PUT created, in the store's header variant."""
    file = state.file
    asin = pending.change.asin or ""
    row = [""] * len(file.header)
    market = state.store.marketplace.code
    cells = {
        "listing-id": pending.due.strftime("%m%d") + pending.submission_id[:7].upper(),
        "seller-sku": pending.change.sku,
        "open-date": open_date(pending.due, market),
        "item-is-marketplace": "y",
        "product-id-type": "1",
        "product-id": asin,
        "asin1": asin,
        "item-condition": "11",
        "pending-quantity": "0",
        "fulfillment-channel": FBM_CHANNEL,
    }
    for column, value in cells.items():
        file.set(row, column, value)
    return Listing(pending.change.sku, row, pending.due, pending.due, None)
