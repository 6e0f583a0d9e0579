"""Build the source clients for a tick from the config and the credentials resources, all
holding the tick's one `TickGuard` (deadline and circuit breakers)."""

from __future__ import annotations

import hashlib
import threading
from typing import Protocol

from asc_pipelines.config import AscConfig, StoreConfig
from asc_pipelines.sources.magento import MagentoClient
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.tick_guard import TickGuard


class AmazonCredentials(Protocol):
    """The app's LWA credentials and each store's refresh token (``defs.resources`` reads them
    from environment variables)."""

    lwa_client_id: str
    lwa_client_secret: str

    def refresh_token(self, store: StoreConfig) -> str: ...


class MagentoCredentials(Protocol):
    """The Magento admin's user name and password, or an integration token by variable name."""

    username: str
    password: str

    def token(self, env_name: str) -> str: ...


_SPAPI_CLIENTS: dict[tuple[object, ...], SpApiClient] = {}
_GUARDS: dict[str, TickGuard] = {}
_LOCK = threading.Lock()


def tick_guard(run_id: str, cfg: AscConfig) -> TickGuard:
    """The guard of the tick (run) ``run_id``: made by the run's first fetching asset, so the
    deadline counts from the tick's first request, and shared by every later one."""
    with _LOCK:
        guard = _GUARDS.get(run_id)
        if guard is None:
            _GUARDS.clear()  # one tick at a time per process; an older tick's guard is done
            guard = _GUARDS[run_id] = TickGuard(cfg.tick.deadline_seconds)
        return guard


def spapi_client(
    cfg: AscConfig, store: StoreConfig, credentials: AmazonCredentials, guard: TickGuard
) -> SpApiClient:
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
        client.use_guard(guard)
        return client


def magento_client(
    cfg: AscConfig, credentials: MagentoCredentials, guard: TickGuard
) -> MagentoClient:
    if cfg.magento.auth == "integration_token":
        return MagentoClient.from_config(
            cfg.magento, token=credentials.token(cfg.magento.token_env), guard=guard
        )
    return MagentoClient.from_config(
        cfg.magento, username=credentials.username, password=credentials.password, guard=guard
    )
