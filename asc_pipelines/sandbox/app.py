"""The sandbox as ONE WSGI app on one port: LWA, SP-API, report downloads, Magento, control.

Routes:
- ``POST /auth/o2/token``: Login With Amazon (``lwaToken``).
- SP-API paths (``/reports/...``, ``/listings/...``, ``/catalog/...``, ``/orders/...``): see
  ``spapi_app``.
- ``GET /_sandbox/documents/<id>``: report and feed processing report downloads, S3 style
  (``downloadReportDocument``).
- ``PUT /_sandbox/uploads/<id>``: feed document uploads, S3 style (``uploadFeedDocument``).
- ``/rest/...``: Magento 2 REST, delegated to ``magento_api.MagentoSandbox``.
- ``/_sandbox/advance``, ``/_sandbox/state``, ``/_sandbox/faults``, ``/_sandbox/requests``,
  ``/_sandbox/change``: the control endpoints (``requests``: the request log with each answer's
  serving seconds, ``?operation=a,b`` to filter, ``?summary=1`` for counters per operation instead
  of entries; DELETE clears both; ``change``: ``{"rate": R}`` changes that share of the products at
  once, for ``asc bench``, see ``bench_changes``).

Listing changes accepted by the write operations are applied ``write_delay_seconds`` of sandbox
time after they were submitted (``listings_writes``), feeds are processed ``feed_delay_seconds``
after they were created (``feeds_api``); every SP-API request, ``advance`` and the state views
first process and apply what has come due.

Faults (``latency``, ``reset``, ``status``, ``truncate``) wrap every API by operation name, and
every response carries a ``Date`` header from the SANDBOX clock, which the pipeline reads as
server time.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from asc_pipelines.sandbox.amazon_state import AmazonState
from asc_pipelines.sandbox.bench_changes import ChangeRequest, change_products
from asc_pipelines.sandbox.catalog_api import CatalogApi
from asc_pipelines.sandbox.clock import SandboxClock
from asc_pipelines.sandbox.documents import DOCUMENTS_PATH, DocumentStore, s3_error
from asc_pipelines.sandbox.evolve import evolve_amazon
from asc_pipelines.sandbox.faults import Fault, FaultInjector
from asc_pipelines.sandbox.feed_uploads import UPLOADS_PATH, FeedUploads
from asc_pipelines.sandbox.feeds_api import DEFAULT_FEED_DELAY_SECONDS, FeedsApi
from asc_pipelines.sandbox.listings_writes import DEFAULT_WRITE_DELAY_SECONDS, ListingsWrites
from asc_pipelines.sandbox.lwa import TokenRegistry, handle_token_request
from asc_pipelines.sandbox.magento_api import MagentoSandbox
from asc_pipelines.sandbox.magento_evolve import evolve_magento
from asc_pipelines.sandbox.ratelimit import RateLimiter
from asc_pipelines.sandbox.reports_api import ReportsApi
from asc_pipelines.sandbox.request_log import RequestLog
from asc_pipelines.sandbox.responses import json_response, quota_exceeded, spapi_error
from asc_pipelines.sandbox.spapi_app import SpApi
from asc_pipelines.sandbox.world import load_world

LWA_PATH = "/auth/o2/token"
CONTROL_PREFIX = "/_sandbox/"
MAGENTO_PREFIX = "/rest/"

_SPAPI_STATUS_ERRORS = {
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again later."),
}
_S3_STATUS_ERRORS = {
    403: ("AccessDenied", "Access Denied"),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    503: ("SlowDown", "Please reduce your request rate."),
}


def _reset_connection(environ: dict[str, Any]) -> None:
    """Drop the TCP connection with no response at all (RST), then stop this request."""
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("sandbox fault: connection reset")


def _truncated(response: Response) -> Response:
    """The same response with half its body but the full ``Content-Length``."""
    body = response.get_data()
    short = Response(body[: len(body) // 2], status=response.status_code)
    for key, value in response.headers.items():
        if key.lower() != "content-length":
            short.headers.add(key, value)
    short.headers["Content-Length"] = str(len(body))
    return short


class SandboxApp:
    """The WSGI application holding the whole simulated world."""

    def __init__(
        self,
        world_dir: Path,
        *,
        rate_scale: float = 1.0,
        report_delay_seconds: float = 2.0,
        seed: int = 0,
        clock_mode: str = "running",
        write_delay_seconds: float = DEFAULT_WRITE_DELAY_SECONDS,
        feed_delay_seconds: float = DEFAULT_FEED_DELAY_SECONDS,
    ) -> None:
        world = load_world(Path(world_dir))
        self.seed = seed
        self.tick = 0
        self.changes = 0  # calls of change_products so far
        self.lock = threading.RLock()
        self.clock = SandboxClock(world.now, clock_mode)
        self.faults = FaultInjector()
        self.tokens = TokenRegistry()
        self.limiter = RateLimiter(rate_scale)
        self.documents = DocumentStore()
        self.amazon = AmazonState.from_world(world)
        self.reports = ReportsApi(self.documents, self.faults, report_delay_seconds)
        self.request_log = RequestLog()
        catalog = CatalogApi(world.catalog)
        self.listings_writes = ListingsWrites(
            lambda market, asin: catalog.index.entry(market, asin) is not None,
            write_delay_seconds,
        )
        self.uploads = FeedUploads()
        self.feeds = FeedsApi(
            self.uploads, self.documents, self.faults, self.listings_writes, feed_delay_seconds
        )
        self.spapi = SpApi(
            self.amazon,
            self.clock,
            self.tokens,
            self.limiter,
            self.faults,
            self.reports,
            self.lock,
            catalog,
            self.listings_writes,
            self.feeds,
        )
        self.magento = MagentoSandbox(Path(world_dir), self.clock.now, seed=seed)

    # -- world control -------------------------------------------------------------------------

    def advance(self, minutes: float, *, move_clock: bool = True) -> dict[str, Any]:
        """One evolution tick of both sides; ``move_clock`` also jumps the clock by ``minutes``."""
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        with self.lock:
            if move_clock:
                self.clock.advance(minutes * 60)
            self.tick += 1
            now = self.clock.now()
            self._catch_up(now)
            # What happened "during" the advanced minutes is stamped at their midpoint, as real
            # orders arrive spread over time: a five-minute advance puts them 2.5 minutes back,
            # clear of the Orders API's two-minute rule, so the next tick can see them.
            happened_at = now - timedelta(minutes=minutes / 2)
            return {
                "tick": self.tick,
                "minutes": minutes,
                "now": now.isoformat(),
                "amazon": evolve_amazon(
                    self.amazon, seed=self.seed, tick=self.tick, minutes=minutes, now=happened_at
                ),
                "magento": evolve_magento(
                    self.magento, seed=self.seed, tick=self.tick, minutes=minutes, now=now
                ),
            }

    def change_products(
        self, rate: float, *, seed: int | None = None, details: bool = False
    ) -> dict[str, Any]:
        """Change ``rate`` of the Magento products at once (``bench_changes``), stamped with the
        clock's now, which does not move; returns counts per kind (and every SKU if ``details``).
        The random stream is ``(seed or the sandbox's seed, number of this call)``."""
        with self.lock:
            now = self.clock.now()
            self._catch_up(now)
            summary = change_products(
                self.amazon,
                self.magento,
                rate=rate,
                seed=self.seed if seed is None else seed,
                number=self.changes + 1,
                now=now,
            )
            self.changes = summary.number
        return summary.to_json(details)

    def state(self) -> dict[str, Any]:
        """What ``GET /_sandbox/state`` shows: clock, tick, stores and their counts."""
        with self.lock:
            self._catch_up(self.clock.now())
            stores = []
            for store_id, store in self.amazon.stores.items():
                stores.append(
                    {
                        "id": store_id,
                        "marketplace": store.store.marketplace.code,
                        "marketplace_id": store.store.marketplace.marketplace_id,
                        "seller_id": store.store.seller_id,
                        "website": store.store.website,
                        "report_charset": store.file.charset,
                        "listings": len(store.listings),
                        "listings_with_issues": sum(1 for x in store.listings.values() if x.issues),
                        "orders": len(store.orders),
                        "pending_listing_changes": sum(
                            len(queue) for queue in store.pending_writes.values()
                        ),
                        "reports": self.reports.count(store_id),
                        "evolved": store.evolved,
                    }
                )
            return {
                "now": self.clock.now().isoformat(),
                "clock_mode": self.clock.mode,
                "tick": self.tick,
                "changes": self.changes,
                "seed": self.seed,
                "rate_scale": self.limiter.rate_scale,
                "stores": stores,
                "faults": [fault.to_json() for fault in self.faults.active()],
            }

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        response.headers["Date"] = http_date(self.clock.now())
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route a request, applying armed faults around the API handlers."""
        path = request.path
        if path.startswith(DOCUMENTS_PATH):
            return self._with_faults(request, "downloadReportDocument", "s3", self._download)
        if path.startswith(UPLOADS_PATH):
            return self._with_faults(request, "uploadFeedDocument", "s3", self._upload)
        if path.startswith(CONTROL_PREFIX):
            return self._control(request)
        if path == LWA_PATH:
            return self._with_faults(request, "lwaToken", "lwa", self._lwa)
        if path.startswith(MAGENTO_PREFIX):
            operation = self.magento.operation_name(request)
            return self._with_faults(request, operation, "magento", self._magento)
        return self._with_faults(request, self.spapi.operation_name(request), "spapi", self._spapi)

    def _with_faults(
        self,
        request: Request,
        operation: str | None,
        family: str,
        handler: Callable[[Request], Response],
    ) -> Response:
        if operation is None:
            return handler(request)
        arrived = self.clock.now()
        # A latency fault's sleep is the slow Amazon the client sees, not the sandbox's own work:
        # the serving time starts after it.
        latency = self.faults.take(operation, "latency")
        if latency is not None and latency.seconds:
            time.sleep(latency.seconds)
        started = self.request_log.begin()
        status: int | None = 500  # what werkzeug answers if the handler fails
        try:
            response = self._faulty(request, operation, family, handler)
            status = response.status_code
        except ConnectionResetError:
            status = None
            raise
        finally:
            self.request_log.finish(
                started, arrived, operation, request.method, request.path, status
            )
        return response

    def _faulty(
        self,
        request: Request,
        operation: str,
        family: str,
        handler: Callable[[Request], Response],
    ) -> Response:
        if self.faults.take(operation, "reset") is not None:
            _reset_connection(request.environ)
        status = self.faults.take(operation, "status")
        if status is not None:
            return self._status_fault(status, family)
        response = handler(request)
        if self.faults.take(operation, "truncate") is not None:
            response = _truncated(response)
        return response

    @staticmethod
    def _status_fault(fault: Fault, family: str) -> Response:
        """An error status in the style of the API that fails."""
        status = int(fault.status or 500)
        if family == "s3":
            code, message = _S3_STATUS_ERRORS.get(status, ("InternalError", "Error"))
            return s3_error(status, code, message)
        if family == "lwa":
            return json_response(
                status, {"error": "server_error", "error_description": "Service unavailable"}
            )
        if family == "magento":
            return json_response(status, {"message": "Internal Error. Details are in the log."})
        if status == 429:
            response = quota_exceeded()
        else:
            code, message = _SPAPI_STATUS_ERRORS.get(status, ("InternalFailure", "Error"))
            response = spapi_error(status, code, message)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response

    def _catch_up(self, now: datetime) -> None:
        """Process the feeds and apply the listing changes whose time has come (under the lock)."""
        self.feeds.process_due(self.amazon, now)
        self.listings_writes.apply_due(self.amazon, now)

    def _upload(self, request: Request) -> Response:
        return self.uploads.receive(request, self.clock.now())

    def _spapi(self, request: Request) -> Response:
        with self.lock:
            self._catch_up(self.clock.now())
        return self.spapi.handle(request)

    def _magento(self, request: Request) -> Response:
        with self.lock:
            return self.magento.handle(request)

    def _lwa(self, request: Request) -> Response:
        return handle_token_request(
            request, self.tokens, list(self.amazon.stores), self.clock.now()
        )

    def _download(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed.")
        force_gzip = self.faults.take("downloadReportDocument", "content_encoding_gzip")
        return self.documents.download(request, self.clock.now(), force_gzip is not None)

    # -- control endpoints ---------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PREFIX) :].rstrip("/")
        body = request.get_json(silent=True) if request.data else {}
        if not isinstance(body, dict):
            return json_response(400, {"error": "the request body must be a JSON object"})
        try:
            if name == "advance" and request.method == "POST":
                return json_response(200, self.advance(float(body.get("minutes", 5))))
            if name == "state" and request.method == "GET":
                return json_response(200, self.state())
            if name == "faults":
                return self._faults_endpoint(request, body)
            if name == "requests":
                return self._requests_endpoint(request)
            if name == "change" and request.method == "POST":
                change = ChangeRequest.from_json(body)
                return json_response(
                    200, self.change_products(change.rate, seed=change.seed, details=change.details)
                )
        except (TypeError, ValueError) as error:
            return json_response(400, {"error": str(error)})
        return json_response(404, {"error": f"no control endpoint {request.method} {request.path}"})

    def _faults_endpoint(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            fault = self.faults.add(
                str(body.get("operation", "")),
                str(body.get("kind", "")),
                status=body.get("status"),
                seconds=body.get("seconds"),
                times=int(body.get("times", 1)),
            )
            return json_response(
                201,
                {"added": fault.to_json(), "faults": [f.to_json() for f in self.faults.active()]},
            )
        if request.method == "DELETE":
            self.faults.clear(request.args.get("operation") or body.get("operation"))
            return json_response(200, {"faults": [f.to_json() for f in self.faults.active()]})
        if request.method == "GET":
            return json_response(200, {"faults": [f.to_json() for f in self.faults.active()]})
        return json_response(405, {"error": "use GET, POST or DELETE"})

    def _requests_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.request_log.clear()
            return json_response(200, {"requests": []})
        if request.method != "GET":
            return json_response(405, {"error": "use GET or DELETE"})
        wanted = {
            name.strip()
            for raw in request.args.getlist("operation")
            for name in raw.split(",")
            if name.strip()
        }
        if request.args.get("summary", "") not in ("", "0", "false"):
            return json_response(200, {"summary": self.request_log.summary(wanted or None)})
        entries = self.request_log.entries(wanted or None)
        return json_response(200, {"requests": [entry.to_json() for entry in entries]})

    def dump(self) -> str:
        """The Amazon side as canonical JSON (used to compare worlds, e.g. for determinism)."""
        with self.lock:
            self._catch_up(self.clock.now())
            stores = {
                store_id: {
                    "report": store.report_bytes().decode("latin-1"),
                    "orders": store.orders,
                    "listings": {
                        sku: {
                            "status": store.listing_status(listing),
                            "issues": listing.issues,
                            "last_updated": listing.last_updated.isoformat(),
                        }
                        for sku, listing in store.listings.items()
                    },
                }
                for store_id, store in self.amazon.stores.items()
            }
        return json.dumps(stores, sort_keys=True)
