"""A tick against sources that are down, slow or refusing: it ends in time, asks a broken endpoint
once per store, and reports every failure in one line each (tracebacks only when asked)."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb
import pytest
import yaml

from asc_pipelines import cli
from asc_pipelines.config import load_config
from asc_pipelines.runner import summary_text

pytestmark = pytest.mark.slow

AMAZON_DATASETS = ("amazon_listing_issues", "amazon_listings", "amazon_orders", "asin_lookups")
MANY = 10_000


def _edit_config(config: Path, **sections: dict[str, object]) -> None:
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")


def _fired(server, operation: str) -> int:
    """How many requests an armed fault of ``MANY`` has answered so far."""
    left = [f.times for f in server.faults.active() if f.operation == operation]
    return MANY - (left[0] if left else 0)


def _failures(data: Path) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(data / "asc.duckdb"), read_only=True) as conn:
        return conn.execute(
            "SELECT store_id, dataset, message FROM raw.store_fetches WHERE outcome = 'failed' "
            "ORDER BY 1, 2"
        ).fetchall()


def test_a_failing_token_endpoint_is_asked_once_per_store_and_tick(sandbox_pipeline) -> None:
    """Landed main called one store's failing LWA endpoint 84 times in a tick."""
    pipeline = sandbox_pipeline
    pipeline.server.faults.add("lwaToken", "status", status=503, times=MANY)
    stores = [store.id for store in load_config(pipeline.config).stores]
    max_retries = load_config(pipeline.config).amazon.max_retries

    result = pipeline.sync()

    assert result.run_success  # the tick goes on: Magento, matching, statuses, the copy
    assert _fired(pipeline.server, "lwaToken") <= len(stores) * (max_retries + 1)
    for store in stores:
        assert {d: result.outcomes[store][d] for d in AMAZON_DATASETS} == dict.fromkeys(
            AMAZON_DATASETS, "failed"
        )
    assert result.outcomes["magento"] == {"magento_catalog": "ok"}
    failed = _failures(pipeline.data)
    assert len(failed) == len(stores) * len(AMAZON_DATASETS)
    assert all("LWA token refresh" in message and "503" in message for *_, message in failed)


def test_a_tick_stops_asking_at_its_deadline_and_finishes_with_what_it_has(
    sandbox_pipeline,
) -> None:
    """Landed main let a slow token endpoint stretch one tick to 727 s."""
    pipeline = sandbox_pipeline
    _edit_config(pipeline.config, tick={"deadline_seconds": 2})
    pipeline.server.faults.add("*", "latency", seconds=1.0, times=MANY)

    result = pipeline.sync()

    assert result.run_success
    # One second a request and two seconds to spend: a handful of requests, not hundreds.
    assert _fired(pipeline.server, "*") <= 12
    failed = _failures(pipeline.data)
    assert failed, "the deadline must cut some fetch short"
    assert all("deadline (2 s) passed" in message for *_, message in failed)
    assert (pipeline.data / "asc.duckdb").exists()  # published: the rest of the tick went on


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nothing_listens(sandbox_pipeline) -> Path:
    """The pipeline's config pointed at a loopback port where nothing listens."""
    config = sandbox_pipeline.config
    port = _closed_port()
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            sandbox_pipeline.server.base_url, f"http://127.0.0.1:{port}"
        ),
        encoding="utf-8",
    )
    return config


def test_refused_connections_fail_every_fetch_fast_with_one_line_each(
    sandbox_pipeline, nothing_listens: Path
) -> None:
    """Landed main retried for 108-111 s and headed its summary 'succeeded'."""
    result = sandbox_pipeline.sync()
    stores = [store.id for store in load_config(nothing_listens).stores]

    assert all(o == "failed" for d in result.outcomes.values() for o in d.values())
    assert len(result.failed_fetches()) == len(stores) * len(AMAZON_DATASETS) + 1
    text = summary_text(sandbox_pipeline.data, result)
    headline = text.splitlines()[0]
    fetches = len(result.failed_fetches())
    assert f"{fetches} of {fetches} fetches FAILED" in headline
    assert f"{len(stores) + 1} of {len(stores) + 1} stores" in headline
    reasons = [line for line in text.splitlines() if line.startswith("  ! ")]
    assert len(reasons) == fetches
    assert all("refused" in line and "\n" not in line for line in reasons)
    with duckdb.connect(str(sandbox_pipeline.data / "asc.duckdb"), read_only=True) as conn:
        refused = conn.execute(
            "SELECT count(*) FROM raw.api_errors WHERE message LIKE '%connection refused by%'"
        ).fetchone()[0]
    assert refused >= 1


@pytest.mark.parametrize("verbose", [False, True])
def test_asc_sync_shows_tracebacks_only_when_verbose(
    sandbox_pipeline,
    nothing_listens: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    verbose: bool,
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    argv = ["sync", "--config", str(nothing_listens), "--data-dir", str(tmp_path / "cli")]
    code = cli.main([*argv, "--verbose"] if verbose else argv)
    out, err = capfd.readouterr()
    assert code == 1
    assert "fetches FAILED" in out.splitlines()[0]
    assert ("Traceback" in out + err) is verbose
