"""A tiny local HTTP server whose behaviour each test scripts, to pin client behaviour exactly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[[Request], Response]


@dataclass
class ScriptedServer:
    """Routes ``(method, path)`` to handlers; records every request it saw."""

    base_url: str = ""
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    seen: list[Request] = field(default_factory=list)
    seen_bodies: list[bytes] = field(default_factory=list)

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes[(method, path)] = handler
            return handler

        return register

    def calls(self, path: str) -> list[Request]:
        return [request for request in self.seen if request.path == path]

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        self.seen_bodies.append(request.get_data())
        self.seen.append(request)
        handler = self.routes.get((request.method, request.path))
        response = Response("no route", status=404) if handler is None else handler(request)
        return response(environ, start_response)


class _Handler(WSGIRequestHandler):
    """Sends only the Date header a test sets (http.server would add the wall-clock one)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.send_response_only(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    app = ScriptedServer()
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Handler)
    app.base_url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


class FakeTime:
    """A clock whose sleep advances it: lets retry and rate-limit code run instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
