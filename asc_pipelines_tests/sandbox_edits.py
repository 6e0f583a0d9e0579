"""Change the sandbox's Amazon by hand, as a seller in Seller Central would, between ticks."""

from __future__ import annotations

from typing import Any


def edit_listing(
    server: Any, store_id: str, seller_sku: str, *, status: str | None = None, **cells: str
) -> None:
    """Set report cells of one listing (``status="Inactive"`` closes it, ``quantity="3"``...)."""
    app = server.app
    with app.lock:
        state = app.amazon.stores[store_id]
        listing = state.listings[seller_sku]
        if status is not None:
            state.file.set(listing.row, "status", status)
            listing.status = [] if status == "Inactive" else None
        for column, value in cells.items():
            state.file.set(listing.row, column, value)
        listing.last_updated = app.clock.now()
        state.evolved = True
        state.version += 1
