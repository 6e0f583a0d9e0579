"""One store's publishing loop (``sync/publishing.py``) with a stand-in Amazon client that looks at
the warehouse while it is being called: each offer is committed as ``sent`` before its put
leaves, carries the catalog's product type (``PRODUCT`` when the catalog names none), and nothing
is called without ``publish``, when paused, or in ``dry_run``."""

from __future__ import annotations

from typing import Any

from asc_pipelines.config import PushSettings
from asc_pipelines.sources.errors import SpApiError
from asc_pipelines.sources.spapi.listing_submissions import ListingSubmission
from asc_pipelines.sync.publishing import publish_store
from asc_pipelines_tests.logic.test_outbox import LATER
from asc_pipelines_tests.logic.test_publishing import ASIN, ready, tick
from asc_pipelines_tests.logic.tiny_warehouse import store, warehouse


class WatchingAmazon:
    """Answers searchCatalogItems with a product type for ASINs it knows and ACCEPTED to every
    put; at each put, reads the outbox through another connection (committed rows only)."""

    def __init__(self, other_connection: Any, product_types: dict[str, str]) -> None:
        self.other = other_connection
        self.product_types = product_types
        self.searches: list[list[str]] = []
        self.seen: list[tuple[str, list[tuple[str, int]]]] = []
        self.puts: list[tuple[str, str, str, dict[str, Any], bool]] = []
        self.catalog_fails = False

    def search_catalog_items(
        self, marketplace_id: str, identifiers: list[str], identifiers_type: str, **_: Any
    ) -> list[dict[str, Any]]:
        assert identifiers_type == "ASIN"
        self.searches.append(list(identifiers))
        if self.catalog_fails:
            raise SpApiError("searchCatalogItems", 503, "ServiceUnavailable", "try later")
        return [
            {"asin": asin, "productTypes": [{"marketplaceId": marketplace_id, "productType": t}]}
            for asin, t in self.product_types.items()
            if asin in identifiers
        ]

    def put_listings_item(
        self, seller_id, sku, marketplace_id, product_type, requirements, attributes, *, preview
    ) -> ListingSubmission:
        committed = self.other.execute(
            "SELECT status, attempts FROM core.listing_outbox WHERE seller_sku = ?", [sku]
        ).fetchall()
        self.seen.append((sku, committed))
        self.puts.append((sku, product_type, requirements, attributes, preview))
        return ListingSubmission(sku=sku, status="ACCEPTED", submission_id=f"sub-{sku}")


def _another_connection(conn: Any) -> Any:
    """A second connection to the same warehouse: it sees only what ``conn`` committed."""
    [(database,)] = conn.execute("SELECT current_database()").fetchall()
    other = conn.cursor()
    other.execute(f"USE {database}")
    return other


def _world(*skus_and_asins: tuple[str, str]) -> Any:
    conn = warehouse()
    for sku, asin in skus_and_asins:
        ready(conn, sku, asin=asin)
    tick(conn)
    return conn


def _publishing(mode: str = "live", **settings: Any) -> Any:
    return store("us", push=PushSettings(mode=mode, publish=True, **settings))


def test_each_offer_is_committed_as_sent_before_its_put_leaves_with_the_catalogs_type() -> None:
    conn = _world(("P1", ASIN), ("P2", "B000000002"))
    amazon = WatchingAmazon(_another_connection(conn), {ASIN: "HOME"})

    result = publish_store(
        conn, _publishing(), amazon, paused=False, limit=10, now=LATER, run_id="r1"
    )

    assert amazon.searches == [[ASIN, "B000000002"]]  # one look-up for both
    assert amazon.seen == [("P1", [("sent", 1)]), ("P2", [("sent", 1)])]
    assert [(sku, kind, req, preview) for sku, kind, req, _, preview in amazon.puts] == [
        ("P1", "HOME", "LISTING_OFFER_ONLY", False),
        ("P2", "PRODUCT", "LISTING_OFFER_ONLY", False),  # the catalog named none
    ]
    assert amazon.puts[0][3] == {
        "merchant_suggested_asin": [{"value": ASIN, "marketplace_id": "ATVPDKIKX0DER"}],
        "condition_type": [{"value": "new_new", "marketplace_id": "ATVPDKIKX0DER"}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
        "purchasable_offer": [
            {
                "marketplace_id": "ATVPDKIKX0DER",
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
            }
        ],
    }
    assert (result.offers, result.accepted) == (2, 2)
    assert conn.execute(
        "SELECT DISTINCT status, submission_id IS NOT NULL FROM core.listing_outbox"
    ).fetchall() == [("accepted", True)]


def test_at_most_the_limit_is_put() -> None:
    conn = _world(("P1", ASIN), ("P2", ASIN), ("P3", ASIN))
    amazon = WatchingAmazon(_another_connection(conn), {})

    result = publish_store(
        conn, _publishing(), amazon, paused=False, limit=2, now=LATER, run_id="r1"
    )

    assert [put[0] for put in amazon.puts] == ["P1", "P2"] and result.offers == 2


def test_a_failed_catalog_look_up_sends_nothing_and_counts_no_attempt() -> None:
    conn = _world(("P1", ASIN))
    amazon = WatchingAmazon(_another_connection(conn), {ASIN: "HOME"})
    amazon.catalog_fails = True

    result = publish_store(
        conn, _publishing(), amazon, paused=False, limit=10, now=LATER, run_id="r1"
    )

    assert amazon.puts == [] and result.failed_calls == 1 and result.stopped
    assert conn.execute("SELECT status, attempts FROM core.listing_outbox").fetchall() == [
        ("pending", 0)
    ]
    assert conn.execute("SELECT operation, http_status FROM raw.api_errors").fetchall() == [
        ("searchCatalogItems", 503)
    ]


def test_preview_puts_in_validation_preview_and_leaves_the_offer_pending() -> None:
    conn = _world(("P1", ASIN))
    amazon = WatchingAmazon(_another_connection(conn), {})

    publish_store(
        conn, _publishing("preview"), amazon, paused=False, limit=10, now=LATER, run_id="r1"
    )

    assert [put[4] for put in amazon.puts] == [True]
    assert amazon.seen == [("P1", [("pending", 0)])]  # a preview is not a send
    assert conn.execute("SELECT status, checked_mode FROM core.listing_outbox").fetchall() == [
        ("pending", "preview")
    ]


def test_without_publish_when_paused_or_off_nothing_is_called_and_dry_run_only_records() -> None:
    conn = _world(("P1", ASIN))
    amazon = WatchingAmazon(_another_connection(conn), {})
    not_publishing = store("us", push=PushSettings(mode="live"))

    runs = [
        publish_store(conn, not_publishing, amazon, paused=False, limit=10, now=LATER, run_id="r"),
        publish_store(conn, _publishing(), amazon, paused=True, limit=10, now=LATER, run_id="r"),
        publish_store(
            conn, _publishing("off"), amazon, paused=False, limit=10, now=LATER, run_id="r"
        ),
    ]
    untouched = conn.execute("SELECT status, last_verdict FROM core.listing_outbox").fetchall()
    dry = publish_store(
        conn, _publishing("dry_run"), None, paused=False, limit=10, now=LATER, run_id="r"
    )

    assert [run.mode for run in runs] == ["not publishing", "paused", "off"]
    assert [run.offers for run in runs] == [0, 0, 0] and untouched == [("pending", None)]
    assert amazon.searches == [] and amazon.puts == []
    assert dry.offers == 1
    [(status, verdict, request)] = conn.execute(
        "SELECT status, last_verdict, last_request FROM core.listing_outbox"
    ).fetchall()
    assert (status, verdict) == ("pending", "WOULD_SEND")
    assert '"requirements": "LISTING_OFFER_ONLY"' in request and ASIN in request
