"""Fault injection: make the sandbox fail the way Amazon and Magento fail in production.

A fault is armed for one operation (an SP-API operationId such as ``getOrders``, ``lwaToken``,
``downloadReportDocument``, a Magento name such as ``magento.getProducts``, or ``*`` for every
operation) and fires on the next ``times`` matching requests (``-1``: until cleared).

Kinds:
- ``status``: answer with an HTTP error instead (429 QuotaExceeded, 500, 503, ...).
- ``latency``: wait ``seconds`` before handling the request.
- ``reset``: close the connection without any response.
- ``truncate``: send half the body while announcing the full ``Content-Length``.
- ``report_status``: the next report created ends ``FATAL`` (default) or ``CANCELLED``.
- ``content_encoding_gzip``: the report download carries ``Content-Encoding: gzip`` (June 2023).
- ``token_expiry``: every access token issued so far expires; the request gets 403 expired.
- ``feed_status`` (on ``createFeed``): the next feed created ends ``FATAL`` (default) without
  changing any listing, or stays ``IN_PROGRESS`` for ever (a stuck feed).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

FAULT_KINDS = (
    "status",
    "latency",
    "reset",
    "truncate",
    "report_status",
    "content_encoding_gzip",
    "token_expiry",
    "feed_status",
)
ANY_OPERATION = "*"
REPORT_END_STATUSES = ("FATAL", "CANCELLED")
FEED_END_STATUSES = ("FATAL", "IN_PROGRESS")


@dataclass
class Fault:
    """One armed fault; ``times`` counts down as it fires (``-1`` never runs out)."""

    operation: str
    kind: str
    status: int | str | None = None
    seconds: float | None = None
    times: int = 1

    def to_json(self) -> dict[str, Any]:
        """The fault as the control endpoint shows it."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def _validated(fault: Fault) -> Fault:
    if fault.kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
    if not fault.operation:
        raise ValueError("a fault needs an operation (or '*')")
    if fault.times == 0 or fault.times < -1:
        raise ValueError("times must be a positive count or -1 (until cleared)")
    if fault.kind == "status":
        if fault.status is None:
            raise ValueError("a status fault needs an HTTP status, e.g. 429, 500 or 503")
        fault.status = int(fault.status)
        if not 400 <= fault.status <= 599:
            raise ValueError("a status fault needs an HTTP error status (400-599)")
    if fault.kind == "latency":
        if fault.seconds is None or fault.seconds < 0:
            raise ValueError("a latency fault needs seconds >= 0")
        fault.seconds = float(fault.seconds)
    if fault.kind == "report_status":
        fault.status = str(fault.status or "FATAL").upper()
        if fault.status not in REPORT_END_STATUSES:
            raise ValueError(f"report_status must be one of {REPORT_END_STATUSES}")
    if fault.kind == "feed_status":
        fault.status = str(fault.status or "FATAL").upper()
        if fault.status not in FEED_END_STATUSES:
            raise ValueError(f"feed_status must be one of {FEED_END_STATUSES}")
    return fault


class FaultInjector:
    """Thread-safe set of armed faults, consumed by the HTTP apps as requests arrive."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        operation: str,
        kind: str,
        *,
        status: int | str | None = None,
        seconds: float | None = None,
        times: int = 1,
    ) -> Fault:
        """Arm a fault; raises ValueError when the kind or its parameters make no sense."""
        fault = _validated(Fault(operation, kind, status, seconds, int(times)))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, operation: str | None = None) -> None:
        """Disarm all faults, or only those of one operation."""
        with self._lock:
            self._faults = [f for f in self._faults if operation not in (None, f.operation)]

    def active(self) -> list[Fault]:
        """The faults still armed, oldest first."""
        with self._lock:
            return list(self._faults)

    def take(self, operation: str, kind: str) -> Fault | None:
        """Fire the oldest matching fault of ``kind`` for ``operation``, counting it down."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.operation in (operation, ANY_OPERATION):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return Fault(fault.operation, fault.kind, fault.status, fault.seconds, 1)
            return None
