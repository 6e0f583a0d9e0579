"""``amazon_orders``: what sold on each store, fetched incrementally since a watermark."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sources.amazon_orders import FetchedOrders, fetch_orders
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import fetch_all, land_all
from asc_pipelines.warehouse.orders import orders_needing_items, orders_watermark, write_orders
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import settle_source_times

DATASET = "amazon_orders"


@warehouse_asset(
    group="amazon",
    source=True,
)
def amazon_orders(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Amazon orders and their lines, fetched since each store's watermark (Orders API v0).

    ``raw.amazon_orders`` and ``raw.amazon_order_items``, deduplicated on AmazonOrderId and
    OrderItemId. Order lines are fetched within a per-tick time budget (getOrderItems allows one
    call every two seconds); orders still without lines are picked up by the next tick.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    guard = tick_guard(run_id, cfg)
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        marks = {s.id: orders_watermark(conn, s.id) for s in cfg.stores}
        pending_items = {s.id: orders_needing_items(conn, s.id) for s in cfg.stores}

    def fetch(store_id: str) -> FetchedOrders:
        store = cfg.store(store_id)
        return fetch_orders(
            spapi_client(cfg, store, amazon_credentials, guard),
            store_id=store_id,
            marketplace_id=store.marketplace_id,
            watermark=marks[store_id],
            waiting_for_items=pending_items[store_id],
            settings=cfg.amazon,
        )

    fetched = fetch_all(
        [s.id for s in cfg.stores], fetch, log=context.log.warning, trace=context.log.debug
    )
    with duckdb.get_connection() as conn:
        times = settle_source_times(
            conn, DATASET, {s: r.value.now for s, r in fetched.items() if r.ok and r.value}
        )

        def write(store_id: str, value: FetchedOrders) -> tuple[int, str | None]:
            write_orders(
                conn,
                store_id,
                orders=value.orders,
                items=value.items,
                items_done=value.items_done,
                watermark=value.watermark,
                now=times[store_id],
            )
            return len(value.orders), value.note

        summary = land_all(
            conn,
            fetched,
            write=write,
            times=times,
            dataset=DATASET,
            default_operation="getOrders",
            run_id=run_id,
        )
        metadata = table_metadata(conn, "raw.amazon_orders")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_orders")
        metadata["order_items"] = rows_per_store(conn, "raw.amazon_order_items")
    metadata["summary"] = markdown_table(
        ["store", "outcome", "orders fetched", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)
