"""Sending the outbox to Amazon through the real sync job against the real sandbox (issue 11,
section 3): ``off`` and ``dry_run`` make no write call, ``preview`` records Amazon's verdicts
and changes nothing, ``live`` brings every drifted merchant-fulfilled listing in step (confirmed
by the next tick's listings report), leaves FBA listings alone, and reports a refused change
once without sending it again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml

from asc_pipelines.config import load_config
from asc_pipelines.definitions import build_definitions
from asc_pipelines.runner import run_sync
from asc_pipelines.sandbox_setup import write_sandbox_config

pytestmark = pytest.mark.slow

WRITE_CALLS = {"patchListingsItem", "putListingsItem", "deleteListingsItem"}
WRITE_DELAY_SECONDS = 30.0


@dataclass
class Pushing:
    """The small world served, a config with the given push settings, and its warehouse."""

    server: Any
    data: Path
    defs: dg.Definitions
    instance: dg.DagsterInstance

    def tick(self) -> None:
        assert run_sync(self.defs, self.data, self.instance).run_success

    def calls(self, operations: set[str]) -> list[Any]:
        return self.server.app.request_log.entries(operations)

    def after_the_write_delay(self) -> None:
        """Move the sandbox's clock past the write delay (the world itself does not evolve)."""
        self.server.app.clock.advance(2 * WRITE_DELAY_SECONDS)

    @property
    def warehouse(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.data / "warehouse.duckdb"), read_only=True)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.warehouse as conn:
            return conn.execute(sql, params or []).fetchall()


@pytest.fixture
def pushing(
    tmp_path: Path, small_world: Path, sandbox_factory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    def start(amazon: dict[str, Any] | None = None, **stores: dict[str, Any]) -> Pushing:
        server = sandbox_factory(small_world, write_delay_seconds=WRITE_DELAY_SECONDS)
        config = write_sandbox_config(
            tmp_path / "asc.yaml", small_world, server.base_url, rate_scale=50
        )
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        for store in raw["stores"]:
            store.update(stores.get(store["id"], {}))
        raw["amazon"].update(amazon or {})
        config.write_text(yaml.safe_dump(raw), encoding="utf-8")
        for name, value in load_config(config).env_defaults.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("ASC_PUSH_PAUSED", raising=False)
        data = tmp_path / "data"
        return Pushing(
            server=server,
            data=data,
            defs=build_definitions(config_file=config, data_directory=data),
            instance=dg.DagsterInstance.ephemeral(),
        )

    yield start


def _outbox(pushing: Pushing, store_id: str) -> dict[str, int]:
    return dict(
        pushing.rows(
            "SELECT status, count(*) FROM core.listing_outbox WHERE store_id = ? GROUP BY 1",
            [store_id],
        )
    )


def _open_issues(pushing: Pushing, store_id: str, kinds: tuple[str, ...]) -> int:
    [(count,)] = pushing.rows(
        "SELECT count(*) FROM core.sync_issues WHERE store_id = ? AND resolved_at IS NULL "
        "AND list_contains(?, kind)",
        [store_id, list(kinds)],
    )
    return int(count)


def test_off_and_dry_run_make_no_write_call(pushing) -> None:
    world = pushing(us={"push": {"mode": "dry_run"}})  # uk: off, the default

    world.tick()

    assert world.calls(WRITE_CALLS) == []
    assert world.calls({"getListingsItem"}) == []  # a dry run makes no call at all
    us, uk = _outbox(world, "us"), _outbox(world, "uk")
    assert us and set(us) == {"pending"} and set(uk) == {"pending"}
    would_send = world.rows(
        "SELECT DISTINCT store_id, last_verdict FROM core.listing_outbox ORDER BY 1"
    )
    assert would_send == [("uk", None), ("us", "WOULD_SEND")]
    [(request,)] = world.rows(
        "SELECT last_request FROM core.listing_outbox WHERE store_id = 'us' "
        "AND attribute = 'quantity' ORDER BY priority, seller_sku LIMIT 1"
    )
    assert '"path": "/attributes/fulfillment_availability"' in request


def test_a_pause_stops_a_live_store_from_sending(pushing, monkeypatch) -> None:
    world = pushing(us={"push": {"mode": "live"}})
    monkeypatch.setenv("ASC_PUSH_PAUSED", "1")

    world.tick()

    assert world.calls(WRITE_CALLS) == []
    assert set(_outbox(world, "us")) == {"pending"}


def test_preview_records_verdicts_and_changes_nothing(pushing) -> None:
    world = pushing(us={"push": {"mode": "preview"}})
    world.tick()
    previews = world.calls({"patchListingsItem"})
    verdicts = world.rows(
        "SELECT DISTINCT status, last_verdict FROM core.listing_outbox WHERE store_id = 'us'"
    )
    pending = _outbox(world, "us")["pending"]

    world.after_the_write_delay()
    world.tick()

    assert previews and all(call.status == 200 for call in previews)
    assert verdicts == [("pending", "VALID")]
    # Nothing changed at Amazon: the same changes are still pending, and none previewed twice.
    assert _outbox(world, "us") == {"pending": pending}
    assert len(world.calls({"patchListingsItem"})) == len(previews)


def test_live_brings_drifted_listings_in_step_and_reports_a_refusal_once(pushing) -> None:
    # uk's prices are pushed below zero: Amazon refuses every uk patch.
    world = pushing(
        us={"push": {"mode": "live", "max_patches_per_tick": 1000}},
        uk={
            "push": {"mode": "live", "max_patches_per_tick": 1000},
            "price": {"adjust_amount": -100000},
        },
    )
    world.tick()
    drifted = world.rows(
        "SELECT DISTINCT seller_sku FROM core.listing_outbox WHERE store_id = 'us'"
    )
    assert set(_outbox(world, "us")) == {"accepted"}
    assert set(_outbox(world, "uk")) == {"invalid"}
    fba = world.rows(
        "SELECT store_id, seller_sku, quantity FROM raw.amazon_listings "
        "WHERE fulfillment_channel <> 'DEFAULT' ORDER BY ALL"
    )
    rejected = _open_issues(world, "uk", ("push_rejected",))
    mismatches = _open_issues(world, "us", ("price_mismatch", "quantity_mismatch"))
    [(detail,)] = world.rows(
        "SELECT min(detail) FROM core.sync_issues WHERE store_id = 'uk' AND kind = 'push_rejected'"
    )
    assert "price must be greater than 0" in detail  # Amazon's own words
    patches = len(world.calls({"patchListingsItem"}))

    world.after_the_write_delay()
    world.tick()

    assert drifted and set(_outbox(world, "us")) == {"confirmed"}
    assert mismatches > 0
    assert _open_issues(world, "us", ("price_mismatch", "quantity_mismatch")) == 0
    assert (
        fba
        and world.rows(
            "SELECT store_id, seller_sku, quantity FROM raw.amazon_listings "
            "WHERE fulfillment_channel <> 'DEFAULT' ORDER BY ALL"
        )
        == fba
    )
    assert rejected > 0 and _open_issues(world, "uk", ("push_rejected",)) == rejected
    [(opened,)] = world.rows(
        "SELECT count(*) FROM core.sync_issues WHERE store_id = 'uk' AND kind = 'push_rejected'"
    )
    assert opened == rejected  # reported once
    assert len(world.calls({"patchListingsItem"})) == patches  # nothing sent again


def test_live_sends_at_most_the_budget_quantities_to_zero_first(pushing) -> None:
    world = pushing(us={"push": {"mode": "live", "max_patches_per_tick": 3}})

    world.tick()

    patched = [call.path.rsplit("/", 1)[-1] for call in world.calls({"patchListingsItem"})]
    sent = world.rows(
        "SELECT seller_sku, min(priority) FROM core.listing_outbox "
        "WHERE store_id = 'us' AND status = 'accepted' GROUP BY 1"
    )
    waiting = world.rows(
        "SELECT min(priority) FROM core.listing_outbox WHERE store_id = 'us' AND status = 'pending'"
    )
    assert len(patched) == 3 and len(sent) == 3
    assert max(priority for _, priority in sent) <= waiting[0][0]
    assert world.rows(
        "SELECT DISTINCT attempts, sent_at IS NOT NULL FROM core.listing_outbox "
        "WHERE status = 'accepted'"
    ) == [(1, True)]


def test_a_change_whose_calls_keep_failing_is_given_up_with_a_push_failed_issue(pushing) -> None:
    world = pushing(
        amazon={"max_retries": 0},
        us={"push": {"mode": "live", "max_patches_per_tick": 2, "max_attempts": 2}},
    )
    world.server.faults.add("patchListingsItem", "status", status=500, times=1000)

    world.tick()
    first = world.rows(
        "SELECT DISTINCT status, attempts FROM core.listing_outbox WHERE last_error IS NOT NULL"
    )
    world.tick()
    world.server.faults.clear()
    world.tick()

    assert first == [("pending", 1)]
    given_up = world.rows(
        "SELECT DISTINCT seller_sku FROM core.listing_outbox WHERE status = 'failed'"
    )
    assert len(given_up) == 2
    assert _open_issues(world, "us", ("push_failed",)) == len(
        world.rows("SELECT 1 FROM core.listing_outbox WHERE status = 'failed'")
    )
    # Given up: not sent again once the fault is gone (4 failed calls, then only other SKUs).
    failed_skus = {sku for (sku,) in given_up}
    calls = [c.path.rsplit("/", 1)[-1] for c in world.calls({"patchListingsItem"})]
    assert len([sku for sku in calls if sku in failed_skus]) == 4
    [(failures,)] = world.rows(
        "SELECT count(*) FROM raw.api_errors WHERE operation = 'patchListingsItem'"
    )
    assert failures == 4


def test_a_429_storm_on_patches_exceeds_no_bucket_and_everything_goes_out_afterwards(
    pushing,
) -> None:
    storm = 8  # more than one call's retries (max_retries 3): one change waits for the next tick
    world = pushing(
        amazon={"max_retries": 3, "backoff_base_seconds": 0.01},
        us={"push": {"mode": "live", "max_patches_per_tick": 1000}},
    )
    world.server.faults.add("patchListingsItem", "status", status=429, times=storm)

    world.tick()
    world.tick()

    assert set(_outbox(world, "us")) == {"accepted"}
    statuses = [call.status for call in world.calls({"patchListingsItem"})]
    # Only the injected 429s: the client's buckets kept every call within Amazon's rate.
    assert statuses.count(429) == storm
    listings = world.rows(
        "SELECT DISTINCT seller_sku FROM core.listing_outbox WHERE store_id = 'us'"
    )
    assert [s for s in statuses if s != 429] == [200] * len(listings)
    # The storm used up two calls' retries: those changes went out on the second tick.
    [(retried,)] = world.rows(
        "SELECT count(DISTINCT seller_sku) FROM core.listing_outbox WHERE attempts = 2"
    )
    assert retried == 2
