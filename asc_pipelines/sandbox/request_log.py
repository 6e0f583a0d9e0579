"""The sandbox's request log: which API operations were called, when, and how they were answered.

A test (or a demo) asks the log what a client did: "did the pipeline send any write call while
sending was off?", "how many patches did 1,000 changes take?". Every request that names an
operation (SP-API, LWA, report downloads, Magento) is recorded with the sandbox time, the HTTP
method and path (never a header, so no token or secret is ever kept) and the status it got,
including statuses forced by the fault injector. A connection reset by a fault has no status.
The log keeps the most recent ``capacity`` entries.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

DEFAULT_CAPACITY = 100_000


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the sandbox answered it."""

    at: datetime  # sandbox time the request arrived
    operation: str  # operationId, e.g. patchListingsItem, or a Magento name
    method: str
    path: str
    status: int | None  # None: the connection was reset by a fault

    def to_json(self) -> dict[str, Any]:
        """The entry as ``GET /_sandbox/requests`` shows it."""
        return {**asdict(self), "at": self.at.isoformat()}


class RequestLog:
    """Thread-safe, bounded list of the requests the sandbox answered, oldest first."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> None:
        """Add one answered request."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, operations: set[str] | None = None) -> list[LoggedRequest]:
        """The logged requests, oldest first; only those of ``operations`` when given."""
        with self._lock:
            entries = list(self._entries)
        if operations:
            entries = [entry for entry in entries if entry.operation in operations]
        return entries

    def clear(self) -> None:
        """Forget every logged request (a test starting a new phase)."""
        with self._lock:
            self._entries.clear()
