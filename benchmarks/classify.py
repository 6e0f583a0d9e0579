"""Benchmark: matching, eligibility and status classification on a loaded warehouse.

Issue 3 asks that a 1,000,000-product, 3-store world classifies in seconds. Give it a warehouse
whose raw layer is loaded (e.g. after `asc sync` against a world from `make bench`) and its config;
it works on a copy, runs the classification path (``logic/classification.py``) for a first tick
and a next one, times each step, and prints the status counts.
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
from asc_pipelines.logic.classification import classify
from asc_pipelines.warehouse.schema import ensure_schema

STEPS = {
    "normalize": "normalize identifiers",
    "match": "match listings",
    "eligibility": "eligibility, all stores",
    "status": "classify, all stores",
}


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
        for tick in ("first tick", "next tick"):
            started = time.perf_counter()
            run = classify(conn, cfg, computed_at=now)
            print(f"{tick}: {time.perf_counter() - started:.2f} s")
            for step, label in STEPS.items():
                extra = f" ({run.identifiers_normalized:,} values)" if step == "normalize" else ""
                print(f"  {label:<36}{run.seconds[step]:>8.2f} s{extra}")
        print("listings and products per status:")
        for row in conn.execute(
            "SELECT status, count(*) FROM core.listing_status GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall():
            print(f"  {row[0]:<18}{row[1]:>10,}")
        conn.close()


if __name__ == "__main__":
    main()
