"""Runs left behind by a sync process that died, cleared before the next tick starts.

A tick killed mid-run (SIGKILL, the OOM killer, a power cut) stays STARTED in the Dagster
instance for ever, and keeps the ``duckdb_writer`` pool slot of the step it was in: Dagster frees
a step's slot only when the step ends in that same process, and its daemon frees the slots of
*finished* runs only. The next tick's writers then wait for that slot without end, and the
schedule skips behind the "in progress" run. So ``asc sync`` / ``asc demo`` and the schedule clear
such runs first: every run started by ``run_sync`` carries tags naming its process (host, pid,
start time); a run whose process is gone is marked failed, saying why, and its slots are freed.
A run of another host or container cannot be judged by pid and is left to Dagster's run
monitoring (``max_runtime_seconds``), which fails it, after which its slots are freed here or by
the daemon (``free_slots_after_run_end_seconds``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import dagster as dg
from dagster._core.events import JobFailureData, RunFailureReason

from asc_pipelines.sync.process_liveness import Liveness, ProcessStamp, liveness

RUN_HOST_TAG = "asc/run_host"
RUN_PID_TAG = "asc/run_pid"
# "<boot id>/<pid namespace>/<start ticks>" on Linux: tells the process from a later one that
# was given the same pid, and a process of another container from one of this one.
RUN_PROCESS_TAG = "asc/run_process"

# A finished run whose process cannot be judged keeps its slots this long after it ended, as with
# `run_monitoring.free_slots_after_run_end_seconds` in dagster.yaml: step processes of a run
# (multiprocess executor) may outlive the run worker by a moment.
FINISHED_RUN_SLOT_GRACE_SECONDS = 60

_UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClearedRun:
    """A run cleared before a tick: marked failed (``failed``) and/or its pool slots freed."""

    run_id: str
    failed: bool
    why: str


def process_tags() -> dict[str, str]:
    """Tags naming this process, for a run it is about to execute in-process."""
    stamp = ProcessStamp.of_this_process()
    tags = {RUN_HOST_TAG: stamp.host, RUN_PID_TAG: str(stamp.pid)}
    if stamp.boot and stamp.namespace and stamp.started:
        tags[RUN_PROCESS_TAG] = f"{stamp.boot}/{stamp.namespace}/{stamp.started}"
    return tags


def run_process(run: dg.DagsterRun) -> ProcessStamp | None:
    """The process a run's tags name, or ``None`` (not started by ``run_sync``, or tags bad)."""
    host, pid = run.tags.get(RUN_HOST_TAG), run.tags.get(RUN_PID_TAG, "")
    if not host or not pid.isdigit() or int(pid) <= 0:
        return None
    boot = namespace = started = None
    marker = run.tags.get(RUN_PROCESS_TAG, "")
    if marker.count("/") >= 2:
        boot, namespace, started = marker.split("/", 2)
    return ProcessStamp(host=host, pid=int(pid), boot=boot, namespace=namespace, started=started)


def clear_runs_of_dead_processes(instance: dg.DagsterInstance, found_by: str) -> list[ClearedRun]:
    """Fail the unfinished runs whose process is gone and free every pool slot a dead or
    long-finished run still holds, so the next tick can start and write. Live runs, and runs of
    processes that cannot be judged from here, are left alone."""
    cleared: list[ClearedRun] = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=_UNFINISHED)):
        run = record.dagster_run
        stamp = run_process(run)
        if stamp is None or liveness(stamp) is not Liveness.GONE:
            continue
        why = (
            f"Marked failed by {found_by}: the process that ran it (pid {stamp.pid} on host "
            f"{stamp.host}) is gone, killed or crashed before the run finished. Its pool slots "
            "were freed so the next tick can write."
        )
        current = instance.get_run_by_id(run.run_id)
        if current is not None and not current.is_finished:
            instance.report_run_failed(
                current,
                why,
                JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
            )
        _free_slots(instance, run.run_id)
        cleared.append(ClearedRun(run.run_id, failed=True, why=why))
    cleared.extend(_free_slots_of_finished_runs(instance, found_by))
    for run in cleared:
        logger.warning("run %s: %s", run.run_id, run.why)
    return cleared


def _free_slots_of_finished_runs(instance: dg.DagsterInstance, found_by: str) -> list[ClearedRun]:
    """Free the pool slots still held by runs that ended (failed by Dagster's run monitoring or
    code server, or by a clearing interrupted halfway) or no longer exist."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    holders = set(storage.get_concurrency_run_ids())
    for key in storage.get_concurrency_keys():
        holders.update(slot.run_id for slot in storage.get_concurrency_info(key).claimed_slots)
    if not holders:
        return []
    records = {
        record.dagster_run.run_id: record
        for record in instance.get_run_records(dg.RunsFilter(run_ids=sorted(holders)))
    }
    cleared = []
    for run_id in sorted(holders):
        record = records.get(run_id)
        if record is None:
            why = f"Pool slots freed by {found_by}: they were held by a run that no longer exists."
        elif not record.dagster_run.is_finished:
            continue
        else:
            stamp = run_process(record.dagster_run)
            dead = stamp is not None and liveness(stamp) is Liveness.GONE
            ended = record.end_time or record.update_timestamp.timestamp()
            if not dead and time.time() - ended < FINISHED_RUN_SLOT_GRACE_SECONDS:
                continue
            why = (
                f"Pool slots freed by {found_by}: the run ended "
                f"({record.dagster_run.status.value}) while holding them."
            )
        _free_slots(instance, run_id)
        cleared.append(ClearedRun(run_id, failed=False, why=why))
    return cleared


def _free_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Free the run's claimed pool slots and drop its queued claims (a dead run's queued claim
    would otherwise be handed the next free slot)."""
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
