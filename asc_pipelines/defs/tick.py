"""The time of a tick, by the sources' clocks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb


def tick_time(conn: duckdb.DuckDBPyConnection, run_id: str) -> datetime:
    """When this run fetched its data, by the source servers' clocks (see ``raw.store_fetches``).

    The pipeline stamps derived rows with the sources' time, not the machine's, so a sandbox whose
    clock is moved forward (tests, demos) moves the whole pipeline with it.
    """
    row = conn.execute(
        "SELECT max(finished_at) FROM raw.store_fetches WHERE run_id = ?", [run_id]
    ).fetchone()
    if row is None or row[0] is None:
        return datetime.now(UTC)
    return row[0].astimezone(UTC)
