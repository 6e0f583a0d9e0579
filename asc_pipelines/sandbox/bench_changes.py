"""Change a given share of the catalog at once, for ``asc bench`` (``POST /_sandbox/change``).

``advance`` lets the world live a few minutes (a handful of sales and price moves, however large
the catalog); a benchmark needs the opposite: "1 % of the products changed since the last tick",
spread over every kind of change an incremental sync must catch, so that the cost of a tick can be
compared with the size of the change. ``change_products`` picks ``round(rate x products)``
distinct Magento products (at least one) and changes each in one of these ways:

- ``magento_price``: the merchant reprices it; its ``updated_at`` moves;
- ``magento_stock``: the warehouse sells or restocks it (its ``default`` source item's quantity,
  and status when it sells out or comes back); ``updated_at`` does NOT move, as in a real Magento,
  so only the source items show it;
- ``magento_status``: the merchant disables an enabled product or enables a disabled one;
  ``updated_at`` moves;
- ``magento_website``: the merchant removes it from one of its websites (or, when it is in none,
  adds it to one); ``updated_at`` moves;
- ``amazon_price`` / ``amazon_quantity``: in one store listing the product's SKU, the listing's
  price, or its merchant-fulfilled quantity, changes (edited in Seller Central); its
  ``lastUpdatedDate`` moves, so ``searchListingsItems`` with ``lastUpdatedAfter`` finds it, and
  the next listings report shows it;
- ``amazon_delete``: in one store the listing is deleted: it leaves the report and the Listings
  Items API.

A product a kind cannot apply to is changed another way instead, so exactly the asked number of
products change: a product no store lists gets a Magento kind (drawn in the Magento kinds'
proportions), an Amazon listing without a merchant quantity gets a price change and the other way
round, a product without a source item (a configurable parent) or a website to leave gets a price
change, and one without a price a status change. Prices changed globally can be hidden at a
store view that has its own price (website price scope), as in Magento. Everything is stamped
with the sandbox clock's current time; the clock itself does not move (the benchmark moves it
with ``advance``). The random choices come only from ``(seed, n)`` where ``n`` counts the calls,
so the same seed and the same sequence of calls always change the same products in the same way.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from asc_pipelines.constants import FBM_CHANNEL, MAGENTO_STATUS_DISABLED, MAGENTO_STATUS_ENABLED
from asc_pipelines.sandbox.amazon_state import AmazonState, Listing, StoreState
from asc_pipelines.sandbox.evolve import report_decimal
from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sandbox.magento_catalog import MagentoCatalog

# Kinds of change and how often each is drawn (weights, not percentages of anything else).
CHANGE_KINDS: dict[str, int] = {
    "magento_price": 30,
    "magento_stock": 30,
    "magento_status": 5,
    "magento_website": 5,
    "amazon_price": 14,
    "amazon_quantity": 14,
    "amazon_delete": 2,
}
AMAZON_KINDS = frozenset({"amazon_price", "amazon_quantity", "amazon_delete"})
MAGENTO_KINDS = {kind: weight for kind, weight in CHANGE_KINDS.items() if kind not in AMAZON_KINDS}
PRICE_STEPS = (-0.05, -0.02, 0.02, 0.05)


@dataclass(frozen=True)
class ChangeRequest:
    """What ``POST /_sandbox/change`` asks for: a share of the products, an optional seed, and
    whether to list every changed SKU in the answer."""

    rate: float
    seed: int | None = None
    details: bool = False

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ChangeRequest:
        """Read a request body; ValueError naming the key when a value is missing or wrong."""
        rate = body.get("rate")
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ValueError(f"rate: a number above 0 and at most 1 is required, not {rate!r}")
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed: an integer is required, not {seed!r}")
        details = body.get("details", False)
        if not isinstance(details, bool):
            raise ValueError(f"details: true or false, not {details!r}")
        return cls(check_rate(rate), seed, details)


def check_rate(rate: float) -> float:
    """The rate if it is above 0 and at most 1; ValueError naming ``rate`` otherwise."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        raise ValueError(f"rate: a number above 0 and at most 1 is required, not {rate!r}")
    return float(rate)


@dataclass
class ChangeSummary:
    """What one call changed: counts per kind, and (sku, store) per kind for ``details``."""

    number: int  # the call's number (1 for the first), part of its random stream
    seed: int
    rate: float
    now: datetime
    products: int  # Magento products in the catalog
    changed: dict[str, list[tuple[str, str | None]]] = field(
        default_factory=lambda: {kind: [] for kind in CHANGE_KINDS}
    )

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """The answer of ``POST /_sandbox/change``."""
        answer: dict[str, Any] = {
            "change": self.number,
            "seed": self.seed,
            "rate": self.rate,
            "now": self.now.isoformat(),
            "products": self.products,
            "changed_products": sum(len(done) for done in self.changed.values()),
            "kinds": {kind: len(done) for kind, done in self.changed.items()},
            "amazon_stores": dict(
                sorted(
                    Counter(
                        store
                        for kind in AMAZON_KINDS
                        for _, store in self.changed[kind]
                        if store is not None
                    ).items()
                )
            ),
        }
        if details:
            answer["details"] = {
                kind: [
                    {"sku": sku} if store is None else {"sku": sku, "store": store}
                    for sku, store in done
                ]
                for kind, done in self.changed.items()
            }
        return answer


def change_products(
    amazon: AmazonState,
    magento: MagentoSandbox,
    *,
    rate: float,
    seed: int,
    number: int,
    now: datetime,
) -> ChangeSummary:
    """Change ``round(rate x products)`` products (at least one) as the module docstring says.

    ``number`` is this call's place in the sequence of calls (1, 2, ...). The caller holds the
    sandbox lock; Magento requests wait while the store changes."""
    rate = check_rate(rate)
    summary = ChangeSummary(number, seed, rate, now, len(magento.catalog))
    with magento.changing():
        catalog = magento.catalog
        if not len(catalog):
            return summary
        rng = random.Random(f"asc-sandbox-change:{seed}:{number}")
        count = min(len(catalog), max(1, round(rate * len(catalog))))
        rows = rng.sample(range(len(catalog)), count)
        kinds = rng.choices(list(CHANGE_KINDS), weights=list(CHANGE_KINDS.values()), k=count)
        change = _Change(amazon, catalog, rng, int(now.timestamp()), now)
        for row, kind in zip(rows, kinds, strict=True):
            done, store = change.apply(row, kind)
            summary.changed[done].append((catalog.sku[row], store))
        change.finish()
    return summary


class _Change:
    """One call's changes, applied product by product; deletions are applied in ``finish``."""

    def __init__(
        self,
        amazon: AmazonState,
        catalog: MagentoCatalog,
        rng: random.Random,
        at: int,
        now: datetime,
    ) -> None:
        self.amazon = amazon
        self.catalog = catalog
        self.rng = rng
        self.at = at  # Magento's updated_at: epoch seconds
        self.now = now
        self.deleted: dict[str, list[Listing]] = {}

    def apply(self, row: int, kind: str) -> tuple[str, str | None]:
        """Change product ``row`` the ``kind`` way, or another way when that one cannot apply;
        returns the kind done and the Amazon store changed (None for Magento kinds)."""
        if kind in AMAZON_KINDS:
            done = self._amazon(row, kind)
            if done is not None:
                return done
            # Not listed on Amazon: a Magento change instead, in the Magento kinds' proportions.
            kind = self.rng.choices(list(MAGENTO_KINDS), weights=list(MAGENTO_KINDS.values()))[0]
        if kind == "magento_stock" and self._stock(row):
            return kind, None
        if kind == "magento_website" and self._website(row):
            return kind, None
        if kind != "magento_status" and self._price(row):
            return "magento_price", None
        self._status(row)
        return "magento_status", None

    # -- Magento -----------------------------------------------------------------------------

    def _price(self, row: int) -> bool:
        c = self.catalog
        old = c.price[row]
        if math.isnan(old):
            return False
        new = max(0.01, round(old * (1 + self.rng.choice(PRICE_STEPS)), 2))
        if new == old:
            new = round(old + 0.01, 2)
        c.price[row] = new
        c.updated_at[row] = self.at
        return True

    def _stock(self, row: int) -> bool:
        items = self.catalog.source_items
        at = items.default_row[row] if row < len(items.default_row) else -1
        if at < 0:
            return False
        quantity = int(items.quantity[at]) if items.status[at] else 0
        if quantity <= 0:
            items.quantity[at] = max(0.0, items.quantity[at]) + self.rng.randint(5, 50)
            items.status[at] = 1
        elif self.rng.random() < 0.2:
            items.quantity[at] = 0
            items.status[at] = 0
        else:
            items.quantity[at] -= self.rng.randint(1, min(3, quantity))
            if items.quantity[at] <= 0:
                items.status[at] = 0
        return True

    def _status(self, row: int) -> None:
        c = self.catalog
        enabled = c.status[row] == MAGENTO_STATUS_ENABLED
        c.status[row] = MAGENTO_STATUS_DISABLED if enabled else MAGENTO_STATUS_ENABLED
        c.updated_at[row] = self.at

    def _website(self, row: int) -> bool:
        c = self.catalog
        sites = c.website_ids[row]
        if sites:
            gone = self.rng.choice(sites)
            c.website_ids[row] = tuple(site for site in sites if site != gone)
        elif c.websites:
            c.website_ids[row] = (self.rng.choice(c.websites).id,)
        else:
            return False
        c.updated_at[row] = self.at
        return True

    # -- Amazon ------------------------------------------------------------------------------

    def _amazon(self, row: int, kind: str) -> tuple[str, str] | None:
        sku = self.catalog.sku[row]
        stores = [
            store_id
            for store_id in sorted(self.amazon.stores)
            if sku in self.amazon.stores[store_id].listings
        ]
        if not stores:
            return None
        store_id = self.rng.choice(stores)
        state = self.amazon.stores[store_id]
        listing = state.listings[sku]
        if kind == "amazon_delete":
            self.deleted.setdefault(store_id, []).append(listing)
            return kind, store_id
        order = ("amazon_quantity", "amazon_price")
        for attempt in order if kind == "amazon_quantity" else reversed(order):
            changed = (
                _listing_quantity(state, listing, self.rng)
                if attempt == "amazon_quantity"
                else _listing_price(state, listing, self.rng)
            )
            if changed:
                listing.last_updated = self.now
                state.evolved = True
                state.version += 1
                return attempt, store_id
        return None

    def finish(self) -> None:
        """Take the deleted listings out of their stores (one pass over each store's rows)."""
        for store_id, listings in self.deleted.items():
            state = self.amazon.stores[store_id]
            gone = {id(listing.row) for listing in listings}
            for listing in listings:
                state.listings.pop(listing.sku, None)
            state.file.rows = [row for row in state.file.rows if id(row) not in gone]
            state.evolved = True
            state.version += 1


def _listing_price(state: StoreState, listing: Listing, rng: random.Random) -> bool:
    old = report_decimal(state.cell(listing, "price"))
    if not old:
        return False
    step = Decimal(str(rng.choice(PRICE_STEPS)))
    new = max(Decimal("0.01"), (old * (1 + step)).quantize(Decimal("0.01")))
    if new == old:
        new = old + Decimal("0.01")
    state.file.set(listing.row, "price", f"{new:.2f}")
    return True


def _listing_quantity(state: StoreState, listing: Listing, rng: random.Random) -> bool:
    """A merchant-fulfilled listing in stock gets more or fewer units, never none: whether a
    listing is buyable is Amazon's to decide, not this benchmark's, so its status stays."""
    text = state.cell(listing, "quantity").strip()
    is_fbm = (state.cell(listing, "fulfillment-channel") or FBM_CHANNEL) == FBM_CHANNEL
    if not is_fbm or not text.isdigit() or int(text) <= 0:
        return False
    old = int(text)
    new = old + rng.randint(1, 20) if old <= 3 else old - rng.randint(1, min(old - 1, 5))
    state.file.set(listing.row, "quantity", str(new))
    return True
