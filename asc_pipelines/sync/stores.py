"""Run one fetch per store in parallel and keep each store's failure to itself.

Network waits (reports processing at Amazon, rate-limit pacing) dominate a tick, so stores are
fetched on threads; DuckDB writes happen afterwards, one store at a time, on one connection.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import duckdb

from asc_pipelines.warehouse.records import record_api_error, record_fetch
from asc_pipelines.warehouse.source_clock import failure_time

T = TypeVar("T")


@dataclass
class StoreFetch(Generic[T]):
    """What one store's fetch produced: a value, or the error that stopped it."""

    store_id: str
    value: T | None = None
    error: BaseException | None = None
    seconds: float = 0.0
    detail: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ErrorFields:
    operation: str
    http_status: int | None
    code: str | None
    message: str


def error_fields(exc: BaseException, default_operation: str) -> ErrorFields:
    """Fields for ``raw.api_errors`` from any exception (client errors carry status and code)."""
    operation = getattr(exc, "operation", None) or default_operation
    status = getattr(exc, "http_status", None)
    code = getattr(exc, "code", None) or type(exc).__name__
    message = str(exc) or type(exc).__name__
    return ErrorFields(str(operation), status, None if code is None else str(code), message)


def fetch_all(
    store_ids: list[str],
    fetch: Callable[[str], T],
    *,
    max_workers: int = 4,
    log: Callable[[str], None] | None = None,
    trace: Callable[[str], None] | None = None,
) -> dict[str, StoreFetch[T]]:
    """Call ``fetch(store_id)`` for every store; an exception is captured for that store only.

    A failure is one line to ``log`` (the store and the reason); its traceback goes to ``trace``
    (the debug log), for whoever asked for it.
    """

    def run(store_id: str) -> StoreFetch[T]:
        started = time.monotonic()
        try:
            value = fetch(store_id)
            return StoreFetch(store_id, value=value, seconds=time.monotonic() - started)
        except Exception as exc:  # one store's failure must not stop the others
            if log is not None:
                log(f"store {store_id}: {type(exc).__name__}: {exc}")
            if trace is not None:
                trace(f"store {store_id}: {traceback.format_exc(limit=8)}")
            return StoreFetch(store_id, error=exc, seconds=time.monotonic() - started)

    if not store_ids:
        return {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(store_ids))) as pool:
        results = list(pool.map(run, store_ids))
    return {result.store_id: result for result in results}


def record_failure(
    conn: duckdb.DuckDBPyConnection,
    exc: BaseException,
    *,
    store_id: str,
    default_operation: str,
    occurred_at: datetime,
    run_id: str | None,
) -> str:
    """Keep a store's failed fetch in ``raw.api_errors`` and return its message."""
    return record_call_error(
        conn,
        exc,
        store_id=store_id,
        default_operation=default_operation,
        occurred_at=occurred_at,
        run_id=run_id,
    ).message


def record_call_error(
    conn: duckdb.DuckDBPyConnection,
    exc: BaseException,
    *,
    store_id: str,
    default_operation: str,
    occurred_at: datetime,
    run_id: str | None,
) -> ErrorFields:
    """Keep a store's failed call (a fetch, a send) in ``raw.api_errors``; returns what was
    kept."""
    fields = error_fields(exc, default_operation)
    record_api_error(
        conn,
        store_id=store_id,
        operation=fields.operation,
        http_status=fields.http_status,
        code=fields.code,
        message=fields.message,
        occurred_at=occurred_at,
        run_id=run_id,
    )
    return fields


def land(
    conn: duckdb.DuckDBPyConnection,
    store_id: str,
    result: StoreFetch[T],
    *,
    write: Callable[[T], tuple[int, str | None]],
    fetched_at: Callable[[T], datetime],
    dataset: str,
    default_operation: str,
    run_id: str | None,
) -> list[object]:
    """Write one store's fetch with ``write`` (rows, note) or record why it failed; either way
    keep the outcome in ``raw.store_fetches``. Returns the store's summary row."""
    rows: int | None = None
    message: str | None = None
    error = result.error
    if result.ok:
        value = result.value
        assert value is not None
        now = fetched_at(value)
        try:
            rows, message = write(value)
        except Exception as exc:  # this store keeps its previous rows
            error = exc
    else:  # no answer, so no source time: the failure goes on the store's timeline
        now = failure_time(conn, store_id)
    if error is not None:
        rows = None
        message = record_failure(
            conn,
            error,
            store_id=store_id,
            default_operation=default_operation,
            occurred_at=now,
            run_id=run_id,
        )
    outcome = "ok" if error is None else "failed"
    record_fetch(
        conn,
        run_id=run_id,
        store_id=store_id,
        dataset=dataset,
        outcome=outcome,
        rows_loaded=rows,
        rows_rejected=None,
        seconds=result.seconds,
        message=message,
        finished_at=now,
    )
    return [store_id, outcome, rows, f"{result.seconds:.1f}", message]


def land_all(
    conn: duckdb.DuckDBPyConnection,
    fetched: dict[str, StoreFetch[T]],
    *,
    write: Callable[[str, T], tuple[int, str | None]],
    times: dict[str, datetime],
    dataset: str,
    default_operation: str,
    run_id: str | None,
) -> list[list[object]]:
    """`land` every store's fetch, in the order fetched, at its settled source time
    (``times``, from ``settle_source_times``); ``write(store_id, value)`` writes one store.
    Returns the summary rows."""
    return [
        land(
            conn,
            store_id,
            result,
            write=lambda value, store_id=store_id: write(store_id, value),
            fetched_at=lambda _, store_id=store_id: times[store_id],
            dataset=dataset,
            default_operation=default_operation,
            run_id=run_id,
        )
        for store_id, result in fetched.items()
    ]
