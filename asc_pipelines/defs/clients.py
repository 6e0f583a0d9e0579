"""Build the source clients for a tick from the config and the credentials resources."""

from __future__ import annotations

import hashlib
import threading

from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.defs.resources import AmazonCredentials, MagentoCredentials
from asc_pipelines.sources.magento import MagentoClient
from asc_pipelines.sources.spapi import SpApiClient

_SPAPI_CLIENTS: dict[tuple[object, ...], SpApiClient] = {}
_LOCK = threading.Lock()


def spapi_client(cfg: AscConfig, store: StoreConfig, credentials: AmazonCredentials) -> SpApiClient:
    """The store's SP-API client, shared by every asset of this process.

    Amazon's rate limits and LWA tokens belong to a selling partner, not to an asset: one client
    per store keeps one access token (not three per tick) and one set of buckets, so the listings,
    issues and orders assets of a run pace themselves together. The key holds a digest of the
    credentials, never the credentials themselves, so a rotated secret gets a new client.
    """
    refresh_token = credentials.refresh_token(store)
    digest = hashlib.sha256(
        "\0".join(
            [credentials.lwa_client_id, credentials.lwa_client_secret, refresh_token]
        ).encode()
    ).hexdigest()
    key = (store.id, store.spapi_endpoint, cfg.amazon, digest)
    with _LOCK:
        client = _SPAPI_CLIENTS.get(key)
        if client is None:
            client = SpApiClient.from_config(
                cfg.amazon,
                store,
                client_id=credentials.lwa_client_id,
                client_secret=credentials.lwa_client_secret,
                refresh_token=refresh_token,
            )
            _SPAPI_CLIENTS[key] = client
        return client


def magento_client(cfg: AscConfig, credentials: MagentoCredentials) -> MagentoClient:
    if cfg.magento.auth == "integration_token":
        return MagentoClient.from_config(
            cfg.magento, token=credentials.token(cfg.magento.token_env)
        )
    return MagentoClient.from_config(
        cfg.magento, username=credentials.username, password=credentials.password
    )
