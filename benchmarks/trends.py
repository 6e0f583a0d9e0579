"""Benchmark: the history and trend assets after a simulated day (288 five-minute ticks).

Issue 5 asks how long the trend assets take once a day of ticks has been recorded, on the demo
world and on a 100,000-product world, and how fast ``core.listing_history`` grows per day.

1. Real ticks: a generated world is served by the sandbox and ``--real-ticks`` sync ticks run
   through the Dagster job, five sandbox minutes apart. Their history growth gives the change rate
   of that world (rows per tick), and Dagster's step statistics give each asset's time.
2. The rest of the day is simulated at that rate, without HTTP: each simulated tick changes the
   price, quantity or status of that many random listings and records the history
   (``record_listing_history``), exactly as the asset does.
3. At the end of the day the trend tables and the report pages are rebuilt and timed.

    python benchmarks/trends.py --products 2000 --stores 3          # the demo world
    python benchmarks/trends.py --products 100000 --stores 3

Prints one line per phase; nothing is asserted (timings belong here, not in the test suite).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import dagster as dg
import duckdb

from asc_pipelines.config import load_config
from asc_pipelines.dashboard.pages import write_report_pages
from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.reporting.pages import store_headers
from asc_pipelines.logic import trends
from asc_pipelines.logic.history import record_listing_history
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.warehouse.schema import REPORTS_DIR, WAREHOUSE_FILE

TIMED_STEPS = (
    "listing_history",
    "listing_status_trend",
    "sales_trend",
    "sync_issue_trend",
    "store_health",
    "report_pages",
)


def _history_rows(conn: duckdb.DuckDBPyConnection) -> int:
    return int(conn.execute("SELECT count(*) FROM core.listing_history").fetchone()[0])


def _real_ticks(args: argparse.Namespace, work: Path) -> tuple[Path, Path, list[int]]:
    """Run the real sync job; returns the data dir, the config and history rows per tick."""
    world = work / "world"
    if not (world / "world.json").exists():
        started = time.monotonic()
        generate_world(world, products=args.products, stores=args.stores, seed=args.seed)
        print(f"world generated in {time.monotonic() - started:.1f}s", flush=True)
    server = SandboxServer(
        world, host="127.0.0.1", port=0, rate_scale=args.rate_scale, report_delay_seconds=0.3
    ).start()
    config = write_sandbox_config(
        work / "asc.yaml", world, server.base_url, rate_scale=args.rate_scale
    )
    for name, value in load_config(config).env_defaults.items():
        os.environ[name] = value
    data = work / "data"
    defs = build_definitions(config_file=config, data_directory=data)
    instance = dg.DagsterInstance.ephemeral()
    rows: list[int] = []
    step_seconds: dict[str, list[float]] = {step: [] for step in TIMED_STEPS}
    try:
        for number in range(args.real_ticks):
            if number:
                server.advance(5)
            started = time.monotonic()
            result = run_sync(defs, data, instance)
            took = time.monotonic() - started
            for stat in instance.get_run_step_stats(result.run_id):
                if stat.step_key in step_seconds and stat.end_time and stat.start_time:
                    step_seconds[stat.step_key].append(stat.end_time - stat.start_time)
            with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
                rows.append(_history_rows(conn))
            print(
                f"real tick {number + 1}/{args.real_ticks}: {took:.1f}s, "
                f"ok={result.every_store_ok}, history rows {rows[-1]}",
                flush=True,
            )
    finally:
        server.stop()
    for step, seconds in step_seconds.items():
        if seconds:
            print(
                f"  step {step}: first tick {seconds[0]:.2f}s, later ticks median "
                f"{statistics.median(seconds[1:] or seconds):.2f}s"
            )
    return data, config, rows


def _simulate(conn: duckdb.DuckDBPyConnection, store_ids: list[str], ticks: int, rate: int) -> None:
    """``ticks`` more five-minute ticks, each changing ``rate`` random listings."""
    rng = random.Random(5)
    keys = conn.execute(
        "SELECT store_id, seller_sku FROM core.listing_status WHERE seller_sku IS NOT NULL"
    ).fetchall()
    last = conn.execute("SELECT max(valid_from) FROM core.listing_history").fetchone()[0]
    seconds = []
    for number in range(ticks):
        chosen = rng.sample(keys, min(rate, len(keys)))
        conn.execute("CREATE OR REPLACE TEMP TABLE moved (store_id VARCHAR, seller_sku VARCHAR)")
        conn.executemany("INSERT INTO moved VALUES (?, ?)", chosen)
        kind = number % 3
        if kind == 0:
            conn.execute(
                "UPDATE raw.amazon_listings AS l SET price = coalesce(price, 10) + 0.01 "
                "FROM moved AS m WHERE m.store_id = l.store_id AND m.seller_sku = l.seller_sku"
            )
        elif kind == 1:
            conn.execute(
                "UPDATE raw.amazon_listings AS l SET quantity = coalesce(quantity, 0) + 1 "
                "FROM moved AS m WHERE m.store_id = l.store_id AND m.seller_sku = l.seller_sku"
            )
        else:
            conn.execute(
                "UPDATE core.listing_status AS s SET status = CASE s.status WHEN 'active' "
                "THEN 'inactive' ELSE 'active' END, reason_code = 'benchmark' FROM moved AS m "
                "WHERE m.store_id = s.store_id AND m.seller_sku = s.seller_sku"
            )
        last = last + timedelta(minutes=5)
        started = time.monotonic()
        conn.execute("BEGIN TRANSACTION")
        record_listing_history(conn, observed_at=last, store_ids=store_ids)
        conn.execute("COMMIT")
        seconds.append(time.monotonic() - started)
    print(
        f"simulated {ticks} ticks of {rate} changes: history step median "
        f"{statistics.median(seconds):.3f}s, max {max(seconds):.3f}s",
        flush=True,
    )
    conn.execute(
        "INSERT INTO raw.store_fetches (store_id, dataset, outcome, finished_at) "
        "SELECT unnest($stores::VARCHAR[]), 'amazon_listings', 'ok', $t",
        {"stores": store_ids, "t": last},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--stores", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-ticks", type=int, default=12)
    parser.add_argument("--day-ticks", type=int, default=288)
    parser.add_argument("--rate-scale", type=float, default=100.0)
    parser.add_argument("--work", help="work directory (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        data, config, rows = _real_ticks(args, work)
        per_tick = [b - a for a, b in pairwise(rows)]
        rate = max(1, round(statistics.mean(per_tick))) if per_tick else 1
        print(f"history: first tick {rows[0]} rows, then {per_tick} rows per tick (mean {rate})")
        cfg = load_config(config)
        store_ids = [s.id for s in cfg.stores]
        path = data / WAREHOUSE_FILE
        conn = duckdb.connect(str(path), config={"memory_limit": "4GB", "threads": 2})
        conn.execute("CHECKPOINT")
        size_before = path.stat().st_size
        rows_before = _history_rows(conn)
        _simulate(conn, store_ids, args.day_ticks - args.real_ticks, rate)
        conn.execute("CHECKPOINT")
        print(
            f"after {args.day_ticks} ticks: {_history_rows(conn)} history rows "
            f"(+{_history_rows(conn) - rows_before} since the last real tick), warehouse "
            f"{size_before / 1e6:.1f} MB -> {path.stat().st_size / 1e6:.1f} MB"
        )
        as_of = conn.execute("SELECT max(finished_at) FROM raw.store_fetches").fetchone()[0]
        stores = trends.store_infos(cfg)
        timings = {
            "listing_status_trend": lambda: trends.refresh_listing_status_trend(conn, as_of=as_of),
            "sales_trend": lambda: trends.refresh_sales_trend(conn, as_of=as_of, stores=stores),
            "sync_issue_trend": lambda: trends.refresh_sync_issue_trend(conn, as_of=as_of),
            "store_health": lambda: trends.refresh_store_health(conn, as_of=as_of, stores=stores),
            "report_pages": lambda: write_report_pages(
                conn, work / REPORTS_DIR, store_headers(cfg)
            ),
        }
        for name, run in timings.items():
            started = time.monotonic()
            result = run()
            shown = result if isinstance(result, int | tuple) else "pages"
            print(f"  {name}: {time.monotonic() - started:.2f}s ({shown})")
        conn.close()


if __name__ == "__main__":
    main()
