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
- price: Magento's price for the store's website, converted into the marketplace currency,
  adjusted by ``adjust_percent`` then ``adjust_amount``, rounded to ``round_to`` (without it, to
  the currency's smallest unit: cents, or whole yen), and held
  between ``minimum_price`` and ``maximum_price``: outside them no price is desired
  (``price_withheld_reason``) and the ``price_out_of_bounds`` sync issue opens.
  The Magento price (``price_source``): with ``magento.price_scope: website``, the website's
  price read through its store view (``raw.magento_website_prices``, in the website's base
  currency), falling back to the global ``raw.magento_products.price`` where the website has
  none; with the default global scope, the global price, as before.
  Its currency (``magento_currency``): the view's base currency for a website price; for the
  global price ``price.magento_currency``, or Magento's base currency when the store's prices
  are read per website or converted at Magento's rate; else unknown.
  The rate (``currency_rate``, ``currency_rate_source``): none when the currency is the
  marketplace's; else ``price.currency_rate`` from ``asc.yaml`` (a price of unknown currency is
  converted at it, as before), or with ``currency_rate: magento`` Magento's rate from that
  currency into the marketplace's (``raw.magento_currency_rates``, to 6 decimals). A price whose
  known currency differs from the marketplace's and that no rate converts is withheld
  (``no_currency_rate``): a dollar amount is never sent as pounds.
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

from asc_pipelines.config import PRICE_DECIMALS, RATE_DECIMALS, AscConfig, StoreConfig
from asc_pipelines.constants import marketplace
from asc_pipelines.logic.store_views import StoreView, StoreViewError, price_view
from asc_pipelines.warehouse.transaction import transaction

TABLE = "core.desired_listings"
WITHHELD_REASONS = (
    "no_magento_price",
    "no_currency_rate",
    "below_minimum_price",
    "above_maximum_price",
)
GLOBAL_SCOPE = "all"  # raw.magento_currency_rates.scope_code of the global (admin) scope
OUT_OF_BOUNDS_REASONS = ("below_minimum_price", "above_maximum_price")
_UNITS = 10**PRICE_DECIMALS  # round_to is applied in whole units of 0.0001

# One store's rows. Rounding to round_to works on whole ten-thousandths (BIGINT), half away from
# zero, because DuckDB divides decimals in floating point (9.995 / 0.01 = 999.4999...).
_DESIRED_SQL = """
INSERT INTO core.desired_listings BY NAME
WITH rates AS (
    -- Magento's rates are one table (Stores > Currency Rates): any scope that lists a pair will
    -- do; the store's own view first, then the global scope.
    SELECT base_currency_code, currency_to,
        arg_min(rate, CASE scope_code WHEN $store_view THEN 0 WHEN 'all' THEN 1 ELSE 2 END)
            AS rate
    FROM raw.magento_currency_rates
    WHERE rate > 0 AND currency_to = $currency
    GROUP BY ALL
),
wanted AS (
    SELECT s.store_id, s.seller_sku, s.magento_sku, s.asin, s.status,
        CASE WHEN s.seller_sku IS NULL THEN 'DEFAULT'
             ELSE coalesce(l.fulfillment_channel, 'DEFAULT') END AS fulfillment_channel,
        e.eligible, e.salable_qty, e.listed_qty, e.condition_type,
        CASE WHEN w.price IS NOT NULL THEN w.price ELSE p.price END AS magento_price,
        CASE WHEN w.price IS NOT NULL THEN 'website'
             WHEN p.price IS NOT NULL THEN 'global' END AS price_source,
        CASE WHEN w.price IS NOT NULL THEN $website_currency ELSE $global_currency END
            AS magento_currency
    FROM core.listing_status s
    LEFT JOIN raw.amazon_listings l ON l.store_id = s.store_id AND l.seller_sku = s.seller_sku
    LEFT JOIN core.product_eligibility e
        ON e.store_id = s.store_id AND e.magento_sku = s.magento_sku
    LEFT JOIN raw.magento_products p ON p.sku = s.magento_sku
    LEFT JOIN raw.magento_website_prices w
        ON w.store_view_code = $store_view AND w.sku = s.magento_sku
    WHERE s.store_id = $store_id AND s.magento_sku IS NOT NULL
        AND (s.seller_sku IS NOT NULL OR s.status = 'ready_to_list')
),
rated AS (
    SELECT wanted.*,
        CASE WHEN magento_currency IS NOT DISTINCT FROM $currency THEN NULL
             WHEN $rate_source = 'config' THEN 'config'
             WHEN $rate_source = 'magento' AND r.rate IS NOT NULL THEN 'magento'
        END AS currency_rate_source,
        CASE currency_rate_source
            WHEN 'config' THEN CAST($config_rate AS DECIMAL(18, 6))
            WHEN 'magento' THEN CAST(round(r.rate, $rate_decimals) AS DECIMAL(18, 6))
        END AS currency_rate,
        coalesce(magento_currency IS DISTINCT FROM $currency AND currency_rate_source IS NULL
            AND (magento_currency IS NOT NULL OR $rate_source = 'magento'), false)
            AS rate_missing
    FROM wanted LEFT JOIN rates r ON r.base_currency_code = wanted.magento_currency
),
adjusted AS (
    SELECT *,
        CAST(round(converted + converted * CAST($adjust_percent AS DECIMAL(18, 6)) * 0.01
                   + CAST($adjust_amount AS DECIMAL(18, 4)), 4) AS DECIMAL(18, 4)) AS price4
    FROM (
        SELECT *, CAST(magento_price AS DECIMAL(24, 10)) * coalesce(currency_rate, 1)
            AS converted
        FROM rated
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
             WHEN rate_missing THEN 'no_currency_rate'
             WHEN calculated_price < $minimum_price THEN 'below_minimum_price'
             WHEN calculated_price > $maximum_price THEN 'above_maximum_price'
        END AS price_withheld_reason
    FROM rounded
)
SELECT store_id, seller_sku, magento_sku, asin, status, fulfillment_channel, salable_qty,
    CASE WHEN upper(fulfillment_channel) <> 'DEFAULT' THEN NULL
         WHEN NOT coalesce(eligible, false) THEN 0
         ELSE greatest(coalesce(listed_qty, 0) - $quantity_buffer, 0) END AS quantity,
    magento_price, $currency AS currency, currency_rate,
    CASE WHEN NOT rate_missing THEN calculated_price END AS calculated_price,
    CASE WHEN price_withheld_reason IS NULL THEN calculated_price END AS price,
    price_withheld_reason, condition_type, $handling_time AS handling_time,
    $computed_at AS computed_at, price_source,
    CASE WHEN price_source = 'website' THEN $store_view END AS price_store_view,
    magento_currency, currency_rate_source
FROM judged
"""


@dataclass(frozen=True)
class PriceScope:
    """Where a store's Magento prices come from and what currency they are in."""

    store_view: str | None = None  # the view whose website prices it takes; None: global
    website_currency: str | None = None  # the currency of those prices
    global_currency: str | None = None  # the currency of the global price; None: unknown


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
    website_priced: int = 0  # rows priced from the website's own price (price_source website)


def price_scope(conn: duckdb.DuckDBPyConnection, cfg: AscConfig, store: StoreConfig) -> PriceScope:
    """The store's price scope from what the last catalog pull read of Magento's store views and
    rates; a store whose view is not known (yet) takes the global price."""
    rules, magento = store.price, cfg.magento
    website_scope = magento.price_scope == "website"
    global_currency = rules.magento_currency
    if global_currency is None and (website_scope or rules.uses_magento_rate):
        row = conn.execute(
            "SELECT base_currency_code FROM raw.magento_currency_rates WHERE scope_code = ? "
            "LIMIT 1",
            [GLOBAL_SCOPE],
        ).fetchone()
        global_currency = row[0] if row else None
    if not website_scope:
        return PriceScope(global_currency=global_currency)
    views = [
        StoreView(code, website, bool(default), bool(active), currency)
        for code, website, default, active, currency in conn.execute(
            "SELECT store_view_code, website_code, is_default_view, is_active, "
            "base_currency_code FROM raw.magento_store_views"
        ).fetchall()
    ]
    try:
        view = price_view(store, views)
    except StoreViewError:
        return PriceScope(global_currency=global_currency)
    return PriceScope(view.code, view.base_currency_code, global_currency)


def _round_units(store: StoreConfig) -> int:
    """The step prices are rounded to, in ten-thousandths: ``price.round_to``, or else the
    marketplace currency's smallest unit (0.01; 1 for JPY), which is what Amazon shows."""
    if store.price.round_to is not None:
        return int(store.price.round_to * _UNITS)
    return 10 ** (PRICE_DECIMALS - marketplace(store.marketplace).currency_decimals)


def _store_params(store: StoreConfig, scope: PriceScope, computed_at: datetime) -> dict[str, Any]:
    rules = store.price
    rate_source = "magento" if rules.uses_magento_rate else None
    if rules.configured_rate is not None:
        rate_source = "config"
    return {
        "store_id": store.id,
        "currency": marketplace(store.marketplace).currency,
        "store_view": scope.store_view,
        "website_currency": scope.website_currency,
        "global_currency": scope.global_currency,
        "rate_source": rate_source,
        "config_rate": rules.configured_rate,
        "rate_decimals": RATE_DECIMALS,
        "adjust_percent": rules.adjust_percent,
        "adjust_amount": rules.adjust_amount,
        "round_units": _round_units(store),
        "units": _UNITS,
        "unit": Decimal(1).scaleb(-PRICE_DECIMALS),
        "minimum_price": rules.minimum_price,
        "maximum_price": rules.maximum_price,
        "quantity_buffer": store.quantity_buffer,
        "handling_time": store.handling_time,
        "computed_at": computed_at,
    }


def refresh_store_desired_listings(
    conn: duckdb.DuckDBPyConnection,
    cfg: AscConfig,
    store: StoreConfig,
    *,
    computed_at: datetime,
) -> None:
    """Replace one store's rows; the caller owns the transaction."""
    scope = price_scope(conn, cfg, store)
    conn.execute(f"DELETE FROM {TABLE} WHERE store_id = ?", [store.id])
    conn.execute(_DESIRED_SQL, _store_params(store, scope, computed_at))


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
            refresh_store_desired_listings(conn, cfg, store, computed_at=computed_at)


def desired_listing_counts(
    conn: duckdb.DuckDBPyConnection, store_ids: list[str]
) -> list[DesiredListingCounts]:
    """Per configured store (zeros included): listings and Ready to List products covered,
    FBA listings (no quantity), quantities of 0, prices withheld and out of bounds, and rows
    priced from their website's own price."""
    rows = conn.execute(
        f"""
        SELECT store_id,
            count(*) FILTER (WHERE seller_sku IS NOT NULL),
            count(*) FILTER (WHERE seller_sku IS NULL),
            count(*) FILTER (WHERE upper(fulfillment_channel) <> 'DEFAULT'),
            count(*) FILTER (WHERE quantity = 0),
            count(*) FILTER (WHERE price_withheld_reason IS NOT NULL),
            count(*) FILTER (WHERE list_contains($out_of_bounds, price_withheld_reason)),
            count(*) FILTER (WHERE price_source = 'website')
        FROM {TABLE} GROUP BY store_id
        """,
        {"out_of_bounds": list(OUT_OF_BOUNDS_REASONS)},
    ).fetchall()
    found = {store_id: [int(n) for n in counts] for store_id, *counts in rows}
    return [DesiredListingCounts(store_id, *found.get(store_id, [0] * 7)) for store_id in store_ids]
