"""SP-API usage plans as token buckets, one per selling partner and operation (protocols.md 6).

Each bucket holds ``burst`` tokens, starts full and refills at ``rate`` tokens per real second; a
request takes one token or is throttled (HTTP 429). ``rate_scale`` multiplies every rate and burst
so tests and demos need not wait a minute per ``createReport``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from asc_pipelines.constants import USAGE_PLANS, UsagePlan


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Thread-safe token buckets keyed by ``(seller, operationId)``."""

    def __init__(
        self, rate_scale: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if rate_scale <= 0:
            raise ValueError("rate_scale must be positive")
        self.rate_scale = rate_scale
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def plan(self, operation: str) -> UsagePlan | None:
        """The scaled usage plan of an operation; None for operations without one."""
        base = USAGE_PLANS.get(operation)
        if base is None:
            return None
        # Only the refill rate scales: the bucket size stays Amazon's, so a client that ignores
        # the burst is caught by the sandbox however fast the tests run.
        return UsagePlan(base.rate * self.rate_scale, base.burst)

    def rate_header(self, operation: str) -> str | None:
        """The ``x-amzn-RateLimit-Limit`` value (requests per second) for an operation."""
        plan = self.plan(operation)
        return None if plan is None else f"{plan.rate:.4g}" if plan.rate < 1 else str(plan.rate)

    def try_acquire(self, seller: str, operation: str) -> bool:
        """Take one token from the seller's bucket for the operation; False means throttled."""
        plan = self.plan(operation)
        if plan is None:
            return True
        now = self._monotonic()
        with self._lock:
            bucket = self._buckets.setdefault((seller, operation), _Bucket(plan.burst, now))
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(plan.burst, bucket.tokens + elapsed * plan.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return True
            return False
