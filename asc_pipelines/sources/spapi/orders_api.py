"""Orders API v0: orders updated since a time, and each order's items (protocols.md 5).

Answers are wrapped in ``payload``; ``NextToken`` pages through both lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from asc_pipelines import constants
from asc_pipelines.sources.spapi.connection import SpApiConnection, format_iso, parse_iso

_ORDERS = "/orders/v0/orders"


@dataclass(frozen=True)
class OrdersPage:
    """One page of getOrders plus the window the server says it covered.

    ``watermark`` is where the next incremental fetch may start: the ``LastUpdatedBefore`` the
    server returned, or, when it returned none, the server time of the request minus the two
    minutes Amazon needs to settle recent updates (protocols.md 5.2).
    """

    orders: list[dict[str, Any]]
    last_updated_before: datetime | None
    requested_at: datetime
    next_token: str | None

    @property
    def watermark(self) -> datetime:
        if self.last_updated_before is not None:
            return self.last_updated_before
        return self.requested_at - timedelta(seconds=constants.ORDERS_BEFORE_MIN_AGE_SECONDS)


class OrdersApi(SpApiConnection):
    """The Orders API operations of one store's connection."""

    def iter_orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        max_results_per_page: int = constants.ORDERS_MAX_RESULTS_PER_PAGE,
    ) -> Iterator[OrdersPage]:
        """Orders updated after a time, page by page (``NextToken`` sent with the same filters).

        Without ``last_updated_before`` none is sent, so the request can never ask for the last
        two minutes Amazon forbids; the server's answer says how far it went
        (`OrdersPage.watermark`). A caller backfilling history passes an upper bound to fetch one
        window at a time; it must be at least two minutes before the server's now.
        """
        params: dict[str, Any] = {
            "MarketplaceIds": ",".join(marketplace_ids),
            "LastUpdatedAfter": format_iso(last_updated_after),
            "MaxResultsPerPage": max_results_per_page,
        }
        if last_updated_before is not None:
            params["LastUpdatedBefore"] = format_iso(last_updated_before)
        token: str | None = None
        while True:
            query = dict(params, NextToken=token) if token else params
            result = self._call("getOrders", "GET", _ORDERS, params=query)
            requested_at = self.server_now()
            payload = result.get("payload") or {}
            token = payload.get("NextToken") or None
            yield OrdersPage(
                orders=list(payload.get("Orders") or []),
                last_updated_before=parse_iso(payload.get("LastUpdatedBefore")),
                requested_at=requested_at,
                next_token=token,
            )
            if not token:
                return

    def get_order_items(self, order_id: str) -> list[dict[str, Any]]:
        """All items of one order (follows ``NextToken``)."""
        path = f"{_ORDERS}/{quote(order_id, safe='')}/orderItems"
        items: list[dict[str, Any]] = []
        params: dict[str, Any] | None = None
        while True:
            result = self._call("getOrderItems", "GET", path, params=params)
            payload = result.get("payload") or {}
            items.extend(payload.get("OrderItems") or [])
            token = payload.get("NextToken")
            if not token:
                return items
            params = {"NextToken": token}
