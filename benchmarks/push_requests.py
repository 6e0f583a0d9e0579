"""Benchmark: the requests and time it takes to send every drifted listing of a store, one patch
each or as one ``JSON_LISTINGS_FEED`` (issue 11's measurement).

Generates a world, serves it on 127.0.0.1 at ``--rate-scale`` (1: Amazon's published rates),
moves every merchant-fulfilled price of the ``us`` store by ``adjust_amount`` so each of them
drifts, and runs the real sync job on fresh warehouses three times: with sending ``off`` (the
read side's own requests, subtracted from the others), with every listing as a
``patchListingsItem`` (``feed_threshold`` out of reach, no per-tick cap, a tick deadline long
enough for all of them) and as one feed (``feed_threshold`` 1). Each runs two ticks five sandbox
minutes apart (a feed is polled and read back on the next one). It prints the sending side's
requests by operation (the sandbox's request log), per route and per 1,000 listings, and the
seconds the sending step took in the first tick (``raw.store_fetches``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sandbox_setup import write_sandbox_config

SENDING = (
    "searchListingsItems",
    "getListingsItem",
    "patchListingsItem",
    "createFeedDocument",
    "uploadFeedDocument",
    "createFeed",
    "getFeed",
    "getFeedDocument",
    "downloadReportDocument",  # a feed's processing report (report downloads are subtracted)
    "cancelFeed",
)


def _run(world: Path, route: str, rate_scale: float, scratch: Path) -> dict:
    server = SandboxServer(
        world, host="127.0.0.1", port=0, rate_scale=rate_scale, report_delay_seconds=0.3
    ).start()
    try:
        config = write_sandbox_config(
            scratch / f"{route}.yaml", world, server.base_url, rate_scale=rate_scale
        )
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw.setdefault("tick", {})["deadline_seconds"] = 3600
        for store in raw["stores"]:
            if store["id"] == "us":
                store["price"] = {"adjust_amount": 1}
                store["push"] = {
                    "mode": "off" if route == "off" else "live",
                    "max_patches_per_tick": 100_000,
                    "feed_threshold": 1 if route == "feed" else 10**9,
                }
        config.write_text(yaml.safe_dump(raw), encoding="utf-8")
        for name, value in load_config(config).env_defaults.items():
            os.environ[name] = value
        data = scratch / f"{route}-data"
        defs = build_definitions(config_file=config, data_directory=data)
        instance = dg.DagsterInstance.ephemeral()
        assert run_sync(defs, data, instance).run_success
        seconds = _push_seconds(data)
        server.app.clock.advance(300)  # the next tick, five sandbox minutes later
        assert run_sync(defs, data, instance).run_success
        requests = Counter(
            entry.operation for entry in server.app.request_log.entries(set(SENDING))
        )
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM core.listing_outbox WHERE store_id = 'us' "
                    "GROUP BY 1"
                ).fetchall()
            )
            [(listings,)] = conn.execute(
                "SELECT count(DISTINCT seller_sku) FROM core.listing_outbox "
                "WHERE store_id = 'us' AND sent_at IS NOT NULL"
            ).fetchall()
        return {
            "requests": requests,
            "seconds": seconds,
            "statuses": statuses,
            "listings": int(listings),
        }
    finally:
        server.stop()


def _push_seconds(data: Path) -> float:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        row = conn.execute(
            "SELECT sum(seconds) FROM raw.store_fetches "
            "WHERE dataset = 'amazon_listing_pushes' AND store_id = 'us'"
        ).fetchone()
    return float(row[0] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--rate-scale", type=float, default=1.0)
    args = parser.parse_args()
    routes = ("off", "patches", "feed")
    with tempfile.TemporaryDirectory(prefix="asc-push-bench-") as tmp:
        scratch = Path(tmp)
        world = scratch / "world"
        generate_world(world, products=args.products, stores=2, seed=11)
        results = {route: _run(world, route, args.rate_scale, scratch) for route in routes}
    baseline = results["off"]["requests"]
    print(f"us store, {args.products} products, rate scale {args.rate_scale}, two ticks")
    print(f"{'operation':<22}{'patches':>10}{'per 1,000':>11}{'feed':>8}{'per 1,000':>11}")
    totals = dict.fromkeys(("patches", "feed"), 0)
    for operation in SENDING:
        row = []
        for route in ("patches", "feed"):
            sent = max(results[route]["requests"][operation] - baseline[operation], 0)
            totals[route] += sent
            row += [sent, 1000 * sent / max(results[route]["listings"], 1)]
        if row[0] or row[2]:
            print(f"{operation:<22}{row[0]:>10}{row[1]:>11.1f}{row[2]:>8}{row[3]:>11.1f}")
    per = {route: 1000 * totals[route] / max(results[route]["listings"], 1) for route in totals}
    print(
        f"{'total':<22}{totals['patches']:>10}{per['patches']:>11.1f}"
        f"{totals['feed']:>8}{per['feed']:>11.1f}"
    )
    for route in ("patches", "feed"):
        result = results[route]
        print(
            f"{route}: {result['listings']} listings sent; sending step {result['seconds']:.1f} s "
            f"in the first tick; outbox after two ticks: {result['statuses']}"
        )


if __name__ == "__main__":
    main()
