"""Which identifiers need an ASIN from Amazon's catalog, when, and how an answer reads.

A product that is eligible for a store, matched by none of its listings and without its own
``amazon_asin`` needs an ASIN before it can be listed. Its look-up identifier (the first valid of
UPC, ISBN, EAN, GTIN, chosen by ``product_matches`` into ``core.product_eligibility``) is asked of
the Catalog Items API, up to 20 identifiers of one type per request, unless the marketplace's
answer in ``core.asin_lookups`` is younger than ``asin_lookup_max_age_hours`` (Amazon's clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from asc_pipelines import constants
from asc_pipelines.config import StoreConfig
from asc_pipelines.warehouse.asin_lookups import LookupRow

# The identifier types core.product_eligibility.lookup_type holds (Catalog Items API names).
LOOKUP_TYPES = ("UPC", "ISBN", "EAN", "GTIN")
BATCH_SIZE = constants.CATALOG_SEARCH_MAX_IDENTIFIERS
# How an answer reads: no ASIN, several ASINs, one variation parent, one listable ASIN.
KINDS = ("single", "several", "variation_parent", "nothing")

# Distinct identifiers of a store's products that need an ASIN from the catalog, with the time of
# the marketplace's cached answer (NULL when never asked); the age check uses Amazon's clock.
CANDIDATES_SQL = f"""
SELECT
    e.lookup_type,
    e.lookup_gtin14,
    min(e.lookup_value) AS lookup_value,
    any_value(epoch_ms(l.looked_up_at)) AS looked_up_ms,
    count(*) AS products
FROM core.product_eligibility e
LEFT JOIN core.asin_lookups l
    ON l.marketplace_id = ? AND l.identifier_type = e.lookup_type AND l.gtin14 = e.lookup_gtin14
WHERE e.store_id = ?
  AND e.eligible
  AND e.amazon_asin IS NULL
  AND e.lookup_gtin14 IS NOT NULL
  AND e.lookup_value IS NOT NULL
  AND e.lookup_type IN ({", ".join(f"'{t}'" for t in LOOKUP_TYPES)})
  AND NOT EXISTS (
      SELECT 1 FROM core.product_matches m
      WHERE m.store_id = e.store_id AND m.magento_sku = e.magento_sku
  )
GROUP BY e.lookup_type, e.lookup_gtin14
ORDER BY e.lookup_type, e.lookup_gtin14
"""


@dataclass(frozen=True)
class Candidate:
    """One identifier a store's unlisted products are waiting on."""

    lookup_type: str
    gtin14: str
    value: str
    looked_up_ms: int | None
    products: int


def read_candidates(conn: duckdb.DuckDBPyConnection, store: StoreConfig) -> list[Candidate]:
    """Every distinct identifier the store's eligible, unlisted, ASIN-less products carry."""
    rows = conn.execute(CANDIDATES_SQL, [store.marketplace_id, store.id]).fetchall()
    return [Candidate(t, g, v, None if ms is None else int(ms), int(n)) for t, g, v, ms, n in rows]


def due(candidates: list[Candidate], now: datetime, max_age_hours: float) -> list[Candidate]:
    """The candidates without an answer younger than ``max_age_hours`` at ``now``."""
    cutoff_ms = (now - timedelta(hours=max_age_hours)).timestamp() * 1000
    return [c for c in candidates if c.looked_up_ms is None or c.looked_up_ms <= cutoff_ms]


def batches(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Requests in order: per identifier type, up to 20 identifiers each."""
    result: list[list[Candidate]] = []
    for lookup_type in sorted({c.lookup_type for c in candidates}):
        same = [c for c in candidates if c.lookup_type == lookup_type]
        result += [same[i : i + BATCH_SIZE] for i in range(0, len(same), BATCH_SIZE)]
    return result


def answer_kind(row: LookupRow) -> str:
    """How the status asset will read an answer: nothing, several, variation_parent or single."""
    if not row.asins:
        return "nothing"
    if len(row.asins) > 1:
        return "several"
    if row.variation_parent_asins:
        return "variation_parent"
    return "single"
