"""Point the pipeline at a running sandbox: the ``asc.yaml`` it needs and the variables it reads.

The sandbox's credentials are public dummy values (``sandbox/credentials.py``); they are written
into the config's ``env_defaults`` so ``asc sync --config FILE`` works in the same shell, and
printed as ``export`` lines for other tools. A real deployment sets the variables itself.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from asc_pipelines.config import (
    LWA_CLIENT_ID_ENV,
    LWA_CLIENT_SECRET_ENV,
    MAGENTO_PASSWORD_ENV,
    MAGENTO_USERNAME_ENV,
    PUSH_MODES,
    _is_loopback,
    default_refresh_token_env,
)
from asc_pipelines.constants import marketplace
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.magento_stores import price_settings, read_stores_file
from asc_pipelines.warehouse.publish import readable_files
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, WAREHOUSE_FILE
from asc_pipelines.warehouse.source_clock import latest_recorded_tick

if TYPE_CHECKING:
    from asc_pipelines.sandbox.clock import SandboxClock


def world_stores(world_dir: Path) -> list[dict[str, Any]]:
    """The stores a world declares in its ``world.json``."""
    world = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    return list(world["stores"])


def sandbox_env(stores: list[dict[str, Any]]) -> dict[str, str]:
    """The environment variables (name → sandbox value) the pipeline reads for these stores."""
    env = {
        LWA_CLIENT_ID_ENV: credentials.LWA_CLIENT_ID,
        LWA_CLIENT_SECRET_ENV: credentials.LWA_CLIENT_SECRET,
        MAGENTO_USERNAME_ENV: credentials.MAGENTO_ADMIN_USERNAME,
        MAGENTO_PASSWORD_ENV: credentials.MAGENTO_ADMIN_PASSWORD,
    }
    for store in stores:
        env[default_refresh_token_env(store["id"])] = credentials.refresh_token(store["id"])
    return env


def sandbox_config(
    world_dir: Path,
    base_url: str,
    *,
    rate_scale: float = 1.0,
    report_wait_seconds: float = 60.0,
    report_poll_seconds: float = 0.5,
    push_mode: str = "off",
    publish: bool = False,
) -> dict[str, Any]:
    """An ``asc.yaml`` (as a dict) pointing every store and Magento at the sandbox.

    ``push_mode`` other than ``off`` writes ``push: {mode: ...}`` for every store, so the demo
    can change the sandbox's listings and show them confirmed, and ``publish`` adds
    ``publish: true`` (Ready to List products listed); both are refused unless ``base_url`` is
    on this machine (only a local sandbox is ever sent changes this way), and ``publish`` needs
    a ``push_mode`` other than ``off``.
    """
    if push_mode not in PUSH_MODES:
        raise ValueError(f"push mode must be one of {', '.join(PUSH_MODES)}, not {push_mode!r}")
    if push_mode != "off" and not _is_loopback(base_url):
        raise ValueError(
            f"push mode {push_mode!r} is only written for a sandbox on this machine, not {base_url}"
        )
    if publish and push_mode == "off":
        raise ValueError("publishing needs a push mode other than off")
    push = {"push": {"mode": push_mode}} if push_mode != "off" else {}
    if publish:
        push["push"]["publish"] = True
    stores = world_stores(world_dir)
    # A world whose magento/stores.json makes prices per website, or in another currency than
    # a store's marketplace, is read that way (a world without it: nothing added).
    prices = read_stores_file(world_dir / "magento")
    magento: dict[str, Any] = {"base_url": base_url, "store_code": "all"}
    if prices.get("price_scope") == "website":
        magento["price_scope"] = "website"
    price = {
        s["id"]: price_settings(
            prices, s.get("website", "base"), marketplace(s["marketplace"]).currency
        )
        for s in stores
    }
    return {
        "stores": [
            {
                "id": s["id"],
                "marketplace": s["marketplace"],
                "seller_id": s["seller_id"],
                "website": s.get("website", "base"),
                **({"name": s["name"]} if s.get("name") else {}),
                "endpoint": base_url,
                **push,
                **({"price": price[s["id"]]} if price[s["id"]] else {}),
            }
            for s in stores
        ],
        "amazon": {
            "lwa_token_url": f"{base_url}/auth/o2/token",
            "rate_scale": rate_scale,
            "report_wait_seconds": report_wait_seconds,
            "report_poll_seconds": report_poll_seconds,
            "backoff_base_seconds": 0.2,
            # A sandbox world is small: take its whole order history in the first tick.
            "orders_window_days": 31,
        },
        "magento": magento,
        "env_defaults": sandbox_env(stores),
    }


def write_sandbox_config(path: Path, world_dir: Path, base_url: str, **options: Any) -> Path:
    """Write the sandbox ``asc.yaml`` to ``path`` and return it."""
    config = sandbox_config(world_dir, base_url, **options)
    header = (
        "# Written by `asc sandbox serve --write-config`: every store and Magento point at the\n"
        "# local sandbox. env_defaults holds the sandbox's public dummy credentials; a real\n"
        "# deployment removes it and sets these environment variables itself.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def last_recorded_tick(data_dir: Path) -> datetime | None:
    """The latest tick a data directory has recorded, by the sources' clock, from the private
    file and the analysts' copy (whichever can be opened; a file being written is skipped)."""
    latest: datetime | None = None
    for conn in readable_files(data_dir, (WAREHOUSE_FILE, PUBLISHED_FILE)):
        tick = latest_recorded_tick(conn)
        if tick is not None and (latest is None or tick > latest):
            latest = tick
    return latest


def continue_clock(clock: SandboxClock, data_dir: Path, gap_minutes: float) -> datetime | None:
    """Move a freshly started sandbox's clock to ``gap_minutes`` after the data directory's last
    tick, when it is behind it: the world's ``now`` is when it was generated, and a pipeline that
    has already ticked it must never see time run backwards. Returns the new time, or None when
    the clock was already ahead (or nothing was recorded)."""
    last = last_recorded_tick(data_dir)
    if last is None:
        return None
    target = last + timedelta(minutes=gap_minutes)
    behind = (target - clock.now()).total_seconds()
    if behind <= 0:
        return None
    return clock.advance(behind)
