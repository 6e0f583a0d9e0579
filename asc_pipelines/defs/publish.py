"""``analyst_copy``: after every tick, the published ``asc.duckdb`` analysts and sensors open."""

import dagster as dg

from asc_pipelines.defs.amazon_issues import amazon_listing_issues
from asc_pipelines.defs.amazon_listings import amazon_listings_snapshot
from asc_pipelines.defs.amazon_orders import amazon_orders
from asc_pipelines.defs.magento import magento_catalog
from asc_pipelines.defs.resources import WRITER_POOL, AscSettings
from asc_pipelines.defs.status import listings_by_status
from asc_pipelines.defs.sync_issues import sync_issues
from asc_pipelines.defs.trends import TREND_ASSETS
from asc_pipelines.warehouse.publish import publish_copy


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    deps=[
        amazon_listings_snapshot,
        amazon_listing_issues,
        amazon_orders,
        magento_catalog,
        listings_by_status,
        sync_issues,
        *TREND_ASSETS,
    ],
    owners=["team:asc"],
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
