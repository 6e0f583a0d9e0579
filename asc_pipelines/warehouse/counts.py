"""Counts read back as a dict: the shape of most summaries the assets and checks report."""

from __future__ import annotations

from typing import Any

import duckdb


def counts_by_key(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any] | None = None
) -> dict[str, int]:
    """``{key: count}`` from a query returning ``(key, count)`` rows, in the query's order."""
    return {key: int(n) for key, n in conn.execute(sql, params or []).fetchall()}
