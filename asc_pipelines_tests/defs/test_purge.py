"""The daily run purge: old finished runs go, with their files; everything else stays.

Also validates ``deploy/dagster.yaml`` with ``dagster instance info``.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.runs.schema import RunsTable

from asc_pipelines.defs.operations.purge import purge_old_runs, purge_old_runs_schedule

REPO = Path(__file__).resolve().parents[2]
DEPLOY_YAML = REPO / "deploy" / "dagster.yaml"
OLD = datetime.now(UTC) - timedelta(days=30)


class HelloConfig(dg.Config):
    fail: bool = False


@dg.op
def hello(context: dg.OpExecutionContext, config: HelloConfig) -> int:
    print("some stdout for the compute log")
    if config.fail:
        raise RuntimeError("this run is meant to fail")
    return 1


@dg.job
def tiny() -> None:
    hello()


def _run(instance: dg.DagsterInstance, *, fail: bool = False) -> str:
    result = tiny.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"ops": {"hello": {"config": {"fail": fail}}}},
    )
    assert result.success is not fail
    return result.run_id


def _backdate(instance: dg.DagsterInstance, run_id: str, when: datetime = OLD) -> None:
    """Pretend the run was created long ago (the column Dagster's created_before filter reads)."""
    with instance.run_storage.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(
            RunsTable.update()
            .where(RunsTable.c.run_id == run_id)
            .values(create_timestamp=when.replace(tzinfo=None))
        )


def _age_files(root: Path, run_id: str, when: datetime = OLD) -> None:
    stamp = when.timestamp()
    for path in [*_files(root, run_id), *(root / "storage" / run_id).rglob("*")]:
        os.utime(path, (stamp, stamp))
    if (root / "storage" / run_id).exists():
        os.utime(root / "storage" / run_id, (stamp, stamp))


def _files(root: Path, run_id: str) -> list[Path]:
    """What a run leaves on disk with SQLite storage (measured: shard + compute-log folder)."""
    return [
        p
        for p in (root / "history" / "runs" / f"{run_id}.db", root / "storage" / run_id)
        if p.exists()
    ]


def _purge(instance: dg.DagsterInstance, **config: object) -> dg.ExecuteInProcessResult:
    return purge_old_runs.execute_in_process(
        instance=instance, run_config={"ops": {"purge_runs_op": {"config": config}}}
    )


def test_purge_deletes_old_finished_runs_and_their_files(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        root = Path(instance.root_directory)
        old_ok = _run(instance)
        old_failed = _run(instance, fail=True)
        recent = _run(instance)
        old_gone_files = _run(instance)
        for run_id in (old_ok, old_failed, recent, old_gone_files):
            # The layout this purge relies on: one shard and one compute-log folder per run.
            assert (root / "history" / "runs" / f"{run_id}.db").is_file()
            assert list((root / "storage" / run_id / "compute_logs").iterdir())
        for run_id in (old_ok, old_failed, old_gone_files):
            _backdate(instance, run_id)
        # Files already gone (someone cleaned by hand) must not break the purge.
        shutil.rmtree(root / "storage" / old_gone_files)
        (root / "history" / "runs" / f"{old_gone_files}.db").unlink()

        # An old run still in progress: never deleted, nor its files.
        in_progress = instance.add_run(
            dg.DagsterRun(
                job_name="tiny", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED
            )
        ).run_id
        _backdate(instance, in_progress)
        (root / "storage" / in_progress / "compute_logs").mkdir(parents=True)
        (root / "storage" / in_progress / "compute_logs" / "x.out").write_text("running")

        # An orphan: its run was deleted elsewhere (e.g. the UI), its files were left behind.
        orphan = _run(instance)
        instance.delete_run(orphan)
        _age_files(root, orphan)
        # A recent orphan stays: it may belong to a run that is only being created.
        fresh_orphan = _run(instance)
        instance.delete_run(fresh_orphan)
        orphan_files = _files(root, orphan)
        assert len(orphan_files) == 2

        old_files = _files(root, old_ok) + _files(root, old_failed)
        old_bytes = sum(
            f.stat().st_size
            for p in old_files + orphan_files
            for f in ([p] if p.is_file() else p.rglob("*"))
            if f.is_file()
        )

        result = _purge(instance)
        assert result.success
        summary = result.output_for_node("purge_runs_op")
        output = next(e for e in result.all_node_events if e.is_successful_output)
        metadata = output.step_output_data.metadata
        assert summary["runs_deleted"] == 3
        assert summary["orphaned_runs_cleaned"] == 1
        assert summary["bytes_removed"] == old_bytes
        assert summary["files_removed"] >= 8  # 2 shards + 2x(.out .err .complete) + orphan's
        assert metadata["runs_deleted"].value == 3
        assert metadata["bytes_removed"].value == old_bytes

        remaining = {run.run_id for run in instance.get_runs()}
        assert remaining == {recent, in_progress, result.run_id}
        for run_id in (old_ok, old_failed, old_gone_files, orphan):
            assert _files(root, run_id) == [], run_id
        assert len(_files(root, recent)) == 2
        assert len(_files(root, fresh_orphan)) == 2
        assert (root / "storage" / in_progress / "compute_logs" / "x.out").exists()
        assert len(_files(root, result.run_id)) == 2  # the purge's own run is untouched
        # Instance files are not run files.
        assert (root / "history" / "runs.db").exists()
        assert (root / "history" / "runs" / "index.db").exists()

        # A second purge finds nothing (idempotent).
        again = _purge(instance).output_for_node("purge_runs_op")
        assert again["runs_deleted"] == 0
        assert again["files_removed"] == 0


def test_purge_dry_run_and_keep_days_zero(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        root = Path(instance.root_directory)
        first, second = _run(instance), _run(instance)
        time.sleep(1.1)  # SQLite's CURRENT_TIMESTAMP has one-second resolution

        dry = _purge(instance, keep_days=0, dry_run=True).output_for_node("purge_runs_op")
        assert dry["runs_deleted"] == 2
        assert dry["files_removed"] > 0
        assert {first, second} <= {run.run_id for run in instance.get_runs()}
        assert len(_files(root, first)) == 2

        done = _purge(instance, keep_days=0)
        summary = done.output_for_node("purge_runs_op")
        # keep_days=0 purges every finished run, including the dry run's, never the current one.
        assert summary["runs_deleted"] == 3
        assert {run.run_id for run in instance.get_runs()} == {done.run_id}
        assert _files(root, first) == [] and _files(root, second) == []


def test_purge_schedule_is_daily_and_running() -> None:
    assert purge_old_runs_schedule.cron_schedule == "15 3 * * *"
    assert purge_old_runs_schedule.execution_timezone == "UTC"
    assert purge_old_runs_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert purge_old_runs_schedule.job_name == "purge_old_runs"
    dg.Definitions.validate_loadable(
        dg.Definitions(jobs=[purge_old_runs], schedules=[purge_old_runs_schedule])
    )


def test_deploy_dagster_yaml_has_the_documented_settings() -> None:
    config = yaml.safe_load(DEPLOY_YAML.read_text(encoding="utf-8"))
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["pools"]["default_limit"] == 1
    runs = config["concurrency"]["runs"]
    assert {
        "key": "dagster/schedule_name",
        "value": {"applyLimitPerUniqueValue": True},
        "limit": 1,
    } in runs["tag_concurrency_limits"]
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert monitoring["max_resume_run_attempts"] == 0
    assert 300 < monitoring["max_runtime_seconds"] <= 3600
    assert config["retention"]["schedule"]["purge_after_days"]
    assert config["retention"]["sensor"]["purge_after_days"]
    assert config["scheduler"]["config"]["max_catchup_runs"] == 1


@pytest.mark.slow
def test_deploy_dagster_yaml_validates_with_dagster_instance_info(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run(
        [str(dagster), "instance", "info"],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "max_runtime_seconds: 1200" in out
    assert "max_catchup_runs: 1" in out
    assert "applyLimitPerUniqueValue: true" in out
    assert "enabled: false" in out
    assert "Error" not in proc.stderr
