"""Shared fixtures: worlds, a running sandbox on 127.0.0.1, and a config pointing at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
HANDMADE_WORLD = DATA / "handmade_world"


@pytest.fixture
def handmade_world(tmp_path: Path) -> Path:
    """A private copy of the hand-written world (tests may let the sandbox evolve it)."""
    target = tmp_path / "handmade_world"
    shutil.copytree(HANDMADE_WORLD, target)
    return target


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated world: 1,000 products, two stores (us cp1252 29 columns, uk 31 columns)."""
    from asc_pipelines.sandbox.generate import generate_world

    out = tmp_path_factory.mktemp("small_world")
    generate_world(out, products=1000, stores=2, seed=11)
    return out


@pytest.fixture
def sandbox_factory() -> Iterator:
    """Start sandboxes on free loopback ports; all are stopped at the end of the test."""
    from asc_pipelines.sandbox.server import SandboxServer

    started: list[SandboxServer] = []

    def start(world: Path, **options: object) -> SandboxServer:
        options.setdefault("rate_scale", 50.0)
        options.setdefault("report_delay_seconds", 0.3)
        server = SandboxServer(world, host="127.0.0.1", port=0, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(autouse=True)
def _forget_dagster_defs_state_storage() -> Iterator[None]:
    """Dagster 1.13 keeps the last test instance's defs-state storage in a context variable;
    once that instance is gone, loading Definitions in a later test fails ("Attempted to resolve
    undefined DagsterInstance weakref"). Clear it after every test so tests stay independent."""
    yield
    from dagster._core.storage.defs_state import base

    base._current_storage.set(None)


@dataclass
class SandboxPipeline:
    """The project's definitions pointed at a running sandbox of the small world."""

    server: Any
    config: Path
    data: Path
    instance: Any  # dg.DagsterInstance
    defs: Any  # dg.Definitions

    def sync(self):
        """One tick of the sync job, in this process, as the schedule runs it."""
        from asc_pipelines.runner import run_sync

        return run_sync(self.defs, self.data, self.instance)


@pytest.fixture
def sandbox_pipeline(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> SandboxPipeline:
    """The small world served on 127.0.0.1, its config and credentials, an ephemeral instance."""
    import dagster as dg

    from asc_pipelines.config import load_config
    from asc_pipelines.definitions import build_definitions
    from asc_pipelines.sandbox_setup import write_sandbox_config

    server = sandbox_factory(small_world)
    config = write_sandbox_config(
        tmp_path / "asc.yaml", small_world, server.base_url, rate_scale=50
    )
    for name, value in load_config(config).env_defaults.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    return SandboxPipeline(
        server=server,
        config=config,
        data=data,
        instance=dg.DagsterInstance.ephemeral(),
        defs=build_definitions(config_file=config, data_directory=data),
    )
