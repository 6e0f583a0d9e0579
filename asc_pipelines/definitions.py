"""The single Definitions object of the ``asc_pipelines`` code location."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from asc_pipelines.config import (
    LWA_CLIENT_ID_ENV,
    LWA_CLIENT_SECRET_ENV,
    MAGENTO_PASSWORD_ENV,
    MAGENTO_USERNAME_ENV,
    config_path,
    data_dir,
)
from asc_pipelines.defs.amazon.asin_lookups import asin_lookups
from asc_pipelines.defs.amazon.checks import AMAZON_CHECKS
from asc_pipelines.defs.amazon.issues import amazon_listing_issues
from asc_pipelines.defs.amazon.listings import amazon_listings_snapshot
from asc_pipelines.defs.amazon.orders import amazon_orders
from asc_pipelines.defs.amazon.pushes import amazon_listing_pushes
from asc_pipelines.defs.core.checks import CORE_CHECKS
from asc_pipelines.defs.core.desired_listings import desired_listings
from asc_pipelines.defs.core.history import listing_history
from asc_pipelines.defs.core.listing_updates import listing_updates
from asc_pipelines.defs.core.matching import product_matches
from asc_pipelines.defs.core.status import listings_by_status
from asc_pipelines.defs.core.sync_issues import sync_issues
from asc_pipelines.defs.magento.catalog import magento_catalog
from asc_pipelines.defs.operations.alerts import (
    notify_sync_issues,
    sync_issue_sensor,
    sync_run_failure_sensor,
)
from asc_pipelines.defs.operations.jobs import asc_sync_job, asc_sync_schedule
from asc_pipelines.defs.operations.purge import purge_old_runs, purge_old_runs_schedule
from asc_pipelines.defs.reporting.analyst_copy import analyst_copy
from asc_pipelines.defs.reporting.pages import report_pages
from asc_pipelines.defs.reporting.trends import TREND_ASSETS
from asc_pipelines.defs.resources import (
    AmazonCredentials,
    AscSettings,
    MagentoCredentials,
    WarehouseDuckDB,
)
from asc_pipelines.warehouse.schema import WAREHOUSE_FILE

# DuckDB: bounded memory and spill folder; the machine may run the webserver and daemon beside it.
DUCKDB_CONNECTION_CONFIG = {"memory_limit": "4GB", "threads": 2}


def build_definitions(
    *,
    config_file: str | os.PathLike[str] | None = None,
    data_directory: str | os.PathLike[str] | None = None,
    amazon_credentials: AmazonCredentials | None = None,
    magento_credentials: MagentoCredentials | None = None,
) -> dg.Definitions:
    """Definitions for one config file and data directory (defaults: ASC_CONFIG, ASC_DATA_DIR).

    Paths are not secrets and are fixed when the code location loads; credentials stay
    environment variables resolved when a run starts.
    """
    data = Path(data_directory) if data_directory is not None else data_dir()
    data.mkdir(parents=True, exist_ok=True)
    cfg = Path(config_file) if config_file is not None else config_path()
    return dg.Definitions(
        assets=[
            amazon_listings_snapshot,
            amazon_listing_issues,
            amazon_orders,
            magento_catalog,
            product_matches,
            asin_lookups,
            listings_by_status,
            desired_listings,
            listing_updates,
            amazon_listing_pushes,
            sync_issues,
            listing_history,
            *TREND_ASSETS,
            report_pages,
            analyst_copy,
        ],
        asset_checks=[*AMAZON_CHECKS, *CORE_CHECKS],
        jobs=[asc_sync_job, notify_sync_issues, purge_old_runs],
        # Ad-hoc materializations from the UI run like the sync job: in one process, so the
        # DuckDB file has a single writer and steps pay no process start-up.
        executor=dg.in_process_executor,
        schedules=[asc_sync_schedule, purge_old_runs_schedule],
        sensors=[sync_issue_sensor, sync_run_failure_sensor],
        resources={
            "settings": AscSettings(config_path=str(cfg.resolve()), data_dir=str(data.resolve())),
            "duckdb": WarehouseDuckDB(
                database=str((data / WAREHOUSE_FILE).resolve()),
                connection_config=DUCKDB_CONNECTION_CONFIG,
            ),
            "amazon_credentials": amazon_credentials
            or AmazonCredentials(
                lwa_client_id=dg.EnvVar(LWA_CLIENT_ID_ENV),
                lwa_client_secret=dg.EnvVar(LWA_CLIENT_SECRET_ENV),
            ),
            "magento_credentials": magento_credentials
            or MagentoCredentials(
                username=dg.EnvVar(MAGENTO_USERNAME_ENV),
                password=dg.EnvVar(MAGENTO_PASSWORD_ENV),
            ),
        },
    )


defs = build_definitions()
