"""Bookkeeping rows the pipeline writes beside the data: fetch outcomes, API errors, watermarks,
report requests in flight. Small parameterized statements; callers own the transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb


def record_api_error(
    conn: duckdb.DuckDBPyConnection,
    *,
    store_id: str,
    operation: str,
    http_status: int | None,
    code: str | None,
    message: str,
    occurred_at: datetime,
    run_id: str | None,
) -> None:
    """Keep one failed call. ``message`` must already be free of credentials (the clients' are)."""
    conn.execute(
        "INSERT INTO raw.api_errors VALUES (?, ?, ?, ?, ?, ?, ?)",
        [store_id, operation, http_status, code, message[:2000], occurred_at, run_id],
    )


def record_fetch(
    conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None,
    store_id: str,
    dataset: str,
    outcome: str,
    rows_loaded: int | None,
    rows_rejected: int | None,
    seconds: float,
    message: str | None,
    finished_at: datetime,
) -> None:
    """Keep the outcome (ok, pending, failed) of one store's fetch of one dataset in one tick.

    ``finished_at`` is on the source's clock (`source_clock`); ``recorded_at`` is this machine's.
    """
    conn.execute(
        "INSERT INTO raw.store_fetches (run_id, store_id, dataset, outcome, rows_loaded, "
        "rows_rejected, seconds, message, finished_at, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            store_id,
            dataset,
            outcome,
            rows_loaded,
            rows_rejected,
            seconds,
            message,
            finished_at,
            datetime.now(UTC),
        ],
    )


def get_watermark(
    conn: duckdb.DuckDBPyConnection, store_id: str, dataset: str
) -> tuple[datetime | None, datetime | None]:
    """(watermark, last_full_at) of an incremental dataset; (None, None) before its first."""
    row = conn.execute(
        "SELECT watermark, last_full_at FROM raw.source_watermarks "
        "WHERE store_id = ? AND dataset = ?",
        [store_id, dataset],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def set_watermark(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    dataset: str,
    *,
    watermark: datetime | None,
    last_full_at: datetime | None,
    updated_at: datetime,
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO raw.source_watermarks VALUES (?, ?, ?, ?, ?)",
        [store_id, dataset, watermark, last_full_at, updated_at],
    )
