"""Daily purge of old Dagster runs together with the files they leave on disk.

Dagster OSS keeps every run forever (no run retention; tick retention exists in ``dagster.yaml``).
With SQLite storage each run also leaves files under the instance root that
``instance.delete_run`` does not remove (measured, dagster 1.13.27):

- ``history/runs/<run_id>.db`` - the run's event-log shard (~125 KB for a one-step run);
- ``storage/<run_id>/`` - its compute logs (``compute_logs/*.out|.err|.complete``) and, for op
  jobs using the default filesystem IO manager, its step outputs.

``purge_old_runs`` deletes finished runs (success, failure, canceled) created more than
``keep_days`` days ago, then those files, then orphaned files of runs already deleted elsewhere
(e.g. from the UI) that are older than the same cut-off. Queued, starting, started and canceling
runs are never touched, nor is the run doing the purge. Missing files are not an error.
"""

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
from pydantic import Field

PURGE_JOB_NAME = "purge_old_runs"

FINISHED_STATUSES = [
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
]

_RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHARD_SUFFIXES = ("", "-wal", "-shm", "-journal")
_PAGE = 200


class PurgeConfig(dg.Config):
    """How old a finished run must be before it is deleted."""

    keep_days: int = Field(
        default=7,
        ge=0,
        description="Keep runs created within this many days; 0 purges every finished run.",
    )
    remove_orphan_files: bool = Field(
        default=True,
        description="Also remove run files older than the cut-off whose run no longer exists.",
    )
    dry_run: bool = Field(default=False, description="Count what would go, delete nothing.")


def _event_log_dir(instance: dg.DagsterInstance) -> Path:
    storage = instance.event_log_storage
    base = getattr(storage, "_base_dir", None)  # SqliteEventLogStorage: one shard per run
    return Path(base) if base else Path(instance.root_directory) / "history" / "runs"


def _compute_log_dir(instance: dg.DagsterInstance) -> Path:
    base = getattr(instance.compute_log_manager, "_base_dir", None)  # LocalComputeLogManager
    return Path(base) if base else Path(instance.root_directory) / "storage"


def _run_paths(instance: dg.DagsterInstance, run_id: str) -> list[Path]:
    """Every file or folder a run may have left on disk (existing or not)."""
    shard = _event_log_dir(instance) / f"{run_id}.db"
    paths = [shard.with_name(shard.name + suffix) for suffix in _SHARD_SUFFIXES]
    dirs = {_compute_log_dir(instance), Path(instance.root_directory) / "storage"}
    paths.extend(sorted(d / run_id for d in dirs))
    return paths


def _size(path: Path) -> tuple[int, int]:
    """(files, bytes) under ``path``; (0, 0) if it is gone."""
    try:
        if path.is_symlink() or path.is_file():
            return 1, path.lstat().st_size
        if not path.is_dir():
            return 0, 0
        files = size = 0
        for root, _dirs, names in os.walk(path):
            for name in names:
                try:
                    size += (Path(root) / name).lstat().st_size
                    files += 1
                except OSError:
                    continue
        return files, size
    except OSError:
        return 0, 0


def _remove(path: Path, dry_run: bool) -> tuple[int, int]:
    """Remove a file or folder; returns what it held. Already gone counts as nothing."""
    files, size = _size(path)
    if dry_run or not (files or path.exists()):
        return files, size
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        return 0, 0
    return files, size


def _old_finished_runs(
    instance: dg.DagsterInstance, cutoff: datetime, exclude: str
) -> Iterator[str]:
    """Ids of finished runs created before ``cutoff``, newest first, paged."""
    filters = dg.RunsFilter(statuses=FINISHED_STATUSES, created_before=cutoff)
    cursor = None
    while True:
        records = instance.get_run_records(filters=filters, limit=_PAGE, cursor=cursor)
        if not records:
            return
        for record in records:
            if record.dagster_run.run_id != exclude:
                yield record.dagster_run.run_id
        if len(records) < _PAGE:
            return
        cursor = records[-1].dagster_run.run_id


def _orphans(instance: dg.DagsterInstance, cutoff: datetime, exclude: str) -> set[str]:
    """Run ids with files on disk older than ``cutoff`` but no run record."""
    candidates: set[str] = set()
    limit = cutoff.timestamp()
    shard_dir = _event_log_dir(instance)
    dirs = [(shard_dir, True), (_compute_log_dir(instance), False)]
    dirs.append((Path(instance.root_directory) / "storage", False))
    for folder, is_shard in dirs:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name.removesuffix(".db") if is_shard else entry.name
            if is_shard and not entry.name.endswith(".db"):
                continue
            if not _RUN_ID.match(name) or name == exclude:
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    candidates.add(name)
            except OSError:
                continue
    return {run_id for run_id in candidates if not instance.has_run(run_id)}


@dg.op(
    description="Delete finished runs older than keep_days, with their event-log shards and "
    "compute logs on disk, plus orphaned run files. Never touches runs in progress.",
    tags={"asc/job": "maintenance"},
)
def purge_runs_op(context: dg.OpExecutionContext, config: PurgeConfig) -> dg.Output[dict]:
    instance = context.instance
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=config.keep_days)
    verb = "would delete" if config.dry_run else "deleted"

    run_ids = list(_old_finished_runs(instance, cutoff, exclude=context.run_id))
    runs_deleted = files = size = 0
    for run_id in run_ids:
        if not config.dry_run:
            try:
                instance.delete_run(run_id)
            except Exception as exc:  # one bad run must not stop the purge
                # delete_run removes the run record first, then its events; with the shard file
                # already gone the second half raises "no such table: event_logs" (measured),
                # yet the run is deleted. Only a run that still exists is a failure.
                if instance.has_run(run_id):
                    context.log.warning(f"could not delete run {run_id}: {exc}")
                    continue
                context.log.info(f"run {run_id} deleted; its event log was already gone")
        runs_deleted += 1
        for path in _run_paths(instance, run_id):
            removed_files, removed_bytes = _remove(path, config.dry_run)
            files += removed_files
            size += removed_bytes

    orphans = 0
    orphan_files = orphan_bytes = 0
    if config.remove_orphan_files:
        for run_id in sorted(_orphans(instance, cutoff, exclude=context.run_id)):
            orphans += 1
            for path in _run_paths(instance, run_id):
                removed_files, removed_bytes = _remove(path, config.dry_run)
                orphan_files += removed_files
                orphan_bytes += removed_bytes

    context.log.info(
        f"{verb} {runs_deleted} run(s) created before {cutoff.isoformat(timespec='seconds')} "
        f"({files} file(s), {size} bytes) and the files of {orphans} orphaned run(s) "
        f"({orphan_files} file(s), {orphan_bytes} bytes)"
    )
    summary = {
        "cutoff": cutoff.isoformat(),
        "runs_deleted": runs_deleted,
        "files_removed": files + orphan_files,
        "bytes_removed": size + orphan_bytes,
        "orphaned_runs_cleaned": orphans,
        "dry_run": config.dry_run,
    }
    metadata: dict[str, dg.RawMetadataValue] = {
        "cutoff": dg.MetadataValue.timestamp(cutoff),
        "keep_days": config.keep_days,
        "runs_deleted": runs_deleted,
        "files_removed": files + orphan_files,
        "bytes_removed": size + orphan_bytes,
        "orphaned_runs_cleaned": orphans,
        "dry_run": config.dry_run,
    }
    return dg.Output(summary, metadata=metadata)


@dg.job(
    name=PURGE_JOB_NAME,
    description="Daily housekeeping: delete finished runs older than keep_days (default 7) "
    "together with their files under DAGSTER_HOME (event-log shards, compute logs).",
    tags={"asc/job": "maintenance"},
    executor_def=dg.in_process_executor,
)
def purge_old_runs() -> None:
    purge_runs_op()


purge_old_runs_schedule = dg.ScheduleDefinition(
    name="purge_old_runs_schedule",
    job=purge_old_runs,
    cron_schedule="15 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 03:15 UTC, purge runs older than keep_days (default 7).",
)
