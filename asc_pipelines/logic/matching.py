"""Matching Amazon listings to Magento products (issue 3, section 2), as set-based SQL.

For each store and listing the first rule that finds candidates decides:
1. ``seller_sku``: the listing's seller SKU equals the product's SKU (attribute configurable);
2. ``asin``: the listing's ASIN equals the product's ``amazon_asin``;
3. ``product_id``: the listing's product-id, normalized to GTIN-14, equals a valid UPC, EAN, ISBN
   or GTIN of the product.
One candidate is a match; several are ambiguous (kept in ``core.match_candidates``).
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from asc_pipelines.logic.listing_rules import TEXT_ATTRIBUTES
from asc_pipelines.warehouse.row_merge import merge_rows

# Candidates of every rule for every listing; the temp table feeds the three core tables.
# Each product's identifiers with their normalization: four equi-joins (an OR join would be
# a nested loop over the whole catalog).
_PRODUCT_IDENTIFIERS_SQL = """
CREATE OR REPLACE TEMP TABLE product_identifiers AS
SELECT p.sku, c.kind, c.value, c.gtin14, c.problem
FROM raw.magento_products p JOIN core.identifier_cache c ON c.kind = 'upc' AND c.value = p.upc
UNION ALL
SELECT p.sku, c.kind, c.value, c.gtin14, c.problem
FROM raw.magento_products p JOIN core.identifier_cache c ON c.kind = 'ean' AND c.value = p.ean
UNION ALL
SELECT p.sku, c.kind, c.value, c.gtin14, c.problem
FROM raw.magento_products p JOIN core.identifier_cache c ON c.kind = 'isbn' AND c.value = p.isbn
UNION ALL
SELECT p.sku, c.kind, c.value, c.gtin14, c.problem
FROM raw.magento_products p JOIN core.identifier_cache c ON c.kind = 'gtin' AND c.value = p.gtin
"""

_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE match_candidates_all AS
WITH listings AS (
    SELECT l.store_id, l.seller_sku, l.asin, c.gtin14 AS product_gtin14
    FROM raw.amazon_listings l
    LEFT JOIN core.identifier_cache c
        ON c.kind = lower(l.product_id_type) AND c.value = l.product_id
        AND l.product_id_type IN ('UPC', 'EAN', 'ISBN')
),
product_gtins AS (
    SELECT sku, gtin14 FROM product_identifiers WHERE gtin14 IS NOT NULL
)
SELECT l.store_id, l.seller_sku, 1 AS rule, 'seller_sku' AS method, p.sku AS magento_sku
FROM listings l JOIN raw.magento_products p ON p.{sku_column} = l.seller_sku
UNION
SELECT l.store_id, l.seller_sku, 2, 'asin', p.sku
FROM listings l JOIN raw.magento_products p
    ON l.asin IS NOT NULL AND upper(trim(p.asin)) = upper(l.asin)
UNION
SELECT l.store_id, l.seller_sku, 3, 'product_id', g.sku
FROM listings l JOIN product_gtins g ON g.gtin14 = l.product_gtin14
"""

# The deciding rule of a listing is the first (lowest-numbered) one with any candidate.
_DECIDED_SQL = """
CREATE OR REPLACE TEMP TABLE match_decided AS
SELECT * FROM match_candidates_all
QUALIFY rule = min(rule) OVER (PARTITION BY store_id, seller_sku)
"""

_MATCHES_TARGET = "INSERT INTO core.product_matches"
_MATCHES_SQL = """
INSERT INTO core.product_matches
WITH per_listing AS (
    SELECT store_id, seller_sku, any_value(method) AS method,
        count(DISTINCT magento_sku) AS candidate_count, min(magento_sku) AS only_sku
    FROM match_decided GROUP BY store_id, seller_sku
),
joined AS (
    SELECT l.store_id, l.seller_sku, l.asin,
        CASE WHEN m.candidate_count = 1 THEN m.only_sku END AS magento_sku,
        m.method, coalesce(m.candidate_count, 0)::INTEGER AS candidate_count,
        l.snapshot_at AS matched_at
    FROM raw.amazon_listings l
    LEFT JOIN per_listing m USING (store_id, seller_sku)
)
SELECT store_id, seller_sku, asin, magento_sku, method, candidate_count,
    magento_sku IS NOT NULL AND count(*) OVER (PARTITION BY store_id, magento_sku) > 1
        AS shared_product,
    matched_at
FROM joined
"""

_HISTORY_SQL = """
INSERT INTO core.match_history
SELECT store_id, seller_sku, magento_sku, matched_at, matched_at
FROM core.product_matches WHERE magento_sku IS NOT NULL
ON CONFLICT (store_id, seller_sku, magento_sku)
DO UPDATE SET last_matched_at = excluded.last_matched_at
"""

_IDENTIFIER_PROBLEMS_SQL = """
INSERT INTO core.identifier_problems
SELECT 'magento', NULL, sku, kind, value, problem
FROM product_identifiers WHERE problem IS NOT NULL
UNION ALL
SELECT 'amazon', l.store_id, l.seller_sku, 'product-id', l.product_id, c.problem
FROM raw.amazon_listings l
JOIN core.identifier_cache c
    ON c.kind = lower(l.product_id_type) AND c.value = l.product_id AND c.problem IS NOT NULL
"""


def refresh_matches(conn: duckdb.DuckDBPyConnection, *, seller_sku_attribute: str) -> None:
    """Rebuild matches, candidates and identifier problems; extend the match history.

    The caller owns the transaction; ``core.identifier_cache`` must be current.
    """
    if seller_sku_attribute not in TEXT_ATTRIBUTES:
        raise ValueError(
            f"matching.seller_sku_attribute {seller_sku_attribute!r} is not a text column of "
            f"raw.magento_products ({', '.join(sorted(TEXT_ATTRIBUTES))})"
        )
    conn.execute(_PRODUCT_IDENTIFIERS_SQL)
    conn.execute(_CANDIDATES_SQL.format(sku_column=seller_sku_attribute))
    conn.execute(_DECIDED_SQL)
    # Computed into a scratch table, then merged: only listings whose match changed are deleted
    # and inserted (warehouse.row_merge: a full rebuild is slow to commit).
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE fresh_matches AS SELECT * FROM core.product_matches LIMIT 0"
    )
    conn.execute(_MATCHES_SQL.replace(_MATCHES_TARGET, "INSERT INTO fresh_matches", 1))
    merge_rows(
        conn,
        "core.product_matches",
        "fresh_matches",
        keys=("store_id", "seller_sku"),
        touched=("matched_at",),
    )
    conn.execute("DROP TABLE fresh_matches")
    conn.execute("DELETE FROM core.match_candidates")
    conn.execute(
        "INSERT INTO core.match_candidates "
        "SELECT d.store_id, d.seller_sku, d.method, d.magento_sku FROM match_decided d "
        "JOIN core.product_matches m USING (store_id, seller_sku) WHERE m.candidate_count > 1"
    )
    conn.execute(_HISTORY_SQL)
    conn.execute("DELETE FROM core.identifier_problems")
    conn.execute(_IDENTIFIER_PROBLEMS_SQL)
    conn.execute("DROP TABLE IF EXISTS match_candidates_all")
    conn.execute("DROP TABLE IF EXISTS match_decided")
    conn.execute("DROP TABLE IF EXISTS product_identifiers")


class StoreMatches(NamedTuple):
    """How one store's listings matched: the ``product_matches`` summary row."""

    store_id: str
    listings: int
    matched: int
    matched_pct: float | None
    by_seller_sku: int
    by_asin: int
    by_product_id: int
    ambiguous: int
    unmatched: int
    shared_product: int


_MATCH_SUMMARY_SQL = """
SELECT store_id, count(*) AS listings,
    count(magento_sku) AS matched,
    round(100.0 * count(magento_sku) / count(*), 1) AS matched_pct,
    count(*) FILTER (WHERE method = 'seller_sku' AND magento_sku IS NOT NULL),
    count(*) FILTER (WHERE method = 'asin' AND magento_sku IS NOT NULL),
    count(*) FILTER (WHERE method = 'product_id' AND magento_sku IS NOT NULL),
    count(*) FILTER (WHERE candidate_count > 1) AS ambiguous,
    count(*) FILTER (WHERE candidate_count = 0) AS unmatched,
    count(*) FILTER (WHERE shared_product) AS shared
FROM core.product_matches GROUP BY store_id ORDER BY store_id
"""


def match_summary(conn: duckdb.DuckDBPyConnection) -> list[StoreMatches]:
    """Per store, in store order: listings, how many matched (and by which rule), ambiguous ones,
    ones without a candidate, and ones whose product another listing of the store also sells."""
    return [StoreMatches(*row) for row in conn.execute(_MATCH_SUMMARY_SQL).fetchall()]


def identifier_problem_counts(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """Unusable identifiers per ``(source, attribute)`` (``magento``/``amazon``, ``upc``, ...)."""
    rows = conn.execute(
        "SELECT source, attribute, count(*) FROM core.identifier_problems GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {(source, attribute): int(n) for source, attribute, n in rows}
