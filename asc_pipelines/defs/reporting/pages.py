"""``report_pages``: the self-contained HTML dashboard, written after every tick."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.dashboard.pages import StoreHeader, write_report_pages
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.reporting.trends import TREND_ASSETS
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.warehouse.schema import REPORTS_DIR, ensure_schema


def store_headers(cfg: AscConfig) -> list[StoreHeader]:
    """The configured stores as their report pages name them."""
    return [
        StoreHeader(
            store_id=store.id,
            name=store.name or store.id,
            marketplace_id=store.marketplace_id,
            website=store.website,
        )
        for store in cfg.stores
    ]


@warehouse_asset(
    group="reporting",
    kinds={"html"},
    # Reads the warehouse while the tick's writers are done; sharing the pool keeps it so.
    deps=TREND_ASSETS,
)
def report_pages(
    context: dg.AssetExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """``ASC_DATA_DIR/reports/index.html`` and one ``<store_id>.html`` per store.

    Each store page reads like Amazon Sales Channel's store dashboard: header, 7 / 30-day and
    lifetime sales, charts of listings by tab, daily sales and open sync issues (PNG, embedded and
    under ``reports/charts/``), current counts and the top open issues. One file each, nothing
    loaded from the network.
    """
    stores = store_headers(settings.load())
    out_dir = settings.data_path / REPORTS_DIR
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        pages = write_report_pages(conn, out_dir, stores)
    context.log.info(f"report pages written: {pages.index}")
    # Path values, not text: the UI shows each as a file path with a copy button (a file:// link
    # would be blocked by the browser showing the UI).
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(pages.index.resolve())),
            **{
                f"store_page/{store_id}": dg.MetadataValue.path(str(page.resolve()))
                for store_id, page in sorted(pages.store_pages.items())
            },
            "charts": len(pages.charts),
            "render_seconds": round(pages.seconds, 3),
        }
    )
