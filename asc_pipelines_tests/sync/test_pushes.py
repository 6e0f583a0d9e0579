"""One store's sending loop (``sync/pushes.py``) with a stand-in Amazon client that looks at the
warehouse while it is being called: each change is committed as ``sent`` before its request
leaves, so a process killed during the call leaves nothing unrecorded."""

from __future__ import annotations

from typing import Any

from asc_pipelines.sources.spapi.listing_submissions import ListingSubmission
from asc_pipelines.sync.pushes import push_store
from asc_pipelines_tests.logic.test_outbox import LATER, tick, want
from asc_pipelines_tests.logic.tiny_warehouse import add_listing, store, warehouse


class WatchingAmazon:
    """Names a product type for every listing searched and answers ACCEPTED to every patch; at
    each patch, reads the outbox through another connection (which sees committed rows only)."""

    def __init__(self, other_connection: Any) -> None:
        self.other = other_connection
        self.seen: list[tuple[str, list[tuple[str, int]]]] = []
        self.patches: list[tuple[str, str, list[dict[str, Any]], bool]] = []

    def product_types(self, seller_id: str, marketplace_id: str, skus: list[str]) -> dict:
        return dict.fromkeys(skus, "HOME")

    def patch_listings_item(
        self, seller_id, sku, marketplace_id, product_type, patches, *, preview=False
    ) -> ListingSubmission:
        committed = self.other.execute(
            "SELECT status, attempts FROM core.listing_outbox WHERE seller_sku = ?", [sku]
        ).fetchall()
        self.seen.append((sku, committed))
        self.patches.append((sku, product_type, list(patches), preview))
        return ListingSubmission(sku=sku, status="ACCEPTED", submission_id=f"sub-{sku}")


def _another_connection(conn: Any) -> Any:
    """A second connection to the same warehouse: it sees only what ``conn`` committed."""
    [(database,)] = conn.execute("SELECT current_database()").fetchall()
    other = conn.cursor()
    other.execute(f"USE {database}")
    return other


def test_each_change_is_committed_as_sent_before_its_request_leaves() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    amazon = WatchingAmazon(_another_connection(conn))
    live = store("us", push={"mode": "live"})

    result = push_store(conn, live, amazon, paused=False, now=LATER, run_id="r1")

    assert amazon.seen == [("A", [("sent", 1)])]
    assert amazon.patches == [
        (
            "A",
            "HOME",
            [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
                }
            ],
            False,
        )
    ]
    assert (result.listings, result.accepted) == (1, 1)
    assert conn.execute("SELECT status, submission_id FROM core.listing_outbox").fetchall() == [
        ("accepted", "sub-A")
    ]
    assert conn.execute("SELECT product_type FROM core.listing_product_types").fetchall() == [
        ("HOME",)
    ]


def test_off_and_paused_stores_touch_nothing() -> None:
    conn = warehouse()
    add_listing(conn, "us", "A", price=10, quantity=5)
    want(conn, "A", quantity=7, price="10.00")
    tick(conn)
    amazon = WatchingAmazon(conn)

    off = push_store(conn, store("us"), amazon, paused=False, now=LATER, run_id="r1")
    paused = push_store(
        conn, store("us", push={"mode": "live"}), amazon, paused=True, now=LATER, run_id="r1"
    )

    assert (off.mode, paused.mode, amazon.patches) == ("off", "paused", [])
    assert conn.execute(
        "SELECT status, last_verdict, updated_at FROM core.listing_outbox"
    ).fetchall()[0][:2] == ("pending", None)
