"""One tick's limits, shared by every client of the tick: a deadline and circuit breakers.

A five-minute tick must end in time for the next one, and one broken source must not be asked
again and again within a tick. Every client of a tick holds the same `TickGuard`:

- **Deadline.** After ``deadline_seconds`` no new request starts, request timeouts and backoff
  waits are cut to what is left, and the call fails with `TickLimitReached`: the store's dataset
  is recorded as failed for this tick and the rest of the tick (matching, statuses, issues, the
  analysts' copy) goes on with the last good data.
- **Circuit breakers.** A failed LWA token refresh is remembered for its store, so the store's
  other datasets fail at once with the same reason instead of each retrying the token endpoint;
  a host that refuses connections twice in a row is remembered for every client of the tick.

The guard lives for one tick only: the next tick starts with a new one and tries everything again.
No Dagster here; thread-safe (stores are fetched on threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from asc_pipelines.sources.errors import SourceError

# Connection refusals in a row, per host, before the host is given up for the tick.
REFUSALS_BEFORE_OPEN = 2


class TickLimitReached(SourceError):
    """A call not made (or cut short) because the tick's deadline passed or a breaker is open."""

    def __init__(
        self, message: str, *, operation: str | None = None, deadline: bool = False
    ) -> None:
        super().__init__(message, retryable=False)
        self.operation = operation
        self.deadline = deadline  # True: out of time; False: a breaker is open
        self.code = "TickLimitReached"
        self.http_status = None


def host_of(url: str) -> str:
    """``scheme://host:port`` of a URL: what a refused connection says is down."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class TickGuard:
    """The deadline and the open breakers of one tick."""

    def __init__(
        self,
        deadline_seconds: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self.deadline_seconds = deadline_seconds
        self._ends_at = None if deadline_seconds is None else monotonic() + deadline_seconds
        self._open: dict[str, str] = {}
        self._refusals: dict[str, int] = {}
        self._lock = threading.Lock()

    # --- deadline -------------------------------------------------------------------------

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative); None without a deadline."""
        if self._ends_at is None:
            return None
        return max(0.0, self._ends_at - self._monotonic())

    def expired(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def timeout(self, wanted: float) -> float:
        """A request timeout no longer than what is left of the tick (at least a moment)."""
        remaining = self.remaining()
        return wanted if remaining is None else max(0.5, min(wanted, remaining))

    def wait(self, wanted: float) -> float:
        """How long a wait (backoff, polling) may be: cut to what is left of the tick."""
        remaining = self.remaining()
        return wanted if remaining is None else max(0.0, min(wanted, remaining))

    def deadline_message(self, operation: str, last_error: str | None) -> str:
        limit = f"{self.deadline_seconds:g} s" if self.deadline_seconds is not None else "none"
        text = f"{operation} not completed: the tick's deadline ({limit}) passed"
        return f"{text}; last error: {last_error}" if last_error else text

    # --- breakers --------------------------------------------------------------------------

    def open_reason(self, *keys: str) -> str | None:
        with self._lock:
            for key in keys:
                if key in self._open:
                    return self._open[key]
        return None

    def trip(self, key: str, reason: str) -> None:
        """Remember for the rest of the tick that ``key`` (a store's token, a host) is down."""
        with self._lock:
            self._open.setdefault(key, reason)

    def note_refused(self, host: str) -> None:
        """A connection to ``host`` was refused; enough in a row open the host's breaker."""
        with self._lock:
            count = self._refusals.get(host, 0) + 1
            self._refusals[host] = count
            if count >= REFUSALS_BEFORE_OPEN:
                self._open.setdefault(f"host {host}", f"{host} refused connections")

    def note_answered(self, host: str) -> None:
        """``host`` answered: refusals no longer count in a row."""
        with self._lock:
            self._refusals.pop(host, None)

    # --- the check before every attempt ---------------------------------------------------

    def before_attempt(
        self, operation: str, *, host: str, keys: tuple[str, ...] = (), last_error: str | None
    ) -> None:
        """Raise `TickLimitReached` when the call must not be (re)tried in this tick."""
        reason = self.open_reason(f"host {host}", *keys)
        if reason is not None:
            raise TickLimitReached(
                f"{operation} not attempted: earlier in this tick, {reason}; the next tick "
                "tries again",
                operation=operation,
            )
        if self.expired():
            raise TickLimitReached(
                self.deadline_message(operation, last_error), operation=operation, deadline=True
            )
