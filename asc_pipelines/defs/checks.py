"""Data-quality checks on the warehouse, evaluated by Dagster right after the asset they watch.

- ``unique_store_seller_sku`` (amazon_listings_snapshot): one row per store and seller SKU.
- ``snapshot_not_shrunk`` (amazon_listings_snapshot, blocking): no store's snapshot was refused
  this run for shrinking (see ``logic/snapshot_guard.py``); when one was, the downstream assets
  (product_matches and everything after it) do not run in this tick.
- ``matched_share`` (product_matches): warns for a store with too few listings matched.
- ``one_status_per_listing`` (listings_by_status): every listing is in exactly one status.

Each check reads DuckDB only; it runs in the writer pool because ``DuckDBResource`` connections are
always read-write. ``raw.amazon_listings`` has a primary key on (store_id, seller_sku), so
``unique_store_seller_sku`` guards against a schema that lost it rather than against the loader.

``one_status_per_listing`` is deliberately not partitioned: the question spans all seven status
partitions (a listing in two of them), and the sync run materializes all seven in one step, after
which Dagster evaluates a non-partitioned check once (its evaluation has no partition).

``SOURCE_FRESHNESS`` goes on the four raw assets. Dagster judges it by the asset's last
materialization, and the raw assets materialize every tick even when a store failed, so it shows
the pipeline (schedule, daemon, runs) stopping, not one store going stale: that is the
``stale_store`` sync issue's job, and ``snapshot_not_shrunk`` for refused snapshots.

Every figure in a check's metadata (counts, shares, thresholds) is a number, one entry per figure
and, per store, ``<figure>/<store_id>`` (``matched_share/us``), so the Dagster UI can plot it across
evaluations; only store ids and the sample tables are text.
"""

from collections.abc import Mapping

import dagster as dg
from dagster_duckdb import DuckDBResource

from asc_pipelines.defs.metadata import markdown_table
from asc_pipelines.defs.resources import WRITER_POOL, AscSettings
from asc_pipelines.logic.snapshot_guard import SHRINK_CODE, CheckSettings, parse_shrink_message

SAMPLE_ROWS = 20
Figure = int | float


def per_store(figure: str, values: Mapping[str, Figure]) -> dict[str, Figure]:
    """One numeric metadata entry per store, ``<figure>/<store_id>``, in store order."""
    return {f"{figure}/{store_id}": values[store_id] for store_id in sorted(values)}


def check_settings(cfg: object) -> CheckSettings:
    """The config's ``checks`` section, or the defaults while the config has none."""
    return getattr(cfg, "checks", None) or CheckSettings()


@dg.asset_check(
    asset="amazon_listings_snapshot",
    name="unique_store_seller_sku",
    description="raw.amazon_listings holds at most one row per (store_id, seller_sku).",
    pool=WRITER_POOL,
)
def unique_store_seller_sku(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        duplicates = conn.execute(
            "SELECT store_id, seller_sku, count(*) AS n FROM raw.amazon_listings "
            "GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, store_id, seller_sku"
        ).fetchall()
        per_key = conn.execute(
            "SELECT store_id, sum(n) AS listings, count(*) FILTER (WHERE n > 1) AS duplicated "
            "FROM (SELECT store_id, seller_sku, count(*) AS n FROM raw.amazon_listings "
            "GROUP BY ALL) GROUP BY store_id ORDER BY store_id"
        ).fetchall()
    listings = {store_id: int(n) for store_id, n, _ in per_key}
    duplicated = {store_id: int(d) for store_id, _, d in per_key}
    metadata: dict[str, object] = {
        "listings": sum(listings.values()),
        "duplicated_keys": len(duplicates),
        **per_store("listings", listings),
        **per_store("duplicated_keys", duplicated),
    }
    if duplicates:
        metadata["sample"] = markdown_table(
            ["store", "seller_sku", "rows"], [list(d) for d in duplicates[:SAMPLE_ROWS]]
        )
    return dg.AssetCheckResult(
        passed=not duplicates, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
    )


@dg.asset_check(
    asset="amazon_listings_snapshot",
    name="snapshot_not_shrunk",
    blocking=True,
    description="No store's new listings snapshot was refused in this run for shrinking more "
    "than checks.max_snapshot_shrink_share against its last good one (that one stays). "
    "Blocking: on failure the assets downstream of the snapshot do not run in this tick.",
    pool=WRITER_POOL,
)
def snapshot_not_shrunk(
    context: dg.AssetCheckExecutionContext, settings: AscSettings, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    max_shrink_share = check_settings(settings.load()).max_snapshot_shrink_share
    with duckdb.get_connection() as conn:
        refused = conn.execute(
            "SELECT store_id, any_value(message ORDER BY occurred_at DESC) "
            "FROM raw.api_errors WHERE code = ? AND run_id = ? GROUP BY store_id "
            "ORDER BY store_id",
            [SHRINK_CODE, context.run.run_id],
        ).fetchall()
        kept = dict(
            conn.execute(
                "SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY store_id"
            ).fetchall()
        )
    rows: list[list[object]] = []
    refused_rows: dict[str, int] = {}
    last_good_rows: dict[str, int] = {}
    for store_id, message in refused:
        counts = parse_shrink_message(message)
        if counts is not None:
            refused_rows[store_id], last_good_rows[store_id] = counts
        rows.append([store_id, *(counts or (None, None)), kept.get(store_id, 0), message])
    summary = None
    if refused:
        stores = ", ".join(store_id for store_id, _ in refused)
        summary = f"snapshot refused for {stores}: the last good snapshot stays"
    metadata: dict[str, object] = {
        "max_snapshot_shrink_share": float(max_shrink_share),
        "stores_refused": [store_id for store_id, _ in refused],
        "refused_stores": len(refused),
        **per_store("refused_rows", refused_rows),
        **per_store("last_good_rows", last_good_rows),
        **per_store("rows_kept", {store_id: int(kept.get(store_id, 0)) for store_id, _ in refused}),
    }
    if refused:
        metadata["refusals"] = markdown_table(
            ["store", "refused rows", "last good rows", "rows kept", "message"], rows
        )
    return dg.AssetCheckResult(
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=summary,
    )


@dg.asset_check(
    asset="product_matches",
    name="matched_share",
    description="Warns for a store whose share of listings matched to a Magento product is "
    "below checks.min_matched_share (default 0.5).",
    pool=WRITER_POOL,
)
def matched_share(settings: AscSettings, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    threshold = check_settings(settings.load()).min_matched_share
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


ASSET_CHECKS = [unique_store_seller_sku, snapshot_not_shrunk, matched_share, one_status_per_listing]
