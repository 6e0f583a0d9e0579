"""Dagster resources: the settings file, the warehouse, and credentials from environment variables.

Secrets never enter Dagster config: app credentials come through ``dg.EnvVar`` (only the variable
name shows in the UI) and each store's refresh token is read at run time from the variable that
``asc.yaml`` names for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from asc_pipelines.config import AscConfig, StoreConfig, load_config
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, WAREHOUSE_FILE

# Every asset that writes DuckDB runs in this pool (limit 1 in dagster.yaml): one writer at a time.
WRITER_POOL = "duckdb_writer"


class MissingCredential(RuntimeError):
    """A credential's environment variable is not set; the message names the variable only."""


class AscSettings(dg.ConfigurableResource):
    """Where the settings file and the data directory are (paths only, no secrets)."""

    config_path: str
    data_dir: str

    def load(self) -> AscConfig:
        return load_config(self.config_path)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.data_dir) / WAREHOUSE_FILE

    @property
    def published_path(self) -> Path:
        return Path(self.data_dir) / PUBLISHED_FILE

    def work_dir(self, name: str) -> Path:
        """A scratch folder under the data directory (report downloads, staging files)."""
        path = Path(self.data_dir) / "work" / name
        path.mkdir(parents=True, exist_ok=True)
        return path


class AmazonCredentials(dg.ConfigurableResource):
    """The SP-API application's LWA client id and secret (set through dg.EnvVar)."""

    lwa_client_id: str
    lwa_client_secret: str

    def refresh_token(self, store: StoreConfig) -> str:
        """The store's LWA refresh token, read now from the variable the config names."""
        name = store.refresh_token_variable
        value = os.environ.get(name)
        if not value:
            raise MissingCredential(
                f"store {store.id}: environment variable {name} (its LWA refresh token) is not set"
            )
        return value


class MagentoCredentials(dg.ConfigurableResource):
    """Magento admin user and password (dg.EnvVar), or an integration token the config names."""

    username: str = ""
    password: str = ""

    def token(self, token_env: str) -> str:
        value = os.environ.get(token_env)
        if not value:
            raise MissingCredential(
                f"magento: environment variable {token_env} (integration token) is not set"
            )
        return value


class WarehouseDuckDB(DuckDBResource):
    """``dagster-duckdb``'s resource, closing its connection even when the step fails.

    ``DuckDBResource.get_connection`` (0.29) closes the connection only after a successful
    block; after a failing step the connection stays open until garbage collection, and in the
    in-process executor every later open of the file with other settings (the analysts' copy,
    the next tick of ``asc demo``) fails with "Can't open a connection to same database file with
    a different configuration".
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        opened = super().get_connection()
        conn = opened.__enter__()
        try:
            yield conn
        finally:
            conn.close()
