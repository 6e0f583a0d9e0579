"""Closing the loop through the real sync job against the real sandbox (issue 11, section 5):
both stores send ``live`` with a budget of 10 listings a tick, five minutes of sandbox time apart
while the world evolves, so the first tick's backlog waits several ticks. Every confirmed change
has its latency in ``reporting.sync_latency``, the days their percentiles, and the changes that
waited more than 30 minutes had a ``slow_sync`` warning, resolved at the tick that confirmed or
superseded them. Sandbox time only; nothing here depends on how fast this machine is."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox_setup import write_sandbox_config

pytestmark = pytest.mark.slow

TICKS_AFTER_THE_FIRST = 8


def test_latency_and_slow_sync_follow_a_live_backlog(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world, write_delay_seconds=120.0)
    config = write_sandbox_config(
        tmp_path / "asc.yaml", small_world, server.base_url, rate_scale=50
    )
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    for store in raw["stores"]:
        store["push"] = {"mode": "live", "max_patches_per_tick": 10}
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for name, value in load_config(config).env_defaults.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ASC_PUSH_PAUSED", raising=False)
    data = tmp_path / "data"
    defs = build_definitions(config_file=config, data_directory=data)
    instance = dg.DagsterInstance.ephemeral()

    assert run_sync(defs, data, instance).run_success
    for _ in range(TICKS_AFTER_THE_FIRST):
        server.app.advance(5)
        assert run_sync(defs, data, instance).run_success

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        latencies = conn.execute(
            "SELECT l.store_id, l.latency_minutes, "
            "(epoch(o.confirmed_at) - epoch(o.first_seen_at)) / 60.0 "
            "FROM reporting.sync_latency l JOIN core.listing_outbox o USING (change_id) "
            "WHERE o.status = 'confirmed'"
        ).fetchall()
        days = conn.execute(
            "SELECT store_id, sum(confirmed), bool_and(p50_minutes <= p95_minutes) "
            "FROM reporting.sync_latency_trend GROUP BY store_id ORDER BY store_id"
        ).fetchall()
        slow = conn.execute(
            "SELECT i.resolved_at IS NULL, o.status, "
            "i.resolved_at = coalesce(o.confirmed_at, o.updated_at) "
            "FROM core.sync_issues i JOIN core.listing_outbox o "
            "ON o.store_id = i.store_id AND i.subject = o.seller_sku || ' ' || o.attribute "
            "AND o.first_seen_at < i.first_seen_at - INTERVAL 30 MINUTE "
            "WHERE i.kind = 'slow_sync' "
            # The change: the latest one of that listing and attribute before it opened.
            "QUALIFY row_number() OVER (PARTITION BY i.issue_id ORDER BY o.first_seen_at DESC) = 1"
        ).fetchall()
        [(waiting_long,)] = conn.execute(
            "SELECT count(*) FROM core.listing_outbox o, "
            "(SELECT max(finished_at) AS t FROM raw.store_fetches) AS clock "
            "WHERE o.status IN ('pending', 'sent', 'accepted') "
            "AND o.first_seen_at < clock.t - INTERVAL 30 MINUTE"
        ).fetchall()
        [(open_slow,)] = conn.execute(
            "SELECT count(*) FROM core.sync_issues WHERE kind = 'slow_sync' AND resolved_at IS NULL"
        ).fetchall()

    assert {store for store, _, _ in latencies} == {"uk", "us"}
    assert all(latency == expected for _, latency, expected in latencies)
    assert [(store, int(confirmed)) for store, confirmed, _ in days] == [
        (store, sum(1 for s, _, _ in latencies if s == store)) for store in ("uk", "us")
    ]
    assert all(ordered for _, _, ordered in days)
    # The backlog waited: some changes had a slow_sync; each resolved one resolved at the tick
    # that confirmed or superseded its change, and what is still open still waits.
    assert slow
    assert all(still_open or resolved_then for still_open, _, resolved_then in slow)
    assert {status for still_open, status, _ in slow if not still_open} <= {
        "confirmed",
        "superseded",
    }
    assert open_slow == waiting_long
