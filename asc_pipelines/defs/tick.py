"""The time of a tick, by the sources' clocks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb


def fetch_time(
    conn: duckdb.DuckDBPyConnection, run_id: str, *, or_last_recorded: bool = False
) -> datetime | None:
    """When this run fetched its data, by the source servers' clocks (``raw.store_fetches``).

    With ``or_last_recorded``, a run that fetched nothing (an asset materialized alone) gets the
    time of the last fetch on record instead. ``None`` when there is no such fetch.
    """
    fallback = "max(finished_at)" if or_last_recorded else "NULL"
    row = conn.execute(
        f"SELECT coalesce(max(finished_at) FILTER (WHERE run_id = ?), {fallback}) "
        "FROM raw.store_fetches",
        [run_id],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].astimezone(UTC)


def tick_time(conn: duckdb.DuckDBPyConnection, run_id: str) -> datetime:
    """When this run fetched its data, or the machine's time if it fetched nothing.

    The pipeline stamps derived rows with the sources' time, not the machine's, so a sandbox whose
    clock is moved forward (tests, demos) moves the whole pipeline with it.
    """
    return fetch_time(conn, run_id) or datetime.now(UTC)
