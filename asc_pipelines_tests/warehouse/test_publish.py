import subprocess
import sys
from pathlib import Path

import duckdb

from asc_pipelines.warehouse.publish import publish_copy
from asc_pipelines.warehouse.schema import ensure_schema

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


def test_schema_is_idempotent_and_every_raw_column_is_documented(tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_schema(conn)
        ensure_schema(conn)
        undocumented = conn.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE schema_name = 'raw' AND comment IS NULL AND column_name NOT IN "
            "('store_id', 'seller_sku', 'sku') "
            "AND table_name IN ('amazon_listings') AND column_name IN "
            "('asin', 'price', 'quantity', 'status', 'open_date', 'snapshot_at')"
        ).fetchall()
        assert undocumented == []
        tables = conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND comment IS NULL"
        ).fetchall()
        assert tables == []
    finally:
        conn.close()


def test_every_reporting_table_view_and_column_and_the_history_is_documented() -> None:
    conn = duckdb.connect()
    try:
        ensure_schema(conn)
        ensure_schema(conn)  # views are replaced: their comments must come back each time
        objects = conn.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'reporting' "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() "
            "WHERE schema_name = 'reporting'"
        ).fetchall()
        assert {name for name, _ in objects} >= {
            "listing_status_trend",
            "sales_trend",
            "sales_totals",
            "sync_issue_trend",
            "store_health",
            "listing_changes",
            "current_listings",
            "sync_issue_durations",
            "pipeline_clock",
        }
        assert [name for name, comment in objects if not comment] == []
        undocumented = conn.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE (schema_name = 'reporting' OR (schema_name = 'core' "
            "AND table_name = 'listing_history')) AND comment IS NULL"
        ).fetchall()
        assert undocumented == []
    finally:
        conn.close()
