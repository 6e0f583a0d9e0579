"""The five-minute sync job and its schedule."""

import dagster as dg

from asc_pipelines.defs.core.status import ALL_STATUSES_TAGS
from asc_pipelines.defs.operations.stale_runs import clear_runs_of_dead_processes

SYNC_JOB_NAME = "asc_sync_job"

asc_sync_job = dg.define_asset_job(
    SYNC_JOB_NAME,
    selection=dg.AssetSelection.groups("amazon", "magento", "core", "reporting", "publish"),
    executor_def=dg.in_process_executor,
    description="One tick: every store's listings, issues and orders, the Magento catalog, "
    "matching, ASIN look-ups, all seven listing-status partitions, sync issues, history and "
    "trend reports, then the analysts' copy. "
    "In-process: one DuckDB writer, no per-step process start-up.",
    tags={"asc/job": "sync"},
)

_IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.schedule(
    name="asc_sync_schedule",
    job=asc_sync_job,
    cron_schedule="*/5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def asc_sync_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Every five minutes, one sync run; skipped while another sync run is queued or running
    (a run whose process died is marked failed first, so it cannot hold the schedule up)."""
    clear_runs_of_dead_processes(context.instance, found_by="asc_sync_schedule")
    busy = context.instance.get_run_records(
        dg.RunsFilter(job_name=SYNC_JOB_NAME, statuses=_IN_PROGRESS), limit=1
    )
    if busy:
        return dg.SkipReason(f"sync run {busy[0].dagster_run.run_id} is still in progress")
    tick = context.scheduled_execution_time
    return dg.RunRequest(
        run_key=None,
        tags={**ALL_STATUSES_TAGS, "asc/tick": tick.isoformat() if tick else "manual"},
    )
