"""The five-minute schedule: one run over every store and all seven status partitions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import dagster as dg

from asc_pipelines.defs.jobs import SYNC_JOB_NAME, asc_sync_schedule
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
