"""Sandbox test fixtures: the tiny hand-written world and a sandbox serving it on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.worlds import build_tiny_world


@pytest.fixture
def tiny_world(tmp_path: Path) -> Path:
    """Two stores: us (Cp1252, 29 columns, issues, orders) and uk (UTF-8, 31 columns)."""
    return build_tiny_world(tmp_path / "world")


@pytest.fixture
def sandbox(tiny_world: Path) -> Iterator[SandboxServer]:
    """A deterministic sandbox: fixed clock, reports DONE at once, generous rate limits."""
    with SandboxServer(
        tiny_world, clock_mode="fixed", rate_scale=100.0, report_delay_seconds=0.0
    ) as server:
        yield server


def fetch_token(base_url: str, store_id: str) -> str:
    """An LWA access token for a store, obtained the way a client does."""
    response = requests.post(
        f"{base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token(store_id),
            "client_id": credentials.LWA_CLIENT_ID,
            "client_secret": credentials.LWA_CLIENT_SECRET,
        },
        timeout=5,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def spapi(sandbox: SandboxServer) -> Callable[..., requests.Response]:
    """Call the sandbox's SP-API as store ``us`` (or ``store=``): ``spapi("GET", path, ...)``."""
    tokens: dict[str, str] = {}

    def call(method: str, path: str, *, store: str = "us", **kwargs: object) -> requests.Response:
        if store not in tokens:
            tokens[store] = fetch_token(sandbox.base_url, store)
        headers = {"x-amz-access-token": tokens[store], **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return requests.request(
            method, sandbox.base_url + path, headers=headers, timeout=10, **kwargs
        )

    return call
