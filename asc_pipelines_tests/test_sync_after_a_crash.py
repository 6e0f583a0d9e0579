"""``asc sync`` killed (SIGKILL) in the middle of a tick: the next ``asc sync`` runs on its own.

The killed run stays STARTED in the Dagster instance holding the ``duckdb_writer`` pool slot of
the step it was in; the next tick must mark it failed, saying why, free the slot and succeed, and
the warehouse must be whole.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.defs.resources import WRITER_POOL
from asc_pipelines.runner import DAGSTER_YAML
from asc_pipelines.warehouse.schema import PUBLISHED_FILE, WAREHOUSE_FILE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
ASC = str(Path(sys.executable).with_name("asc"))
# Steps to kill the tick in, each as soon as it started: a raw fetch (the first tick's, on an
# empty warehouse; its report request is held up in the sandbox so the kill lands inside the
# call), the partitioned status asset, a trend.
KILL_WHEN_STARTED = (
    ("amazon_listings_snapshot", "createReport"),
    ("listings_by_status", None),
    ("sales_trend", None),
)
# A tick of the small world takes well under a minute; a blocked one never ends.
SYNC_TIMEOUT_SECONDS = 240


def _sync_command(config: Path, data: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASC_", "DAGSTER_HOME"))}
    return [ASC, "sync", "--config", str(config), "--data-dir", str(data)], env


def _started_steps(instance: dg.DagsterInstance, run_id: str) -> set[str | None]:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.STEP_START, limit=1000
    ).records
    return {record.event_log_entry.step_key for record in records}


def _kill_sync_once_step_started(
    instance: dg.DagsterInstance, config: Path, data: Path, step: str
) -> tuple[str, int]:
    """Start ``asc sync``, SIGKILL it as soon as its run's event log shows ``step`` started;
    return the killed run's id and the killed process's pid."""
    known = {record.dagster_run.run_id for record in instance.get_run_records()}
    command, env = _sync_command(config, data)
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
        while True:
            assert process.poll() is None, f"asc sync ended before {step} started"
            if time.monotonic() >= deadline:  # a give-up time, not a timing assertion
                pytest.fail(f"{step} never started")
            new = [
                r for r in instance.get_run_records(limit=1) if r.dagster_run.run_id not in known
            ]
            if new and step in _started_steps(instance, new[0].dagster_run.run_id):
                break
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return new[0].dagster_run.run_id, process.pid


def _failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    failures = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    return "\n".join(event.message for event in failures)


def _warehouse_facts(path: Path, run_id: str) -> dict[str, object]:
    """The run's fetch outcomes, and whether every listing has exactly one status row."""
    with duckdb.connect(str(path), read_only=True) as conn:
        outcomes = conn.execute(
            "SELECT DISTINCT outcome FROM raw.store_fetches WHERE run_id = ?", [run_id]
        ).fetchall()
        listings, classified, once = conn.execute(
            "SELECT (SELECT count(*) FROM raw.amazon_listings), "
            "(SELECT count(*) FROM core.listing_status WHERE seller_sku IS NOT NULL), "
            "(SELECT count(*) FROM raw.amazon_listings l "
            " WHERE (SELECT count(*) FROM core.listing_status s "
            "        WHERE s.store_id = l.store_id AND s.seller_sku = l.seller_sku) = 1)"
        ).fetchone()
    return {"outcomes": outcomes, "listings": listings, "classified": classified, "once": once}


def test_a_tick_killed_at_any_step_does_not_block_the_next_tick(sandbox_pipeline) -> None:
    data, config = sandbox_pipeline.data, sandbox_pipeline.config
    home = data / "dagster_home"
    home.mkdir(parents=True)
    # The file `asc sync` writes itself; written first so this test can watch the instance.
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for step, slow_operation in KILL_WHEN_STARTED:
            if slow_operation:
                sandbox_pipeline.server.faults.add(slow_operation, "latency", seconds=5, times=-1)
            killed_run, killed_pid = _kill_sync_once_step_started(instance, config, data, step)
            sandbox_pipeline.server.faults.clear()
            assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.STARTED

            command, env = _sync_command(config, data)
            try:
                after = subprocess.run(
                    command, env=env, capture_output=True, text=True,
                    timeout=SYNC_TIMEOUT_SECONDS, check=False,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                pytest.fail(f"killed during {step}: the next asc sync never finished")
            assert after.returncode == 0, after.stdout + after.stderr

            assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.FAILURE
            message = _failure_message(instance, killed_run)
            assert f"the process that ran it (pid {killed_pid} on host " in message
            assert "is gone, killed or crashed before the run finished" in message
            latest = instance.get_run_records(limit=1)[0].dagster_run
            assert latest.run_id != killed_run
            assert latest.status == dg.DagsterRunStatus.SUCCESS
            slot = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
            assert slot.claimed_slots == [] and slot.pending_steps == []

            working = _warehouse_facts(data / WAREHOUSE_FILE, latest.run_id)
            assert working["outcomes"] == [("ok",)]
            assert working["listings"] > 0
            assert working["listings"] == working["classified"] == working["once"]
            assert _warehouse_facts(data / PUBLISHED_FILE, latest.run_id) == working
