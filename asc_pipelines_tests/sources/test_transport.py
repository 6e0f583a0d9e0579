"""The one HTTP transport: every client (SP-API, LWA, Magento, report documents) meets the same
failure the same way, against the real sandbox; and the transport's own contract with a dialect."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from asc_pipelines.constants import REPORT_TYPE_ALL_LISTINGS, marketplace
from asc_pipelines.sandbox import credentials
from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.http import SLOW_OR_DOWN_RETRIES, ServerClock
from asc_pipelines.sources.magento import MagentoClient
from asc_pipelines.sources.spapi.client import SpApiClient
from asc_pipelines.sources.transport import Transport

from .conftest import FakeTime, ScriptedServer

LWA_PATH = "/auth/o2/token"
RETRIES = 2
MANY = 10_000
# The operation names the sandbox arms faults on, one call per client.
OPERATIONS = {
    "spapi": "getReports",
    "lwa": "lwaToken",
    "magento": "magento.getWebsites",
    "document": "downloadReportDocument",
}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Clients:
    """One call of each client; ``base_url`` is where it goes (the sandbox, or a dead port)."""

    sandbox_url: str
    document_url: str
    dest: Path
    base_url: str = ""
    timeout: float = 10.0

    def amazon(self, **where: str) -> SpApiClient:
        settings = {"endpoint": self.sandbox_url, "lwa_token_url": self.sandbox_url + LWA_PATH}
        settings.update(where)
        return SpApiClient(
            **settings,
            client_id=credentials.LWA_CLIENT_ID,
            client_secret=credentials.LWA_CLIENT_SECRET,
            refresh_token=credentials.refresh_token("us"),
            rate_scale=50,
            timeout=self.timeout,
            max_retries=RETRIES,
            backoff_base=0.01,
        )

    def call(self, name: str) -> None:
        base = self.base_url or self.sandbox_url
        if name == "spapi":
            self.amazon(endpoint=base).get_reports([REPORT_TYPE_ALL_LISTINGS])
        elif name == "lwa":
            self.amazon(lwa_token_url=base + LWA_PATH).ensure_access_token()
        elif name == "magento":
            MagentoClient(
                base_url=base,
                token=credentials.MAGENTO_INTEGRATION_TOKEN,
                timeout=self.timeout,
                max_retries=RETRIES,
                backoff_base=0.01,
            ).list_websites()
        else:
            url = self.document_url.replace(self.sandbox_url, base)
            self.amazon().download_report_document({"url": url}, self.dest)

    def failure(self, name: str) -> SourceError:
        with pytest.raises(SourceError) as caught:
            self.call(name)
        return caught.value


@pytest.fixture
def sandbox(handmade_world: Path, sandbox_factory) -> Any:  # type: ignore[no-untyped-def]
    return sandbox_factory(handmade_world)


@pytest.fixture
def clients(sandbox, tmp_path: Path) -> Clients:  # type: ignore[no-untyped-def]
    """The clients, with the URL of a finished listings report's document to download."""
    amazon = Clients(sandbox.base_url, "", tmp_path / "report.txt").amazon()
    report_id = amazon.create_report(REPORT_TYPE_ALL_LISTINGS, [marketplace("US").marketplace_id])
    sandbox.advance(1)
    document_id = amazon.get_report(report_id)["reportDocumentId"]
    url = amazon.get_report_document(document_id)["url"]
    return Clients(sandbox.base_url, url, tmp_path / "report.txt")


def _fired(sandbox, operation: str) -> int:  # type: ignore[no-untyped-def]
    left = [f.times for f in sandbox.faults.active() if f.operation == operation]
    return MANY - (left[0] if left else 0)


def _under_fault(sandbox, clients: Clients, kind: str, **fault: Any) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    """Per client: (retryable, transport kind, requests the fault answered, the message)."""
    seen = {}
    for name, operation in OPERATIONS.items():
        sandbox.faults.add(operation, kind, times=MANY, **fault)
        error = clients.failure(name)
        seen[name] = (error.retryable, error.transport, _fired(sandbox, operation), str(error))
        sandbox.faults.clear()
    return seen


def test_a_refused_connection_is_one_retried_transport_failure_for_every_client(
    clients: Clients,
) -> None:
    port = _closed_port()
    clients.base_url = f"http://127.0.0.1:{port}"
    for name in OPERATIONS:
        error = clients.failure(name)
        assert (error.retryable, error.transport) == (True, "refused"), name
        assert f"connection refused by 127.0.0.1:{port}" in str(error), name


def test_a_timeout_is_tried_once_more_for_every_client(sandbox, clients: Clients) -> None:  # type: ignore[no-untyped-def]
    clients.timeout = 1.0
    seen = _under_fault(sandbox, clients, "latency", seconds=2.5)
    for name, (retryable, transport, requests_made, message) in seen.items():
        assert (retryable, transport) == (True, "timeout"), name
        assert requests_made == 1 + SLOW_OR_DOWN_RETRIES, name
        assert "did not answer in time" in message, name


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_throttled_or_failing_server_gets_every_retry_from_every_client(
    sandbox, clients: Clients, status: int
) -> None:  # type: ignore[no-untyped-def]
    seen = _under_fault(sandbox, clients, "status", status=status)
    for name, (retryable, transport, requests_made, message) in seen.items():
        assert (retryable, transport, requests_made) == (True, None, 1 + RETRIES), name
        assert f"HTTP {status}" in message, name


def test_a_bad_request_is_final_for_every_client(sandbox, clients: Clients) -> None:  # type: ignore[no-untyped-def]
    seen = _under_fault(sandbox, clients, "status", status=400)
    for name, (retryable, transport, requests_made, message) in seen.items():
        assert (retryable, transport, requests_made) == (False, None, 1), name
        assert "HTTP 400" in message, name


@pytest.mark.parametrize("retry_after", [None, "120"])
def test_a_429_is_retried_after_the_jittered_backoff_whatever_retry_after_says(
    server: ScriptedServer, fake_time: FakeTime, tmp_path: Path, retry_after: str | None
) -> None:
    """Amazon documents no Retry-After; a header some proxy adds does not stretch the wait."""
    backoff = 0.5
    answers: dict[str, Iterator[Response]] = {}

    def throttled_once(path: str, ok: Callable[[], Response]) -> None:
        throttled = Response(json.dumps({"errors": []}), status=429)
        if retry_after is not None:
            throttled.headers["Retry-After"] = retry_after
        answers[path] = iter([throttled, ok()])

    def json_ok(body: object) -> Callable[[], Response]:
        return lambda: Response(json.dumps(body), content_type="application/json")

    token = {"access_token": "Atza|t", "expires_in": 3600}
    throttled_once(LWA_PATH, json_ok(token))
    throttled_once("/reports/2021-06-30/reports", json_ok({"reports": []}))
    throttled_once("/rest/V1/store/websites", json_ok([]))
    throttled_once("/doc", lambda: Response(b"seller-sku\n", content_type="text/plain"))
    for method, path in [("POST", LWA_PATH), *(("GET", p) for p in list(answers)[1:])]:
        server.route(method, path)(lambda request: next(answers[request.path]))
    timing = {"sleep": fake_time.sleep, "monotonic": fake_time.monotonic, "backoff_base": backoff}

    amazon = SpApiClient(
        endpoint=server.base_url,
        lwa_token_url=server.base_url + LWA_PATH,
        client_id="id",
        client_secret="secret",
        refresh_token="Atzr|r",
        **timing,
    )
    amazon.get_reports(["X"])  # the token first (LWA's 429), then getReports' 429
    amazon.download_report_document({"url": server.base_url + "/doc"}, tmp_path / "r.txt")
    MagentoClient(base_url=server.base_url, token="t", **timing).list_websites()

    assert all(len(server.calls(path)) == 2 for path in answers)
    assert len(fake_time.sleeps) == len(answers)
    assert all(0 <= wait <= backoff for wait in fake_time.sleeps)


# --- the transport's contract with a client's dialect -------------------------------------------


class Recorder:
    """A dialect that records what the transport asked it to word."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    def no_response(self, operation: str, kind: str, detail: str) -> SourceError:
        self.asked.append(("no_response", operation, kind, detail))
        return SourceError(detail, retryable=True, transport=kind)

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SourceError:
        self.asked.append(("error_answer", operation, response.status_code, body, retryable))
        return SourceError("answered", retryable=retryable)

    def unreadable(self, operation: str, status: int) -> SourceError:
        self.asked.append(("unreadable", operation, status))
        return SourceError("unreadable", retryable=True)


def transport(fake_time: FakeTime, **options: Any) -> Transport:
    settings = {"timeout": 5.0, "max_retries": 0, "backoff_base": 1.0, "sleep": fake_time.sleep}
    settings.update(options)
    return Transport(session=None, **settings)


def answer(body: bytes | str, status: int = 200, **headers: str) -> Callable[[Request], Response]:
    return lambda request: Response(body, status=status, headers=headers)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(429, True), (500, True), (502, True), (503, True), (504, True), (400, False), (404, False)],
)
def test_an_error_status_reaches_the_dialect_with_its_json_body_and_whether_to_retry(
    server: ScriptedServer, fake_time: FakeTime, status: int, retryable: bool
) -> None:
    server.route("GET", "/x")(answer('{"errors": []}', status))
    dialect = Recorder()
    with pytest.raises(SourceError):
        transport(fake_time).send("op", "GET", server.base_url + "/x", dialect)
    with pytest.raises(SourceError):
        transport(fake_time).stream("op", server.base_url + "/x", dialect, lambda r: None)
    assert dialect.asked == [
        ("error_answer", "op", status, {"errors": []}, retryable),
        ("error_answer", "op", status, None, retryable),  # a download's body is not JSON
    ]


def test_a_refused_request_is_worded_by_the_dialect_naming_only_the_host(
    fake_time: FakeTime,
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/x?X-Amz-Signature=secret"
    dialect = Recorder()
    for call in (
        lambda: transport(fake_time).send("op", "GET", url, dialect),
        lambda: transport(fake_time).stream("op", url, dialect, lambda r: None),
    ):
        with pytest.raises(SourceError):
            call()
    host = url.split("/")[2]
    assert dialect.asked == [("no_response", "op", "refused", f"connection refused by {host}")] * 2


def test_a_request_that_gets_no_answer_in_time_is_a_timeout(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    release = threading.Event()

    @server.route("GET", "/slow")
    def slow(request: Request) -> Response:
        release.wait(10)
        return Response("late")

    dialect = Recorder()
    try:
        with pytest.raises(SourceError):
            transport(fake_time, timeout=0.2).send("op", "GET", server.base_url + "/slow", dialect)
    finally:
        release.set()
    assert [(kind, what) for kind, _, what, *_ in dialect.asked] == [("no_response", "timeout")]


@pytest.mark.parametrize(
    ("body", "json_object", "outcome"),
    [
        ('{"a": 1}', True, {"a": 1}),
        ("[1, 2]", False, [1, 2]),
        ("[1, 2]", True, "unreadable"),
        ("<html>", False, "unreadable"),
    ],
)
def test_the_expected_status_needs_the_json_the_call_wants(
    server: ScriptedServer, fake_time: FakeTime, body: str, json_object: bool, outcome: object
) -> None:
    server.route("POST", "/x")(answer(body, 202))
    dialect = Recorder()
    send = transport(fake_time).send
    try:
        got = send(
            "op", "POST", server.base_url + "/x", dialect, expected=202, json_object=json_object
        )
    except SourceError as error:
        got = str(error)
    assert got == outcome
    assert dialect.asked == ([("unreadable", "op", 202)] if outcome == "unreadable" else [])


def test_an_answer_sets_the_server_clock_but_a_downloaded_document_does_not(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    server.route("GET", "/api")(answer("{}", Date="Wed, 01 Jan 2031 12:00:00 GMT"))
    server.route("GET", "/doc")(answer("bytes", Date="Sat, 01 Jan 2000 00:00:00 GMT"))
    clock = ServerClock(fake_time.monotonic)
    http = transport(fake_time, clock=clock)
    http.send("op", "GET", server.base_url + "/api", Recorder())
    assert http.stream("op", server.base_url + "/doc", Recorder(), lambda r: r.content) == b"bytes"
    assert clock.now() == datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_retrying_spends_the_retries_on_a_retryable_answer_and_stops_on_a_final_one(
    server: ScriptedServer, fake_time: FakeTime
) -> None:
    statuses = iter([503, 503, 404])
    server.route("GET", "/x")(lambda request: Response("", status=next(statuses)))
    http = transport(fake_time, max_retries=5)
    url = server.base_url + "/x"
    with pytest.raises(SourceError, match="answered") as caught:
        http.retrying(lambda: http.send("op", "GET", url, Recorder()), operation="op", url=url)
    assert not caught.value.retryable
    assert len(server.calls("/x")) == 3 and len(fake_time.sleeps) == 2
