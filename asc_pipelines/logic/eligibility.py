"""Which Magento products may be listed on a store, and what a listing of each should carry.

One set-based statement per store over ``raw.magento_products`` (issue 3, section 4): the first
failing rule is the reason — ``unsupported_type``, ``disabled``, ``not_in_website``,
``out_of_stock``, then the store's listing rules as ``rule:<n>``. It also resolves the condition
and picks the identifier a catalog look-up would use (the first valid of UPC, ISBN, EAN, GTIN).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import duckdb

from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.conditions import condition_keys
from asc_pipelines.logic.listing_rules import compile_condition
from asc_pipelines.warehouse.counts import counts_by_key
from asc_pipelines.warehouse.row_merge import merge_rows

# The Magento product types a listing can be made of (configurable/bundle/grouped parents cannot).
LISTABLE_TYPES = ["simple", "virtual"]
_PLACEHOLDER = re.compile(r"\?")

_TARGET = "INSERT INTO core.product_eligibility"
_ELIGIBILITY_SQL = """
INSERT INTO core.product_eligibility
WITH judged AS (
    SELECT p.*,
        CASE
            WHEN NOT list_contains($listable_types, p.type_id)
                OR coalesce(p.required_options, 0) = 1 THEN 'unsupported_type'
            WHEN p.status IS DISTINCT FROM 1 THEN 'disabled'
            WHEN NOT coalesce(list_contains(p.website_codes, $website), false)
                THEN 'not_in_website'
            WHEN coalesce(p.salable_qty, 0) <= $threshold THEN 'out_of_stock'
            {rule_cases}
        END AS reason
    FROM raw.magento_products p
),
conditions(key, condition_type) AS (VALUES {condition_values})
SELECT
    $store_id AS store_id,
    j.sku AS magento_sku,
    j.reason IS NULL AS eligible,
    j.reason AS ineligible_reason,
    j.salable_qty,
    CASE WHEN $max_qty IS NULL THEN j.salable_qty
         ELSE least(j.salable_qty, $max_qty) END AS listed_qty,
    c.condition_type,
    NULLIF(trim(j.asin), '') AS amazon_asin,
    CASE WHEN u.gtin14 IS NOT NULL THEN 'UPC' WHEN i.gtin14 IS NOT NULL THEN 'ISBN'
         WHEN e.gtin14 IS NOT NULL THEN 'EAN' WHEN g.gtin14 IS NOT NULL THEN 'GTIN' END
        AS lookup_type,
    CASE WHEN u.gtin14 IS NOT NULL THEN j.upc WHEN i.gtin14 IS NOT NULL THEN j.isbn
         WHEN e.gtin14 IS NOT NULL THEN j.ean WHEN g.gtin14 IS NOT NULL THEN j.gtin END
        AS lookup_value,
    coalesce(u.gtin14, i.gtin14, e.gtin14, g.gtin14) AS lookup_gtin14,
    $computed_at AS computed_at
FROM judged j
LEFT JOIN core.identifier_cache u ON u.kind = 'upc' AND u.value = j.upc
LEFT JOIN core.identifier_cache i ON i.kind = 'isbn' AND i.value = j.isbn
LEFT JOIN core.identifier_cache e ON e.kind = 'ean' AND e.value = j.ean
LEFT JOIN core.identifier_cache g ON g.kind = 'gtin' AND g.value = j.gtin
LEFT JOIN conditions c ON c.key = lower(regexp_replace(
    coalesce(NULLIF(trim(j.condition), ''), $default_condition), '[\\s_\\-]+', '', 'g'))
"""


def _named(sql: str, prefix: str, params: list[Any], into: dict[str, Any]) -> str:
    """Turn a predicate's ``?`` placeholders into named ``$prefix_k`` parameters."""
    counter = iter(range(len(params)))

    def name(_: re.Match[str]) -> str:
        index = next(counter)
        into[f"{prefix}_{index}"] = params[index]
        return f"${prefix}_{index}"

    return _PLACEHOLDER.sub(name, sql)


def rule_cases(store: StoreConfig, *, today: date, params: dict[str, Any]) -> str:
    """The ``WHEN ... THEN 'rule:<n>'`` branches of a store's listing rules."""
    rules = store.listing_rules
    predicates = [
        _named(p.sql, f"r{n}", p.params, params)
        for n, p in enumerate((compile_condition(c, today=today) for c in rules.conditions), 1)
    ]
    if not predicates:
        return ""
    if rules.match == "any":
        return "WHEN NOT (" + " OR ".join(predicates) + ") THEN 'rule:1'"
    return "\n            ".join(
        f"WHEN NOT {sql} THEN 'rule:{n}'" for n, sql in enumerate(predicates, 1)
    )


def refresh_eligibility(
    conn: duckdb.DuckDBPyConnection, store: StoreConfig, *, computed_at: datetime
) -> None:
    """Replace the store's rows of ``core.product_eligibility``; the caller owns the transaction."""
    params: dict[str, Any] = {
        "store_id": store.id,
        "website": store.website,
        "threshold": store.out_of_stock_threshold,
        "max_qty": store.max_listed_quantity,
        "default_condition": store.default_condition,
        "computed_at": computed_at,
        "listable_types": LISTABLE_TYPES,
    }
    cases = rule_cases(store, today=computed_at.date(), params=params)
    values = ", ".join(f"('{key}', '{value}')" for key, value in sorted(condition_keys().items()))
    sql = _ELIGIBILITY_SQL.format(rule_cases=cases, condition_values=values)
    # Computed into a scratch table, then merged: only products whose verdict changed are
    # deleted and inserted (warehouse.row_merge: a full rebuild is slow to commit).
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE fresh_eligibility AS "
        "SELECT * FROM core.product_eligibility LIMIT 0"
    )
    conn.execute(sql.replace(_TARGET, "INSERT INTO fresh_eligibility", 1), params)
    merge_rows(
        conn,
        "core.product_eligibility",
        "fresh_eligibility",
        keys=("store_id", "magento_sku"),
        touched=("computed_at",),
        scope="t.store_id = ?",
        params=[store.id],
    )
    conn.execute("DROP TABLE fresh_eligibility")


def eligible_products_per_store(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many products each store may list (every store judged, zeros included)."""
    return counts_by_key(
        conn,
        "SELECT store_id, count(*) FILTER (WHERE eligible) FROM core.product_eligibility "
        "GROUP BY store_id",
    )
