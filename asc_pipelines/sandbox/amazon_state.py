"""The live Amazon side of the sandbox: each store's listings, issues and orders as they evolve.

Built from the loaded world files. Listings stay rows of the original report (so a report can be
written back in the same header variant); the Listings Items API view (status, issues, dates) is
kept beside each row. Callers hold the sandbox lock while reading or changing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asc_pipelines.sandbox.listings_file import ListingsFile
from asc_pipelines.sandbox.open_dates import parse_open_date
from asc_pipelines.sandbox.world import AmazonWorld, Store, StoreData, parse_utc

if TYPE_CHECKING:
    from asc_pipelines.sandbox.listings_writes import PendingWrite

ACTIVE_STATUS = ["BUYABLE", "DISCOVERABLE"]


@dataclass
class Listing:
    """One seller SKU: its report row plus what the Listings Items API adds to it."""

    sku: str
    row: list[str]
    created: datetime
    last_updated: datetime
    status: list[str] | None  # explicit Listings API status; None = derived from the row
    issues: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StoreState:
    """One store's current Amazon data."""

    store: Store
    file: ListingsFile
    listings: dict[str, Listing]
    orders: dict[str, dict[str, Any]]  # AmazonOrderId -> v0 Order with its OrderItems
    evolved: bool = False  # once True, reports are written from the rows, not the raw file
    version: int = 0  # bumped by every evolution; keys the search cache below
    # searchListingsItems results (sorted matches) per (filters, version): paging through a
    # large store must not rescan every listing for each page.
    search_cache: dict[str, tuple[int, list[Listing]]] = field(default_factory=dict)
    # Accepted listing changes not yet applied, per seller SKU in submission order
    # (sandbox/listings_writes.py).
    pending_writes: dict[str, list[PendingWrite]] = field(default_factory=dict)

    def cell(self, listing: Listing, column: str) -> str:
        """A report cell of a listing (empty if this header variant lacks the column)."""
        return self.file.get(listing.row, column)

    def listing_status(self, listing: Listing) -> list[str]:
        """BUYABLE/DISCOVERABLE: explicit, else from the report ``status`` (Active/Inactive)."""
        if listing.status is not None:
            return list(listing.status)
        if not self.file.has("status"):
            return list(ACTIVE_STATUS)
        return list(ACTIVE_STATUS) if self.cell(listing, "status") == "Active" else []

    def report_bytes(self) -> bytes:
        """The GET_MERCHANT_LISTINGS_ALL_DATA file as of now (untouched file until evolved)."""
        return self.file.serialize() if self.evolved else self.file.raw


def _listing(data: StoreData, row: list[str], world_now: datetime) -> Listing:
    file = data.listings
    sku = file.get(row, "seller-sku")
    created = parse_open_date(file.get(row, "open-date")) or world_now
    extra = data.issues.get(sku, {})
    last_updated = parse_utc(extra["lastUpdatedDate"]) if "lastUpdatedDate" in extra else created
    status = list(extra["status"]) if "status" in extra else None
    return Listing(sku, row, created, last_updated, status, list(extra.get("issues", [])))


def build_store_state(data: StoreData, world_now: datetime) -> StoreState:
    """The starting state of a store from its files."""
    listings: dict[str, Listing] = {}
    for row in data.listings.rows:
        listing = _listing(data, row, world_now)
        if listing.sku and listing.sku not in listings:
            listings[listing.sku] = listing
    orders = {order["AmazonOrderId"]: order for order in data.orders}
    return StoreState(data.store, data.listings, listings, orders)


@dataclass
class AmazonState:
    """All stores, findable by id and by seller id."""

    stores: dict[str, StoreState]

    @classmethod
    def from_world(cls, world: AmazonWorld) -> AmazonState:
        """Fresh state from a loaded world."""
        return cls({sid: build_store_state(data, world.now) for sid, data in world.stores.items()})
