"""One ``asc bench`` run: the ticks (``bench.ticks``) and, in the same run, the two baselines
(``bench.baselines``) measured on what the ticks left behind: the last listings report the
pipeline downloaded, and the loaded warehouse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from asc_pipelines.bench.ticks import BenchOptions, run_bench
from asc_pipelines.warehouse.schema import WAREHOUSE_FILE


def largest_report(data: Path) -> Path | None:
    """The biggest listings report the ticks downloaded (the pipeline keeps them per store)."""
    found = [path for path in data.glob("**/reports/*/*") if path.is_file()]
    return max(found, key=lambda path: path.stat().st_size, default=None)


def _figures(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def measure_baselines(report: dict[str, Any]) -> dict[str, Any]:
    """The two comparisons, each kept or its error noted (a benchmark reports what it could)."""
    from asc_pipelines.bench import baselines

    data = Path(report["data_dir"])
    found: dict[str, Any] = {"errors": {}}
    listing_report = largest_report(data)
    try:
        if listing_report is None:
            raise FileNotFoundError(f"no listings report under {data}")
        found["report_decode"] = _figures(baselines.report_decode(listing_report))
    except Exception as exc:
        found["errors"]["report_decode"] = f"{type(exc).__name__}: {exc}"
    try:
        found["classification_floor"] = _figures(
            baselines.classification_floor(data / WAREHOUSE_FILE, data / "bench.yaml")
        )
    except Exception as exc:
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
