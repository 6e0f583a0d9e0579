"""The layers of the package hold by contract: ``lint-imports`` with the contracts in
``pyproject.toml`` passes on the package, and fails on a package that breaks one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: install the dev extras"
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_every_layer_contract() -> None:
    result = _lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _skeleton(root: Path) -> Path:
    """An empty copy of the package's module tree: the same packages, no code."""
    package = root / "asc_pipelines"
    for source in (ROOT / "asc_pipelines").rglob("*.py"):
        target = package / source.relative_to(ROOT / "asc_pipelines")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    return package


def test_a_rule_that_imports_dagster_breaks_the_contract(tmp_path: Path) -> None:
    package = _skeleton(tmp_path)
    (package / "logic" / "status.py").write_text("import dagster\n", encoding="utf-8")
    result = _lint_imports(tmp_path, tmp_path)
    assert result.returncode != 0
    assert "asc_pipelines.logic.status -> dagster" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(tmp_path: Path) -> None:
    package = _skeleton(tmp_path)
    (package / "config.py").write_text("import asc_pipelines.logic.status\n", encoding="utf-8")
    (package / "sources" / "http.py").write_text("import asc_pipelines.sandbox.app\n", "utf-8")
    result = _lint_imports(tmp_path, tmp_path)
    assert result.returncode != 0
    assert "asc_pipelines.config -> asc_pipelines.logic.status" in result.stdout
    assert "asc_pipelines.sources.http -> asc_pipelines.sandbox.app" in result.stdout
