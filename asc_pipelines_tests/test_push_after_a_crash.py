"""``asc sync`` killed (SIGKILL) while it is sending listing changes to Amazon, one patch at a time
or as a ``JSON_LISTINGS_FEED``: the changes were committed as ``sent`` (and the feed with its
messages) before the request left, so nothing is lost, and the next ``asc sync`` sends the same
values again (never a different one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.warehouse.schema import WAREHOUSE_FILE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
ASC = str(Path(sys.executable).with_name("asc"))
SYNC_TIMEOUT_SECONDS = 240  # a give-up time, not a timing assertion
PATCH_LATENCY_SECONDS = 5.0  # each patch (or upload) is held this long: the kill lands inside


def _live_config(tmp_path: Path, small_world: Path, base_url: str, push: dict) -> Path:
    config = write_sandbox_config(tmp_path / "asc.yaml", small_world, base_url, rate_scale=50)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    for store in raw["stores"]:
        if store["id"] == "us":
            store["push"] = push
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config


def _kill_once_answered(process: subprocess.Popen, server, operation: str) -> None:
    """SIGKILL one second after the sandbox answered the first ``operation`` call (the log holds
    answered calls), so the next call, held PATCH_LATENCY_SECONDS, is in flight."""
    try:
        deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
        while not server.app.request_log.entries({operation}):
            assert process.poll() is None, f"asc sync ended before any {operation}"
            if time.monotonic() >= deadline:
                pytest.fail(f"no {operation} was ever answered")
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    server.faults.clear()


def _sync_command(config: Path, data: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASC_", "DAGSTER_HOME"))}
    return [ASC, "sync", "--config", str(config), "--data-dir", str(data)], env


def _outbox(data: Path) -> list[tuple[str, str, str, str, int]]:
    with duckdb.connect(str(data / WAREHOUSE_FILE), read_only=True) as conn:
        return conn.execute(
            "SELECT seller_sku, attribute, value, status, attempts FROM core.listing_outbox "
            "WHERE store_id = 'us' ORDER BY seller_sku, attribute"
        ).fetchall()


def test_a_tick_killed_while_sending_loses_no_change_and_resends_the_same_value(
    tmp_path: Path, small_world: Path, sandbox_factory
) -> None:
    server = sandbox_factory(small_world, write_delay_seconds=600)
    push = {"mode": "live", "max_patches_per_tick": 1000, "feed_threshold": 100000}
    config = _live_config(tmp_path, small_world, server.base_url, push)
    data = tmp_path / "data"
    server.faults.add("patchListingsItem", "latency", seconds=PATCH_LATENCY_SECONDS, times=-1)
    command, env = _sync_command(config, data)

    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _kill_once_answered(process, server, "patchListingsItem")

    killed = _outbox(data)
    in_flight = [row for row in killed if row[3] == "sent"]
    assert in_flight and {row[4] for row in in_flight} == {1}
    assert {row[3] for row in killed} <= {"pending", "sent", "accepted"}

    after = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=SYNC_TIMEOUT_SECONDS, check=False
    )
    assert after.returncode == 0, after.stdout + after.stderr

    resent = _outbox(data)
    # No change lost, none changed its value: the same rows, the in-flight ones sent once more.
    assert [row[:3] for row in resent] == [row[:3] for row in killed]
    assert {row[3] for row in resent} == {"accepted"}
    in_flight_keys = {row[:3] for row in in_flight}
    assert {row[4] for row in resent if row[:3] in in_flight_keys} == {2}
    assert {row[4] for row in resent if row[:3] not in in_flight_keys} == {1}


def test_a_tick_killed_while_uploading_a_feed_loses_no_change_and_sends_the_same_values(
    tmp_path: Path, small_world: Path, sandbox_factory
) -> None:
    server = sandbox_factory(small_world, write_delay_seconds=600)
    push = {"mode": "live", "feed_threshold": 5}
    config = _live_config(tmp_path, small_world, server.base_url, push)
    data = tmp_path / "data"
    server.faults.add("uploadFeedDocument", "latency", seconds=PATCH_LATENCY_SECONDS, times=-1)
    command, env = _sync_command(config, data)

    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _kill_once_answered(process, server, "createFeedDocument")

    killed = _outbox(data)
    assert killed and {(row[3], row[4]) for row in killed} == {("sent", 1)}
    with duckdb.connect(str(data / WAREHOUSE_FILE), read_only=True) as conn:
        assert conn.execute(
            "SELECT status, feed_document_id IS NOT NULL, feed_id FROM core.listing_feeds"
        ).fetchall() == [("preparing", True, None)]

    after = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=SYNC_TIMEOUT_SECONDS, check=False
    )
    assert after.returncode == 0, after.stdout + after.stderr

    resent = _outbox(data)
    # No change lost, none changed its value: all of them in a new feed, sent a second time.
    assert [row[:3] for row in resent] == [row[:3] for row in killed]
    assert {(row[3], row[4]) for row in resent} == {("sent", 2)}
    with duckdb.connect(str(data / WAREHOUSE_FILE), read_only=True) as conn:
        feeds = conn.execute(
            "SELECT status, messages FROM core.listing_feeds ORDER BY created_at, status"
        ).fetchall()
    listings = len({row[0] for row in killed})
    assert sorted(feeds) == [("abandoned", listings), ("submitted", listings)]
    assert len(server.app.request_log.entries({"createFeed"})) == 1
