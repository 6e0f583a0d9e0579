"""Many changes as one ``JSON_LISTINGS_FEED``, through the real sync job against the real sandbox
(issue 11, section 3): one feed instead of a patch per listing, polled across ticks without
waiting, read back by messageId (refusals reported once), and a feed Amazon leaves stuck or ends
``FATAL`` given up in favour of patches."""

from __future__ import annotations

import pytest

from asc_pipelines_tests.defs import test_listing_pushes
from asc_pipelines_tests.defs.test_listing_pushes import (
    WRITE_CALLS,
    Pushing,
    _open_issues,
    _outbox,
)

pytestmark = pytest.mark.slow
pushing = test_listing_pushes.pushing  # the served small world with push settings per store

FEED_CALLS = {"createFeedDocument", "uploadFeedDocument", "createFeed"}
FEED_SECONDS = 200  # past the sandbox's feed processing delay (120 s by default)
LIVE_BY_FEED = {"mode": "live", "feed_threshold": 5, "max_patches_per_tick": 1000}


def _feeds(world: Pushing) -> list[tuple[str, str, int]]:
    return world.rows(
        "SELECT store_id, status, messages FROM core.listing_feeds ORDER BY created_at, store_id"
    )


def test_many_changes_go_as_one_feed_and_are_confirmed_by_the_report(pushing) -> None:
    world = pushing(
        us=dict(push=LIVE_BY_FEED),
        uk=dict(push=LIVE_BY_FEED, price={"adjust_amount": -100000}),  # Amazon refuses them all
    )

    world.tick()
    listings = {
        store: count
        for store, count in world.rows(
            "SELECT store_id, count(DISTINCT seller_sku) FROM core.listing_outbox GROUP BY 1"
        )
    }
    assert world.calls(WRITE_CALLS) == []  # no patch: every listing is in the feed
    assert len(world.calls({"createFeed"})) == 2  # one feed per store
    assert sorted(_feeds(world)) == [
        ("uk", "submitted", listings["uk"]),
        ("us", "submitted", listings["us"]),
    ]
    assert set(_outbox(world, "us")) == {"sent"}
    # The sending step counts the feed's messages as what it loaded this tick.
    assert world.rows(
        "SELECT store_id, rows_loaded, outcome FROM raw.store_fetches "
        "WHERE dataset = 'amazon_listing_pushes' ORDER BY 1"
    ) == [("uk", listings["uk"], "ok"), ("us", listings["us"], "ok")]

    world.server.app.clock.advance(FEED_SECONDS)
    world.tick()  # the feeds are done: read back by messageId
    assert set(_outbox(world, "uk")) == {"invalid"}
    rejected = _open_issues(world, "uk", ("push_rejected",))
    [(refused,)] = world.rows("SELECT count(*) FROM core.listing_outbox WHERE store_id = 'uk'")
    assert rejected == refused  # one per refused change
    [(detail,)] = world.rows(
        "SELECT min(last_issues) FROM core.listing_outbox WHERE store_id = 'uk'"
    )
    assert "ERROR" in detail and "price" in detail
    assert set(_outbox(world, "us")) <= {"accepted", "confirmed"}

    world.after_the_write_delay()
    world.tick()

    assert set(_outbox(world, "us")) == {"confirmed"}
    assert _open_issues(world, "us", ("price_mismatch", "quantity_mismatch")) == 0
    assert world.rows(
        "SELECT status, accepted, invalid FROM core.listing_feeds ORDER BY store_id"
    ) == [("done", 0, listings["uk"]), ("done", listings["us"], 0)]
    assert len(world.calls({"createFeed"})) == 2  # refused changes are not sent again
    assert _open_issues(world, "uk", ("push_rejected",)) == rejected  # reported once
    assert len(world.calls({"getFeed"})) == 2  # one look per feed and tick, never a wait


def test_below_the_threshold_changes_go_as_patches(pushing) -> None:
    world = pushing(us={"push": {**LIVE_BY_FEED, "feed_threshold": 100000}})

    world.tick()

    assert world.calls(FEED_CALLS) == []
    assert world.calls({"patchListingsItem"})
    assert set(_outbox(world, "us")) == {"accepted"}


@pytest.mark.parametrize("ending", ["IN_PROGRESS", "FATAL"])
def test_a_stuck_or_fatal_feed_is_given_up_and_its_changes_go_as_patches(
    pushing, ending: str
) -> None:
    world = pushing(us={"push": {**LIVE_BY_FEED, "feed_give_up_minutes": 10}})
    world.server.faults.add("createFeed", "feed_status", status=ending)

    world.tick()
    in_feed = world.rows(
        "SELECT DISTINCT seller_sku FROM core.listing_outbox WHERE status = 'sent'"
    )
    world.server.app.clock.advance(11 * 60)
    world.tick()

    [(status, last_error)] = world.rows("SELECT status, last_error FROM core.listing_feeds")
    assert status == ("given_up" if ending == "IN_PROGRESS" else "fatal")
    assert ending in last_error
    patched = {call.path.rsplit("/", 1)[-1] for call in world.calls({"patchListingsItem"})}
    assert in_feed and patched == {sku for (sku,) in in_feed}
    assert len(world.calls({"createFeed"})) == 1  # its changes are not put in another feed
    assert set(_outbox(world, "us")) == {"accepted"}

    world.after_the_write_delay()
    world.tick()

    assert set(_outbox(world, "us")) == {"confirmed"}
