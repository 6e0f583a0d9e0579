"""Running the sandbox: a threaded werkzeug server on 127.0.0.1, in a thread or in the foreground.

``SandboxServer`` is what tests and the CLI use::

    with SandboxServer(world_dir, clock_mode="fixed", rate_scale=100) as sandbox:
        requests.get(f"{sandbox.base_url}/_sandbox/state")
        sandbox.faults.add("getOrders", "status", status=503)
        sandbox.advance(5)
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from asc_pipelines.sandbox.app import SandboxApp
from asc_pipelines.sandbox.clock import SandboxClock
from asc_pipelines.sandbox.faults import FaultInjector
from asc_pipelines.sandbox.feeds_api import DEFAULT_FEED_DELAY_SECONDS
from asc_pipelines.sandbox.listings_writes import DEFAULT_WRITE_DELAY_SECONDS
from asc_pipelines.sandbox.request_log import RequestLog


class _SandboxHandler(WSGIRequestHandler):
    """Request handler that leaves ``Date`` to the app (the sandbox clock) and logs only errors."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like http.server's, minus its wall-clock ``Date`` header: the app sets the sandbox's."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are not logged; errors still are."""


class SandboxServer:
    """The local Amazon SP-API + LWA + Magento REST server over a world directory."""

    def __init__(
        self,
        world_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_scale: float = 1.0,
        report_delay_seconds: float = 2.0,
        seed: int = 0,
        clock_mode: str = "running",
        evolve_every_seconds: float | None = None,
        write_delay_seconds: float = DEFAULT_WRITE_DELAY_SECONDS,
        feed_delay_seconds: float = DEFAULT_FEED_DELAY_SECONDS,
    ) -> None:
        self.app = SandboxApp(
            Path(world_dir),
            rate_scale=rate_scale,
            report_delay_seconds=report_delay_seconds,
            seed=seed,
            clock_mode=clock_mode,
            write_delay_seconds=write_delay_seconds,
            feed_delay_seconds=feed_delay_seconds,
        )
        self.host = host
        self.port = port
        self.base_url = ""
        self.evolve_every_seconds = evolve_every_seconds
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def faults(self) -> FaultInjector:
        """Arm and clear faults: ``.add(operation, kind, *, status, seconds, times)``."""
        return self.app.faults

    @property
    def request_log(self) -> RequestLog:
        """Every API request answered so far: ``.entries({"patchListingsItem"})``."""
        return self.app.request_log

    @property
    def clock(self) -> SandboxClock:
        """The sandbox clock: ``.now()`` is the world's current time."""
        return self.app.clock

    def start(self) -> SandboxServer:
        """Serve in a daemon thread (port 0 picks a free port); ``base_url`` is then set."""
        if self._server is not None:
            return self
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_SandboxHandler
        )
        self.port = self._server.server_port
        self.base_url = f"http://{self.host}:{self.port}"
        self._stopping.clear()
        self.app.clock.start()
        server = self._server
        # A short poll interval makes stop() return quickly (tests start many sandboxes).
        self._spawn(lambda: server.serve_forever(poll_interval=0.05), "asc-sandbox-http")
        if self.evolve_every_seconds:
            self._spawn(self._evolve_loop, "asc-sandbox-evolve")
        return self

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _evolve_loop(self) -> None:
        """Evolve the world on its own every N real seconds (time itself passes for real)."""
        interval = float(self.evolve_every_seconds or 0)
        while not self._stopping.wait(interval):
            self.app.advance(interval / 60, move_clock=self.app.clock.mode == "fixed")

    def stop(self) -> None:
        """Stop serving and wait for the server threads to end."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def wait(self) -> None:
        """Block until ``stop()`` is called (or the process is interrupted)."""
        self._stopping.wait()

    def advance(self, minutes: float) -> dict[str, Any]:
        """Move the clock ``minutes`` forward and evolve Amazon and Magento one tick."""
        return self.app.advance(minutes)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    world_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    rate_scale: float = 1.0,
    report_delay_seconds: float = 2.0,
    seed: int = 0,
    clock_mode: str = "running",
    evolve_every_seconds: float | None = None,
) -> None:
    """Serve in the foreground until interrupted (``asc sandbox serve``)."""
    server = SandboxServer(
        world_dir,
        host=host,
        port=port,
        rate_scale=rate_scale,
        report_delay_seconds=report_delay_seconds,
        seed=seed,
        clock_mode=clock_mode,
        evolve_every_seconds=evolve_every_seconds,
    )
    server.start()
    print(f"asc sandbox serving {world_dir} at {server.base_url}", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
