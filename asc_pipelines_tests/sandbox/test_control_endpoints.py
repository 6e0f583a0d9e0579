"""The /_sandbox/ control endpoints, the one-port routing and the sandbox-clock Date header."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import requests

from asc_pipelines.sandbox.server import SandboxServer


def test_advance_moves_the_clock_and_returns_a_summary(sandbox: SandboxServer) -> None:
    response = requests.post(f"{sandbox.base_url}/_sandbox/advance", json={"minutes": 5}, timeout=5)
    assert response.status_code == 200
    summary = response.json()
    assert summary["tick"] == 1
    assert summary["now"] == "2025-10-01T12:05:00+00:00"
    assert set(summary["amazon"]) == {"us", "uk"}


def test_state_shows_clock_tick_stores_and_counts(sandbox: SandboxServer) -> None:
    state = requests.get(f"{sandbox.base_url}/_sandbox/state", timeout=5).json()
    assert state["now"] == "2025-10-01T12:00:00+00:00"
    assert state["tick"] == 0
    us, uk = state["stores"]
    assert (us["id"], us["marketplace"], us["listings"], us["orders"]) == ("us", "US", 4, 3)
    assert (uk["marketplace"], uk["report_charset"]) == ("UK", "UTF-8")
    assert us["report_charset"] == "Cp1252"


def test_every_response_is_dated_by_the_sandbox_clock(sandbox: SandboxServer) -> None:
    sandbox.clock.advance(3600)
    for path in ("/_sandbox/state", "/no/such/path", "/auth/o2/token"):
        response = requests.get(sandbox.base_url + path, timeout=5)
        assert response.headers["Date"] == "Wed, 01 Oct 2025 13:00:00 GMT"
        assert parsedate_to_datetime(response.headers["Date"]) == sandbox.clock.now()


def test_an_unknown_path_is_a_404_error_list(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.base_url}/fba/inventory/v1/summaries", timeout=5)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"
    assert "x-amzn-RequestId" in response.headers


def test_magento_paths_are_served_on_the_same_port(sandbox: SandboxServer) -> None:
    response = requests.get(f"{sandbox.base_url}/rest/V1/products", timeout=5)
    # 401 without a token once the Magento part exists; 404 until then.
    assert response.status_code in (400, 401, 404)
    assert "message" in response.json()


def test_an_unknown_control_endpoint_is_404(sandbox: SandboxServer) -> None:
    assert requests.get(f"{sandbox.base_url}/_sandbox/nothing", timeout=5).status_code == 404


def test_a_sandbox_stops_and_frees_its_port(tiny_world) -> None:
    server = SandboxServer(tiny_world).start()
    url = server.base_url
    assert requests.get(f"{url}/_sandbox/state", timeout=5).status_code == 200
    server.stop()
    try:
        requests.get(f"{url}/_sandbox/state", timeout=1)
    except requests.ConnectionError:
        return
    raise AssertionError("the stopped sandbox still answered")


def test_evolve_every_seconds_evolves_the_world_on_its_own(tiny_world) -> None:
    with SandboxServer(tiny_world, evolve_every_seconds=0.05) as server:
        deadline = time.monotonic() + 5
        while server.app.tick < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.app.tick >= 2
