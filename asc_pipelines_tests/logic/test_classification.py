"""The classification path in one call (asc_pipelines/logic/classification.py), and the counts the
``product_matches`` and ``listings_by_status`` assets report from it.

What each step decides is specified in ``test_listing_status.py`` (through the same path); here:
the path as a whole, and the summaries. That the Dagster assets give the same statuses is in
``defs/test_classification_assets.py``.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb

from asc_pipelines.logic.classification import classify, classify_listings, match_products
from asc_pipelines.logic.eligibility import eligible_products_per_store
from asc_pipelines.logic.matching import StoreMatches, identifier_problem_counts, match_summary
from asc_pipelines.logic.status import (
    products_neither_listed_nor_eligible,
    rows_per_store,
    top_reasons,
)
from asc_pipelines_tests.logic.tiny_warehouse import (
    NOW,
    add_listing,
    add_product,
    add_status,
    config,
    statuses,
    store,
    warehouse,
)

US = store("us")
UK = store("uk", marketplace="UK", website="uk")
VALID_UPC = "036000291452"
BAD_UPC = "036000291453"  # check digit should be 2


def _world() -> duckdb.DuckDBPyConnection:
    """us sells MUG (by seller SKU) and a listing of nobody's; uk sells MUG by its UPC (an
    ambiguous one: TWIN has the same UPC). KIT is a bundle, OFF disabled, BAD has a bad UPC."""
    conn = warehouse()
    add_product(conn, "MUG", upc=VALID_UPC, website_codes=["base", "uk"])
    add_product(conn, "TWIN", upc=VALID_UPC, website_codes=["base", "uk"])
    add_product(conn, "BAD", upc=BAD_UPC)
    add_product(conn, "KIT", type_id="bundle")
    add_product(conn, "OFF", status=2)
    add_listing(conn, "us", "MUG", asin="B000000001")
    add_listing(conn, "us", "STRANGER", asin="B000000002")
    add_listing(conn, "uk", "UK-MUG", product_id=VALID_UPC, product_id_type="UPC")
    return conn


def test_classify_runs_every_step_and_a_next_tick_normalizes_only_new_identifiers() -> None:
    conn = _world()
    first = classify(conn, config([US, UK]), computed_at=NOW)
    assert list(first.seconds) == ["normalize", "match", "eligibility", "status"]
    # Two values: MUG's UPC (also TWIN's and UK-MUG's product-id) and BAD's.
    assert first.identifiers_normalized == 2
    assert statuses(conn)[("us", "MUG")][:2] == ("active", "listed")

    add_product(conn, "NEW", ean="4006381333931")
    second = classify(conn, config([US, UK]), computed_at=NOW + timedelta(minutes=5))
    assert second.identifiers_normalized == 1


def test_the_halves_run_in_order_give_what_classify_gives() -> None:
    by_halves, at_once = _world(), _world()
    match_products(by_halves, config([US, UK]), computed_at=NOW)
    classify_listings(by_halves, config([US, UK]), computed_at=NOW)
    classify(at_once, config([US, UK]), computed_at=NOW)
    assert statuses(by_halves) == statuses(at_once)


def test_a_store_no_longer_configured_loses_its_eligibility_and_statuses() -> None:
    conn = _world()
    classify(conn, config([US, UK]), computed_at=NOW)
    assert {store_id for store_id, _ in statuses(conn)} == {"us", "uk"}

    classify(conn, config([US]), computed_at=NOW + timedelta(minutes=5))
    assert {store_id for store_id, _ in statuses(conn)} == {"us"}
    assert eligible_products_per_store(conn) == {"us": 3}


def test_the_match_summary_counts_matches_per_store_and_rule() -> None:
    conn = _world()
    classify(conn, config([US, UK]), computed_at=NOW)
    assert match_summary(conn) == [
        StoreMatches("uk", 1, 0, 0.0, 0, 0, 0, ambiguous=1, unmatched=0, shared_product=0),
        StoreMatches("us", 2, 1, 50.0, 1, 0, 0, ambiguous=0, unmatched=1, shared_product=0),
    ]
    assert identifier_problem_counts(conn) == {("magento", "upc"): 1}


def test_eligible_products_per_store_counts_every_judged_store_even_with_none() -> None:
    conn = _world()
    classify(conn, config([US, UK]), computed_at=NOW)
    # us: MUG, TWIN, BAD (KIT is a bundle, OFF disabled); uk: only MUG and TWIN are in its website.
    assert eligible_products_per_store(conn) == {"us": 3, "uk": 2}
    # Neither listed nor eligible: us KIT and OFF; uk KIT, OFF and BAD (not in its website).
    assert products_neither_listed_nor_eligible(conn) == {"us": 2, "uk": 3}


def test_rows_per_store_and_top_reasons_of_one_tab() -> None:
    conn = warehouse()
    for store_id, reason, n in [("us", "b", 2), ("us", "a", 2), ("uk", "c", 3), ("uk", "d", 1)]:
        for _ in range(n):
            add_status(conn, store_id, "incomplete", reason_code=reason)
    add_status(conn, "us", "active", reason_code="listed")
    assert rows_per_store(conn, "incomplete") == {"uk": 4, "us": 4}
    assert list(rows_per_store(conn, "incomplete")) == ["uk", "us"]
    # The most frequent first, ties by code; at most ``limit`` of them.
    assert list(top_reasons(conn, "incomplete", 3).items()) == [("c", 3), ("a", 2), ("b", 2)]
    assert rows_per_store(conn, "ended") == {}
