"""The warehouse resource closes its connection when a step fails, so the file can be reopened."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from asc_pipelines.defs.resources import WarehouseDuckDB


def test_a_failing_block_still_closes_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    resource = WarehouseDuckDB(database=str(path), connection_config={"threads": 1})
    with pytest.raises(RuntimeError, match="step failed"), resource.get_connection() as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS x")
        raise RuntimeError("step failed")
    # Another open with other settings (as the analysts' copy or the next tick does) works:
    # with the connection left open this raised "different configuration".
    with duckdb.connect(str(path), read_only=True) as other:
        assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    with resource.get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
