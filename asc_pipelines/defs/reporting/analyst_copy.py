"""``analyst_copy``: after every tick, the published ``asc.duckdb`` analysts and sensors open."""

import dagster as dg

from asc_pipelines.defs.amazon.issues import amazon_listing_issues
from asc_pipelines.defs.amazon.listings import amazon_listings_snapshot
from asc_pipelines.defs.amazon.orders import amazon_orders
from asc_pipelines.defs.core.status import listings_by_status
from asc_pipelines.defs.core.sync_issues import sync_issues
from asc_pipelines.defs.magento.catalog import magento_catalog
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.reporting.trends import TREND_ASSETS
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.warehouse.publish import publish_copy


@warehouse_asset(
    group="publish",
    deps=[
        amazon_listings_snapshot,
        amazon_listing_issues,
        amazon_orders,
        magento_catalog,
        listings_by_status,
        sync_issues,
        *TREND_ASSETS,
    ],
)
def analyst_copy(context: dg.AssetExecutionContext, settings: AscSettings) -> dg.MaterializeResult:
    """The read-only copy of the warehouse for analysts, notebooks and sensors (``asc.duckdb``).

    Replaced atomically after each tick (write to a temporary file, then rename): an analyst's
    open connection keeps its snapshot and never blocks the pipeline; reconnecting sees the new one.
    """
    published = publish_copy(settings.warehouse_path, settings.published_path)
    context.log.info(f"published {published.path} ({published.bytes} bytes)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(published.path.resolve())),
            "bytes": published.bytes,
            "publish_seconds": round(published.seconds, 3),
        }
    )
