"""What we ask Amazon to change on a listing, in the Listings Items API's words (protocols.md 10.1).

Pure builders, no I/O: the JSON Patch operations that set a merchant-fulfilled listing's
quantity, its price or its condition (`patchListingsItem`, or a ``PATCH`` message of a
``JSON_LISTINGS_FEED``), and the attributes of an offer-only listing on an ASIN that already
exists in Amazon's catalog (`putListingsItem` with ``requirements=LISTING_OFFER_ONLY``). Every
patch is a ``replace`` of one top-level attribute, so sending the same patch twice leaves the
listing as sending it once.

Prices come in as `Decimal` (the warehouse's exact amounts) and leave as JSON numbers: a price
that a JSON number cannot carry exactly (more digits than a double holds) is refused rather than
sent rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# The merchant's own stock (Amazon's FBA quantity is Amazon's, never sent).
MERCHANT_FULFILLMENT_CHANNEL = "DEFAULT"
OFFER_ONLY_REQUIREMENTS = "LISTING_OFFER_ONLY"

JsonPatch = dict[str, Any]


def json_number(amount: Decimal) -> float:
    """An exact amount as a JSON number that prints as the same digits (``19.99``, not
    ``19.989999999999998``). Raises ValueError for NaN, infinities and amounts a double cannot
    hold exactly to the digit."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts are Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"an amount must be finite, got {amount}")
    number = float(amount)
    if Decimal(repr(number)) != amount:
        raise ValueError(f"{amount} cannot be sent as a JSON number without rounding")
    return number


def _quantity(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise TypeError(f"a quantity is an int, got {type(quantity).__name__}")
    if quantity < 0:
        raise ValueError(f"a quantity cannot be negative, got {quantity}")
    return quantity


def fulfillment_availability(quantity: int) -> list[dict[str, Any]]:
    """The ``fulfillment_availability`` attribute: how many units the merchant can ship."""
    return [
        {"fulfillment_channel_code": MERCHANT_FULFILLMENT_CHANNEL, "quantity": _quantity(quantity)}
    ]


def purchasable_offer(price: Decimal, currency: str, marketplace_id: str) -> list[dict[str, Any]]:
    """The ``purchasable_offer`` attribute: the price buyers pay in a marketplace (tax included,
    as Amazon's ``value_with_tax`` means)."""
    return [
        {
            "marketplace_id": marketplace_id,
            "currency": currency,
            "our_price": [{"schedule": [{"value_with_tax": json_number(price)}]}],
        }
    ]


def condition_type(condition: str, marketplace_id: str | None = None) -> list[dict[str, Any]]:
    """The ``condition_type`` attribute (Amazon's values: ``new_new``, ``used_like_new``, ...)."""
    value: dict[str, Any] = {"value": condition}
    if marketplace_id is not None:
        value["marketplace_id"] = marketplace_id
    return [value]


def replace_attribute(name: str, value: list[dict[str, Any]]) -> JsonPatch:
    """A JSON Patch ``replace`` of one top-level attribute (the only depth Amazon patches)."""
    if not name or "/" in name:
        raise ValueError(f"not a top-level attribute name: {name!r}")
    return {"op": "replace", "path": f"/attributes/{name}", "value": value}


def quantity_patch(quantity: int) -> JsonPatch:
    """Set the merchant-fulfilled quantity of a listing."""
    return replace_attribute("fulfillment_availability", fulfillment_availability(quantity))


def price_patch(price: Decimal, currency: str, marketplace_id: str) -> JsonPatch:
    """Set a listing's price in one marketplace, in that marketplace's currency."""
    return replace_attribute(
        "purchasable_offer", purchasable_offer(price, currency, marketplace_id)
    )


def condition_patch(condition: str, marketplace_id: str | None = None) -> JsonPatch:
    """Set a listing's condition."""
    return replace_attribute("condition_type", condition_type(condition, marketplace_id))


def offer_only_attributes(
    *,
    asin: str,
    condition: str,
    quantity: int,
    price: Decimal,
    currency: str,
    marketplace_id: str,
) -> dict[str, list[dict[str, Any]]]:
    """The attributes of a new offer on an existing ASIN (``requirements=LISTING_OFFER_ONLY``):
    the ASIN we sell, its condition, our quantity and our price."""
    return {
        "merchant_suggested_asin": [{"value": asin, "marketplace_id": marketplace_id}],
        "condition_type": condition_type(condition, marketplace_id),
        "fulfillment_availability": fulfillment_availability(quantity),
        "purchasable_offer": purchasable_offer(price, currency, marketplace_id),
    }
