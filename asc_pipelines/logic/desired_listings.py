"""What Amazon should show: one definition of each listing's quantity, price and condition.

Issue 11, section 1. Per store, ``core.desired_listings`` holds a row for every listing matched to
a Magento product (any fulfillment channel, any tab) and for every Ready to List product, rebuilt
every tick from ``core.listing_status``, ``core.product_eligibility`` and the Magento catalog in
one set-based statement per store:

- quantity: the salable quantity capped by ``max_listed_quantity`` (``listed_qty``), minus the
  store's ``quantity_buffer``, never below 0; 0 for a product not eligible for the store (at or
  below ``out_of_stock_threshold``, failing a listing rule, disabled): Amazon Sales Channel sets
  an ineligible listing's quantity to 0. Amazon-fulfilled (FBA) listings get none (NULL): their
  quantity is Amazon's, never sent.
- price: ``raw.magento_products.price`` converted into the marketplace currency at the store's
  ``price.currency_rate``, adjusted by ``adjust_percent`` then ``adjust_amount``, rounded to
  ``round_to``, and held between ``minimum_price`` and ``maximum_price``: outside them no price
  is desired (``price_withheld_reason``) and the ``price_out_of_bounds`` sync issue opens. The
  price is Magento's global one; per-website price scope (read through the store view's REST
  scope) is a later step of issue 11.
- condition (``core.product_eligibility.condition_type``) and the store's ``handling_time``.

``price_mismatch`` and ``quantity_mismatch`` (``logic/sync_issues.py``) compare Amazon against
this table. All arithmetic on prices is decimal, never floating point. ``computed_at`` is the
tick's time by the sources' clock, passed in by the caller. No Dagster here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from asc_pipelines.config import PRICE_DECIMALS, AscConfig, StoreConfig
from asc_pipelines.constants import marketplace
from asc_pipelines.warehouse.transaction import transaction

TABLE = "core.desired_listings"
WITHHELD_REASONS = ("no_magento_price", "below_minimum_price", "above_maximum_price")
OUT_OF_BOUNDS_REASONS = ("below_minimum_price", "above_maximum_price")
_UNITS = 10**PRICE_DECIMALS  # round_to is applied in whole units of 0.0001

# One store's rows. Rounding to round_to works on whole ten-thousandths (BIGINT), half away from
# zero, because DuckDB divides decimals in floating point (9.995 / 0.01 = 999.4999...).
_DESIRED_SQL = """
INSERT INTO core.desired_listings
WITH wanted AS (
    SELECT s.store_id, s.seller_sku, s.magento_sku, s.asin, s.status,
        CASE WHEN s.seller_sku IS NULL THEN 'DEFAULT'
             ELSE coalesce(l.fulfillment_channel, 'DEFAULT') END AS fulfillment_channel,
        e.eligible, e.salable_qty, e.listed_qty, e.condition_type, p.price AS magento_price
    FROM core.listing_status s
    LEFT JOIN raw.amazon_listings l ON l.store_id = s.store_id AND l.seller_sku = s.seller_sku
    LEFT JOIN core.product_eligibility e
        ON e.store_id = s.store_id AND e.magento_sku = s.magento_sku
    LEFT JOIN raw.magento_products p ON p.sku = s.magento_sku
    WHERE s.store_id = $store_id AND s.magento_sku IS NOT NULL
        AND (s.seller_sku IS NOT NULL OR s.status = 'ready_to_list')
),
adjusted AS (
    SELECT *,
        CAST(round(converted + converted * CAST($adjust_percent AS DECIMAL(18, 6)) * 0.01
                   + CAST($adjust_amount AS DECIMAL(18, 4)), 4) AS DECIMAL(18, 4)) AS price4
    FROM (
        SELECT *, CAST(magento_price AS DECIMAL(24, 10))
            * coalesce(CAST($currency_rate AS DECIMAL(18, 6)), 1) AS converted
        FROM wanted
    )
),
rounded AS (
    SELECT *,
        CASE WHEN $round_units IS NULL THEN price4
        ELSE CAST(CAST(
            (units // $round_units
             + CASE WHEN 2 * abs(units % $round_units) >= $round_units THEN sign(units) ELSE 0
               END) * $round_units AS DECIMAL(18, 0)) * CAST($unit AS DECIMAL(18, 4))
            AS DECIMAL(18, 4)) END AS calculated_price
    FROM (SELECT *, CAST(price4 * $units AS BIGINT) AS units FROM adjusted)
),
judged AS (
    SELECT *,
        CASE WHEN magento_price IS NULL THEN 'no_magento_price'
             WHEN calculated_price < $minimum_price THEN 'below_minimum_price'
             WHEN calculated_price > $maximum_price THEN 'above_maximum_price'
        END AS price_withheld_reason
    FROM rounded
)
SELECT store_id, seller_sku, magento_sku, asin, status, fulfillment_channel, salable_qty,
    CASE WHEN upper(fulfillment_channel) <> 'DEFAULT' THEN NULL
         WHEN NOT coalesce(eligible, false) THEN 0
         ELSE greatest(coalesce(listed_qty, 0) - $quantity_buffer, 0) END AS quantity,
    magento_price, $currency AS currency, $currency_rate AS currency_rate, calculated_price,
    CASE WHEN price_withheld_reason IS NULL THEN calculated_price END AS price,
    price_withheld_reason, condition_type, $handling_time AS handling_time,
    $computed_at AS computed_at
FROM judged
"""


@dataclass(frozen=True)
class DesiredListingCounts:
    """One store's desired state in numbers, for the asset's metadata."""

    store_id: str
    listings: int
    ready_to_list: int
    amazon_fulfilled: int
    quantity_zero: int
    price_withheld: int
    price_out_of_bounds: int


def _store_params(store: StoreConfig, computed_at: datetime) -> dict[str, Any]:
    rules = store.price
    return {
        "store_id": store.id,
        "currency": marketplace(store.marketplace).currency,
        "currency_rate": rules.currency_rate,
        "adjust_percent": rules.adjust_percent,
        "adjust_amount": rules.adjust_amount,
        "round_units": None if rules.round_to is None else int(rules.round_to * _UNITS),
        "units": _UNITS,
        "unit": Decimal(1).scaleb(-PRICE_DECIMALS),
        "minimum_price": rules.minimum_price,
        "maximum_price": rules.maximum_price,
        "quantity_buffer": store.quantity_buffer,
        "handling_time": store.handling_time,
        "computed_at": computed_at,
    }


def refresh_store_desired_listings(
    conn: duckdb.DuckDBPyConnection, store: StoreConfig, *, computed_at: datetime
) -> None:
    """Replace one store's rows; the caller owns the transaction."""
    conn.execute(f"DELETE FROM {TABLE} WHERE store_id = ?", [store.id])
    conn.execute(_DESIRED_SQL, _store_params(store, computed_at))


def refresh_desired_listings(
    conn: duckdb.DuckDBPyConnection, cfg: AscConfig, *, computed_at: datetime
) -> None:
    """Every configured store's desired state rebuilt in one transaction, from the current
    statuses and eligibility; rows of stores no longer in ``asc.yaml`` are dropped."""
    with transaction(conn):
        conn.execute(
            f"DELETE FROM {TABLE} WHERE store_id NOT IN (SELECT unnest(?::VARCHAR[]))",
            [[store.id for store in cfg.stores]],
        )
        for store in cfg.stores:
            refresh_store_desired_listings(conn, store, computed_at=computed_at)


def desired_listing_counts(
    conn: duckdb.DuckDBPyConnection, store_ids: list[str]
) -> list[DesiredListingCounts]:
    """Per configured store (zeros included): listings and Ready to List products covered,
    FBA listings (no quantity), quantities of 0, prices withheld and out of bounds."""
    rows = conn.execute(
        f"""
        SELECT store_id,
            count(*) FILTER (WHERE seller_sku IS NOT NULL),
            count(*) FILTER (WHERE seller_sku IS NULL),
            count(*) FILTER (WHERE upper(fulfillment_channel) <> 'DEFAULT'),
            count(*) FILTER (WHERE quantity = 0),
            count(*) FILTER (WHERE price_withheld_reason IS NOT NULL),
            count(*) FILTER (WHERE list_contains($out_of_bounds, price_withheld_reason))
        FROM {TABLE} GROUP BY store_id
        """,
        {"out_of_bounds": list(OUT_OF_BOUNDS_REASONS)},
    ).fetchall()
    found = {store_id: [int(n) for n in counts] for store_id, *counts in rows}
    return [DesiredListingCounts(store_id, *found.get(store_id, [0] * 6)) for store_id in store_ids]
