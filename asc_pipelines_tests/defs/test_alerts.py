"""Sensors that flag sync issues and failed runs: one summary per evaluation over any backlog, a
cursor that follows the ever-growing event id, no double announcement, webhook JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import duckdb
import pytest

from asc_pipelines.defs.operations.alerts import (
    WEBHOOK_ENV,
    notify_sync_issues,
    sync_issue_sensor,
    sync_run_failure_sensor,
)
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.announcements import MOST_URGENT_SHOWN
from asc_pipelines.warehouse.schema import ensure_schema

T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


def _event(conn: duckdb.DuckDBPyConnection, issue_id: str, change: str, at: datetime) -> None:
    """Append to the event log as ``refresh_sync_issues`` does: the next event id."""
    conn.execute(
        "INSERT INTO core.sync_issue_events SELECT "
        "(SELECT coalesce(max(event_id), 0) + 1 FROM core.sync_issue_events), "
        "issue_id, ?, ?, store_id, kind, severity, sku, detail "
        "FROM core.sync_issues WHERE issue_id = ?",
        [change, at, issue_id],
    )


def _issue(conn: duckdb.DuckDBPyConnection, issue_id: str, first_seen: datetime, **extra) -> None:
    row = {
        "issue_id": issue_id,
        "store_id": "us",
        "kind": "price_mismatch",
        "severity": "warning",
        "sku": f"SKU-{issue_id}",
        "subject": f"SKU-{issue_id}",
        "detail": "Amazon 10.00, Magento 12.00",
        "first_seen_at": first_seen,
        "last_seen_at": first_seen,
        "escalated_at": None,
        "resolved_at": None,
        **extra,
    }
    names = ", ".join(row)
    conn.execute(
        f"INSERT INTO core.sync_issues ({names}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    _event(conn, issue_id, "opened", first_seen)
    if row["resolved_at"] is not None:
        _event(conn, issue_id, "resolved", row["resolved_at"])


def _escalate(conn: duckdb.DuckDBPyConnection, issue_id: str, at: datetime) -> None:
    conn.execute(
        "UPDATE core.sync_issues SET severity = 'error', escalated_at = ? WHERE issue_id = ?",
        [at, issue_id],
    )
    _event(conn, issue_id, "escalated", at)


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[Path, AscSettings]]:
    settings = AscSettings(config_path=str(tmp_path / "asc.yaml"), data_dir=str(tmp_path))
    with duckdb.connect(str(settings.published_path)) as conn:
        ensure_schema(conn)
        _issue(conn, "a", T0)
        _issue(conn, "b", T0, kind="stale_store", severity="error", sku=None, subject="listings")
        _issue(conn, "gone", T0, resolved_at=T0 + timedelta(minutes=5))
    yield settings.published_path, settings


def _tick(settings: AscSettings, instance: dg.DagsterInstance, cursor: str | None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"settings": settings}
    )
    return sync_issue_sensor(context)


def _config(result: dg.SensorResult) -> dict:
    (request,) = result.run_requests
    return request.run_config["ops"]["announce"]["config"]


def test_new_issues_are_announced_once_and_the_cursor_advances(published) -> None:
    path, settings = published
    with dg.instance_for_test() as instance:
        first = _tick(settings, instance, None)
        assert isinstance(first, dg.SensorResult)
        items = _config(first)["items"]
        assert [i["issue_id"] for i in items] == ["b", "a"]  # errors first; resolved: not news
        assert all(i["change"] == "opened" for i in items)
        assert json.loads(first.cursor) == {"event_id": 4}
        again = _tick(settings, instance, first.cursor)
        assert isinstance(again, dg.SkipReason)  # nothing announced twice

        with duckdb.connect(str(path)) as conn:
            _issue(conn, "c", T0 + timedelta(minutes=5))
            _escalate(conn, "a", T0 + timedelta(minutes=65))
        later = _tick(settings, instance, first.cursor)
        assert isinstance(later, dg.SensorResult)
        changes = {i["issue_id"]: i["change"] for i in _config(later)["items"]}
        assert changes == {"c": "opened", "a": "escalated"}
        assert json.loads(later.cursor) == {"event_id": 6}
        assert later.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_backlog_of_any_size_is_one_summary_and_one_webhook_message(
    tmp_path: Path, webhook
) -> None:
    """The first `make dev` after a demo announced 1,179 issues 200 at a time in six runs."""
    settings = AscSettings(config_path=str(tmp_path / "asc.yaml"), data_dir=str(tmp_path))
    kinds = ["price_mismatch", "quantity_mismatch", "unmatched_listing", "invalid_identifier"]
    with duckdb.connect(str(settings.published_path)) as conn:
        ensure_schema(conn)
        for n in range(1200):
            _issue(
                conn,
                f"i{n:04d}",
                T0 + timedelta(minutes=5 * (n % 12)),
                store_id=("us", "uk", "de")[n % 3],
                kind=kinds[n % 4],
            )
        _issue(conn, "stale", T0, kind="stale_store", severity="error", sku=None, subject="x")
        for n in range(0, 40, 4):
            _escalate(conn, f"i{n:04d}", T0 + timedelta(hours=2))
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, None)
        assert isinstance(result, dg.SensorResult)
        config = _config(result)
        assert sum(int(row["issues"]) for row in config["counts"]) == 1201
        assert {(r["store"], r["severity"], r["kind"]) for r in config["counts"]} >= {
            ("us", "error", "stale_store"),
            ("us", "error", "price_mismatch"),
            ("uk", "warning", "quantity_mismatch"),
        }
        assert len(config["items"]) == MOST_URGENT_SHOWN
        assert config["items"][0]["kind"] == "stale_store"  # the most urgent comes first
        # Within a kind the stores take turns: one busy store does not fill the list.
        assert {item["store_id"] for item in config["items"][1:4]} == {"us", "uk", "de"}
        assert all(item["severity"] == "error" for item in config["items"])
        assert config["title"].startswith("1201 sync issue(s) new or escalated (11 error(s)")
        assert len(config["text"].splitlines()) < 30  # readable, not a line per issue
        assert "Where to look" in config["text"] and "index.html" in config["text"]
        assert isinstance(_tick(settings, instance, result.cursor), dg.SkipReason)
    (message,) = webhook.received
    assert message["json"]["text"] == config["text"]


def test_issues_recorded_with_an_earlier_clock_are_still_announced(published) -> None:
    """The cursor follows the event id, not time: a rewound clock cannot hide an issue."""
    path, settings = published
    with dg.instance_for_test() as instance:
        first = _tick(settings, instance, None)
        with duckdb.connect(str(path)) as conn:
            _issue(conn, "early", T0 - timedelta(hours=11), kind="amazon_listing_error")
        later = _tick(settings, instance, first.cursor)
    assert isinstance(later, dg.SensorResult)
    assert [i["issue_id"] for i in _config(later)["items"]] == ["early"]


def test_a_cursor_of_the_time_based_sensor_is_carried_over(published) -> None:
    path, settings = published
    with duckdb.connect(str(path)) as conn:
        _issue(conn, "c", T0 + timedelta(minutes=5))
    old_cursor = json.dumps({"through": T0.isoformat(), "last_issue_id": "b"})
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, old_cursor)
    assert [i["issue_id"] for i in _config(result)["items"]] == ["c"]


def test_a_rebuilt_warehouse_is_announced_from_its_start(published) -> None:
    _, settings = published
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, json.dumps({"event_id": 999}))
    assert sorted(i["issue_id"] for i in _config(result)["items"]) == ["a", "b"]


def test_issues_that_opened_and_resolved_unseen_move_the_cursor_silently(tmp_path: Path) -> None:
    settings = AscSettings(config_path=str(tmp_path / "asc.yaml"), data_dir=str(tmp_path))
    with duckdb.connect(str(settings.published_path)) as conn:
        ensure_schema(conn)
        _issue(conn, "gone", T0, resolved_at=T0 + timedelta(minutes=5))
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, None)
    assert isinstance(result, dg.SensorResult) and not result.run_requests
    assert json.loads(result.cursor) == {"event_id": 2}


def test_the_announcement_run_logs_one_message_and_shows_the_issues_in_metadata(
    published,
) -> None:
    _, settings = published
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, None)
        run_config = result.run_requests[0].run_config
        run = notify_sync_issues.execute_in_process(run_config=run_config, instance=instance)
        warnings = [
            record
            for record in instance.all_logs(run.run_id)
            if record.level >= 30 and record.step_key == "announce"
        ]
    assert run.success
    assert len(warnings) == 1
    assert "stale_store" in warnings[0].user_message
    (output,) = [e for e in run.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata
    assert metadata["count"].value == 2
    assert "stale_store" in metadata["items"].value
    assert "stale_store" in metadata["counts"].value


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(
            {"content_type": self.headers["Content-Type"], "json": json.loads(body)}
        )
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Hook]]:
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hooks/asc")
    yield _Hook
    server.shutdown()


def test_the_webhook_receives_slack_compatible_json(published, webhook) -> None:
    _, settings = published
    with dg.instance_for_test() as instance:
        _tick(settings, instance, None)
    (message,) = webhook.received
    assert message["content_type"] == "application/json"
    assert set(message["json"]) == {"text"}
    text = message["json"]["text"]
    assert text.startswith("2 sync issue(s) new or escalated (1 error(s), 1 warning(s)) in us")
    assert "SKU-a" in text and "stale_store" in text


def test_a_failed_webhook_leaves_the_cursor_and_announces_nothing(published, webhook) -> None:
    _, settings = published
    webhook.status = 500
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, cursor=None, resources={"settings": settings}
        )
        with pytest.raises(Exception, match="500"):
            sync_issue_sensor(context)
        assert context.cursor is None
        webhook.status = 200
        retried = _tick(settings, instance, None)  # the next tick announces the same issues
    assert len(_config(retried)["items"]) == 2


def test_no_published_copy_is_a_skip_not_an_error(tmp_path: Path) -> None:
    settings = AscSettings(config_path=str(tmp_path / "asc.yaml"), data_dir=str(tmp_path))
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, None)
    assert isinstance(result, dg.SkipReason)


@dg.op
def _explode() -> None:
    raise RuntimeError("Amazon is down")


@dg.job(name="asc_sync_job")
def _failing_sync() -> None:
    _explode()


def test_a_failed_sync_run_is_announced() -> None:
    with dg.instance_for_test() as instance:
        result = _failing_sync.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="sync_run_failure_sensor",
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=failure,
        ).for_run_failure()
        request = sync_run_failure_sensor(context)
    assert isinstance(request, dg.RunRequest)
    (item,) = request.run_config["ops"]["announce"]["config"]["items"]
    assert item["run_id"] == result.run_id and item["job"] == "asc_sync_job"
    assert request.run_key == f"failed-run-{result.run_id}"
