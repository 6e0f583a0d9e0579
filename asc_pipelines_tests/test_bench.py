"""``asc bench`` on a tiny world: it serves the world in a child process, runs a cold tick and an
incremental one through the real job with products changed in between, and reports every figure
the table and ``--json`` promise (never judged on how fast: figures only have to be there and
make sense together)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asc_pipelines import cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_bench_reports_every_figure_of_a_cold_and_an_incremental_tick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    argv = [
        "bench", "--products", "120", "--stores", "2", "--ticks", "1", "--change-rate", "0.05",
        "--rate-scale", "50", "--report-delay", "0.3", "--work-dir", str(tmp_path / "work"),
        "--json", str(out),
    ]  # fmt: skip

    assert cli.main(argv) == 0

    report = json.loads(out.read_text(encoding="utf-8"))
    cold, incremental = report["ticks"]
    assert (cold["kind"], incremental["kind"]) == ("cold", "incremental")
    for tick in (cold, incremental):
        assert tick["success"]
        assert 0 <= tick["waiting_seconds"] <= tick["wall_seconds"]
        assert tick["own_seconds"] == pytest.approx(
            tick["wall_seconds"] - tick["waiting_seconds"], abs=1e-6
        )
        assert 0 < tick["published_after_seconds"] <= tick["wall_seconds"] + 1
        stages = {stage["name"]: stage for stage in tick["stages"]}
        assert {
            "amazon_listings_snapshot",
            "magento_catalog",
            "sync_issues",
            "analyst_copy",
        } <= set(stages)
        assert all(s["waiting_seconds"] <= s["wall_seconds"] + 1e-6 for s in stages.values())
        assert tick["requests"]["amazon"]["getReport"] >= 1
        assert tick["requests"]["magento"]["magento.getProducts"] >= 1
        assert tick["sandbox_serving_seconds"] is not None and tick["sandbox_serving_seconds"] > 0
        assert tick["rows"]["amazon_listings"] > 0
        assert tick["peak_rss_mib"] > 0
    # The world changed between the ticks, and the cold tick waited on its sources.
    assert incremental["changed"]["changed_products"] == 6  # 5% of 120
    assert sum(incremental["changed"]["kinds"].values()) == 6
    assert cold["waiting_seconds"] > 0
    assert incremental["peak_rss_mib"] >= cold["peak_rss_mib"]
    baselines = report["baselines"]
    assert baselines["errors"] == {}
    decode = baselines["report_decode"]
    assert decode["ours"]["rows"] == decode["baseline"]["rows"] > 0
    assert decode["time_ratio"] > 0 and decode["memory_ratio"] > 0
    floor = baselines["classification_floor"]
    assert floor["ratio"] > 0 and floor["listing_rows"] > 0
    # The same figures, as a table.
    table = capsys.readouterr().out
    assert "asc bench: 120 products x 2 stores" in table
    assert "stages of tick 1" in table and "requests by source / operation" in table
    assert "listings report decode + load" in table
    # The world is kept and reused by the next run with the same options.
    assert (tmp_path / "work" / "world-120p-2s-seed7" / "world.json").is_file()
