"""``amazon_listing_issues``: what Amazon says is wrong with each store's listings."""

from datetime import datetime

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sources.listing_issues import issue_rows
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import fetch_all, land_all
from asc_pipelines.warehouse.listing_issues import replace_issues
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import settle_source_times

DATASET = "amazon_listing_issues"

ISSUE_SEVERITIES = ("ERROR", "WARNING")


# A store's issues as rows, the source's time, and whether the API's 1,000-result cap was hit.
FetchedIssues = tuple[pd.DataFrame, datetime, bool]


@warehouse_asset(
    group="amazon",
    source=True,
)
def amazon_listing_issues(
    context: dg.AssetExecutionContext,
    settings: AscSettings,
    amazon_credentials: AmazonCredentials,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Amazon's current ERROR and WARNING issues on each store's listings (Listings Items API).

    One row per issue in ``raw.amazon_listing_issues``, replaced per store each tick. The API pages
    through at most 1,000 listings per query; when a store hits that cap the metadata says so.
    """
    cfg: AscConfig = settings.load()
    run_id = context.run.run_id
    guard = tick_guard(run_id, cfg)

    def fetch(store_id: str) -> FetchedIssues:
        store = cfg.store(store_id)
        client = spapi_client(cfg, store, amazon_credentials, guard)
        iterator = client.iter_listings_items(
            store.seller_id,
            store.marketplace_id,
            included_data=("summaries", "issues"),
            with_issue_severity=ISSUE_SEVERITIES,
        )
        items = list(iterator)
        capped = bool(getattr(iterator, "capped", False))
        now = client.server_now()
        return issue_rows(store_id, items, now), now, capped

    fetched = fetch_all(
        [s.id for s in cfg.stores], fetch, log=context.log.warning, trace=context.log.debug
    )
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        times = settle_source_times(
            conn, DATASET, {s: r.value[1] for s, r in fetched.items() if r.ok and r.value}
        )

        def write(store_id: str, value: FetchedIssues) -> tuple[int, str | None]:
            frame, _, capped = value
            replace_issues(conn, store_id, frame)
            note = "Listings Items API stopped at its 1,000-result cap" if capped else None
            return len(frame), note

        summary = land_all(
            conn,
            fetched,
            write=write,
            times=times,
            dataset=DATASET,
            default_operation="searchListingsItems",
            run_id=run_id,
        )
        metadata = table_metadata(conn, "raw.amazon_listing_issues")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_listing_issues")
    metadata["summary"] = markdown_table(
        ["store", "outcome", "issues", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)
