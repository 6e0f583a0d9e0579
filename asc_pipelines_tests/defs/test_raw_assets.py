"""The raw assets run through Dagster against the sandbox (real HTTP) into a temporary DuckDB."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.amazon.issues import amazon_listing_issues
from asc_pipelines.defs.amazon.listings import amazon_listings_snapshot
from asc_pipelines.defs.amazon.orders import amazon_orders
from asc_pipelines.defs.magento.catalog import magento_catalog
from asc_pipelines.runner import SyncResult, run_sync
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox_setup import write_sandbox_config

pytestmark = pytest.mark.slow


def _setup(
    tmp_path: Path,
    world: Path,
    server,
    monkeypatch: pytest.MonkeyPatch,
    **amazon: object,
) -> tuple[Path, Path]:
    config = write_sandbox_config(
        tmp_path / "asc.yaml", world, server.base_url, rate_scale=server_rate(server)
    )
    if amazon:
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["amazon"].update(amazon)
        config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    for name, value in load_config(config).env_defaults.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    return config, data


def server_rate(server) -> float:
    return float(getattr(server, "rate_scale", 50.0))


def _sync(config: Path, data: Path) -> SyncResult:
    defs = build_definitions(config_file=config, data_directory=data)
    return run_sync(defs, data, instance=dg.DagsterInstance.ephemeral())


def _published(data: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data / "asc.duckdb"), read_only=True)


def _data_lines(world: Path, store_id: str) -> int:
    raw = (world / "amazon" / store_id / "listings.tsv").read_bytes()
    return len([line for line in raw.split(b"\n")[1:] if line.strip()])


def test_materialize_raw_assets_into_a_temporary_duckdb(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    defs = build_definitions(config_file=config, data_directory=data)
    resources = {
        key: defs.resources[key]
        for key in ("settings", "duckdb", "amazon_credentials", "magento_credentials")
    }
    result = dg.materialize(
        [amazon_listings_snapshot, amazon_listing_issues, amazon_orders, magento_catalog],
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    listing_meta = result.asset_materializations_for_node("amazon_listings_snapshot")[0].metadata
    conn = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        listings = conn.execute("SELECT count(*) FROM raw.amazon_listings").fetchone()[0]
        assert listing_meta["dagster/row_count"].value == listings > 0
        assert set(listing_meta["store_outcomes"].value.values()) == {"ok"}
        assert "dagster/column_schema" in listing_meta
        products = conn.execute("SELECT count(*) FROM raw.magento_products").fetchone()[0]
        assert products >= 1000
        assert conn.execute("SELECT count(*) FROM raw.amazon_orders").fetchone()[0] > 0
        orphan_items = conn.execute(
            "SELECT count(*) FROM raw.amazon_order_items i "
            "LEFT JOIN raw.amazon_orders o USING (amazon_order_id) WHERE o.amazon_order_id IS NULL"
        ).fetchone()[0]
        assert orphan_items == 0
    finally:
        conn.close()


def test_every_report_line_is_loaded_or_rejected_with_a_reason(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stray bytes in us's report, served as they are: a lone CR in one listing's item-name (the
    # seller's text: it loads) and a NUL byte opening another line (that line alone is rejected).
    world = tmp_path / "stray_bytes_world"
    shutil.copytree(small_world, world)
    report = world / "amazon" / "us" / "listings.tsv"
    lines = report.read_bytes().split(b"\n")
    with_cr, with_nul = lines[1].split(b"\t"), lines[2].split(b"\t")
    with_cr[0] = with_cr[0][:3] + b"\r" + with_cr[0][3:]
    with_nul[0] = b"\x00" + with_nul[0]
    lines[1], lines[2] = b"\t".join(with_cr), b"\t".join(with_nul)
    report.write_bytes(b"\n".join(lines))
    server = sandbox_factory(world)
    config, data = _setup(tmp_path, world, server, monkeypatch)
    result = _sync(config, data)
    assert result.every_store_ok, result.messages
    conn = _published(data)
    try:
        for store_id in ("us", "uk"):
            loaded = conn.execute(
                "SELECT count(*) FROM raw.amazon_listings WHERE store_id = ?", [store_id]
            ).fetchone()[0]
            rejected = conn.execute(
                "SELECT count(*) FROM raw.rejected_rows WHERE store_id = ?", [store_id]
            ).fetchone()[0]
            assert loaded + rejected == _data_lines(world, store_id)
            assert rejected >= 1  # the generator plants malformed rows
            reasons = conn.execute(
                "SELECT reason FROM raw.rejected_rows WHERE store_id = ?", [store_id]
            ).fetchall()
            assert all(reason for (reason,) in reasons)
        item_name = conn.execute(
            "SELECT item_name FROM raw.amazon_listings WHERE store_id = 'us' AND line_number = 2"
        ).fetchone()[0]
        assert item_name.encode("cp1252") == with_cr[0]
        stray = conn.execute(
            "SELECT reason FROM raw.rejected_rows WHERE store_id = 'us' AND line_number = 3"
        ).fetchall()
        assert stray == [("NUL byte at offset 0",)]
    finally:
        conn.close()


def test_a_failing_store_is_recorded_and_the_other_still_updates(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    bad_token = "Atzr|revoked-refresh-token-for-uk"
    monkeypatch.setenv("ASC_REFRESH_TOKEN_UK", bad_token)
    result = _sync(config, data)
    assert result.run_success and not result.every_store_ok
    assert set(result.outcomes["us"].values()) == {"ok"}
    assert set(result.outcomes["uk"].values()) == {"failed"}
    conn = _published(data)
    try:
        stores = conn.execute("SELECT DISTINCT store_id FROM raw.amazon_listings").fetchall()
        assert stores == [("us",)]
        errors = conn.execute(
            "SELECT DISTINCT store_id, code FROM raw.api_errors ORDER BY ALL"
        ).fetchall()
        assert ("uk", "invalid_grant") in errors
        assert all(store == "uk" for store, _ in errors)
        dump = conn.execute("SELECT string_agg(message, ' ') FROM raw.api_errors").fetchone()[0]
        assert bad_token not in dump and credentials.LWA_CLIENT_SECRET not in dump
    finally:
        conn.close()


def test_a_failed_report_keeps_the_last_good_snapshot(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    assert _sync(config, data).every_store_ok
    with _published(data) as conn:
        before = conn.execute(
            "SELECT store_id, count(*), max(snapshot_at) FROM raw.amazon_listings "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    server.faults.add("createReport", "report_status", status="FATAL", times=-1)
    result = _sync(config, data)
    assert result.outcomes["us"]["amazon_listings"] == "failed"
    assert result.outcomes["us"]["amazon_orders"] == "ok"
    assert result.outcomes["magento"]["magento_catalog"] == "ok"
    with _published(data) as conn:
        after = conn.execute(
            "SELECT store_id, count(*), max(snapshot_at) FROM raw.amazon_listings "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        fatal = conn.execute("SELECT count(*) FROM raw.api_errors WHERE code = 'FATAL'").fetchone()[
            0
        ]
    assert after == before
    assert fatal == 2


def test_a_report_still_processing_is_picked_up_by_the_next_tick(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world, report_delay_seconds=2.0)
    config, data = _setup(tmp_path, small_world, server, monkeypatch, report_wait_seconds=0.0)
    first = _sync(config, data)
    assert first.outcomes["us"]["amazon_listings"] == "pending"
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        in_flight = dict(
            conn.execute("SELECT store_id, report_id FROM raw.report_requests").fetchall()
        )
    assert set(in_flight) == {"us", "uk"}
    time.sleep(2.5)
    second = _sync(config, data)
    assert second.outcomes["us"]["amazon_listings"] == "ok"
    with _published(data) as conn:
        used = dict(
            conn.execute("SELECT store_id, report_id FROM raw.amazon_listing_snapshots").fetchall()
        )
        left = conn.execute("SELECT count(*) FROM raw.report_requests").fetchone()[0]
    assert used == in_flight  # the same requests, not new ones
    assert left == 0


def _metadata(instance: dg.DagsterInstance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    assert event is not None and event.asset_materialization is not None
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_second_tick_picks_up_exactly_what_changed(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(config_file=config, data_directory=data)
    assert run_sync(defs, data, instance=instance).every_store_ok
    with _published(data) as conn:
        orders_before = conn.execute(
            "SELECT store_id, amazon_order_id FROM raw.amazon_orders"
        ).fetchall()
        prices_before = dict(
            conn.execute(
                "SELECT store_id || '/' || seller_sku, price FROM raw.amazon_listings"
            ).fetchall()
        )
        marks_before = dict(
            conn.execute("SELECT store_id, watermark FROM raw.source_watermarks").fetchall()
        )
    assert _metadata(instance, "magento_catalog")["mode"] == "full"

    changes = server.advance(30)
    assert run_sync(defs, data, instance=instance).every_store_ok

    new_orders = {
        (store, order) for store, c in changes["amazon"].items() for order in c["new_orders"]
    }
    assert new_orders  # the sandbox did sell something
    with _published(data) as conn:
        orders_after = conn.execute(
            "SELECT store_id, amazon_order_id FROM raw.amazon_orders"
        ).fetchall()
        shipped = conn.execute(
            "SELECT store_id, amazon_order_id, order_status FROM raw.amazon_orders "
            "WHERE amazon_order_id IN (SELECT unnest(?::VARCHAR[]))",
            [[o for c in changes["amazon"].values() for o in c["shipped_orders"]]],
        ).fetchall()
        prices_after = dict(
            conn.execute(
                "SELECT store_id || '/' || seller_sku, price FROM raw.amazon_listings"
            ).fetchall()
        )
        marks_after = dict(
            conn.execute("SELECT store_id, watermark FROM raw.source_watermarks").fetchall()
        )
        lines_missing = conn.execute(
            "SELECT count(*) FROM raw.amazon_orders WHERE items_fetched_at IS NULL"
        ).fetchone()[0]
    assert set(orders_after) == set(orders_before) | new_orders
    assert len(orders_after) == len(set(orders_after))
    assert shipped and all(status == "Shipped" for _, _, status in shipped)
    repriced = [
        f"{store}/{sku}" for store, c in changes["amazon"].items() for sku in c["price_changes"]
    ]
    assert repriced and all(prices_after[k] != prices_before[k] for k in repriced)
    assert all(marks_after[store] > marks_before[store] for store in marks_before)
    assert lines_missing == 0

    magento = _metadata(instance, "magento_catalog")
    assert magento["mode"] == "incremental"
    bumped = changes["magento"]["price_changes"] + changes["magento"]["status_changes"]
    assert bumped <= magento["products_fetched_this_tick"] < magento["dagster/row_count"]


def test_magento_pulls_the_full_catalog_again_after_full_reconcile_hours(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["magento"]["full_reconcile_hours"] = 0.0001  # 0.36 s
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(config_file=config, data_directory=data)
    run_sync(defs, data, instance=instance)
    time.sleep(0.5)
    run_sync(defs, data, instance=instance)
    magento = _metadata(instance, "magento_catalog")
    assert magento["mode"] == "full"
    assert magento["products_fetched_this_tick"] == magento["dagster/row_count"]


def test_order_history_is_fetched_one_window_per_tick(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch, orders_window_days=12)
    counts, marks, notes = [], [], []
    for _ in range(4):
        result = _sync(config, data)
        run_id = result.run_id
        assert result.outcomes["us"]["amazon_orders"] == "ok"
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
            counts.append(conn.execute("SELECT count(*) FROM raw.amazon_orders").fetchone()[0])
            marks.append(
                conn.execute(
                    "SELECT watermark FROM raw.source_watermarks "
                    "WHERE store_id = 'us' AND dataset = 'amazon_orders'"
                ).fetchone()[0]
            )
            notes.append(
                conn.execute(
                    "SELECT message FROM raw.store_fetches WHERE store_id = 'us' "
                    "AND dataset = 'amazon_orders' AND run_id = ?",
                    [run_id],
                ).fetchone()[0]
            )
    # 30 days of history in 12-day windows: three ticks to catch up, the fourth is current.
    assert counts[0] < counts[1] < counts[2] == counts[3]
    assert marks[0] < marks[1] < marks[2] <= marks[3]
    assert all("caught up to" in (n or "") for n in notes[:2]) and "caught up" not in (
        notes[3] or ""
    )
    complete = tmp_path / "complete"
    complete.mkdir()
    config_all, data_all = _setup(complete, small_world, server, monkeypatch)
    _sync(config_all, data_all)
    with _published(data_all) as conn:
        everything = conn.execute("SELECT count(*) FROM raw.amazon_orders").fetchone()[0]
    assert counts[3] == everything


def test_a_report_request_the_server_no_longer_knows_is_forgotten(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sandbox_factory(small_world, report_delay_seconds=5.0)
    config, data = _setup(tmp_path, small_world, first, monkeypatch, report_wait_seconds=0.0)
    assert _sync(config, data).outcomes["us"]["amazon_listings"] == "pending"
    first.stop()
    # A restarted sandbox has never heard of that report id.
    second = sandbox_factory(small_world, report_delay_seconds=0.2)
    config, data = _setup(tmp_path, small_world, second, monkeypatch)
    forgotten = _sync(config, data)
    assert forgotten.outcomes["us"]["amazon_listings"] == "failed"
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM raw.report_requests").fetchone()[0] == 0
    assert _sync(config, data).outcomes["us"]["amazon_listings"] == "ok"


def test_no_credential_reaches_the_warehouse(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, server, monkeypatch)
    monkeypatch.setenv("ASC_MAGENTO_PASSWORD", "a-wrong-password-123")
    _sync(config, data)
    secrets = [
        credentials.LWA_CLIENT_SECRET,
        credentials.refresh_token("us"),
        "a-wrong-password-123",
        "Atza|",
    ]
    blob = (data / "warehouse.duckdb").read_bytes()
    for secret in secrets:
        assert secret.encode() not in blob
    with _published(data) as conn:
        magento = conn.execute(
            "SELECT http_status, message FROM raw.api_errors WHERE store_id = 'magento'"
        ).fetchall()
    assert magento and magento[0][0] == 401


def test_a_snapshot_that_shrank_is_refused_and_the_last_good_one_stays(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sandbox_factory(small_world)
    config, data = _setup(tmp_path, small_world, first, monkeypatch)
    assert _sync(config, data).every_store_ok
    with _published(data) as conn:
        before = dict(
            conn.execute("SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY 1").fetchall()
        )
    first.stop()
    # The same world, but Amazon's report for uk suddenly lists a fifth of the listings.
    shrunk = tmp_path / "shrunk_world"
    shutil.copytree(small_world, shrunk)
    report = shrunk / "amazon" / "uk" / "listings.tsv"
    lines = report.read_bytes().split(b"\n")
    report.write_bytes(b"\n".join(lines[: len(lines) // 5]) + b"\n")
    second = sandbox_factory(shrunk)
    config, data = _setup(tmp_path, shrunk, second, monkeypatch)
    result = _sync(config, data)
    assert result.outcomes["us"]["amazon_listings"] == "ok"
    assert not result.run_success  # the blocking check stops the downstream assets
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        after = dict(
            conn.execute("SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY 1").fetchall()
        )
        refused = conn.execute(
            "SELECT operation, code, message FROM raw.api_errors WHERE store_id = 'uk'"
        ).fetchall()
        outcome = conn.execute(
            "SELECT outcome FROM raw.store_fetches WHERE store_id = 'uk' "
            "AND dataset = 'amazon_listings' AND run_id = ?",
            [result.run_id],
        ).fetchone()[0]
    assert after["uk"] == before["uk"]  # the last good snapshot stays
    assert outcome == "failed"
    assert [(op, code) for op, code, _ in refused] == [("snapshot_guard", "snapshot_shrank")]
