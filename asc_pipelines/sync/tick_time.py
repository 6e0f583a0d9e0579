"""The time of a tick, by the sources' clocks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb


def fetch_time(
    conn: duckdb.DuckDBPyConnection, run_id: str, *, or_last_recorded: bool = False
) -> datetime | None:
    """When this run fetched its data, by the source servers' clocks (``raw.store_fetches``).

    The latest successful fetch of the run, else (every fetch failed) its latest failure.

    With ``or_last_recorded``, a run that fetched nothing (an asset materialized alone) gets the
    time of the last fetch on record instead. ``None`` when there is no such fetch.
    """
    fallback = "max(finished_at)" if or_last_recorded else "NULL"
    # A failed fetch is stamped by this machine's clock (the source never answered), so the
    # sources' own times win whenever the run has any; a run where every fetch failed is timed
    # by its failures, so staleness still grows while a source is down.
    row = conn.execute(
        "SELECT coalesce("
        "max(finished_at) FILTER (WHERE run_id = $run AND outcome <> 'failed'), "
        f"max(finished_at) FILTER (WHERE run_id = $run), {fallback}) "
        "FROM raw.store_fetches",
        {"run": run_id},
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
