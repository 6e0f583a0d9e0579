"""``amazon_listing_issues``: what Amazon says is wrong with each store's listings."""

from datetime import datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig
from asc_pipelines.defs.metadata import markdown_table, rows_per_store, table_metadata
from asc_pipelines.defs.options import warehouse_asset
from asc_pipelines.defs.resources import AmazonCredentials, AscSettings
from asc_pipelines.sync.clients import spapi_client, tick_guard
from asc_pipelines.sync.stores import StoreFetch, fetch_all, land
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines.warehouse.source_clock import settle_source_times
from asc_pipelines.warehouse.transaction import transaction

DATASET = "amazon_listing_issues"

ISSUE_SEVERITIES = ("ERROR", "WARNING")


def issue_rows(store_id: str, items: list[dict[str, Any]], fetched_at: datetime) -> pd.DataFrame:
    """One row per (listing, issue) from Listings Items API ``Item`` objects."""
    rows: list[dict[str, Any]] = []
    for item in items:
        summaries = item.get("summaries") or [{}]
        summary = summaries[0]
        for issue in item.get("issues") or []:
            actions = (issue.get("enforcements") or {}).get("actions") or []
            rows.append(
                {
                    "store_id": store_id,
                    "seller_sku": item["sku"],
                    "asin": summary.get("asin"),
                    "item_status": list(summary.get("status") or []),
                    "code": issue.get("code"),
                    "message": issue.get("message"),
                    "severity": issue.get("severity"),
                    "categories": list(issue.get("categories") or []),
                    "attribute_names": list(issue.get("attributeNames") or []),
                    "enforcement_actions": [a.get("action") for a in actions],
                    "fetched_at": fetched_at,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "store_id",
            "seller_sku",
            "asin",
            "item_status",
            "code",
            "message",
            "severity",
            "categories",
            "attribute_names",
            "enforcement_actions",
            "fetched_at",
        ],
    )


def _replace_issues(conn: duckdb.DuckDBPyConnection, store_id: str, frame: pd.DataFrame) -> None:
    """Swap in a store's current issues, all or nothing."""
    try:
        with transaction(conn):
            conn.execute("DELETE FROM raw.amazon_listing_issues WHERE store_id = ?", [store_id])
            conn.register("issue_frame", frame)
            conn.execute("INSERT INTO raw.amazon_listing_issues BY NAME SELECT * FROM issue_frame")
    finally:
        conn.unregister("issue_frame")


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

    def fetch(store_id: str) -> tuple[pd.DataFrame, datetime, bool]:
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
    summary: list[list[object]] = []
    with duckdb.get_connection() as conn:
        ensure_schema(conn)
        times = settle_source_times(
            conn, DATASET, {s: r.value[1] for s, r in fetched.items() if r.ok and r.value}
        )
        for store in cfg.stores:
            result: StoreFetch = fetched[store.id]

            def write(
                value: tuple[pd.DataFrame, datetime, bool], store_id: str = store.id
            ) -> tuple[int, str | None]:
                frame, _, capped = value
                _replace_issues(conn, store_id, frame)
                note = "Listings Items API stopped at its 1,000-result cap" if capped else None
                return len(frame), note

            summary.append(
                land(
                    conn,
                    store.id,
                    result,
                    write=write,
                    fetched_at=lambda _, store_id=store.id: times[store_id],
                    dataset=DATASET,
                    default_operation="searchListingsItems",
                    run_id=run_id,
                )
            )
        metadata = table_metadata(conn, "raw.amazon_listing_issues")
        metadata["rows_per_store"] = rows_per_store(conn, "raw.amazon_listing_issues")
    metadata["summary"] = markdown_table(
        ["store", "outcome", "issues", "seconds", "message"], summary
    )
    return dg.MaterializeResult(metadata=metadata)
