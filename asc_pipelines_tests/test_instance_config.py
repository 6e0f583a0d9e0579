"""One instance configuration: what `asc sync` / `asc demo` / `make dev` write into their
DAGSTER_HOME is the file `deploy/` gives to operators."""

from __future__ import annotations

from pathlib import Path

import pytest

from asc_pipelines.runner import DAGSTER_YAML, prepare_dagster_home

DEPLOY_YAML = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"


@pytest.fixture
def no_dagster_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DAGSTER_HOME, and the one prepare_dagster_home sets is undone after the test."""
    monkeypatch.setenv("DAGSTER_HOME", "")
    monkeypatch.delenv("DAGSTER_HOME")


def test_the_generated_instance_file_is_the_deployed_one(
    tmp_path: Path, no_dagster_home: None
) -> None:
    home = prepare_dagster_home(tmp_path)
    written = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert written == DEPLOY_YAML.read_text(encoding="utf-8") == DAGSTER_YAML
    assert "max_runtime_seconds: 1200" in written


def test_a_file_an_earlier_version_wrote_is_refreshed(
    tmp_path: Path, no_dagster_home: None
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    earlier = (
        "# Instance settings for runs started by `asc sync` / `asc demo` / `make dev`.\n"
        "telemetry:\n  enabled: false\n"
    )
    (home / "dagster.yaml").write_text(earlier, encoding="utf-8")
    prepare_dagster_home(tmp_path)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == DAGSTER_YAML


def test_a_file_written_by_hand_is_left_alone(tmp_path: Path, no_dagster_home: None) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    mine = "# my own settings\ntelemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(mine, encoding="utf-8")
    prepare_dagster_home(tmp_path)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == mine
