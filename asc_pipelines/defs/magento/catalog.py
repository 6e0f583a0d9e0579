"""``magento_catalog``: the Magento catalog and its salable stock, in ``raw.magento_products``.

Products come incrementally (``updated_at`` after the watermark, minus an overlap) with a full
reconciliation at least every ``full_reconcile_hours``, because mass attribute updates and image
changes do not move ``updated_at``. Stock (MSI source items) is pulled in full every tick: stock
changes never move ``updated_at`` either.
"""

import time
from datetime import timedelta

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AscSettings, MagentoCredentials
from asc_pipelines.sources.magento import product_rows
from asc_pipelines.sync.clients import magento_client, tick_guard
from asc_pipelines.sync.stores import record_failure
from asc_pipelines.warehouse.records import (
    get_watermark,
    record_fetch,
    set_watermark,
)
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import (
    SourceClockWentBack,
    failure_time,
    settle_source_times,
)
from asc_pipelines.warehouse.transaction import transaction

MAGENTO = "magento"
DATASET = "magento_catalog"

PRODUCT_COLUMNS = [
    "sku",
    "entity_id",
    "type_id",
    "name",
    "status",
    "visibility",
    "price",
    "website_codes",
    "asin",
    "upc",
    "ean",
    "isbn",
    "gtin",
    "condition",
    "required_options",
    "created_at",
    "updated_at",
]

# Salable quantity: enabled source items summed and floored; a product without any is not salable.
SALABLE_QTY_SQL = """
UPDATE raw.magento_products AS p
SET salable_qty = coalesce(s.qty, 0)
FROM (
    SELECT pr.sku, floor(sum(si.quantity) FILTER (WHERE si.status = 1))::BIGINT AS qty
    FROM raw.magento_products pr
    LEFT JOIN raw.magento_source_items si ON si.sku = pr.sku
    GROUP BY pr.sku
) AS s
WHERE p.sku = s.sku
"""


def _stage_products(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE stage_products AS "
        "SELECT * EXCLUDE (salable_qty, fetched_at) FROM raw.magento_products LIMIT 0"
    )


def _append_products(conn: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    frame = pd.DataFrame(rows, columns=PRODUCT_COLUMNS)
    conn.register("product_page", frame)
    conn.execute("INSERT INTO stage_products BY NAME SELECT * FROM product_page")
    conn.unregister("product_page")


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
    source). A failed pull keeps the previous catalog and is recorded in ``raw.api_errors``.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    started = time.monotonic()
    timings: dict[str, float] = {}
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        watermark, last_full = get_watermark(conn, MAGENTO, DATASET)
        outcome, message, products_fetched, mode = "ok", None, 0, "full"
        now = failure_time(conn, MAGENTO)
        try:
            client = magento_client(cfg, magento_credentials, tick_guard(run_id, cfg))
            websites = client.list_websites()
            now = settle_source_times(conn, DATASET, {MAGENTO: client.server_now()})[MAGENTO]
            full = (
                watermark is None
                or last_full is None
                or now - last_full >= timedelta(hours=cfg.magento.full_reconcile_hours)
            )
            mode = "full" if full else "incremental"
            since = None
            if not full:
                since = watermark - timedelta(minutes=cfg.magento.updated_at_overlap_minutes)
            _stage_products(conn)
            t0 = time.monotonic()
            for page in client.iter_product_pages(updated_after=since):
                rows = product_rows(page, attributes=cfg.attributes, website_codes=websites)
                _append_products(conn, rows)
                products_fetched += len(rows)
            timings["products_seconds"] = time.monotonic() - t0
            t0 = time.monotonic()
            conn.execute(
                "CREATE OR REPLACE TEMP TABLE stage_source_items AS "
                "SELECT * EXCLUDE (fetched_at) FROM raw.magento_source_items LIMIT 0"
            )
            for page in client.iter_source_item_pages():
                frame = pd.DataFrame(
                    [
                        {
                            "sku": item["sku"],
                            "source_code": item["source_code"],
                            "quantity": item.get("quantity"),
                            "status": item.get("status"),
                        }
                        for item in page
                    ],
                    columns=["sku", "source_code", "quantity", "status"],
                )
                conn.register("source_page", frame)
                conn.execute("INSERT INTO stage_source_items BY NAME SELECT * FROM source_page")
                conn.unregister("source_page")
            timings["source_items_seconds"] = time.monotonic() - t0
            now = settle_source_times(conn, DATASET, {MAGENTO: client.server_now()})[MAGENTO]
            new_mark = conn.execute("SELECT max(updated_at) FROM stage_products").fetchone()[0]
            with transaction(conn):
                if full:
                    conn.execute("DELETE FROM raw.magento_products")
                conn.execute(
                    # A product edited while we paged can come twice: its latest version wins.
                    "INSERT OR REPLACE INTO raw.magento_products BY NAME "
                    "SELECT *, ? AS fetched_at, NULL::BIGINT AS salable_qty FROM stage_products "
                    "QUALIFY row_number() OVER (PARTITION BY sku ORDER BY updated_at DESC) = 1",
                    [now],
                )
                conn.execute("DELETE FROM raw.magento_source_items")
                conn.execute(
                    "INSERT OR REPLACE INTO raw.magento_source_items BY NAME "
                    "SELECT DISTINCT ON (sku, source_code) *, ? AS fetched_at "
                    "FROM stage_source_items",
                    [now],
                )
                conn.execute(SALABLE_QTY_SQL)
                set_watermark(
                    conn,
                    MAGENTO,
                    DATASET,
                    watermark=max(filter(None, [watermark, new_mark]), default=None),
                    last_full_at=now if full else last_full,
                    updated_at=now,
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
        finally:
            conn.execute("DROP TABLE IF EXISTS stage_products")
            conn.execute("DROP TABLE IF EXISTS stage_source_items")
        seconds = time.monotonic() - started
        record_fetch(
            conn,
            run_id=run_id,
            store_id=MAGENTO,
            dataset=DATASET,
            outcome=outcome,
            rows_loaded=products_fetched if outcome == "ok" else None,
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
            "mode": mode,
            "products_fetched_this_tick": products_fetched,
            "fetch_seconds": round(seconds, 2),
            **{k: round(v, 2) for k, v in timings.items()},
            "summary": markdown_table(
                ["outcome", "mode", "products fetched", "seconds", "message"],
                [[outcome, mode, products_fetched, f"{seconds:.1f}", message]],
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)
