"""``magento_catalog``: the Magento catalog and its salable stock, in ``raw.magento_products``.

Products come incrementally (``updated_at`` after the watermark, minus an overlap) with a full
reconciliation at least every ``full_reconcile_hours``, because mass attribute updates and image
changes do not move ``updated_at``. Stock (MSI source items) is pulled in full every tick: stock
changes never move ``updated_at`` either. With ``magento.price_scope: website`` (or a store
converting at Magento's rate) the same pull reads the stores' website prices, store views and
currency rates (``sources/magento_prices.py``); with the defaults it makes no extra request.
"""

import time

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings, MagentoCredentials
from asc_pipelines.sources.magento_catalog import CatalogPull, plan_pull, pull_catalog
from asc_pipelines.sources.magento_prices import PricePull, pull_website_prices
from asc_pipelines.sync.clients import magento_client, tick_guard
from asc_pipelines.sync.stores import record_failure
from asc_pipelines.warehouse.magento_catalog import MAGENTO, CatalogStaging, catalog_watermark
from asc_pipelines.warehouse.records import record_fetch
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import (
    SourceClockWentBack,
    failure_time,
    settle_source_times,
)

DATASET = "magento_catalog"


@warehouse_asset(
    group="magento",
    source=True,
)
def magento_catalog(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    magento_credentials: MagentoCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """The Magento catalog: every product with its identifiers, websites and salable quantity.

    ``raw.magento_products`` (one row per SKU) and ``raw.magento_source_items`` (MSI stock per
    source); when stores need them, ``raw.magento_website_prices`` (each product's price per
    website, through a store view), ``raw.magento_store_views`` and ``raw.magento_currency_rates``.
    A failed pull keeps the previous catalog and is recorded in ``raw.api_errors``.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    started = time.monotonic()
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        watermark, last_full = catalog_watermark(conn)
        outcome, message = "ok", None
        pull = CatalogPull(full=True, since=None)
        prices = PricePull()
        now = failure_time(conn, MAGENTO)
        try:
            client = magento_client(cfg, magento_credentials, tick_guard(run_id, cfg))
            websites = client.list_websites()
            now = settle_source_times(conn, DATASET, {MAGENTO: client.server_now()})[MAGENTO]
            pull = plan_pull(watermark, last_full, now, cfg.magento)
            with CatalogStaging(conn) as staging:
                pull_catalog(client, staging, pull, attributes=cfg.attributes, websites=websites)
                t0 = time.monotonic()
                website_prices, prices = pull_website_prices(
                    client, staging, cfg, websites=websites, full=pull.full, since=pull.since
                )
                if prices.needed:
                    pull.timings["website_prices_seconds"] = time.monotonic() - t0
                now = settle_source_times(conn, DATASET, {MAGENTO: client.server_now()})[MAGENTO]
                staging.replace_catalog(
                    full=pull.full,
                    now=now,
                    watermark=watermark,
                    last_full=last_full,
                    website_prices=website_prices,
                )
        except SourceClockWentBack:
            raise  # not this source's failure: the whole tick is refused
        except Exception as exc:  # the previous catalog stays; the failure is recorded
            failure = record_failure(
                conn,
                exc,
                store_id=MAGENTO,
                default_operation="magento.getProducts",
                occurred_at=now,
                run_id=run_id,
            )
            outcome, message = "failed", failure
            context.log.error(f"magento catalog fetch failed: {failure}")
        seconds = time.monotonic() - started
        record_fetch(
            conn,
            run_id=run_id,
            store_id=MAGENTO,
            dataset=DATASET,
            outcome=outcome,
            rows_loaded=pull.products if outcome == "ok" else None,
            rows_rejected=None,
            seconds=seconds,
            message=message,
            finished_at=now,
        )
        metadata = table_metadata(conn, "raw.magento_products")
        metadata["source_items"] = int(
            conn.execute("SELECT count(*) FROM raw.magento_source_items").fetchone()[0]
        )
    metadata.update(
        {
            "outcome": outcome,
            "mode": pull.mode,
            "products_fetched_this_tick": pull.products,
            **(
                {
                    "website_price_views": prices.views,
                    "website_prices_fetched_this_tick": prices.prices,
                }
                if prices.needed
                else {}
            ),
            "fetch_seconds": round(seconds, 2),
            **{k: round(v, 2) for k, v in pull.timings.items()},
            "summary": markdown_table(
                ["outcome", "mode", "products fetched", "seconds", "message"],
                [[outcome, pull.mode, pull.products, f"{seconds:.1f}", message]],
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
