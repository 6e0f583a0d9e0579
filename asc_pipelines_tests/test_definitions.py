"""The code location loads, and `dagster definitions validate -w workspace.yaml` passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME

ROOT = Path(__file__).resolve().parent.parent


def test_definitions_load_and_the_sync_job_covers_every_asset(tmp_path: Path) -> None:
    defs = build_definitions(config_file=tmp_path / "asc.yaml", data_directory=tmp_path / "data")
    # Loading resolves the current instance (defs state storage): give it a live one, whatever
    # instance an earlier test left registered.
    with dg.instance_for_test():
        dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    assert job.executor_def.name == "in_process"
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert keys == {
        "amazon_listings_snapshot",
        "amazon_listing_issues",
        "amazon_orders",
        "magento_catalog",
        "product_matches",
        "asin_lookups",
        "listings_by_status",
        "desired_listings",
        "listing_updates",
        "amazon_listing_pushes",
        "sync_issues",
        "listing_history",
        "listing_status_trend",
        "sales_trend",
        "sync_issue_trend",
        "store_health",
        "sync_latency_trend",
        "report_pages",
        "analyst_copy",
    }


def test_pyproject_has_no_dagster_table_that_would_override_workspace_yaml() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.dagster]" not in text and "[tool.dg]" not in text


@pytest.mark.slow
def test_dagster_definitions_validate_with_workspace_yaml(tmp_path: Path) -> None:
    env = {**os.environ, "ASC_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    dagster = str(Path(sys.executable).with_name("dagster"))
    result = subprocess.run(
        [dagster, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
