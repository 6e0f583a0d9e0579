"""One ``asc bench`` run: the ticks (``bench.ticks``) and, in the same run, the two baselines
(``bench.baselines``): a listings report of the served world, and the warehouse the ticks
loaded."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from asc_pipelines.bench.ticks import BenchOptions, run_bench
from asc_pipelines.warehouse.schema import WAREHOUSE_FILE


def _figures(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def measure_baselines(report: dict[str, Any]) -> dict[str, Any]:
    """The two comparisons, each kept or its error noted (a benchmark reports what it could):
    the first store's listings report as the sandbox serves it (gzip), and the warehouse the
    ticks loaded."""
    from asc_pipelines.bench import baselines

    data, world = Path(report["data_dir"]), Path(report["world"])
    found: dict[str, Any] = {"errors": {}}
    try:
        stores = json.loads((world / "world.json").read_text(encoding="utf-8"))["stores"]
        served = baselines.served_report(world, stores[0]["id"], data / "baseline-report.gz")
        found["report_decode"] = _figures(
            baselines.report_decode(
                served.path,
                charset=served.charset,
                marketplace_code=served.marketplace_code,
                store_id=served.store_id,
                work_dir=data / "baseline-decode",
            )
        )
    except Exception as exc:  # a failed comparison is reported, not fatal
        found["errors"]["report_decode"] = f"{type(exc).__name__}: {exc}"
    try:
        found["classification_floor"] = _figures(
            baselines.classification_floor(
                data / WAREHOUSE_FILE, data / "bench.yaml", work_dir=data / "baseline-floor"
            )
        )
    except Exception as exc:  # likewise
        found["errors"]["classification_floor"] = f"{type(exc).__name__}: {exc}"
    return found


def bench_report(
    options: BenchOptions, *, baselines: bool = True, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Every figure of one run, as ``--json`` writes it."""
    report = run_bench(options, log=log)
    if baselines:
        log("baselines: report decode and the bare-DuckDB floor ...")
        report["baselines"] = measure_baselines(report)
    return report
