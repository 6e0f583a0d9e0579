"""New listings of Ready to List products (issue 11, section 3, ``push.publish``) on a tiny
warehouse: the outbox's ``offer`` rows (queued only for stores that publish, refused before
sending for a seller SKU Amazon would not take, confirmed by a snapshot, superseded when the
product no longer waits to be listed) and what ``logic/publishing.py`` sends and records."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import duckdb

from asc_pipelines.config import PushSettings
from asc_pipelines.logic.outbox import PRIORITY_OFFER, OutboxTick, refresh_outbox
from asc_pipelines.logic.publishing import (
    NewOffer,
    offers_to_send,
)
from asc_pipelines.logic.pushes import (
    Verdict,
    record_answer,
    record_dry_run,
    record_failure,
    record_sending,
)
from asc_pipelines.logic.sync_issues import ensure_sync_issue_schema, refresh_sync_issues
from asc_pipelines.sync.publishing import put_body
from asc_pipelines_tests.logic.test_outbox import LATER, TOLERANCE, want
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, store, warehouse

PUBLISH = {"us": PushSettings(publish=True)}
ASIN = "B000000001"


def ready(
    conn: duckdb.DuckDBPyConnection,
    magento_sku: str,
    *,
    asin: str | None = ASIN,
    quantity: int = 4,
    price: str | None = "19.99",
    condition: str = "new_new",
    store_id: str = "us",
) -> None:
    """A Ready to List row of ``core.desired_listings`` (replacing any earlier one)."""
    conn.execute(
        "DELETE FROM core.desired_listings WHERE store_id = ? AND magento_sku = ?",
        [store_id, magento_sku],
    )
    conn.execute(
        "INSERT INTO core.desired_listings (store_id, seller_sku, magento_sku, asin, status, "
        "fulfillment_channel, quantity, currency, price, condition_type, computed_at) "
        "VALUES (?, NULL, ?, ?, 'ready_to_list', 'DEFAULT', ?, 'USD', ?, ?, ?)",
        [
            store_id,
            magento_sku,
            asin,
            quantity,
            None if price is None else Decimal(price),
            condition,
            NOW,
        ],
    )


def tick(
    conn: duckdb.DuckDBPyConnection,
    now: datetime = NOW,
    push: dict[str, PushSettings] | None = PUBLISH,
) -> OutboxTick:
    """One refresh of the outbox; ``us`` publishes unless told otherwise."""
    return refresh_outbox(conn, now=now, price_tolerance=TOLERANCE, push=push)


def offers(conn: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT seller_sku, value, status, priority FROM core.listing_outbox "
        "WHERE attribute = 'offer' ORDER BY seller_sku, first_seen_at"
    ).fetchall()


def test_ready_to_list_products_with_an_asin_a_price_and_stock_are_offers() -> None:
    conn = warehouse()
    ready(conn, "P1", asin=" b000000001 ")
    ready(conn, "NOASIN", asin=None)
    ready(conn, "NOPRICE", price=None)  # withheld
    ready(conn, "NOSTOCK", quantity=0)
    ready(conn, "UK1", store_id="uk")  # uk does not publish
    add_listing(conn, "us", "L1", price=10, quantity=5)
    want(conn, "L1", quantity=7, price="10.00")

    result = tick(conn)

    assert offers(conn) == [("P1", "B000000001", "pending", PRIORITY_OFFER)]
    assert PRIORITY_OFFER == 3
    assert result.queued == 2  # the offer and L1's quantity
    [(amazon_value,)] = conn.execute(
        "SELECT amazon_value FROM core.listing_outbox WHERE attribute = 'offer'"
    ).fetchall()
    assert amazon_value is None


def test_nothing_is_queued_without_publish_and_turning_it_off_supersedes() -> None:
    conn = warehouse()
    ready(conn, "P1")

    tick(conn, push={"us": PushSettings(mode="live")})
    assert offers(conn) == []
    tick(conn, push=None)  # a store not named gets the defaults
    assert offers(conn) == []

    tick(conn)
    tick(conn, LATER, push={"us": PushSettings(mode="live", publish=False)})
    assert offers(conn) == [("P1", ASIN, "superseded", PRIORITY_OFFER)]


def test_an_offer_is_superseded_when_the_product_no_longer_waits_and_other_rows_stay() -> None:
    conn = warehouse()
    ready(conn, "P1")
    ready(conn, "P2")
    add_listing(conn, "us", "L1", price=10, quantity=5)
    want(conn, "L1", quantity=7, price="10.00")
    tick(conn)

    ready(conn, "P1", asin="B000000002")  # another ASIN: a new offer
    conn.execute("DELETE FROM core.desired_listings WHERE magento_sku = 'P2'")  # listed elsewhere
    tick(conn, LATER)

    assert offers(conn) == [
        ("P1", ASIN, "superseded", 3),
        ("P1", "B000000002", "pending", 3),
        ("P2", ASIN, "superseded", 3),
    ]
    # The listing's own change is not an offer's business.
    assert conn.execute(
        "SELECT status FROM core.listing_outbox WHERE seller_sku = 'L1'"
    ).fetchall() == [("pending",)]


def test_an_offer_is_confirmed_when_a_snapshot_shows_its_sku_on_its_asin() -> None:
    conn = warehouse()
    ready(conn, "P1")
    tick(conn)
    conn.execute("UPDATE core.listing_outbox SET status = 'accepted', sent_at = ?", [NOW])

    # Listed: the snapshot shows it, and the product is matched now (no longer Ready to List).
    add_listing(conn, "us", "P1", asin=ASIN, price=19.99, quantity=4, snapshot_at=LATER)
    conn.execute("DELETE FROM core.desired_listings WHERE magento_sku = 'P1'")
    result = tick(conn, LATER)

    assert result.confirmed == 1
    assert offers(conn) == [("P1", ASIN, "confirmed", 3)]
    [(confirmed_at,)] = conn.execute("SELECT confirmed_at FROM core.listing_outbox").fetchall()
    assert confirmed_at == LATER


def test_an_accepted_offer_no_snapshot_shows_is_pending_again_after_the_window() -> None:
    conn = warehouse()
    ready(conn, "P1")
    add_listing(conn, "us", "OTHER", price=10, quantity=5)  # the store's snapshot
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'accepted', attempts = 1, sent_at = ?", [NOW]
    )
    settings = {"us": PushSettings(publish=True, resend_after_minutes=30)}

    conn.execute("UPDATE raw.amazon_listings SET snapshot_at = ?", [NOW + timedelta(minutes=29)])
    tick(conn, NOW + timedelta(minutes=29), push=settings)
    too_early = offers(conn)[0][2]
    conn.execute("UPDATE raw.amazon_listings SET snapshot_at = ?", [NOW + timedelta(minutes=31)])
    tick(conn, NOW + timedelta(minutes=31), push=settings)

    assert too_early == "accepted"
    assert offers(conn) == [("P1", ASIN, "pending", 3)]


def test_a_sku_amazon_would_not_take_is_refused_before_sending_with_its_reason() -> None:
    conn = warehouse()
    long_sku = "X" * 41
    ready(conn, long_sku)
    ready(conn, "X" * 40, asin="B000000003")
    ready(conn, "TAKEN")
    add_listing(conn, "us", "TAKEN", asin="B000000009", price=5, quantity=1)
    ready(conn, " SPACED")

    tick(conn)

    rows = conn.execute(
        "SELECT seller_sku, status, last_verdict, last_issues, amazon_value "
        "FROM core.listing_outbox WHERE attribute = 'offer' ORDER BY seller_sku"
    ).fetchall()
    by_sku = {row[0]: row[1:] for row in rows}
    assert by_sku["X" * 40][:2] == ("pending", None)
    status, verdict, reason, _ = by_sku[long_sku]
    assert (status, verdict) == ("invalid", "REFUSED") and "41 characters" in reason
    assert "at most 40" in reason
    status, verdict, reason, amazon_value = by_sku["TAKEN"]
    assert (status, verdict, amazon_value) == ("invalid", "REFUSED", "B000000009")
    assert "already the listing of ASIN B000000009" in reason
    assert by_sku[" SPACED"][:2] == ("invalid", "REFUSED")


def test_a_refusal_lifts_once_the_listing_holding_the_sku_is_gone() -> None:
    conn = warehouse()
    ready(conn, "TAKEN")
    add_listing(conn, "us", "TAKEN", asin="B000000009", price=5, quantity=1)
    tick(conn)
    tick(conn, LATER)  # still refused, not queued twice
    refused = offers(conn)

    conn.execute("DELETE FROM raw.amazon_listings")
    tick(conn, LATER + timedelta(minutes=5))

    assert refused == [("TAKEN", ASIN, "invalid", 3)]
    assert conn.execute(
        "SELECT status, last_verdict, last_issues FROM core.listing_outbox"
    ).fetchall() == [("pending", None, None)]


def test_a_refused_offer_is_a_push_rejected_issue_that_says_not_sent() -> None:
    conn = warehouse()
    ensure_sync_issue_schema(conn)
    ready(conn, "X" * 41)
    ready(conn, "P2")
    tick(conn)
    conn.execute(
        "UPDATE core.listing_outbox SET status = 'invalid', last_verdict = 'INVALID', "
        "last_issues = 'ERROR 8105 [merchant_suggested_asin]: The ASIN does not exist' "
        "WHERE seller_sku = 'P2'"
    )

    refresh_sync_issues(conn, now=NOW, store_ids=["us"])

    rows = conn.execute(
        "SELECT subject, severity, detail FROM core.sync_issues WHERE kind = 'push_rejected' "
        "ORDER BY subject"
    ).fetchall()
    assert [(subject, severity) for subject, severity, _ in rows] == [
        ("P2 offer", "error"),
        ("X" * 41 + " offer", "error"),
    ]
    assert rows[0][2].startswith(f"Amazon refused new listing on ASIN {ASIN} (Amazon shows none)")
    assert "8105" in rows[0][2]
    assert rows[1][2].startswith(f"not sent: new listing on ASIN {ASIN}")


def _offer(conn: duckdb.DuckDBPyConnection, sku: str = "P1") -> NewOffer:
    [offer] = [
        o for o in offers_to_send(conn, "us", mode="live", limit=10, now=NOW) if o.seller_sku == sku
    ]
    return offer


def test_offers_to_send_read_the_desired_values_at_send_time_oldest_first() -> None:
    conn = warehouse()
    ready(conn, "P2")
    tick(conn)
    ready(conn, "P1", condition="used_like_new")
    ready(conn, "P3")
    tick(conn, LATER)
    # Since the outbox saw them: P2's price moved (same offer), P3 was listed some other way.
    ready(conn, "P2", price="21.50", quantity=9)
    conn.execute("DELETE FROM core.desired_listings WHERE magento_sku = 'P3'")

    due = offers_to_send(conn, "us", mode="live", limit=10, now=LATER)
    first = offers_to_send(conn, "us", mode="live", limit=1, now=LATER)

    assert [(o.seller_sku, o.asin, o.condition, o.quantity, o.price) for o in due] == [
        ("P2", ASIN, "new_new", 9, Decimal("21.5000")),
        ("P1", ASIN, "used_like_new", 4, Decimal("19.9900")),
    ]
    assert [o.seller_sku for o in first] == ["P2"]
    assert dict(conn.execute("SELECT seller_sku, status FROM core.listing_outbox").fetchall()) == {
        "P1": "pending",
        "P2": "pending",
        "P3": "superseded",
    }


def test_a_live_put_is_sent_then_accepted_or_invalid_and_not_due_again() -> None:
    conn = warehouse()
    ready(conn, "P1")
    ready(conn, "P2")
    tick(conn)
    p1, p2 = offers_to_send(conn, "us", mode="live", limit=10, now=LATER)
    body = put_body(p1, store("us"), "PRODUCT")

    record_sending(conn, p1, body, now=LATER)
    record_sending(conn, p2, body, now=LATER)
    sent = offers(conn)
    record_answer(conn, p1, Verdict("ACCEPTED", "s1"), preview=False, request=body, now=LATER)
    invalid = Verdict("INVALID", "s2", ("ERROR 8105 [x]: no",))
    record_answer(conn, p2, invalid, preview=False, request=body, now=LATER)

    assert [status for _, _, status, _ in sent] == ["sent", "sent"]
    assert conn.execute(
        "SELECT seller_sku, status, attempts, sent_at, last_verdict, last_issues "
        "FROM core.listing_outbox ORDER BY 1"
    ).fetchall() == [
        ("P1", "accepted", 1, LATER, "ACCEPTED", None),
        ("P2", "invalid", 1, LATER, "INVALID", "ERROR 8105 [x]: no"),
    ]
    assert offers_to_send(conn, "us", mode="live", limit=10, now=LATER) == []
    tick(conn, LATER + timedelta(minutes=5))  # an invalid offer is not queued again
    assert len(offers(conn)) == 2


def test_transport_failures_leave_it_pending_until_max_attempts_then_failed() -> None:
    conn = warehouse()
    ready(conn, "P1")
    tick(conn)
    offer = _offer(conn)

    statuses = []
    for _ in range(2):
        record_sending(conn, offer, {}, now=LATER)
        error = "500 InternalFailure: boom"
        record_failure(conn, offer, error, max_attempts=2, counted=True, now=LATER)
        statuses.append(offers(conn)[0][2])

    assert statuses == ["pending", "failed"]
    assert conn.execute(
        "SELECT status, attempts, last_error FROM core.listing_outbox"
    ).fetchall() == [("failed", 2, "500 InternalFailure: boom")]


def test_the_deadline_gives_the_attempt_back() -> None:
    conn = warehouse()
    ready(conn, "P1")
    tick(conn)
    offer = _offer(conn)

    record_sending(conn, offer, {}, now=LATER)
    record_failure(conn, offer, "deadline", max_attempts=1, counted=False, now=LATER)

    assert conn.execute("SELECT status, attempts FROM core.listing_outbox").fetchall() == [
        ("pending", 0)
    ]


def test_dry_run_and_preview_look_at_an_offer_once_and_leave_it_pending() -> None:
    conn = warehouse()
    ready(conn, "P1")
    tick(conn)
    offer = _offer(conn)

    record_dry_run(conn, offer, {"productType": None}, now=LATER)
    after_dry_run = offers_to_send(conn, "us", mode="dry_run", limit=10, now=LATER)
    record_answer(conn, offer, Verdict("VALID", "s1"), preview=True, request={}, now=LATER)
    after_preview = offers_to_send(conn, "us", mode="preview", limit=10, now=LATER)

    assert after_dry_run == [] and after_preview == []
    assert conn.execute(
        "SELECT status, attempts, checked_mode, last_verdict FROM core.listing_outbox"
    ).fetchall() == [("pending", 0, "preview", "VALID")]
    assert [o.seller_sku for o in offers_to_send(conn, "us", mode="live", limit=10, now=LATER)] == [
        "P1"
    ]


def _refused(conn: duckdb.DuckDBPyConnection, offer: NewOffer) -> None:
    """Amazon answered the live put of ``offer`` INVALID."""
    body = put_body(offer, store("us"), "PRODUCT")
    record_sending(conn, offer, body, now=NOW)
    verdict = Verdict("INVALID", "s1", ("ERROR 4000001 [purchasable_offer]: price",))
    record_answer(conn, offer, verdict, preview=False, request=body, now=NOW)


def test_a_refused_offer_starts_over_when_its_price_or_condition_changes_not_its_quantity() -> None:
    conn = warehouse()
    ready(conn, "P1", price="19.99")
    ready(conn, "P2", condition="new_new")
    tick(conn)
    for offer in offers_to_send(conn, "us", mode="live", limit=10, now=NOW):
        _refused(conn, offer)

    ready(conn, "P1", price="19.99", quantity=9)  # quantity only: still refused
    ready(conn, "P2", condition="new_new")
    tick(conn, LATER)
    still = offers(conn)
    ready(conn, "P1", price="24.99")
    ready(conn, "P2", condition="used_good")
    tick(conn, LATER + timedelta(minutes=5))

    assert [status for _, _, status, _ in still] == ["invalid", "invalid"]
    assert offers(conn) == [
        ("P1", ASIN, "superseded", 3),
        ("P1", ASIN, "pending", 3),
        ("P2", ASIN, "superseded", 3),
        ("P2", ASIN, "pending", 3),
    ]


def test_an_offer_left_sent_by_a_killed_tick_is_sent_again_with_the_values_desired_then() -> None:
    conn = warehouse()
    ready(conn, "P1", price="19.99")
    tick(conn)
    [offer] = offers_to_send(conn, "us", mode="live", limit=10, now=NOW)
    record_sending(conn, offer, put_body(offer, store("us"), "PRODUCT"), now=NOW)
    # The process dies before Amazon answers; meanwhile the price moves.

    ready(conn, "P1", price="17.50")
    tick(conn, LATER)
    [again] = offers_to_send(conn, "us", mode="live", limit=10, now=LATER)

    assert again.change_id == offer.change_id and again.price == Decimal("17.5000")
    assert conn.execute("SELECT status, attempts FROM core.listing_outbox").fetchall() == [
        ("pending", 1)
    ]
