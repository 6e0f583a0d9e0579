"""What the asset checks ask of the warehouse, as plain data.

The checks in ``defs/amazon/checks.py`` and ``defs/core/checks.py`` call these, pass or fail on
what comes back, and turn it into metadata; the questions themselves live here:

- :func:`duplicate_listing_keys`: seller SKUs a store's snapshot holds more than once;
- :func:`refused_snapshots`: stores whose new snapshot the snapshot guard refused in a run;
- :func:`matched_shares`: per store, the share of listings matched to a Magento product;
- :func:`status_problems`: listings without exactly one status, and statuses of unknown listings.

No Dagster here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import duckdb

from asc_pipelines.logic.matching import match_summary
from asc_pipelines.logic.snapshot_guard import SHRINK_CODE, parse_shrink_message
from asc_pipelines.warehouse.counts import counts_by_key


def listings_per_store(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of ``raw.amazon_listings`` per store (the current snapshots)."""
    return counts_by_key(
        conn, "SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY store_id"
    )


class DuplicateKey(NamedTuple):
    """A ``(store_id, seller_sku)`` with more than one row in ``raw.amazon_listings``."""

    store_id: str
    seller_sku: str
    rows: int


def duplicate_listing_keys(conn: duckdb.DuckDBPyConnection) -> list[DuplicateKey]:
    """Every duplicated listing key, the most repeated first."""
    rows = conn.execute(
        "SELECT store_id, seller_sku, count(*) AS n FROM raw.amazon_listings "
        "GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, store_id, seller_sku"
    ).fetchall()
    return [DuplicateKey(store_id, sku, int(n)) for store_id, sku, n in rows]


@dataclass(frozen=True)
class RefusedSnapshot:
    """A store whose new listings snapshot the snapshot guard refused.

    ``refused_rows`` and ``last_good_rows`` are read back from the refusal's message (None when it
    does not have the guard's form); ``rows_kept`` is what the store's snapshot holds now.
    """

    store_id: str
    message: str
    refused_rows: int | None
    last_good_rows: int | None
    rows_kept: int


def refused_snapshots(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[RefusedSnapshot]:
    """The stores whose snapshot was refused in run ``run_id`` (its latest refusal each), in
    store order."""
    refused = conn.execute(
        "SELECT store_id, any_value(message ORDER BY occurred_at DESC) "
        "FROM raw.api_errors WHERE code = ? AND run_id = ? GROUP BY store_id "
        "ORDER BY store_id",
        [SHRINK_CODE, run_id],
    ).fetchall()
    kept = listings_per_store(conn)
    result = []
    for store_id, message in refused:
        refused_rows, last_good_rows = parse_shrink_message(message) or (None, None)
        result.append(
            RefusedSnapshot(store_id, message, refused_rows, last_good_rows, kept.get(store_id, 0))
        )
    return result


@dataclass(frozen=True)
class MatchedShare:
    """How much of a store's snapshot is matched to Magento products."""

    store_id: str
    listings: int
    matched: int
    below_threshold: bool

    @property
    def share(self) -> float:
        return self.matched / self.listings


def matched_shares(conn: duckdb.DuckDBPyConnection, *, min_share: float) -> list[MatchedShare]:
    """Per store with listings, in store order: listings, matched ones, and whether the matched
    share is below ``min_share`` (strictly)."""
    return [
        MatchedShare(
            row.store_id,
            int(row.listings),
            int(row.matched),
            below_threshold=row.matched / row.listings < min_share,
        )
        for row in match_summary(conn)
    ]


StatusProblemKind = Literal["missing", "several", "not_in_snapshot"]


class StatusProblem(NamedTuple):
    """A listing without exactly one status: ``missing`` (none), ``several`` (``statuses`` lists
    them) or ``not_in_snapshot`` (a status for a listing the snapshot lacks)."""

    store_id: str
    seller_sku: str
    problem: StatusProblemKind
    statuses: str | None


_STATUS_PROBLEMS_SQL = """
WITH statuses AS (
    SELECT store_id, seller_sku, count(*) AS n,
        string_agg(status, ', ' ORDER BY status) AS statuses
    FROM core.listing_status WHERE seller_sku IS NOT NULL GROUP BY ALL
)
SELECT coalesce(l.store_id, s.store_id) AS store_id,
    coalesce(l.seller_sku, s.seller_sku) AS seller_sku,
    CASE WHEN l.seller_sku IS NULL THEN 'not_in_snapshot'
        WHEN s.n IS NULL THEN 'missing'
        ELSE 'several' END AS problem,
    s.statuses
FROM (SELECT store_id, seller_sku FROM raw.amazon_listings) l
FULL OUTER JOIN statuses s USING (store_id, seller_sku)
WHERE l.seller_sku IS NULL OR s.n IS NULL OR s.n > 1
ORDER BY problem, store_id, seller_sku
"""


def status_problems(conn: duckdb.DuckDBPyConnection) -> list[StatusProblem]:
    """Every listing of the snapshot should be in exactly one tab of ``core.listing_status``, and
    every listing there in the snapshot: what breaks that, by problem, store and seller SKU."""
    return [StatusProblem(*row) for row in conn.execute(_STATUS_PROBLEMS_SQL).fetchall()]
