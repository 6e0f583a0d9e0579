"""The five-minute schedule: one run over every store and all seven status partitions."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import dagster as dg

from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME, asc_sync_schedule
from asc_pipelines.defs.operations.stale_runs import RUN_HOST_TAG, RUN_PID_TAG, process_tags
from asc_pipelines.defs.resources import WRITER_POOL
from asc_pipelines.logic.status import STATUSES


def test_schedule_requests_a_run_covering_all_seven_status_partitions() -> None:
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 29, 7, 5, tzinfo=UTC)
        )
        request = asc_sync_schedule(context)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["dagster/asset_partition_range_start"] == STATUSES[0] == "active"
    assert request.tags["dagster/asset_partition_range_end"] == STATUSES[-1] == "new_third_party"
    assert asc_sync_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert asc_sync_schedule.cron_schedule == "*/5 * * * *"


def test_schedule_skips_while_a_sync_run_is_in_progress() -> None:
    with dg.instance_for_test() as instance:
        run = instance.add_run(
            dg.DagsterRun(
                job_name=SYNC_JOB_NAME,
                run_id=str(uuid.uuid4()),
                status=dg.DagsterRunStatus.STARTED,
            )
        )
        context = dg.build_schedule_context(instance=instance)
        result = asc_sync_schedule(context)
    assert isinstance(result, dg.SkipReason)
    assert run.run_id in (result.skip_message or "")


def _tick(instance: dg.DagsterInstance) -> dg.ScheduleEvaluationContext:
    return dg.build_schedule_context(
        instance=instance, scheduled_execution_time=datetime(2026, 11, 29, 7, 10, tzinfo=UTC)
    )


def _sync_run_holding_the_writer_slot(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    """A STARTED sync run, started by ``asc sync`` in the process ``tags`` name, in the middle of
    a DuckDB-writing step (it holds the one ``duckdb_writer`` slot)."""
    run = instance.add_run(
        dg.DagsterRun(
            job_name=SYNC_JOB_NAME,
            run_id=str(uuid.uuid4()),
            status=dg.DagsterRunStatus.STARTED,
            tags=tags,
        )
    )
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WRITER_POOL, 1)
    assert storage.claim_concurrency_slot(WRITER_POOL, run.run_id, "listings_by_status").is_claimed
    return run.run_id


def _tags_of_a_dead_process() -> dict[str, str]:
    """This host's process tags with the pid of a child that has exited (and been reaped): that
    pid is either free or given to a process that started later."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {**process_tags(), RUN_PID_TAG: str(child.pid)}


def test_schedule_fails_a_sync_run_whose_process_is_gone_frees_its_slot_and_runs_the_tick() -> None:
    with dg.instance_for_test() as instance:
        dead_run = _sync_run_holding_the_writer_slot(instance, _tags_of_a_dead_process())
        result = asc_sync_schedule(_tick(instance))
        run = instance.get_run_by_id(dead_run)
        failures = instance.all_logs(dead_run, of_type=dg.DagsterEventType.RUN_FAILURE)
        slot = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
    assert isinstance(result, dg.RunRequest)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    assert len(failures) == 1
    assert "asc_sync_schedule" in failures[0].message
    assert "is gone, killed or crashed before the run finished" in failures[0].message
    assert slot.claimed_slots == [] and slot.pending_steps == []


def test_schedule_still_skips_while_the_sync_run_s_process_is_alive() -> None:
    with dg.instance_for_test() as instance:
        live_run = _sync_run_holding_the_writer_slot(instance, process_tags())
        result = asc_sync_schedule(_tick(instance))
        run = instance.get_run_by_id(live_run)
        slot = instance.event_log_storage.get_concurrency_info(WRITER_POOL)
    assert isinstance(result, dg.SkipReason)
    assert live_run in (result.skip_message or "")
    assert run is not None and run.status == dg.DagsterRunStatus.STARTED
    assert [s.run_id for s in slot.claimed_slots] == [live_run]


def test_schedule_skips_behind_a_run_of_another_host_it_cannot_judge() -> None:
    with dg.instance_for_test() as instance:
        tags = {**_tags_of_a_dead_process(), RUN_HOST_TAG: "another-host.example"}
        other_host_run = _sync_run_holding_the_writer_slot(instance, tags)
        result = asc_sync_schedule(_tick(instance))
        run = instance.get_run_by_id(other_host_run)
    assert isinstance(result, dg.SkipReason)
    assert run is not None and run.status == dg.DagsterRunStatus.STARTED
