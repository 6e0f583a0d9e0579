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
from asc_pipelines.logic.checks import listings_per_store, matched_shares, status_problems


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
        stores = matched_shares(conn, min_share=threshold)
    shares = {store.store_id: store.share for store in stores}
    below = sorted(store.store_id for store in stores if store.below_threshold)
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
            **per_store("listings", {s.store_id: s.listings for s in stores}),
            **per_store("matched", {s.store_id: s.matched for s in stores}),
            "per_store": markdown_table(
                ["store", "listings", "matched", "share", "below threshold"],
                [
                    [
                        s.store_id,
                        s.listings,
                        s.matched,
                        f"{s.share:.1%}",
                        "yes" if s.store_id in below else "",
                    ]
                    for s in stores
                ],
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
        problems = status_problems(conn)
        listings = listings_per_store(conn)
    counts = {"missing": 0, "several": 0, "not_in_snapshot": 0}
    problems_per_store = dict.fromkeys(listings, 0)
    for problem in problems:
        counts[problem.problem] += 1
        problems_per_store[problem.store_id] = problems_per_store.get(problem.store_id, 0) + 1
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
