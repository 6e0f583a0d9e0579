"""What the asset checks ask of the warehouse (asc_pipelines/logic/checks.py), on tiny warehouses.

The checks themselves, with their metadata, run through Dagster in ``defs/test_checks.py``.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from asc_pipelines.logic.checks import (
    DuplicateKey,
    MatchedShare,
    RefusedSnapshot,
    StatusProblem,
    duplicate_listing_keys,
    listings_per_store,
    matched_shares,
    refused_snapshots,
    status_problems,
)
from asc_pipelines.logic.snapshot_guard import SHRINK_CODE, shrink_verdict
from asc_pipelines_tests.logic.tiny_warehouse import NOW, add_listing, add_status, warehouse


def _listings(conn: duckdb.DuckDBPyConnection, *keys: tuple[str, str]) -> None:
    for store_id, seller_sku in keys:
        add_listing(conn, store_id, seller_sku)


def test_listings_per_store_counts_each_stores_snapshot() -> None:
    conn = warehouse()
    _listings(conn, ("us", "A"), ("us", "B"), ("uk", "A"))
    assert listings_per_store(conn) == {"us": 2, "uk": 1}


def test_duplicate_listing_keys_lists_each_repeated_key_the_most_repeated_first() -> None:
    conn = warehouse()
    # A listings table that lost its primary key (the real one has it).
    conn.execute("DROP TABLE raw.amazon_listings")
    conn.execute("CREATE TABLE raw.amazon_listings (store_id VARCHAR, seller_sku VARCHAR)")
    conn.execute(
        "INSERT INTO raw.amazon_listings VALUES ('us', 'A'), ('us', 'A'), ('us', 'B'), "
        "('uk', 'C'), ('uk', 'C'), ('uk', 'C'), ('uk', 'D')"
    )
    assert duplicate_listing_keys(conn) == [DuplicateKey("uk", "C", 3), DuplicateKey("us", "A", 2)]


def test_duplicate_listing_keys_is_empty_for_a_sound_snapshot() -> None:
    conn = warehouse()
    _listings(conn, ("us", "A"), ("uk", "A"))
    assert duplicate_listing_keys(conn) == []


def _refusal(
    conn: duckdb.DuckDBPyConnection, store_id: str, message: str, run_id: str, minutes: int = 0
) -> None:
    conn.execute(
        "INSERT INTO raw.api_errors (store_id, operation, code, message, occurred_at, run_id) "
        "VALUES (?, 'snapshot_guard', ?, ?, ?, ?)",
        [store_id, SHRINK_CODE, message, NOW + timedelta(minutes=minutes), run_id],
    )


def test_refused_snapshots_of_a_run_carry_both_counts_and_the_rows_kept() -> None:
    conn = warehouse()
    _listings(conn, *(("us", f"SKU-{i}") for i in range(4)))
    refusal = shrink_verdict(4, 1, 0.5).message
    _refusal(conn, "us", "an older refusal of this run", "run-1", minutes=-5)
    _refusal(conn, "us", refusal, "run-1")
    _refusal(conn, "uk", "not the guard's words", "run-1")
    _refusal(conn, "de", shrink_verdict(9, 0, 0.5).message, "run-0")  # another run
    conn.execute(
        "INSERT INTO raw.api_errors (store_id, operation, code, message, occurred_at, run_id) "
        "VALUES ('us', 'createReport', 'QuotaExceeded', 'slow down', ?, 'run-1')",
        [NOW],
    )
    assert refused_snapshots(conn, "run-1") == [
        RefusedSnapshot("uk", "not the guard's words", None, None, 0),
        RefusedSnapshot("us", refusal, 1, 4, 4),
    ]
    assert refused_snapshots(conn, "run-2") == []


def _match(conn: duckdb.DuckDBPyConnection, store_id: str, sku: str, product: str | None) -> None:
    conn.execute(
        "INSERT INTO core.product_matches (store_id, seller_sku, magento_sku, method, "
        "candidate_count, shared_product, matched_at) VALUES (?, ?, ?, ?, ?, false, ?)",
        [store_id, sku, product, "seller_sku" if product else None, int(bool(product)), NOW],
    )


@pytest.mark.parametrize(("min_share", "below"), [(0.5, {"uk"}), (0.25, set()), (0.26, {"uk"})])
def test_matched_shares_flags_stores_strictly_below_the_minimum(
    min_share: float, below: set[str]
) -> None:
    conn = warehouse()
    for sku, product in [("a", "p1"), ("b", "p2"), ("c", "p3"), ("d", "p4"), ("e", None)]:
        _match(conn, "us", sku, product)
    for sku, product in [("a", "p1"), ("b", None), ("c", None), ("d", None)]:
        _match(conn, "uk", sku, product)
    shares = matched_shares(conn, min_share=min_share)
    assert shares == [
        MatchedShare("uk", 4, 1, below_threshold="uk" in below),
        MatchedShare("us", 5, 4, below_threshold="us" in below),
    ]
    assert [s.share for s in shares] == [0.25, 0.8]


def test_status_problems_names_missing_doubled_and_unknown_listings() -> None:
    conn = warehouse()
    _listings(conn, ("us", "a"), ("us", "b"), ("us", "c"), ("uk", "a"))
    add_status(conn, "us", "active", seller_sku="a")
    add_status(conn, "us", "inactive", seller_sku="b")
    add_status(conn, "us", "ended", seller_sku="b")
    add_status(conn, "uk", "active", seller_sku="z")
    add_status(conn, "uk", "ready_to_list")  # an unlisted product is no listing
    assert status_problems(conn) == [
        StatusProblem("uk", "a", "missing", None),
        StatusProblem("us", "c", "missing", None),
        StatusProblem("uk", "z", "not_in_snapshot", "active"),
        StatusProblem("us", "b", "several", "ended, inactive"),
    ]


def test_status_problems_is_empty_when_every_listing_has_one_status() -> None:
    conn = warehouse()
    _listings(conn, ("us", "a"), ("uk", "a"))
    add_status(conn, "us", "active", seller_sku="a")
    add_status(conn, "uk", "new_third_party", seller_sku="a")
    assert status_problems(conn) == []
