"""The Amazon side of a sandbox world, loaded from a world directory into memory.

A world is the sandbox's input: ``world.json`` (start time and the stores), and per store under
``amazon/<store_id>/`` the listings report file, optional listing issues and optional orders.
Magento files in the same directory are loaded by the Magento part, not here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asc_pipelines.constants import Marketplace, marketplace
from asc_pipelines.sandbox.listings_file import (
    CHARSET_CODECS,
    ListingsFile,
    detect_charset,
    parse_listings_file,
)


@dataclass(frozen=True)
class Store:
    """One Seller Central account in one marketplace (one LWA authorization)."""

    id: str
    marketplace: Marketplace
    seller_id: str
    website: str = "base"
    name: str = ""


@dataclass
class StoreData:
    """Everything Amazon knows about one store, as read from its files."""

    store: Store
    listings: ListingsFile
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku -> {status?, issues}
    orders: list[dict[str, Any]] = field(default_factory=list)  # v0 Orders with OrderItems


@dataclass
class AmazonWorld:
    """The loaded Amazon side: start time, stores in file order, optional catalog rows."""

    now: datetime
    stores: dict[str, StoreData]
    catalog: list[dict[str, str]] = field(default_factory=list)


def parse_utc(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC datetime (naive values are taken as UTC)."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _load_store(world_dir: Path, spec: dict[str, Any]) -> StoreData:
    store = Store(
        id=spec["id"],
        marketplace=marketplace(spec["marketplace"]),
        seller_id=spec["seller_id"],
        website=spec.get("website", "base"),
        name=spec.get("name", ""),
    )
    store_dir = world_dir / "amazon" / store.id
    raw = (store_dir / "listings.tsv").read_bytes()
    charset = spec.get("report_charset") or detect_charset(raw, store.marketplace.report_charset)
    if charset not in CHARSET_CODECS:
        raise ValueError(f"store {store.id}: unknown report_charset {charset!r}")
    issues = {entry["sku"]: entry for entry in _read_jsonl(store_dir / "issues.jsonl")}
    orders = _read_jsonl(store_dir / "orders.jsonl")
    return StoreData(store, parse_listings_file(raw, charset), issues, orders)


def load_world(world_dir: Path) -> AmazonWorld:
    """Read ``world.json`` and every store's Amazon files; raises on malformed input."""
    world_dir = Path(world_dir)
    spec = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    stores = {}
    for store_spec in spec.get("stores", []):
        data = _load_store(world_dir, store_spec)
        stores[data.store.id] = data
    catalog_path = world_dir / "amazon" / "catalog.csv"
    catalog = []
    if catalog_path.exists():
        catalog = list(csv.DictReader(io.StringIO(catalog_path.read_text(encoding="utf-8"))))
    return AmazonWorld(parse_utc(spec["now"]), stores, catalog)
