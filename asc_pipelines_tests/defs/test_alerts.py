"""Sensors that flag sync issues and failed runs: cursor, no double announcement, webhook JSON."""

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

from asc_pipelines.defs.alerts import (
    MAX_ANNOUNCED,
    WEBHOOK_ENV,
    notify_sync_issues,
    sync_issue_sensor,
    sync_run_failure_sensor,
)
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.warehouse.schema import ensure_schema

T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


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


def test_new_issues_are_announced_once_and_the_cursor_advances(published) -> None:
    path, settings = published
    with dg.instance_for_test() as instance:
        first = _tick(settings, instance, None)
        assert isinstance(first, dg.SensorResult)
        (request,) = first.run_requests
        items = request.run_config["ops"]["announce"]["config"]["items"]
        assert sorted(i["issue_id"] for i in items) == ["a", "b"]  # resolved ones are not news
        assert all(i["change"] == "new" for i in items)
        again = _tick(settings, instance, first.cursor)
        assert isinstance(again, dg.SkipReason)  # nothing announced twice

        with duckdb.connect(str(path)) as conn:
            _issue(conn, "c", T0 + timedelta(minutes=5))
            conn.execute(
                "UPDATE core.sync_issues SET severity = 'error', escalated_at = ? "
                "WHERE issue_id = 'a'",
                [T0 + timedelta(minutes=65)],
            )
        later = _tick(settings, instance, first.cursor)
        assert isinstance(later, dg.SensorResult)
        changes = {
            i["issue_id"]: i["change"]
            for i in later.run_requests[0].run_config["ops"]["announce"]["config"]["items"]
        }
        assert changes == {"c": "new", "a": "escalated"}
        assert json.loads(later.cursor)["through"] == (T0 + timedelta(minutes=65)).isoformat()
        assert later.run_requests[0].run_key != request.run_key


def test_a_capped_announcement_resumes_where_it_stopped(tmp_path: Path) -> None:
    settings = AscSettings(config_path=str(tmp_path / "asc.yaml"), data_dir=str(tmp_path))
    with duckdb.connect(str(settings.published_path)) as conn:
        ensure_schema(conn)
        for n in range(MAX_ANNOUNCED + 50):  # one tick opened more than one announcement holds
            _issue(conn, f"i{n:04d}", T0)
    announced: list[str] = []
    cursor = None
    with dg.instance_for_test() as instance:
        for _ in range(3):
            result = _tick(settings, instance, cursor)
            if isinstance(result, dg.SkipReason):
                break
            config = result.run_requests[0].run_config["ops"]["announce"]["config"]
            announced += [item["issue_id"] for item in config["items"]]
            cursor = result.cursor
    assert len(announced) == len(set(announced)) == MAX_ANNOUNCED + 50


def test_the_announcement_run_shows_the_issues_in_its_metadata(published) -> None:
    _, settings = published
    with dg.instance_for_test() as instance:
        result = _tick(settings, instance, None)
        run_config = result.run_requests[0].run_config
        run = notify_sync_issues.execute_in_process(run_config=run_config, instance=instance)
    assert run.success
    (output,) = [e for e in run.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata
    assert metadata["count"].value == 2
    assert "stale_store" in metadata["items"].value


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
    assert text.startswith("2 new or escalated sync issue(s)")
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
    assert len(retried.run_requests[0].run_config["ops"]["announce"]["config"]["items"]) == 2


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
