"""Staged tables: TEMP tables of one connection that hold a fetch until it is swapped in.

A staging object owns its tables; whoever holds it never names them. ``drop()``, or the end of
a ``with`` block (also when the block fails), removes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import ClassVar, Self

import duckdb


def drop_tables(conn: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Drop each table that exists (the names are the staging module's own, never input)."""
    for table in tables:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


class StagedTables:
    """Base of a staging object: its connection and the TEMP tables it owns there."""

    conn: duckdb.DuckDBPyConnection
    staged_tables: ClassVar[tuple[str, ...]] = ()

    def drop(self) -> None:
        """Remove the staged tables (again is harmless)."""
        drop_tables(self.conn, self.staged_tables)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.drop()
