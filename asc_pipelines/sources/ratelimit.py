"""Client-side token buckets, one per SP-API operation, so a healthy run never sees a 429.

Amazon meters each (application, selling partner, operation) with a token bucket that refills at
``rate`` tokens per second up to ``burst`` (protocols.md 6). The client mirrors that bucket and
waits before sending instead of being throttled. To stay on the safe side of the server's bucket
the client does not count time while its own request is in flight as refill: the server debits
when the request *arrives*, which can be later than when the client debited (see `settle`).
One `RateLimiter` per client instance, i.e. per store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from asc_pipelines import constants

_EPSILON = 1e-9


class TokenBucket:
    """A bucket of ``burst`` tokens refilled at ``rate`` per second; starts full."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got {rate}, {burst}")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = monotonic()

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        slept = 0.0
        while True:
            now = self._monotonic()
            self._refill(now)
            if self._tokens >= 1.0 - _EPSILON:  # float refill can land a hair short of 1
                self._tokens = max(0.0, self._tokens - 1.0)
                return slept
            wait = (1.0 - self._tokens) / self.rate
            self._sleep(wait)
            slept += wait

    def settle(self) -> None:
        """Forfeit refill for the time the last request was in flight (call when it returns)."""
        self._updated = max(self._updated, self._monotonic())


class RateLimiter:
    """The token buckets of one client, created lazily from `constants.USAGE_PLANS` × ``scale``."""

    def __init__(
        self,
        *,
        scale: float,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
        plans: dict[str, constants.UsagePlan] | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError(f"rate scale must be > 0, got {scale}")
        self._scale = scale
        self._monotonic = monotonic
        self._sleep = sleep
        self._plans = constants.USAGE_PLANS if plans is None else plans
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, operation: str) -> TokenBucket:
        """The bucket of an operation; KeyError for an operation without a usage plan."""
        if operation not in self._buckets:
            plan = self._plans[operation]
            self._buckets[operation] = TokenBucket(
                plan.rate * self._scale, plan.burst, monotonic=self._monotonic, sleep=self._sleep
            )
        return self._buckets[operation]

    @contextmanager
    def pacing(self, operation: str) -> Iterator[None]:
        """Hold a request of ``operation`` to its bucket: wait for a token before it is sent, and
        forfeit refill for the time it is in flight (`TokenBucket.settle`) when it returns."""
        bucket = self.bucket(operation)
        bucket.acquire()
        try:
            yield
        finally:
            bucket.settle()
