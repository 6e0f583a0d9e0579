"""Pool slots left by runs that died: which are freed, by whom, and which are left alone."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import yaml
from dagster._core.events import DagsterEvent
from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration
from dagster._time import get_current_datetime

from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines.defs.operations.stale_runs import (
    RUN_PID_TAG,
    clear_runs_of_dead_processes,
    process_tags,
)
from asc_pipelines.defs.resources import WRITER_POOL
from asc_pipelines.runner import DAGSTER_YAML

DEPLOY_YAML = Path(__file__).parents[2] / "deploy" / "dagster.yaml"


def _run_holding_the_writer_slot(
    instance: dg.DagsterInstance, tags: dict[str, str] | None = None
) -> str:
    run = instance.add_run(
        dg.DagsterRun(
            job_name=SYNC_JOB_NAME,
            run_id=str(uuid.uuid4()),
            status=dg.DagsterRunStatus.STARTED,
            tags=tags or {},
        )
    )
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WRITER_POOL, 1)
    assert storage.claim_concurrency_slot(WRITER_POOL, run.run_id, "sales_trend").is_claimed
    return run.run_id


def _fail(instance: dg.DagsterInstance, run_id: str, seconds_ago: float) -> None:
    """Mark the run failed as of ``seconds_ago`` (as the code server or run monitoring does)."""
    event = DagsterEvent(
        event_type_value=dg.DagsterEventType.RUN_FAILURE.value, job_name=SYNC_JOB_NAME
    )
    at = get_current_datetime() - timedelta(seconds=seconds_ago)
    instance.handle_run_event(run_id, event, update_timestamp=at)


def _holders(instance: dg.DagsterInstance) -> list[str]:
    return [
        s.run_id for s in instance.event_log_storage.get_concurrency_info(WRITER_POOL).claimed_slots
    ]


def _dead_pid() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return str(child.pid)


def test_a_failed_run_of_a_dead_asc_process_gives_its_slot_back_at_once() -> None:
    with dg.instance_for_test() as instance:
        run_id = _run_holding_the_writer_slot(
            instance, {**process_tags(), RUN_PID_TAG: _dead_pid()}
        )
        _fail(instance, run_id, seconds_ago=0)
        cleared = clear_runs_of_dead_processes(instance, found_by="a test")
        assert [(c.run_id, c.failed) for c in cleared] == [(run_id, False)]
        assert _holders(instance) == []


def test_a_run_that_ended_a_moment_ago_keeps_its_slot_when_its_process_cannot_be_judged() -> None:
    with dg.instance_for_test() as instance:
        just_ended = _run_holding_the_writer_slot(instance)
        _fail(instance, just_ended, seconds_ago=5)
        assert clear_runs_of_dead_processes(instance, found_by="a test") == []
        assert _holders(instance) == [just_ended]

        _fail(instance, just_ended, seconds_ago=120)
        cleared = clear_runs_of_dead_processes(instance, found_by="a test")
        assert [c.run_id for c in cleared] == [just_ended]
        assert _holders(instance) == []


def test_a_slot_held_by_a_run_that_no_longer_exists_is_freed() -> None:
    with dg.instance_for_test() as instance:
        run_id = _run_holding_the_writer_slot(instance)
        instance.run_storage.delete_run(run_id)  # the run's record only, not its events or slots
        assert _holders(instance) == [run_id]
        cleared = clear_runs_of_dead_processes(instance, found_by="a test")
        assert [c.run_id for c in cleared] == [run_id]
        assert _holders(instance) == []


def test_a_live_run_keeps_its_slot() -> None:
    with dg.instance_for_test() as instance:
        run_id = _run_holding_the_writer_slot(instance, process_tags())
        assert clear_runs_of_dead_processes(instance, found_by="a test") == []
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
        assert _holders(instance) == [run_id]


def test_with_our_dagster_yaml_the_daemon_frees_the_slot_of_a_run_that_failed_a_while_ago() -> None:
    settings = yaml.safe_load(DAGSTER_YAML)
    deployed = yaml.safe_load(DEPLOY_YAML.read_text(encoding="utf-8"))
    assert deployed["run_monitoring"] == settings["run_monitoring"]
    with dg.instance_for_test(overrides={"run_monitoring": settings["run_monitoring"]}) as instance:
        run_id = _run_holding_the_writer_slot(instance)  # launched by the daemon: no asc tags
        _fail(instance, run_id, seconds_ago=120)
        list(
            execute_concurrency_slots_iteration(
                SimpleNamespace(instance=instance), logging.getLogger(__name__)
            )
        )
        assert _holders(instance) == []
