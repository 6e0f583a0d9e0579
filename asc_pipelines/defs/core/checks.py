"""Checks on the matched and classified listings, evaluated right after the asset they watch.

- ``matched_share`` (product_matches): warns for a store with too few listings matched.
- ``one_status_per_listing`` (listings_by_status): every listing is in exactly one status. It is
  deliberately not partitioned: the question spans all seven status partitions (a listing in two
  of them), and the sync run materializes all seven in one step, after which Dagster evaluates a
  non-partitioned check once (its evaluation has no partition).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.check_metadata import SAMPLE_ROWS, per_store
from asc_pipelines.defs.metadata import markdown_table
from asc_pipelines.defs.resources import WRITER_POOL, AscSettings


@dg.asset_check(
    asset="product_matches",
    name="matched_share",
    description="Warns for a store whose share of listings matched to a Magento product is "
    "below checks.min_matched_share (default 0.5).",
    pool=WRITER_POOL,
)
def matched_share(settings: AscSettings, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    threshold = settings.load().checks.min_matched_share
    with duckdb.get_connection() as conn:
        per_store_rows = conn.execute(
            "SELECT store_id, count(*) AS listings, count(magento_sku) AS matched "
            "FROM core.product_matches GROUP BY store_id ORDER BY store_id"
        ).fetchall()
    rows = [(store_id, int(n), int(m)) for store_id, n, m in per_store_rows]
    shares = {store_id: matched / listings for store_id, listings, matched in rows}
    below = sorted(store_id for store_id, share in shares.items() if share < threshold)
    summary = None
    if below:
        summary = f"matched share below {threshold:.0%}: " + ", ".join(
            f"{store_id} {shares[store_id]:.1%}" for store_id in below
        )
    return dg.AssetCheckResult(
        passed=not below,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": float(threshold),
            "stores_below_threshold": below,
            "stores_below_threshold_count": len(below),
            **per_store("matched_share", {k: round(v, 4) for k, v in shares.items()}),
            **per_store("listings", {s: n for s, n, _ in rows}),
            **per_store("matched", {s: m for s, _, m in rows}),
            "per_store": markdown_table(
                ["store", "listings", "matched", "share", "below threshold"],
                [[s, n, m, f"{shares[s]:.1%}", "yes" if s in below else ""] for s, n, m in rows],
            ),
        },
        description=summary,
    )


@dg.asset_check(
    asset="listings_by_status",
    name="one_status_per_listing",
    description="Every listing of raw.amazon_listings appears exactly once in "
    "core.listing_status, and core.listing_status names no listing the snapshot lacks. "
    "Not partitioned: it checks the whole classification once per run, whichever partitions "
    "the run materialized.",
    pool=WRITER_POOL,
)
def one_status_per_listing(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        problems = conn.execute(
            """
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
        ).fetchall()
        listings = dict(
            conn.execute(
                "SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY store_id"
            ).fetchall()
        )
    counts = {"missing": 0, "several": 0, "not_in_snapshot": 0}
    problems_per_store = dict.fromkeys(listings, 0)
    for store_id, _sku, problem, _statuses in problems:
        counts[problem] += 1
        problems_per_store[store_id] = problems_per_store.get(store_id, 0) + 1
    metadata: dict[str, object] = {
        "listings": int(sum(listings.values())),
        "listings_without_status": counts["missing"],
        "listings_in_several_statuses": counts["several"],
        "statuses_of_unknown_listings": counts["not_in_snapshot"],
        **per_store("problems", problems_per_store),
    }
    if problems:
        metadata["sample"] = markdown_table(
            ["store", "seller_sku", "problem", "statuses"],
            [list(p) for p in problems[:SAMPLE_ROWS]],
        )
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
    )


CORE_CHECKS = [matched_share, one_status_per_listing]
