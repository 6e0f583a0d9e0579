"""Every listing and every unlisted eligible product in its Amazon Sales Channel tab, with a reason.

Issue 3, section 5: per store, the first matching case wins. Listings (keyed by seller SKU) are
new_third_party, ineligible, incomplete, inactive or active; eligible products no listing matches
(keyed by Magento SKU) are ended, incomplete or ready_to_list. One set-based statement per store.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from asc_pipelines.warehouse.counts import counts_by_key

STATUSES = (
    "active",
    "ready_to_list",
    "inactive",
    "ineligible",
    "incomplete",
    "ended",
    "new_third_party",
)

_LISTINGS_SQL = """
INSERT INTO core.listing_status
WITH coded_issues AS (
    -- Amazon may send an issue with an empty or blank code: that is no code (README: "the
    -- issue's code, else not_provided"); a reason_code is never blank.
    SELECT *, NULLIF(regexp_replace(code, '^\\s+|\\s+$', '', 'g'), '') AS issue_code
    FROM raw.amazon_listing_issues
    WHERE store_id = $store_id
),
issues AS (
    SELECT seller_sku,
        bool_or(severity = 'ERROR' AND list_contains(categories, 'MISSING_ATTRIBUTE'))
            AS missing_attribute,
        array_to_string(list_sort(list_distinct(flatten(
            list(attribute_names) FILTER (
                WHERE severity = 'ERROR' AND list_contains(categories, 'MISSING_ATTRIBUTE'))
        ))), ', ') AS missing_names,
        bool_or(list_contains(enforcement_actions, 'LISTING_SUPPRESSED')) AS suppressed,
        -- The issue that explains an inactive listing: a suppressing one, else an ERROR one;
        -- among equals one with a code.
        arg_min(issue_code, (NOT list_contains(enforcement_actions, 'LISTING_SUPPRESSED'),
            severity <> 'ERROR', issue_code IS NULL, issue_code)) AS inactive_code,
        arg_min(message, (NOT list_contains(enforcement_actions, 'LISTING_SUPPRESSED'),
            severity <> 'ERROR', issue_code IS NULL, issue_code)) AS inactive_message,
        bool_or(list_contains(enforcement_actions, 'LISTING_SUPPRESSED') OR severity = 'ERROR')
            AS has_explaining_issue
    FROM coded_issues
    GROUP BY seller_sku
),
candidates AS (
    SELECT seller_sku, string_agg(magento_sku, ', ' ORDER BY magento_sku) AS skus
    FROM core.match_candidates WHERE store_id = $store_id GROUP BY seller_sku
),
classified AS (
    SELECT m.seller_sku, m.asin, m.magento_sku,
        CASE
            WHEN m.magento_sku IS NULL THEN 'new_third_party'
            WHEN NOT e.eligible THEN 'ineligible'
            WHEN coalesce(i.missing_attribute, false) OR l.report_status = 'incomplete'
                THEN 'incomplete'
            WHEN l.report_status = 'inactive' OR coalesce(i.suppressed, false) THEN 'inactive'
            ELSE 'active'
        END AS status,
        CASE
            WHEN m.magento_sku IS NULL AND m.candidate_count = 0 THEN 'no_catalog_match'
            WHEN m.magento_sku IS NULL THEN 'ambiguous_match'
            WHEN NOT e.eligible THEN e.ineligible_reason
            WHEN coalesce(i.missing_attribute, false) OR l.report_status = 'incomplete'
                THEN 'amazon_missing_attribute'
            WHEN l.report_status = 'inactive' OR coalesce(i.suppressed, false)
                THEN CASE WHEN coalesce(i.has_explaining_issue, false)
                    THEN coalesce(i.inactive_code, 'not_provided') ELSE 'not_provided' END
            ELSE 'listed'
        END AS reason_code,
        CASE
            WHEN m.magento_sku IS NULL AND m.candidate_count > 0
                THEN m.method || ' matches ' || c.skus
            WHEN m.magento_sku IS NULL THEN NULL
            WHEN NOT e.eligible THEN NULL
            WHEN coalesce(i.missing_attribute, false) OR l.report_status = 'incomplete'
                THEN NULLIF(i.missing_names, '')
            WHEN l.report_status = 'inactive' OR coalesce(i.suppressed, false)
                THEN CASE WHEN coalesce(i.has_explaining_issue, false)
                    THEN i.inactive_message END
        END AS reason_detail
    FROM core.product_matches m
    JOIN (
        -- The report's status as written (raw keeps it): any case, maybe padded.
        SELECT *, lower(trim(status)) AS report_status FROM raw.amazon_listings
        WHERE store_id = $store_id
    ) l USING (store_id, seller_sku)
    LEFT JOIN core.product_eligibility e
        ON e.store_id = m.store_id AND e.magento_sku = m.magento_sku
    LEFT JOIN issues i ON i.seller_sku = m.seller_sku
    LEFT JOIN candidates c ON c.seller_sku = m.seller_sku
    WHERE m.store_id = $store_id
)
SELECT $store_id, status, reason_code, reason_detail, seller_sku, asin, magento_sku, $computed_at
FROM classified
"""

_UNLISTED_SQL = """
INSERT INTO core.listing_status
WITH unlisted AS (
    SELECT e.* FROM core.product_eligibility e
    WHERE e.store_id = $store_id AND e.eligible AND NOT EXISTS (
        SELECT 1 FROM core.product_matches m
        WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku)
),
classified AS (
    SELECT u.magento_sku,
        EXISTS (SELECT 1 FROM core.match_history h
            WHERE h.store_id = u.store_id AND h.magento_sku = u.magento_sku) AS was_listed,
        u.condition_type, u.amazon_asin, u.lookup_type, u.lookup_value, u.lookup_gtin14,
        a.gtin14 IS NOT NULL AS looked_up, a.asins, a.variation_parent_asins
    FROM unlisted u
    LEFT JOIN core.asin_lookups a ON a.marketplace_id = $marketplace_id
        AND a.identifier_type = u.lookup_type AND a.gtin14 = u.lookup_gtin14
)
SELECT $store_id,
    CASE
        WHEN was_listed THEN 'ended'
        WHEN condition_type IS NULL THEN 'incomplete'
        WHEN amazon_asin IS NOT NULL THEN 'ready_to_list'
        WHEN lookup_gtin14 IS NULL THEN 'incomplete'
        WHEN NOT looked_up THEN 'incomplete'
        WHEN len(asins) = 0 THEN 'incomplete'
        WHEN len(asins) > 1 THEN 'incomplete'
        WHEN len(variation_parent_asins) > 0 THEN 'incomplete'
        ELSE 'ready_to_list'
    END AS status,
    CASE
        WHEN was_listed THEN 'removed_from_amazon'
        WHEN condition_type IS NULL THEN 'missing_condition'
        WHEN amazon_asin IS NOT NULL THEN 'asin_resolved'
        WHEN lookup_gtin14 IS NULL THEN 'unable_to_assign'
        WHEN NOT looked_up THEN 'asin_lookup_pending'
        WHEN len(asins) = 0 THEN 'unable_to_assign'
        WHEN len(asins) > 1 THEN 'multiple_matches'
        WHEN len(variation_parent_asins) > 0 THEN 'has_variants'
        ELSE 'asin_resolved'
    END AS reason_code,
    CASE
        WHEN was_listed THEN NULL
        WHEN condition_type IS NULL THEN NULL
        WHEN amazon_asin IS NOT NULL THEN 'from the product''s ASIN attribute'
        WHEN lookup_gtin14 IS NULL THEN 'no valid UPC, ISBN, EAN or GTIN to look up'
        WHEN NOT looked_up THEN lookup_type || ' ' || lookup_value || ' not looked up yet'
        WHEN len(asins) = 0 THEN 'catalog has no item for ' || lookup_type || ' ' || lookup_value
        WHEN len(asins) > 1 THEN lookup_type || ' ' || lookup_value || ' matches '
            || array_to_string(asins, ', ')
        WHEN len(variation_parent_asins) > 0 THEN 'ASIN ' || asins[1] || ' is a variation parent'
        ELSE 'catalog look-up by ' || lookup_type || ' ' || lookup_value
    END AS reason_detail,
    NULL AS seller_sku,
    CASE WHEN NOT was_listed AND condition_type IS NOT NULL THEN
        coalesce(amazon_asin, CASE WHEN len(asins) = 1 THEN asins[1] END) END AS asin,
    magento_sku,
    $computed_at
FROM classified
"""


def refresh_status(
    conn: duckdb.DuckDBPyConnection, *, store_id: str, marketplace_id: str, computed_at: datetime
) -> None:
    """Replace the store's rows of ``core.listing_status``; the caller owns the transaction."""
    conn.execute("DELETE FROM core.listing_status WHERE store_id = ?", [store_id])
    conn.execute(_LISTINGS_SQL, {"store_id": store_id, "computed_at": computed_at})
    conn.execute(
        _UNLISTED_SQL,
        {"store_id": store_id, "marketplace_id": marketplace_id, "computed_at": computed_at},
    )


def rows_per_store(conn: duckdb.DuckDBPyConnection, status: str) -> dict[str, int]:
    """Rows of ``core.listing_status`` in one tab, per store (stores with none left out)."""
    return counts_by_key(
        conn,
        "SELECT store_id, count(*) FROM core.listing_status WHERE status = ? "
        "GROUP BY store_id ORDER BY store_id",
        [status],
    )


def top_reasons(conn: duckdb.DuckDBPyConnection, status: str, limit: int) -> dict[str, int]:
    """The tab's most frequent reason codes with their counts, most frequent first."""
    return counts_by_key(
        conn,
        "SELECT reason_code, count(*) AS n FROM core.listing_status WHERE status = ? "
        "GROUP BY reason_code ORDER BY n DESC, reason_code LIMIT ?",
        [status, limit],
    )


def products_neither_listed_nor_eligible(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per store, products no listing matches and that may not be listed: they have no row in
    ``core.listing_status`` at all."""
    return counts_by_key(
        conn,
        "SELECT e.store_id, count(*) FROM core.product_eligibility e "
        "WHERE NOT e.eligible AND NOT EXISTS (SELECT 1 FROM core.product_matches m "
        "WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku) "
        "GROUP BY e.store_id",
    )
