"""The asset checks in real Dagster runs against a real DuckDB file.

Small stand-in assets with the real asset keys write hand-made rows into the warehouse (real
schema); the checks under test are the real ones, evaluated by ``dg.materialize`` after them. The
stand-in snapshot asset applies the snapshot guard the way ``land_listing_report`` does.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from asc_pipelines.definitions import build_definitions
from asc_pipelines.defs.amazon.checks import (
    AMAZON_CHECKS,
    snapshot_not_shrunk,
    unique_store_seller_sku,
)
from asc_pipelines.defs.core.checks import CORE_CHECKS, matched_share, one_status_per_listing
from asc_pipelines.defs.core.status import ALL_STATUSES_TAGS, STATUS_PARTITIONS
from asc_pipelines.defs.operations.jobs import SYNC_JOB_NAME
from asc_pipelines.defs.options import SOURCE_FRESHNESS
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.snapshot_guard import (
    SnapshotRejected,
    previous_row_count,
    shrink_verdict,
)
from asc_pipelines.logic.status import STATUSES
from asc_pipelines.sync.stores import record_failure
from asc_pipelines.warehouse.schema import ensure_schema

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CONFIG = """
stores:
  - {id: us, marketplace: US, seller_id: A1}
  - {id: uk, marketplace: UK, seller_id: A2}
magento: {base_url: "http://127.0.0.1:9"}
"""


@pytest.fixture
def resources(tmp_path: Path) -> dict[str, object]:
    config = tmp_path / "asc.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as conn:
        ensure_schema(conn)
    return {
        "duckdb": DuckDBResource(database=str(database)),
        "settings": AscSettings(config_path=str(config), data_dir=str(tmp_path)),
    }


def _db(resources: Mapping[str, object]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(resources["duckdb"].database)  # type: ignore[attr-defined]


def _materialize(
    assets: Sequence[object], resources: Mapping[str, object], **options: object
) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources=resources, raise_on_error=False, **options)  # type: ignore[arg-type]


def _evaluation(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert len(found) == 1, [e.check_name for e in result.get_asset_check_evaluations()]
    return found[0]


def _meta(evaluation: dg.AssetCheckEvaluation, key: str) -> object:
    return evaluation.metadata[key].value


NUMBERS = (dg.IntMetadataValue, dg.FloatMetadataValue)


def _assert_figures_are_numbers(evaluation: dg.AssetCheckEvaluation, *text: str) -> None:
    """Every metadata entry but the named ``text`` ones is an int or float value (the Dagster UI
    plots those across evaluations); the text ones are store ids or a Markdown table."""
    for key, value in evaluation.metadata.items():
        if key in text:
            assert isinstance(value, dg.MarkdownMetadataValue) or (
                isinstance(value, dg.JsonMetadataValue)
                and all(isinstance(item, str) for item in value.value)  # type: ignore[union-attr]
            ), (evaluation.check_name, key, value)
        else:
            assert isinstance(value, NUMBERS), (evaluation.check_name, key, value)
    assert set(text) <= set(evaluation.metadata), (evaluation.check_name, text)


# --- amazon_listings_snapshot: the guard in a stand-in asset, both checks -------------------


def _snapshot_asset(snapshots: Mapping[str, int], max_shrink_share: float = 0.5):
    """Stand-in for amazon_listings_snapshot: each store's new report has ``n`` listings."""

    @dg.asset(name="amazon_listings_snapshot")
    def stand_in(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> None:
        run_id = context.run.run_id
        with duckdb.get_connection() as conn:
            tick = conn.execute("SELECT count(*) FROM raw.amazon_listing_snapshots").fetchone()[0]
            at = T0 + timedelta(minutes=5 * int(tick))
            for store_id, n in snapshots.items():
                # What land_listing_report does, minus the report staging.
                verdict = shrink_verdict(previous_row_count(conn, store_id), n, max_shrink_share)
                try:
                    if not verdict.accepted:
                        raise SnapshotRejected(store_id, verdict)
                    conn.execute("DELETE FROM raw.amazon_listings WHERE store_id = ?", [store_id])
                    conn.execute(
                        "INSERT INTO raw.amazon_listings (store_id, seller_sku, snapshot_at) "
                        "SELECT ?, 'SKU-' || i, ? FROM range(?) t(i)",
                        [store_id, at, n],
                    )
                    conn.execute(
                        "INSERT INTO raw.amazon_listing_snapshots (store_id, report_id, "
                        "snapshot_at, rows_loaded, rows_rejected, run_id) "
                        "VALUES (?, 'r', ?, ?, 0, ?)",
                        [store_id, at, n, run_id],
                    )
                except Exception as exc:
                    record_failure(
                        conn,
                        exc,
                        store_id=store_id,
                        default_operation="amazon_listings_snapshot",
                        occurred_at=at,
                        run_id=run_id,
                    )

    return stand_in


@dg.asset(name="product_matches", deps=["amazon_listings_snapshot"])
def downstream_matches() -> None:
    """Stand-in for product_matches: only here to be skipped by the blocking check."""


SNAPSHOT_CHECKS = [unique_store_seller_sku, snapshot_not_shrunk]


def test_a_shrunk_snapshot_is_refused_the_last_good_one_stays_and_downstream_is_blocked(
    resources: dict[str, object],
) -> None:
    first = _materialize(
        [_snapshot_asset({"us": 10, "uk": 8}), downstream_matches, *SNAPSHOT_CHECKS], resources
    )
    assert first.success
    assert _evaluation(first, "snapshot_not_shrunk").passed
    assert _evaluation(first, "unique_store_seller_sku").passed

    # us loses 70 % of its listings (refused); uk loses 25 % (accepted).
    second = _materialize(
        [_snapshot_asset({"us": 3, "uk": 6}), downstream_matches, *SNAPSHOT_CHECKS], resources
    )
    assert not second.success
    shrunk = _evaluation(second, "snapshot_not_shrunk")
    assert not shrunk.passed and shrunk.severity == dg.AssetCheckSeverity.ERROR
    assert _meta(shrunk, "stores_refused") == ["us"]
    assert _meta(shrunk, "refused_stores") == 1
    assert _meta(shrunk, "refused_rows/us") == 3
    assert _meta(shrunk, "last_good_rows/us") == 10
    assert _meta(shrunk, "rows_kept/us") == 10
    assert _meta(shrunk, "max_snapshot_shrink_share") == 0.5
    _assert_figures_are_numbers(shrunk, "stores_refused", "refusals")
    _assert_figures_are_numbers(_evaluation(second, "unique_store_seller_sku"))
    assert "us" in (shrunk.description or "")
    # Blocking: the check's step failed and product_matches did not run in this tick.
    assert [e.step_key for e in second.get_step_failure_events()] == [
        "amazon_listings_snapshot_snapshot_not_shrunk"
    ]
    materialized = {e.asset_key.to_user_string() for e in second.get_asset_materialization_events()}
    assert materialized == {"amazon_listings_snapshot"}
    with _db(resources) as conn:
        rows = dict(
            conn.execute("SELECT store_id, count(*) FROM raw.amazon_listings GROUP BY 1").fetchall()
        )
        errors = conn.execute(
            "SELECT store_id, operation, code FROM raw.api_errors WHERE run_id = ?",
            [second.run_id],
        ).fetchall()
    assert rows == {"us": 10, "uk": 6}
    assert errors == [("us", "snapshot_guard", "snapshot_shrank")]

    # The next tick brings a normal report: the check looks at its own run only and passes.
    third = _materialize(
        [_snapshot_asset({"us": 9, "uk": 6}), downstream_matches, *SNAPSHOT_CHECKS], resources
    )
    passed = _evaluation(third, "snapshot_not_shrunk")
    assert third.success and passed.passed
    assert _meta(passed, "refused_stores") == 0
    _assert_figures_are_numbers(passed, "stores_refused")


def test_any_shrink_is_accepted_with_a_share_of_one(resources: dict[str, object]) -> None:
    assert _materialize([_snapshot_asset({"us": 10}, 1.0), *SNAPSHOT_CHECKS], resources).success
    result = _materialize([_snapshot_asset({"us": 0}, 1.0), *SNAPSHOT_CHECKS], resources)
    assert result.success and _evaluation(result, "snapshot_not_shrunk").passed


@dg.asset(name="amazon_listings_snapshot")
def duplicated_listings(duckdb: DuckDBResource) -> None:
    """A warehouse whose listings table lost its primary key (the real one has it)."""
    with duckdb.get_connection() as conn:
        conn.execute("DROP TABLE raw.amazon_listings")
        conn.execute("CREATE TABLE raw.amazon_listings (store_id VARCHAR, seller_sku VARCHAR)")
        conn.execute(
            "INSERT INTO raw.amazon_listings VALUES "
            "('us', 'A'), ('us', 'A'), ('us', 'B'), ('uk', 'A'), ('uk', 'C'), ('uk', 'C')"
        )


def test_unique_store_seller_sku_fails_on_duplicates(resources: dict[str, object]) -> None:
    result = _materialize([duplicated_listings, unique_store_seller_sku], resources)
    evaluation = _evaluation(result, "unique_store_seller_sku")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert _meta(evaluation, "duplicated_keys") == 2
    assert _meta(evaluation, "duplicated_keys/us") == 1
    assert _meta(evaluation, "duplicated_keys/uk") == 1
    assert _meta(evaluation, "listings") == 6
    assert _meta(evaluation, "listings/us") == 3
    _assert_figures_are_numbers(evaluation, "sample")
    assert "| us | A | 2 |" in _meta(evaluation, "sample")  # type: ignore[operator]
    assert result.success  # not blocking


# --- product_matches: matched share -----------------------------------------------------------


@dg.asset(name="product_matches")
def some_matches(duckdb: DuckDBResource) -> None:
    """us: 4 of 5 listings matched; uk: 1 of 4 (one ambiguous); de has no listings."""
    with duckdb.get_connection() as conn:
        conn.execute(
            "INSERT INTO core.product_matches (store_id, seller_sku, magento_sku, "
            "candidate_count, shared_product, matched_at) VALUES "
            "('us', 'a', 'p1', 1, false, ?), ('us', 'b', 'p2', 1, false, ?), "
            "('us', 'c', 'p3', 1, false, ?), ('us', 'd', 'p4', 1, false, ?), "
            "('us', 'e', NULL, 0, false, ?), ('uk', 'a', 'p1', 1, false, ?), "
            "('uk', 'b', NULL, 2, false, ?), ('uk', 'c', NULL, 0, false, ?), "
            "('uk', 'd', NULL, 0, false, ?)",
            [T0] * 9,
        )


def test_matched_share_warns_for_the_store_below_the_threshold(
    resources: dict[str, object],
) -> None:
    result = _materialize([some_matches, matched_share], resources)
    assert result.success  # a WARN never fails the run
    evaluation = _evaluation(result, "matched_share")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert _meta(evaluation, "matched_share/uk") == 0.25
    assert _meta(evaluation, "matched_share/us") == 0.8
    assert (_meta(evaluation, "listings/us"), _meta(evaluation, "matched/us")) == (5, 4)
    assert _meta(evaluation, "stores_below_threshold") == ["uk"]
    assert _meta(evaluation, "stores_below_threshold_count") == 1
    assert _meta(evaluation, "threshold") == 0.5
    _assert_figures_are_numbers(evaluation, "stores_below_threshold", "per_store")
    assert evaluation.description == "matched share below 50%: uk 25.0%"


def test_matched_share_threshold_from_asc_yaml(resources: dict[str, object]) -> None:
    settings: AscSettings = resources["settings"]  # type: ignore[assignment]
    Path(settings.config_path).write_text(
        CONFIG + "checks: {min_matched_share: 0.2}\n", encoding="utf-8"
    )
    result = _materialize([some_matches, matched_share], resources)
    evaluation = _evaluation(result, "matched_share")
    assert evaluation.passed and _meta(evaluation, "threshold") == 0.2


# --- listings_by_status: every listing in exactly one status ---------------------------------


def _status_asset(statuses: Sequence[tuple[str, str | None, str]]):
    """Stand-in for listings_by_status (same partitions, one run for all seven)."""

    @dg.asset(
        name="listings_by_status",
        partitions_def=STATUS_PARTITIONS,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def stand_in(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> None:
        assert context.partition_keys == list(STATUSES)
        with duckdb.get_connection() as conn:
            conn.execute(
                "INSERT INTO raw.amazon_listings (store_id, seller_sku, snapshot_at) "
                "SELECT * , ? FROM (VALUES ('us', 'a'), ('us', 'b'), ('us', 'c'), ('uk', 'a'))",
                [T0],
            )
            for store_id, sku, status in statuses:
                conn.execute(
                    "INSERT INTO core.listing_status (store_id, status, reason_code, "
                    "seller_sku, magento_sku, computed_at) VALUES (?, ?, 'x', ?, 'p', ?)",
                    [store_id, status, sku, T0],
                )

    return stand_in


def test_one_status_per_listing_passes_once_for_a_run_of_all_seven_partitions(
    resources: dict[str, object],
) -> None:
    statuses = [
        ("us", "a", "active"),
        ("us", "b", "inactive"),
        ("us", "c", "new_third_party"),
        ("uk", "a", "active"),
        ("uk", None, "ready_to_list"),  # an unlisted product: no seller SKU, not a listing
    ]
    result = _materialize(
        [_status_asset(statuses), one_status_per_listing], resources, tags=ALL_STATUSES_TAGS
    )
    assert result.success
    materialized = {
        e.partition
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("listings_by_status")
    }
    assert materialized == set(STATUSES)
    # One evaluation for the run, not one per partition, and it belongs to no partition.
    evaluation = _evaluation(result, "one_status_per_listing")
    assert evaluation.passed and evaluation.partition is None
    assert _meta(evaluation, "listings") == 4
    assert (_meta(evaluation, "problems/us"), _meta(evaluation, "problems/uk")) == (0, 0)
    _assert_figures_are_numbers(evaluation)


def test_one_status_per_listing_fails_on_missing_doubled_and_unknown_listings(
    resources: dict[str, object],
) -> None:
    statuses = [
        ("us", "a", "active"),
        ("us", "b", "inactive"),
        ("us", "b", "ended"),  # in two statuses
        ("uk", "z", "active"),  # no such listing; us c and uk a have none
    ]
    result = _materialize(
        [_status_asset(statuses), one_status_per_listing], resources, tags=ALL_STATUSES_TAGS
    )
    evaluation = _evaluation(result, "one_status_per_listing")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert _meta(evaluation, "listings_without_status") == 2
    assert _meta(evaluation, "listings_in_several_statuses") == 1
    assert _meta(evaluation, "statuses_of_unknown_listings") == 1
    assert (_meta(evaluation, "problems/us"), _meta(evaluation, "problems/uk")) == (2, 2)
    _assert_figures_are_numbers(evaluation, "sample")
    assert "| us | b | several | ended, inactive |" in _meta(evaluation, "sample")  # type: ignore[operator]


# --- wiring ------------------------------------------------------------------------------------


def test_the_sync_job_runs_every_check_and_only_the_shrink_check_blocks(tmp_path: Path) -> None:
    defs = dg.Definitions.merge(
        build_definitions(config_file=tmp_path / "asc.yaml", data_directory=tmp_path / "data"),
        dg.Definitions(asset_checks=[*AMAZON_CHECKS, *CORE_CHECKS]),
    )
    with dg.instance_for_test():
        dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(SYNC_JOB_NAME)
    in_job = {
        (k.asset_key.to_user_string(), k.name) for k in job.asset_layer.asset_graph.asset_check_keys
    }
    assert in_job == {
        ("amazon_listings_snapshot", "unique_store_seller_sku"),
        ("amazon_listings_snapshot", "snapshot_not_shrunk"),
        ("product_matches", "matched_share"),
        ("listings_by_status", "one_status_per_listing"),
    }
    blocking = {
        spec.name
        for check in [*AMAZON_CHECKS, *CORE_CHECKS]
        for spec in check.check_specs
        if spec.blocking
    }
    assert blocking == {"snapshot_not_shrunk"}


def test_the_freshness_policy_for_the_raw_assets_loads() -> None:
    @dg.asset(freshness_policy=SOURCE_FRESHNESS)
    def raw_asset() -> None: ...

    assert isinstance(SOURCE_FRESHNESS, dg.FreshnessPolicy)
    assert SOURCE_FRESHNESS.fail_window.to_timedelta() == timedelta(minutes=15)  # type: ignore[attr-defined]
    assert SOURCE_FRESHNESS.warn_window.to_timedelta() == timedelta(minutes=10)  # type: ignore[attr-defined]
    dg.Definitions.validate_loadable(dg.Definitions(assets=[raw_asset]))
    assert raw_asset.specs_by_key[dg.AssetKey("raw_asset")].freshness_policy == SOURCE_FRESHNESS
