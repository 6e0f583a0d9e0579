"""Publish the analysts' copy of the warehouse.

DuckDB allows one read-write process or many read-only ones, never both. The pipeline therefore
writes a private file and, after each successful tick, copies it next to the published name and
renames it into place atomically. An analyst's open read-only handle keeps its old snapshot; a new
connection sees the new one; no tick ever waits for an analyst.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    seconds: float


def publish_copy(private: Path, published: Path) -> Published:
    """Checkpoint ``private`` and atomically replace ``published`` with a copy of it.

    The caller must hold no open connection to ``private`` (one writer at a time is guaranteed by
    the writer pool and the in-process executor).
    """
    started = time.monotonic()
    conn = duckdb.connect(str(private))
    try:
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    tmp = published.with_name(published.name + ".tmp")
    shutil.copyfile(private, tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, published)
    return Published(published, published.stat().st_size, time.monotonic() - started)


def readable_files(data_dir: Path, names: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connections to the data directory's DuckDB files ``names``, in that order, each
    closed when the caller moves on; a file missing, or being written right now, is skipped."""
    for name in names:
        path = data_dir / name
        if not path.exists():
            continue
        try:
            conn = duckdb.connect(str(path), read_only=True)
        except (duckdb.IOException, duckdb.ConnectionException):
            continue  # another run is writing it, or this process still holds it read-write
        try:
            yield conn
        finally:
            conn.close()
