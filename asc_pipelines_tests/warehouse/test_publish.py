import subprocess
import sys
from pathlib import Path

import duckdb

from asc_pipelines.warehouse.publish import publish_copy
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.warehouse.documentation import comments, undocumented

READER = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
    "print(c.execute('SELECT v FROM t').fetchone()[0])"
)


def _write(private: Path, value: int) -> None:
    conn = duckdb.connect(str(private))
    try:
        conn.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])
    finally:
        conn.close()


def test_an_open_analyst_connection_keeps_its_snapshot_and_never_blocks_publishing(
    tmp_path: Path,
) -> None:
    private, published = tmp_path / "warehouse.duckdb", tmp_path / "asc.duckdb"
    _write(private, 1)
    publish_copy(private, published)
    analyst = duckdb.connect(str(published), read_only=True)
    try:
        assert analyst.execute("SELECT v FROM t").fetchone() == (1,)
        _write(private, 2)  # the pipeline writes its private file while the analyst reads
        publish_copy(private, published)
        assert analyst.execute("SELECT v FROM t").fetchone() == (1,)  # consistent old snapshot
        # Another process (DuckDB shares one database instance per path within a process).
        fresh = subprocess.run(
            [sys.executable, "-c", READER, str(published)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert fresh.stdout.strip() == "2"
    finally:
        analyst.close()
    assert not (tmp_path / "asc.duckdb.tmp").exists()


def test_every_table_view_and_column_is_documented_and_stays_so_when_the_ddl_is_reapplied(
    tmp_path: Path,
) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_schema(conn)
        names = comments(conn)
        assert {
            "raw.amazon_listings",
            "raw.report_requests.status",
            "core.listing_status.store_id",
            "core.sync_issues",
            "reporting.listing_changes.change_kind",
            "reporting.pipeline_clock",
        } <= set(names)
        assert undocumented(conn) == []
        # A new release's DDL on an existing warehouse: the views are replaced (and lose their
        # comments) and the comments are applied again after them.
        conn.execute("DELETE FROM raw.applied_schema")
        ensure_schema(conn)
        assert comments(conn) == names
    finally:
        conn.close()
