"""What every client shares: the user agent, the server's clock, and bounded retries with backoff.

An attempt (`asc_pipelines.sources.transport`) says whether its failure is worth another try; the
retry loop here decides whether one is made. Waits are exponential with full jitter (a uniform
draw in ``[0, base * 2**attempt]``, capped), so many stores retrying at once do not hit the server
in lockstep.
"""

from __future__ import annotations

import platform
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests

from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.tick_guard import TickGuard, TickLimitReached
from asc_pipelines.sources.waits import waiting

USER_AGENT = f"asc_pipelines/0.1 (Language=Python/{platform.python_version()})"
BACKOFF_CAP_SECONDS = 60.0
# A server that refuses connections or does not answer in time gets one more try, not five.
SLOW_OR_DOWN_RETRIES = 1

T = TypeVar("T")


def backoff_delay(
    attempt: int, base: float, *, cap: float = BACKOFF_CAP_SECONDS, rng: random.Random | None = None
) -> float:
    """Seconds before retry ``attempt + 1``: full jitter, uniform in ``[0, min(cap, base*2^n)]``."""
    ceiling = min(cap, base * (2**attempt))
    return (rng or random).uniform(0.0, ceiling)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    max_retries: int,
    backoff_base: float,
    sleep: Callable[[float], None],
    rng: random.Random | None = None,
    guard: TickGuard | None = None,
    operation: str = "call",
    host: str = "",
    breakers: tuple[str, ...] = (),
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or ``max_retries`` retries are spent.

    ``attempt`` signals a transient failure by raising a `SourceError` with ``retryable=True``; the
    last such error is re-raised when the retries run out. A refused connection or a timeout is
    retried at most `SLOW_OR_DOWN_RETRIES` times (the server is down or slow: more attempts only
    stretch the tick). With a ``guard`` (the tick's), no attempt starts after the tick's deadline
    or while the breaker of ``host`` or of one of ``breakers`` is open, and a backoff wait that
    would end after the deadline is not waited.
    """
    last: SourceError | None = None
    for number in range(max_retries + 1):
        if guard is not None:
            try:
                guard.before_attempt(
                    operation,
                    host=host,
                    keys=breakers,
                    last_error=None if last is None else str(last),
                )
            except TickLimitReached as stopped:
                # A breaker this call's own failures just opened: their error says it best.
                if last is not None and not stopped.deadline:
                    raise last from None
                raise
        try:
            result = attempt()
        except SourceError as exc:
            last = exc
            if guard is not None and host:
                if exc.transport == "refused":
                    guard.note_refused(host)
                elif exc.transport is None:
                    guard.note_answered(host)
            limit = SLOW_OR_DOWN_RETRIES if exc.transport in ("refused", "timeout") else max_retries
            if not exc.retryable or number >= min(limit, max_retries):
                raise
            delay = backoff_delay(number, backoff_base, rng=rng)
            if guard is not None and guard.wait(delay) < delay:
                raise TickLimitReached(
                    guard.deadline_message(operation, str(exc)), operation=operation, deadline=True
                ) from None
            with waiting():
                sleep(delay)
            continue
        if guard is not None and host:
            guard.note_answered(host)
        return result
    raise AssertionError("unreachable")  # pragma: no cover


class ServerClock:
    """The server's idea of "now": the last response's ``Date`` plus local monotonic time since.

    The pipeline stamps snapshots and computes windows with this clock, because the source's clock
    is the one its ``updated_at`` / ``LastUpdateDate`` values are written with (the sandbox's can
    be far from the real time). Before any response it falls back to the local UTC time.
    """

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._anchor: tuple[datetime, float] | None = None

    def observe(self, response: requests.Response) -> None:
        """Remember the ``Date`` header of a response (ignored when absent or malformed)."""
        header = response.headers.get("Date")
        if not header:
            return
        try:
            stamp = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        self._anchor = (stamp.astimezone(UTC), self._monotonic())

    def now(self) -> datetime:
        """The server's current time as an aware UTC datetime."""
        if self._anchor is None:
            return datetime.now(UTC)
        stamp, seen_at = self._anchor
        return stamp + timedelta(seconds=max(0.0, self._monotonic() - seen_at))


def new_session(session: requests.Session | None) -> requests.Session:
    """The given session, or a fresh one that sends our User-Agent."""
    result = session or requests.Session()
    result.headers["User-Agent"] = USER_AGENT
    return result
