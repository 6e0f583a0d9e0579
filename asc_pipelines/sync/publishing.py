"""List one store's Ready to List products on Amazon: one ``putListingsItem`` per new offer.

The rules (what is due, what is recorded before and after each call) are
``asc_pipelines.logic.publishing``; this module makes the calls. Nothing at all happens unless
the store's ``push.publish`` is true. Then, per ``push.mode``: ``off`` (or every store paused by
``ASC_PUSH_PAUSED``) sends nothing and records nothing; ``dry_run`` records the put that would be
sent (its product type still unknown: it is looked up only when sending) and makes no call;
``preview`` sends it with ``mode=VALIDATION_PREVIEW`` and records Amazon's verdict, listing
nothing; ``live`` sends it.

A put is ``requirements=LISTING_OFFER_ONLY`` (an offer on an ASIN already in Amazon's catalog):
``merchant_suggested_asin``, ``condition_type``, ``fulfillment_availability`` and
``purchasable_offer``, with the ``productType`` Amazon's catalog gives the ASIN (Catalog Items
``searchCatalogItems`` by ASIN with ``includedData=productTypes``, up to 20 ASINs a request, looked
up once per tick for the offers about to be sent), or Amazon's generic ``PRODUCT`` when the catalog
names none. A catalog look-up that fails stops the store's publishing for the tick: its offers
stay ``pending``, no attempt counted, rather than go out with a guessed product type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from asc_pipelines import constants
from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.publishing import (
    NewOffer,
    offers_to_send,
)
from asc_pipelines.logic.pushes import (
    record_dry_run,
    record_refusal,
)
from asc_pipelines.sources.listing_patches import OFFER_ONLY_REQUIREMENTS, offer_only_attributes
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sync.stores import record_call_error
from asc_pipelines.sync.submissions import submit_recorded

PUT_OPERATION = "putListingsItem"
CATALOG_OPERATION = "searchCatalogItems"
# Amazon's generic product type, for an ASIN whose catalog item names none.
DEFAULT_PRODUCT_TYPE = "PRODUCT"


@dataclass
class StoreOffers:
    """What one store's publishing did this tick."""

    store_id: str
    mode: str  # the push mode, "paused", or "not publishing" (push.publish false)
    offers: int = 0  # new listings put, previewed or (dry_run) recorded
    accepted: int = 0
    invalid: int = 0
    valid: int = 0
    failed_calls: int = 0
    stopped: str | None = None  # why the store stopped early (the tick's deadline, the catalog)
    errors: list[str] = field(default_factory=list)


def put_body(offer: NewOffer, store: StoreConfig, product_type: str | None) -> dict[str, Any]:
    """The ``putListingsItem`` body of a new offer (``productType`` None: not looked up yet)."""
    return {
        "productType": product_type,
        "requirements": OFFER_ONLY_REQUIREMENTS,
        "attributes": offer_only_attributes(
            asin=offer.asin,
            condition=offer.condition,
            quantity=offer.quantity,
            price=offer.price,
            currency=offer.currency,
            marketplace_id=store.marketplace_id,
        ),
    }


def catalog_product_types(items: Sequence[dict[str, Any]], marketplace_id: str) -> dict[str, str]:
    """ASIN -> product type, from catalog items fetched with ``includedData=productTypes``."""
    found: dict[str, str] = {}
    for item in items:
        for entry in item.get("productTypes") or []:
            if entry.get("marketplaceId") == marketplace_id and entry.get("productType"):
                found[str(item.get("asin", "")).upper()] = str(entry["productType"])
    return found


def publish_store(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    client: SpApiClient | None,
    *,
    paused: bool,
    limit: int,
    now: datetime,
    run_id: str | None,
) -> StoreOffers:
    """List (or dry-run, or preview) up to ``limit`` of the store's due offers; see the module
    docstring. ``client`` may be None unless the store publishes in ``preview`` or ``live``."""
    settings = store.push
    mode = "paused" if paused else settings.mode if settings.publish else "not publishing"
    result = StoreOffers(store.id, mode)
    if mode not in ("dry_run", "preview", "live"):
        return result
    offers = offers_to_send(conn, store.id, mode=mode, limit=limit, now=now)
    if mode == "dry_run":
        for offer in offers:
            result.offers += 1
            record_dry_run(conn, offer, put_body(offer, store, None), now=now)
        return result
    assert client is not None, "preview and live need a client"
    product_types = _product_types(conn, client, store, offers, result, now=now, run_id=run_id)
    if product_types is None:
        return result
    for offer in offers:
        result.offers += 1
        product_type = product_types.get(offer.asin, DEFAULT_PRODUCT_TYPE)
        if not _send(conn, client, store, offer, product_type, result, now=now, run_id=run_id):
            break
    return result


def _product_types(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    offers: Sequence[NewOffer],
    result: StoreOffers,
    *,
    now: datetime,
    run_id: str | None,
) -> dict[str, str] | None:
    """The offers' product types from Amazon's catalog; None (the store stopped) when a look-up
    failed."""
    asins = sorted({offer.asin for offer in offers})
    found: dict[str, str] = {}
    step = constants.CATALOG_SEARCH_MAX_IDENTIFIERS
    for start in range(0, len(asins), step):
        try:
            items = client.search_catalog_items(
                store.marketplace_id,
                asins[start : start + step],
                "ASIN",
                included_data=("productTypes",),
            )
        except TickLimitReached as exc:
            result.stopped = str(exc)
            return None
        except Exception as exc:  # the offers wait for the next tick, no attempt counted
            fields = record_call_error(
                conn,
                exc,
                store_id=store.id,
                default_operation=CATALOG_OPERATION,
                occurred_at=now,
                run_id=run_id,
            )
            result.failed_calls += 1
            result.stopped = f"product types not looked up ({fields.operation}): {exc}"
            result.errors.append(result.stopped)
            return None
        found.update(catalog_product_types(items, store.marketplace_id))
    return found


def _send(
    conn: duckdb.DuckDBPyConnection,
    client: SpApiClient,
    store: StoreConfig,
    offer: NewOffer,
    product_type: str,
    result: StoreOffers,
    *,
    now: datetime,
    run_id: str | None,
) -> bool:
    """One offer's preview or live put, recorded around the call; False when the tick's deadline
    stops the store."""
    try:
        body = put_body(offer, store, product_type)
    except ValueError as exc:  # e.g. a price a JSON number cannot carry exactly
        record_refusal(conn, offer, f"not sent: {exc}", now=now)
        result.invalid += 1
        return True
    return submit_recorded(
        conn,
        store,
        offer,
        body,
        lambda preview: client.put_listings_item(
            store.seller_id,
            offer.seller_sku,
            store.marketplace_id,
            product_type,
            OFFER_ONLY_REQUIREMENTS,
            body["attributes"],
            preview=preview,
        ),
        result,
        operation=PUT_OPERATION,
        label=f"{offer.seller_sku} (new listing)",
        now=now,
        run_id=run_id,
    )


def summary_columns(offers: StoreOffers) -> list[Any]:
    """One store's offer columns of the sending asset's summary table (:data:`SUMMARY_HEADERS`)."""
    return [offers.offers, offers.accepted, offers.valid, offers.invalid, offers.failed_calls]


SUMMARY_HEADERS = [
    "offers",
    "offers accepted",
    "offers valid (preview)",
    "offers invalid",
    "offer failed calls",
]
