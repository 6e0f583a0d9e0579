"""Benchmark: matching, eligibility and status classification on a loaded warehouse.

Issue 3 asks that a 1,000,000-product, 3-store world classifies in seconds. Give it a warehouse
whose raw layer is loaded (e.g. after `asc sync` against a world from `make bench`) and its config;
it works on a copy, times each step, and prints the status counts.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from asc_pipelines.config import load_config
from asc_pipelines.logic.eligibility import refresh_eligibility
from asc_pipelines.logic.identifiers import refresh_identifier_cache
from asc_pipelines.logic.matching import refresh_matches
from asc_pipelines.logic.status import refresh_status
from asc_pipelines.warehouse.schema import ensure_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", required=True, help="a warehouse.duckdb with raw data")
    parser.add_argument("--config", required=True, help="the asc.yaml its stores come from")
    parser.add_argument(
        "--keep-caches", action="store_true", help="keep core.identifier_cache (default: empty it)"
    )
    args = parser.parse_args()
    cfg = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, copy)
        conn = duckdb.connect(str(copy), config={"memory_limit": "4GB", "threads": 2})
        ensure_schema(conn)
        if not args.keep_caches:
            conn.execute("DELETE FROM core.identifier_cache")
        products = conn.execute("SELECT count(*) FROM raw.magento_products").fetchone()[0]
        listings = conn.execute("SELECT count(*) FROM raw.amazon_listings").fetchone()[0]
        print(f"{products:,} products, {listings:,} listings, {len(cfg.stores)} stores")
        now = datetime.now(UTC)
        for label, step in (
            ("normalize identifiers (first time)", lambda: refresh_identifier_cache(conn)),
            ("normalize identifiers (next tick)", lambda: refresh_identifier_cache(conn)),
            ("match listings", lambda: refresh_matches(conn, seller_sku_attribute="sku")),
            (
                "eligibility, all stores",
                lambda: [refresh_eligibility(conn, s, computed_at=now) for s in cfg.stores],
            ),
            (
                "classify, all stores",
                lambda: [
                    refresh_status(
                        conn, store_id=s.id, marketplace_id=s.marketplace_id, computed_at=now
                    )
                    for s in cfg.stores
                ],
            ),
        ):
            started = time.perf_counter()
            result = step()
            extra = f" ({result:,} values)" if isinstance(result, int) else ""
            print(f"{label:<38}{time.perf_counter() - started:>8.2f} s{extra}")
        for row in conn.execute(
            "SELECT status, count(*) FROM core.listing_status GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall():
            print(f"  {row[0]:<18}{row[1]:>10,}")
        conn.close()


if __name__ == "__main__":
    main()
