"""Every marketplace the config accepts can be generated, served and read by the real client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from asc_pipelines.config import AscConfig, load_config
from asc_pipelines.constants import MARKETPLACES, REPORT_TYPE_ALL_LISTINGS
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.generate import STORE_LAYOUT, generate_world
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.sources.listings_report import stage_listing_report
from asc_pipelines.sources.report_flow import advance_report
from asc_pipelines.sources.spapi.client import SpApiClient

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day after Europe's clocks went forward


def test_the_generator_has_a_store_for_every_marketplace_the_config_accepts() -> None:
    assert sorted(market for _, market, _ in STORE_LAYOUT) == sorted(MARKETPLACES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("every_marketplace")
    generate_world(out, products=300, stores=len(STORE_LAYOUT), seed=5, now=NOW)
    return out


@pytest.fixture(scope="module")
def sandbox(world: Path) -> Iterator[SandboxServer]:
    with SandboxServer(
        world, clock_mode="fixed", rate_scale=100.0, report_delay_seconds=0.0
    ) as server:
        yield server


@pytest.fixture(scope="module")
def config(sandbox: SandboxServer, world: Path) -> AscConfig:
    """The config ``asc sandbox serve --write-config`` writes, read as ``asc sync`` reads it."""
    path = write_sandbox_config(world / "asc.yaml", world, sandbox.base_url, rate_scale=100.0)
    return load_config(path)


@pytest.mark.parametrize("market", sorted(MARKETPLACES))
def test_each_marketplace_report_is_served_and_every_line_staged_with_its_open_date(
    config: AscConfig, world: Path, tmp_path: Path, market: str
) -> None:
    stores = [store for store in config.stores if store.marketplace == market]
    assert len(stores) == 1, f"the world has no store in {market}"
    store = stores[0]
    client = SpApiClient.from_config(
        config.amazon,
        store,
        client_id=credentials.LWA_CLIENT_ID,
        client_secret=credentials.LWA_CLIENT_SECRET,
        refresh_token=credentials.refresh_token(store.id),
    )
    outcome = advance_report(
        client,
        report_type=REPORT_TYPE_ALL_LISTINGS,
        marketplace_id=store.marketplace_id,
        in_flight=None,
        wait_seconds=5,
        poll_seconds=0.05,
        dest_dir=tmp_path,
    )
    assert outcome.state == "done", outcome.message
    assert outcome.report is not None
    source = (world / "amazon" / store.id / "listings.tsv").read_bytes()
    data_lines = len([line for line in source.split(b"\n")[1:] if line])
    with stage_listing_report(
        duckdb.connect(),
        outcome.report.path,
        charset=outcome.report.charset,
        marketplace_code=store.marketplace,
        store_id=store.id,
        work_dir=tmp_path / "work",
    ) as staged:
        reasons = staged.conn.execute(f"SELECT reason FROM {staged.rejected_table}").fetchall()
        assert (staged.rows, staged.rejected) == (data_lines, 0), reasons
        unread, earliest, latest = staged.conn.execute(
            f"SELECT count(*) FILTER (WHERE open_date IS NULL), min(open_date), max(open_date)"
            f" FROM {staged.listings_table}"
        ).fetchall()[0]
    assert data_lines > 0 and unread == 0
    assert datetime(2020, 1, 1, tzinfo=UTC) < earliest <= latest < NOW
