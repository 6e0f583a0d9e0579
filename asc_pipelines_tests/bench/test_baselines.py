"""The two baselines of ``asc bench`` on real parts: a report the sandbox serves, decoded by both
sides in child processes; a warehouse after a real sync tick, classified by our path and the floor.
No timing is asserted beyond "measured" (> 0)."""

from __future__ import annotations

import gzip
import shutil
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from asc_pipelines.bench import baselines
from asc_pipelines.bench.baselines import (
    BaselineError,
    SideMeasure,
    check_same_rows,
    classification_floor,
    report_decode,
    served_report,
)
from asc_pipelines.config import load_config
from asc_pipelines.definitions import DUCKDB_CONNECTION_CONFIG, build_definitions
from asc_pipelines.logic.identifiers import normalize
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox.amazon_state import AmazonState
from asc_pipelines.sandbox.generate import generate_world
from asc_pipelines.sandbox.world import load_world
from asc_pipelines.sandbox_setup import write_sandbox_config
from asc_pipelines.warehouse.schema import ensure_schema
from asc_pipelines_tests.logic import tiny_warehouse as tiny


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 products, two stores (us: 29 columns, uk: 31 columns)."""
    out = tmp_path_factory.mktemp("tiny_world")
    generate_world(out, products=200, stores=2, seed=11)
    return out


def _data_lines(world: Path, store_id: str) -> int:
    lines = (world / "amazon" / store_id / "listings.tsv").read_bytes().split(b"\n")
    return sum(1 for line in lines[1:] if line.strip(b"\r"))


def test_the_bench_uses_the_pipelines_duckdb_settings() -> None:
    assert baselines.DUCKDB_CONFIG == DUCKDB_CONNECTION_CONFIG


def test_served_report_is_the_sandboxs_own_document(tiny_world: Path, tmp_path: Path) -> None:
    state = AmazonState.from_world(load_world(tiny_world))
    for store_id in ("us", "uk"):
        served = served_report(tiny_world, store_id, tmp_path / f"{store_id}.gz")
        assert served.path.read_bytes() == gzip.compress(
            state.stores[store_id].report_bytes(), mtime=0
        )
        assert (served.charset, served.store_id) == ("cp1252", store_id)
    assert served_report(tiny_world, "uk", tmp_path / "uk.gz").marketplace_code == "UK"
    with pytest.raises(BaselineError, match="no store 'jp'"):
        served_report(tiny_world, "jp", tmp_path / "jp.gz")


def test_decode_comparison_of_a_served_report(tiny_world: Path, tmp_path: Path) -> None:
    served = served_report(tiny_world, "uk", tmp_path / "uk.gz")

    result = report_decode(
        served.path,
        charset="Cp1252",  # as the download names it
        marketplace_code=served.marketplace_code,
        store_id="uk",
        work_dir=tmp_path / "work",
    )

    lines = _data_lines(tiny_world, "uk")
    assert result.compressed and result.charset == "cp1252"
    assert result.file_bytes == served.path.stat().st_size
    assert result.text_bytes == len((tiny_world / "amazon/uk/listings.tsv").read_bytes())
    assert result.baseline.rows == lines and result.baseline.rejected == 0
    assert result.ours.rows + result.ours.rejected == lines and result.ours.rows > 0
    assert (result.ours_staged.rows, result.ours_staged.rejected) == (
        result.ours.rows,
        result.ours.rejected,
    )
    for side in (result.ours, result.ours_staged, result.baseline):
        assert side.seconds > 0 and side.cpu_seconds > 0 and side.peak_mib > 0
    assert result.staged_time_ratio > 0 and result.staged_memory_ratio > 0
    assert result.time_ratio > 0 and result.memory_ratio > 0
    assert result.time_ratio == pytest.approx(result.baseline.seconds / result.ours.seconds)
    assert result.memory_ratio == pytest.approx(result.ours.peak_mib / result.baseline.peak_mib)
    assert "VmHWM" in result.memory_method
    figures = result.as_dict()
    assert figures["ours"]["rows"] == result.ours.rows and figures["time_ratio"] > 0
    assert figures["ours_staged"]["seconds"] == result.ours_staged.seconds
    assert served.path.exists()  # the report given is left as it was


def test_a_plain_report_is_loaded_as_downloaded(tiny_world: Path, tmp_path: Path) -> None:
    plain = tmp_path / "us.tsv"
    shutil.copyfile(tiny_world / "amazon/us/listings.tsv", plain)

    result = report_decode(plain, work_dir=tmp_path / "work")

    assert not result.compressed and result.text_bytes == result.file_bytes
    assert result.baseline.rows == _data_lines(tiny_world, "us")
    assert result.ours.rows + result.ours.rejected == result.baseline.rows
    assert plain.exists()


def test_sides_that_disagree_on_the_rows_are_an_error(tmp_path: Path) -> None:
    ours = SideMeasure(seconds=1.0, cpu_seconds=1.0, peak_mib=1.0, rows=98, rejected=2)
    check_same_rows(tmp_path / "r.gz", ours, replace(ours, rows=100, rejected=0))
    with pytest.raises(BaselineError, match=r"r\.gz: our parser accounted for 100 lines "):
        check_same_rows(tmp_path / "r.gz", ours, replace(ours, rows=101, rejected=0))


def test_a_carriage_return_in_a_field_stops_the_baseline(tiny_world: Path, tmp_path: Path) -> None:
    # A CR inside a field is the seller's text to us; csv.DictReader refuses the file.
    text = (tiny_world / "amazon/us/listings.tsv").read_bytes()
    header, first, rest = text.split(b"\n", 2)
    report = tmp_path / "cr.tsv"
    report.write_bytes(b"\n".join([header, first.replace(b"\t", b"\tline\rbreak", 1), rest]))

    with pytest.raises(BaselineError, match=r"cr\.tsv: the baseline side failed.*new-line"):
        report_decode(report, work_dir=tmp_path / "work")


def test_a_side_that_fails_is_named(tmp_path: Path) -> None:
    report = tmp_path / "broken.tsv"
    report.write_bytes(b"no header we know\nx\n")
    with pytest.raises(BaselineError, match=r"broken\.tsv: the ours side failed.*seller-sku"):
        report_decode(report, work_dir=tmp_path / "work")
    with pytest.raises(BaselineError, match="no such file"):
        report_decode(tmp_path / "missing.gz")


def _hand_built_warehouse(path: Path) -> None:
    """Products and listings for every rule the floor keeps, in a warehouse file."""
    with duckdb.connect(str(path)) as conn:
        ensure_schema(conn)
        tiny.add_product(conn, "by-sku")
        tiny.add_product(conn, "by-asin", asin="B000000001")
        tiny.add_product(conn, "by-upc", upc="036000291452")
        tiny.add_product(conn, "by-isbn", isbn="0-306-40615-2")
        tiny.add_product(conn, "twin-a", ean="4006381333931")
        tiny.add_product(conn, "twin-b", gtin="04006381333931")
        tiny.add_product(conn, "disabled", status=2)
        tiny.add_product(conn, "unlisted", asin="B000000009")
        tiny.add_listing(conn, "us", "by-sku", price=9.99, quantity=10)
        tiny.add_listing(conn, "us", "L-asin", asin="B000000001", price=1.00, quantity=10)
        tiny.add_listing(conn, "us", "L-upc", product_id="0036000291452", product_id_type="UPC")
        tiny.add_listing(conn, "us", "L-isbn", product_id="9780306406157", product_id_type="ISBN")
        tiny.add_listing(conn, "us", "L-twins", product_id="4006381333931", product_id_type="EAN")
        tiny.add_listing(conn, "us", "disabled")
        tiny.add_listing(conn, "us", "stranger")
        tiny.add_listing(conn, "us", "L-bad", product_id="036000291453", product_id_type="UPC")
        tiny.add_listing(conn, "gone", "by-sku")  # a store no longer configured


def test_floor_keeps_the_rules_it_claims(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _hand_built_warehouse(warehouse)

    result = classification_floor(
        warehouse, tiny.config(tiny.store("us")), now=tiny.NOW, work_dir=tmp_path / "work"
    )

    assert result.listing_rows == 8 and result.listings == 8 and result.products == 8
    assert result.ours_statuses == {
        "active": 4,  # by seller SKU, ASIN, UPC (12 digits vs 13) and ISBN (10 vs 13 digits)
        "ineligible": 1,
        "new_third_party": 3,  # no candidate, two candidates, a UPC whose check digit fails
        "ready_to_list": 1,  # unlisted, with an ASIN
        "incomplete": 2,  # the twins: unlisted, no ASIN (ours: not looked up yet)
    }
    assert result.floor_statuses == result.ours_statuses
    # 9.99 x 10 wanted everywhere: L-asin shows 1.00 (price), L-upc and L-isbn 5 (quantity).
    assert result.floor_mismatches == result.ours_mismatches == 3
    assert result.identifiers_normalized > 0  # the warehouse had never normalized any
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM core.listing_status").fetchone() == (0,)


def test_floor_normalizes_identifiers_like_python_stdnum() -> None:
    values = {
        "upc": ["036000291452", "036000291453", "0036000291452", "3600029145", "12-345", ""],
        "ean": ["4006381333931", "96385074", "4006381333932", "036000291452"],
        "isbn": ["0-306-40615-2", "0306406153", "9780306406157", "080442957X", "1234567890123"],
        "gtin": ["04006381333931", "4006381333931", "96385074", "40063813339310"],
    }
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw")
    conn.execute(
        "CREATE TABLE raw.magento_products (upc VARCHAR, ean VARCHAR, isbn VARCHAR, gtin VARCHAR)"
    )
    conn.execute("CREATE TABLE raw.amazon_listings (product_id VARCHAR, product_id_type VARCHAR)")
    for kind, kind_values in values.items():
        conn.executemany(
            f"INSERT INTO raw.magento_products ({kind}) VALUES (?)", [[v] for v in kind_values]
        )
    conn.execute(baselines._FLOOR_MACROS)
    conn.execute(baselines._FLOOR_IDENTIFIERS_SQL)

    floor = dict(
        ((kind, value), gtin)
        for kind, value, gtin in conn.execute("SELECT * FROM floor_identifiers").fetchall()
    )
    expected = {(k, v): normalize(k, v)[0] for k, vs in values.items() for v in vs}
    assert floor == expected
    assert sum(gtin is not None for gtin in floor.values()) >= 9


@pytest.mark.slow
def test_floor_on_a_warehouse_after_a_sync_tick(
    tiny_world: Path, tmp_path: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(tiny_world)
    config = write_sandbox_config(tmp_path / "asc.yaml", tiny_world, server.base_url, rate_scale=50)
    cfg = load_config(config)
    for name, value in cfg.env_defaults.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    defs = build_definitions(config_file=config, data_directory=data)
    assert run_sync(defs, data, dg.DagsterInstance.ephemeral()).run_success
    warehouse = data / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        [(listings, events)] = conn.execute(
            "SELECT (SELECT count(*) FROM raw.amazon_listings), "
            "(SELECT count(*) FROM core.sync_issue_events)"
        ).fetchall()

    result = classification_floor(warehouse, config, repeats=2, work_dir=tmp_path / "work")

    assert result.stores == 2 and result.products >= 200
    assert result.listings == result.listing_rows == listings > 0
    assert set(result.ours_steps) == {
        "normalize",
        "match",
        "eligibility",
        "status",
        "desired_listings",
        "sync_issues",
    }
    assert set(result.floor_steps) == {"identifiers", "match", "status", "issues"}
    assert all(seconds > 0 for seconds in result.floor_steps.values())
    assert result.ours_seconds > 0 and result.floor_seconds > 0 and result.ratio > 0
    assert result.ratio == pytest.approx(result.ours_seconds / result.floor_seconds)
    assert result.ours_statuses["active"] > 0 and result.floor_statuses["active"] > 0
    assert result.identifiers_normalized == 0  # the tick's cache is kept: a next tick
    assert result.omitted and result.as_dict()["ratio"] == result.ratio
    with duckdb.connect(str(warehouse), read_only=True) as conn:  # the copy was worked on
        assert conn.execute("SELECT count(*) FROM core.sync_issue_events").fetchone() == (events,)
