"""The options every asset of this project shares, written once.

Every asset writes (or reads while nothing else writes) the one DuckDB warehouse, so every asset
runs in the writer pool; the raw assets that fetch from a store also carry the freshness policy
that shows the five-minute sync stopping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import dagster as dg

from asc_pipelines.defs.resources import WRITER_POOL

OWNERS = ["team:asc"]

# Warn after 10 minutes without a materialization (about one missed tick), fail after 15 (two).
# The raw assets materialize each tick even when a store fails, so this shows the pipeline
# stopping; a single store going stale is the `stale_store` sync issue.
SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(minutes=15), warn_window=timedelta(minutes=10)
)


def warehouse_asset(
    *, group: str, source: bool = False, kinds: set[str] | None = None, **options: Any
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """``@dg.asset`` for this project: in ``group``, owned by the team, one DuckDB writer at a
    time. ``source=True`` marks an asset fed by a store's API (it gets the freshness policy);
    ``options`` are passed on (``deps``, ``partitions_def``, ``tags`` …)."""
    if source:
        options.setdefault("freshness_policy", SOURCE_FRESHNESS)
    return dg.asset(
        group_name=group,
        kinds=kinds or {"duckdb"},
        pool=WRITER_POOL,
        owners=OWNERS,
        **options,
    )
