"""The sandbox's request log: which API operations were called, when, how they were answered, and
how long the sandbox took to answer them.

A test (or a demo) asks the log what a client did: "did the pipeline send any write call while
sending was off?", "how many patches did 1,000 changes take?". Every request that names an
operation (SP-API, LWA, report downloads, Magento) is recorded with the sandbox time, the HTTP
method and path (never a header, so no token or secret is ever kept), the status it got,
including statuses forced by the fault injector (a connection reset by a fault has no status),
and ``seconds``: the real time the sandbox spent answering it. That time starts after any
``latency`` fault's deliberate sleep (a slow Amazon is what the client measures, not the
sandbox's own cost) and ends when the response is built, before its bytes go over the wire; a
request waiting for another to release the sandbox's lock counts that wait. A throttled request
(429) is answered at once, so it costs next to nothing.

The log keeps the most recent ``capacity`` entries; beside them it keeps running counters per
operation (requests, seconds, statuses) that never drop anything and take the same small memory
after a million requests, so ``asc bench`` in another process can read "requests per operation
and serving seconds" cheaply (``GET /_sandbox/requests?summary=1``). ``busy_seconds`` is the real
time during which at least one request was being answered (overlapping requests counted once).
``clear`` forgets both.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_CAPACITY = 100_000
RESET = "reset"  # how a request without status (connection reset) is counted in the summary


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the sandbox answered it."""

    at: datetime  # sandbox time the request arrived
    operation: str  # operationId, e.g. patchListingsItem, or a Magento name
    method: str
    path: str
    status: int | None  # None: the connection was reset by a fault
    seconds: float = 0.0  # real time the sandbox spent answering (see the module docstring)

    def to_json(self) -> dict[str, Any]:
        """The entry as ``GET /_sandbox/requests`` shows it."""
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass
class OperationTotals:
    """Running counters of one operation's requests since the last ``clear``."""

    count: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, entry: LoggedRequest) -> None:
        """Count one answered request."""
        self.count += 1
        self.seconds += entry.seconds
        self.max_seconds = max(self.max_seconds, entry.seconds)
        status = RESET if entry.status is None else str(entry.status)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def to_json(self) -> dict[str, Any]:
        """The operation's line of the summary."""
        return {
            "count": self.count,
            "seconds": self.seconds,
            "max_seconds": self.max_seconds,
            "statuses": dict(sorted(self.statuses.items())),
        }


class RequestLog:
    """Thread-safe, bounded list of the requests the sandbox answered, oldest first, with
    unbounded-history counters of bounded size."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=capacity)
        self._totals: dict[str, OperationTotals] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._busy_since = 0.0
        self._busy_seconds = 0.0

    @property
    def capacity(self) -> int:
        """How many entries are kept (the oldest are dropped first)."""
        return self._entries.maxlen or 0

    def begin(self) -> float:
        """A request starts being answered now; returns its start (``time.perf_counter``) for
        ``finish``. Every ``begin`` must be followed by exactly one ``finish``."""
        started = time.perf_counter()
        with self._lock:
            if self._in_flight == 0:
                self._busy_since = started
            self._in_flight += 1
        return started

    def finish(
        self,
        started: float,
        at: datetime,
        operation: str,
        method: str,
        path: str,
        status: int | None,
    ) -> LoggedRequest:
        """The request ``begin`` started has been answered: record it with its seconds."""
        ended = time.perf_counter()
        entry = LoggedRequest(at, operation, method, path, status, ended - started)
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._busy_seconds += ended - self._busy_since
            self._add(entry)
        return entry

    def record(self, entry: LoggedRequest) -> None:
        """Add one answered request (its ``seconds`` as given; busy time is not touched)."""
        with self._lock:
            self._add(entry)

    def _add(self, entry: LoggedRequest) -> None:
        self._entries.append(entry)
        totals = self._totals.get(entry.operation)
        if totals is None:
            totals = self._totals[entry.operation] = OperationTotals()
        totals.add(entry)

    def entries(self, operations: set[str] | None = None) -> list[LoggedRequest]:
        """The logged requests, oldest first; only those of ``operations`` when given."""
        with self._lock:
            entries = list(self._entries)
        if operations:
            entries = [entry for entry in entries if entry.operation in operations]
        return entries

    def summary(self, operations: set[str] | None = None) -> dict[str, Any]:
        """Counters since the last ``clear``, as ``GET /_sandbox/requests?summary=1`` shows them:
        ``operations`` (per operation: count, seconds, max_seconds, statuses) and their totals
        ``requests`` and ``seconds`` (only ``operations`` when given), and, for every request,
        ``busy_seconds`` (up to now when requests are being answered), ``in_flight``, and how
        many entries the log still holds (``kept``, of ``capacity``)."""
        with self._lock:
            lines = {
                name: totals.to_json()
                for name, totals in sorted(self._totals.items())
                if not operations or name in operations
            }
            busy = self._busy_seconds
            if self._in_flight:
                busy += time.perf_counter() - self._busy_since
            in_flight, kept = self._in_flight, len(self._entries)
        return {
            "requests": sum(line["count"] for line in lines.values()),
            "seconds": sum((line["seconds"] for line in lines.values()), 0.0),
            "busy_seconds": busy,
            "in_flight": in_flight,
            "kept": kept,
            "capacity": self.capacity,
            "operations": lines,
        }

    def clear(self) -> None:
        """Forget every logged request and every counter (a test or a tick starting anew).
        Requests being answered still count in the busy time once they end."""
        with self._lock:
            self._entries.clear()
            self._totals.clear()
            self._busy_seconds = 0.0
            if self._in_flight:
                self._busy_since = time.perf_counter()
