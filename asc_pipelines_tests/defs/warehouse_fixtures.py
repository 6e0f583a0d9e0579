"""The middle rung of the test ladder: the real assets, in this process, on a hand-made warehouse.

``in_process_warehouse(tmp_path)`` gives a real DuckDB file with the real schema, the project's
real ``Definitions`` pointed at it (two stores, ``CONFIG``) and an ephemeral Dagster instance.
Tests write a few raw rows by hand (``tiny_warehouse.add_product`` / ``add_listing``,
``add_order``, ``change_listing``), then ``tick(at)``: one ``dg.materialize`` run, in this process,
of a stand-in for the raw assets that records every store's fetches at ``at`` (where the sync job
leaves the tick's time) and of the real downstream assets (matching, statuses, sync issues,
history, trends, report pages, the analysts' copy). No sandbox, no HTTP: what an asset does with
data already in the warehouse is tested here; the slow end-to-end tests keep what needs the wire.

Assets are taken from the ``Definitions`` by key, never imported from their modules, so moving
an asset between modules does not touch these tests.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.definitions import build_definitions
from asc_pipelines.warehouse.schema import ensure_schema

CONFIG = """
stores:
  - {id: uk, name: UK Shop & Co, marketplace: UK, seller_id: A2, website: uk_site}
  - {id: us, name: US Main Store, marketplace: US, seller_id: A1}
magento: {base_url: "http://127.0.0.1:9"}
"""
STORES = ("uk", "us")
CURRENCIES = {"uk": "GBP", "us": "USD"}

# What one tick fetches per store: listings, listing issues, orders and ASIN look-ups.
DATASETS = ("amazon_listings", "amazon_listing_issues", "amazon_orders", "asin_lookups")

# The raw assets, fetching from Amazon and Magento: stood in for (``_fetches``).
RAW_ASSETS = (
    "amazon_listings_snapshot",
    "amazon_listing_issues",
    "amazon_orders",
    "magento_catalog",
)

# The assets downstream of the fetches, in the order the sync job runs them.
DOWNSTREAM = (
    "product_matches",
    "listings_by_status",
    "desired_listings",
    "sync_issues",
    "listing_history",
    "listing_status_trend",
    "sales_trend",
    "sync_issue_trend",
    "store_health",
    "sync_latency_trend",
    "report_pages",
    "analyst_copy",
)


def change_listing(
    conn: duckdb.DuckDBPyConnection, store_id: str, seller_sku: str, **columns: object
) -> None:
    """Change columns of one listing in ``raw.amazon_listings`` (``status="Inactive"``,
    ``price=11``, ``quantity=7``), as the next listings report would show it."""
    assignments = ", ".join(f"{column} = ?" for column in columns)
    conn.execute(
        f"UPDATE raw.amazon_listings SET {assignments} WHERE store_id = ? AND seller_sku = ?",
        [*columns.values(), store_id, seller_sku],
    )


def add_order(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    order_id: str,
    purchased_at: datetime,
    lines: Sequence[tuple[int, str]],
    *,
    status: str = "Shipped",
    total: str | None = None,
) -> None:
    """An Amazon order with its lines, each ``(units, line price)``, in the store's currency.

    ``total`` is Amazon's ``OrderTotal`` (``None``: Amazon gave none, as for pending orders).
    """
    currency = CURRENCIES[store_id]
    conn.execute(
        "INSERT INTO raw.amazon_orders (store_id, amazon_order_id, purchase_date, "
        "last_update_date, order_status, currency, order_total, order_json, fetched_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            store_id,
            order_id,
            purchased_at,
            purchased_at,
            status,
            currency if total is not None else None,
            Decimal(total) if total is not None else None,
            json.dumps({"AmazonOrderId": order_id}),
            purchased_at,
        ],
    )
    for number, (units, price) in enumerate(lines, start=1):
        conn.execute(
            "INSERT INTO raw.amazon_order_items (store_id, amazon_order_id, order_item_id, "
            "seller_sku, quantity_ordered, currency, item_price, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                store_id,
                order_id,
                f"{order_id}-{number}",
                f"sold-{number}",
                units,
                currency,
                Decimal(price),
                purchased_at,
            ],
        )


@dataclass
class InProcessWarehouse:
    """A warehouse file with hand-made raw rows and the project's Definitions pointed at it."""

    config: Path
    data: Path
    defs: dg.Definitions
    instance: dg.DagsterInstance
    fetch_times: list[datetime] = field(default_factory=list)  # of the ticks run so far

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the warehouse (closed before the next tick)."""
        conn = duckdb.connect(str(self.warehouse))
        try:
            yield conn
        finally:
            conn.close()

    def materialize(
        self, *keys: str, fetched_at: datetime | None = None
    ) -> dg.ExecuteInProcessResult:
        """One run of these assets (all seven status partitions together), in this process.

        With ``fetched_at``, the run first records every store's fetches at that time, in place
        of the raw assets, so the assets find the tick's time where the sync job leaves it.
        """
        assets = [self.defs.get_assets_def(dg.AssetKey(key)) for key in keys]
        if fetched_at is not None:
            assets.insert(0, _fetches(fetched_at, tick=len(self.fetch_times)))
            self.fetch_times.append(fetched_at)
        tags: dict[str, str] = {}
        for asset in assets:
            if asset.partitions_def is not None:
                partitions = asset.partitions_def.get_partition_keys()
                tags = {
                    "dagster/asset_partition_range_start": partitions[0],
                    "dagster/asset_partition_range_end": partitions[-1],
                }
        result = dg.materialize(
            assets,
            resources={name: self.defs.resources[name] for name in ("settings", "duckdb")},
            instance=self.instance,
            tags=tags,
        )
        assert result.success
        return result

    def tick(self, at: datetime, *keys: str) -> dg.ExecuteInProcessResult:
        """One tick fetched at ``at``: the downstream assets (or ``keys``, which must include
        an asset downstream of the raw ones, such as ``product_matches``) in one run."""
        return self.materialize(*(keys or DOWNSTREAM), fetched_at=at)


def _record_fetches(conn: duckdb.DuckDBPyConnection, run_id: str, at: datetime, tick: int) -> None:
    """Every store's listings snapshot loaded and one ``ok`` row per dataset, at ``at`` by the
    sources' clock, as the raw assets record them."""
    for store_id in STORES:
        conn.execute(
            "UPDATE raw.amazon_listings SET snapshot_at = ? WHERE store_id = ?", [at, store_id]
        )
        conn.execute(
            "INSERT INTO raw.amazon_listing_snapshots (store_id, report_id, snapshot_at, "
            "rows_loaded, rows_rejected, run_id) SELECT ?, ?, ?, count(*), 0, ? "
            "FROM raw.amazon_listings WHERE store_id = ?",
            [store_id, f"report-{store_id}-{tick}", at, run_id, store_id],
        )
        for dataset in DATASETS:
            conn.execute(
                "INSERT INTO raw.store_fetches (run_id, store_id, dataset, outcome, "
                "rows_loaded, rows_rejected, seconds, finished_at, recorded_at) "
                "VALUES (?, ?, ?, 'ok', 0, 0, 0.1, ?, ?)",
                [run_id, store_id, dataset, at, at],
            )


def _fetches(at: datetime, tick: int) -> dg.AssetsDefinition:
    """Stand-in for the raw assets: the warehouse already holds what they would load; this run
    records that every store fetched it at ``at``."""

    @dg.multi_asset(specs=[dg.AssetSpec(key) for key in RAW_ASSETS], name="fetches")
    def fetches(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> Iterator[dg.MaterializeResult]:
        with duckdb.get_connection() as conn:
            _record_fetches(conn, context.run.run_id, at, tick)
        for key in RAW_ASSETS:
            yield dg.MaterializeResult(asset_key=key)

    return fetches


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict[str, Any]:
    """The metadata values of ``key``'s materialization in ``result`` (one, unpartitioned)."""
    [event] = result.asset_materializations_for_node(key)
    return {name: value.value for name, value in event.metadata.items()}


def in_process_warehouse(tmp_path: Path) -> InProcessWarehouse:
    """A fresh warehouse file with the real schema (no rows yet) and the real Definitions."""
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    data = tmp_path / "data"
    defs = build_definitions(config_file=config, data_directory=data)
    warehouse = InProcessWarehouse(
        config=config, data=data, defs=defs, instance=dg.DagsterInstance.ephemeral()
    )
    with warehouse.connect() as conn:
        ensure_schema(conn)
    return warehouse


def at(text: str) -> datetime:
    """A UTC time from ``YYYY-MM-DD HH:MM``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
