"""Build the source clients for a tick from the config and the credentials resources."""

from __future__ import annotations

from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.defs.resources import AmazonCredentials, MagentoCredentials
from asc_pipelines.sources.magento import MagentoClient
from asc_pipelines.sources.spapi import SpApiClient


def spapi_client(cfg: AscConfig, store: StoreConfig, credentials: AmazonCredentials) -> SpApiClient:
    """One SP-API client per store: Amazon's rate limits apply per selling partner."""
    return SpApiClient.from_config(
        cfg.amazon,
        store,
        client_id=credentials.lwa_client_id,
        client_secret=credentials.lwa_client_secret,
        refresh_token=credentials.refresh_token(store),
    )


def magento_client(cfg: AscConfig, credentials: MagentoCredentials) -> MagentoClient:
    if cfg.magento.auth == "integration_token":
        return MagentoClient.from_config(
            cfg.magento, token=credentials.token(cfg.magento.token_env)
        )
    return MagentoClient.from_config(
        cfg.magento, username=credentials.username, password=credentials.password
    )
