"""The sandbox's own serving time: per logged request, and as running counters per operation
(``GET /_sandbox/requests?summary=1``) that a benchmark in another process reads cheaply."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from asc_pipelines.sandbox.request_log import RequestLog
from asc_pipelines.sandbox.server import SandboxServer
from asc_pipelines_tests.sandbox.worlds import US_SELLER

Spapi = Callable[..., requests.Response]
ITEMS = f"/listings/2021-08-01/items/{US_SELLER}"
US = "ATVPDKIKX0DER"
AT = datetime(2025, 10, 1, tzinfo=UTC)


def _summary(server: SandboxServer, **params: str) -> dict[str, Any]:
    response = requests.get(
        f"{server.base_url}/_sandbox/requests", params={"summary": "1", **params}, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()["summary"]


def test_the_summary_counts_requests_seconds_and_statuses_per_operation(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    for sku in ("CAFE-12", "MUG-16", "NO-SUCH-SKU"):
        spapi("GET", f"{ITEMS}/{sku}", params={"marketplaceIds": US})
    requests.get(f"{sandbox.base_url}/rest/V1/products", timeout=5)  # no token: 401
    summary = _summary(sandbox)
    operations = summary["operations"]
    assert set(operations) == {"lwaToken", "getListingsItem", "magento.getProducts"}
    assert operations["getListingsItem"]["count"] == 3
    assert operations["getListingsItem"]["statuses"] == {"200": 2, "404": 1}
    assert operations["magento.getProducts"]["statuses"] == {"401": 1}
    assert summary["requests"] == 5 == summary["kept"]
    assert all(line["seconds"] > 0 for line in operations.values())
    assert summary["seconds"] == pytest.approx(sum(line["seconds"] for line in operations.values()))
    # One request at a time: the busy time is the requests' time, never more.
    assert 0 < summary["busy_seconds"] <= summary["seconds"] + 1e-6
    entries = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()["requests"]
    assert sum(entry["seconds"] for entry in entries) == pytest.approx(summary["seconds"])
    only = _summary(sandbox, operation="lwaToken,magento.getProducts")
    assert (set(only["operations"]), only["requests"]) == ({"lwaToken", "magento.getProducts"}, 2)


def test_clearing_the_log_resets_the_summary(sandbox: SandboxServer, spapi: Spapi) -> None:
    spapi("GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US})
    assert _summary(sandbox)["requests"] == 2
    requests.delete(f"{sandbox.base_url}/_sandbox/requests", timeout=5)
    summary = _summary(sandbox)
    assert (summary["requests"], summary["seconds"], summary["busy_seconds"]) == (0, 0.0, 0.0)
    assert summary["operations"] == {}
    spapi("GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US})
    assert _summary(sandbox)["operations"]["getListingsItem"]["count"] == 1


def test_a_latency_faults_sleep_is_not_serving_time_and_a_reset_is_counted(
    sandbox: SandboxServer, spapi: Spapi
) -> None:
    spapi("GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US})  # the token first
    sandbox.faults.add("getListingsItem", "latency", seconds=1.0)
    assert spapi("GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US}).status_code == 200
    line = _summary(sandbox)["operations"]["getListingsItem"]
    assert line["count"] == 2
    assert line["max_seconds"] < 1.0  # the deliberate second of latency is left out
    sandbox.faults.add("getListingsItem", "reset")
    with pytest.raises(requests.ConnectionError):
        spapi("GET", f"{ITEMS}/CAFE-12", params={"marketplaceIds": US})
    assert _summary(sandbox)["operations"]["getListingsItem"]["statuses"] == {"200": 2, "reset": 1}


def test_the_counters_keep_every_request_while_the_log_keeps_its_capacity() -> None:
    log = RequestLog(capacity=5)
    for number in range(12):
        log.finish(log.begin(), AT, "getOrders", "GET", f"/orders/{number}", 200)
    summary = log.summary()
    assert (summary["requests"], summary["kept"], summary["capacity"]) == (12, 5, 5)
    assert [entry.path for entry in log.entries()] == [f"/orders/{n}" for n in range(7, 12)]
    assert summary["operations"]["getOrders"]["statuses"] == {"200": 12}


def test_overlapping_requests_count_once_in_the_busy_time() -> None:
    log = RequestLog()
    first = log.begin()
    second = log.begin()
    assert log.summary()["in_flight"] == 2
    a = log.finish(first, AT, "getOrders", "GET", "/a", 200)
    b = log.finish(second, AT, "getOrders", "GET", "/b", 200)
    summary = log.summary()
    # The busy time runs from the first start to the last end: at least the longer request,
    # at most both added up.
    assert max(a.seconds, b.seconds) <= summary["busy_seconds"] <= a.seconds + b.seconds
    assert summary["in_flight"] == 0


def _first_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The child's first stdout line, or "" if it printed none within ``seconds``."""
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(seconds)
    return lines[0] if lines else ""


def test_asc_sandbox_serve_on_port_0_prints_its_url_for_another_process(
    tiny_world: Path, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "asc_pipelines.cli", "sandbox", "serve", "--world",
            str(tiny_world), "--port", "0", "--data-dir", str(tmp_path / "no-sync-yet"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = _first_line(process, 60)
        found = re.search(r"at (http://127\.0\.0\.1:(\d+))\b", line)
        assert found, line
        base_url, port = found.group(1), int(found.group(2))
        assert port > 0
        changed = requests.post(f"{base_url}/_sandbox/change", json={"rate": 0.5}, timeout=10)
        assert changed.status_code == 200, changed.text
        assert changed.json()["changed_products"] >= 1
        summary = requests.get(f"{base_url}/_sandbox/requests?summary=1", timeout=5).json()
        assert summary["summary"]["requests"] == 0  # control calls are not API requests
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
