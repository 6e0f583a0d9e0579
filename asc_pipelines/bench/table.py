"""The text table ``asc bench`` prints from its figures (the same figures ``--json`` writes)."""

from __future__ import annotations

from typing import Any


def _row(cells: list[Any], widths: list[int]) -> str:
    out = []
    for cell, width in zip(cells, widths, strict=True):
        text = f"{cell:.1f}" if isinstance(cell, float) else str(cell)
        out.append(text.ljust(-width) if width < 0 else text.rjust(width))
    return "  ".join(out).rstrip()


def _ticks(report: dict[str, Any]) -> list[str]:
    widths = [-4, -11, 8, 9, 7, 10, 9, 10, 9]
    lines = [
        _row(
            [
                "tick",
                "kind",
                "wall s",
                "waiting",
                "own s",
                "published",
                "requests",
                "sandbox s",
                "peak MiB",
            ],
            widths,
        )
    ]
    for tick in report["ticks"]:
        requests = sum(sum(ops.values()) for ops in tick["requests"].values())
        serving = tick["sandbox_serving_seconds"]
        lines.append(
            _row(
                [
                    tick["number"],
                    tick["kind"] + ("" if tick["success"] else " FAILED"),
                    tick["wall_seconds"],
                    tick["waiting_seconds"],
                    tick["own_seconds"],
                    "-"
                    if tick["published_after_seconds"] is None
                    else float(tick["published_after_seconds"]),
                    requests,
                    "-" if serving is None else float(serving),
                    tick["peak_rss_mib"],
                ],
                widths,
            )
        )
    return lines


def _stages(tick: dict[str, Any]) -> list[str]:
    widths = [-50, 8, 9, 7]
    lines = [_row([f"stages of tick {tick['number']}", "wall s", "waiting", "own s"], widths)]
    for stage in sorted(tick["stages"], key=lambda s: -s["wall_seconds"]):
        lines.append(
            _row(
                [
                    stage["name"],
                    stage["wall_seconds"],
                    stage["waiting_seconds"],
                    stage["own_seconds"],
                ],
                widths,
            )
        )
    return lines


def _requests(report: dict[str, Any]) -> list[str]:
    ticks = report["ticks"]
    operations = sorted(
        {(source, op) for tick in ticks for source, ops in tick["requests"].items() for op in ops}
    )
    widths = [-40, *([8] * len(ticks))]
    lines = [
        _row(["requests by source / operation", *[f"tick {t['number']}" for t in ticks]], widths)
    ]
    for source, operation in operations:
        counts = [tick["requests"].get(source, {}).get(operation, 0) for tick in ticks]
        lines.append(_row([f"{source} {operation}", *counts], widths))
    return lines


def _rows(tick: dict[str, Any]) -> list[str]:
    widths = [-28, 10, 12]
    lines = [_row([f"rows loaded in tick {tick['number']}", "rows", "rows/s"], widths)]
    for dataset, rows in sorted(tick["rows"].items()):
        speed = tick["rows_per_second"].get(dataset)
        lines.append(_row([dataset, rows, "-" if speed is None else f"{speed:,.0f}"], widths))
    return lines


def _speed(ratio: float) -> str:
    """A time ratio (theirs / ours) in words: faster or slower, never "0.6x faster"."""
    if ratio >= 1:
        return f"{ratio:.1f}x faster"
    return f"{1 / ratio:.1f}x slower" if ratio > 0 else "not comparable"


def _baselines(report: dict[str, Any]) -> list[str]:
    baselines = report.get("baselines") or {}
    lines = []
    decode = baselines.get("report_decode")
    if decode:
        ours, theirs = decode["ours"], decode["baseline"]
        lines.append(
            f"listings report decode + load ({ours['rows']:,} rows): ours {ours['seconds']:.2f}s"
            f" / {ours['peak_mib']:.0f} MiB, PSA-style {theirs['seconds']:.2f}s / "
            f"{theirs['peak_mib']:.0f} MiB: {_speed(decode['time_ratio'])} at "
            f"{decode['memory_ratio']:.2f} of its memory"
        )
    floor = baselines.get("classification_floor")
    if floor:
        lines.append(
            "matching + classification + sync issues: ours {ours_seconds:.2f}s, bare-DuckDB floor "
            "{floor_seconds:.2f}s: {ratio:.1f}x the floor".format(**floor)
        )
    for name, error in (baselines.get("errors") or {}).items():
        lines.append(f"{name}: not measured ({error})")
    return lines


def render(report: dict[str, Any]) -> str:
    """The whole table."""
    options = report["options"]
    head = (
        f"asc bench: {options['products']:,} products x {options['stores']} stores, change rate "
        f"{options['change_rate']:.2%} a tick, rate scale {options['rate_scale']:g}"
    )
    ticks = report["ticks"]
    parts = [[head], _ticks(report), _stages(ticks[0])]
    if len(ticks) > 1:
        parts.append(_stages(ticks[-1]))
    parts += [_requests(report), _rows(ticks[-1]), _baselines(report)]
    return "\n\n".join("\n".join(part) for part in parts if part)
