"""A tick's deadline and circuit breakers, and how the shared retry loop obeys them."""

from __future__ import annotations

import pytest

from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.http import SLOW_OR_DOWN_RETRIES, call_with_retries
from asc_pipelines.sources.tick_guard import REFUSALS_BEFORE_OPEN, TickGuard, TickLimitReached

from .conftest import FakeTime

HOST = "http://127.0.0.1:9"


class Flaky:
    """An attempt that fails with the given errors, then answers."""

    def __init__(self, *errors: SourceError, answer: str = "ok") -> None:
        self.errors = list(errors)
        self.calls = 0
        self.answer = answer

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.answer


def refused() -> SourceError:
    return SourceError("connection refused", retryable=True, transport="refused")


def timed_out() -> SourceError:
    return SourceError("no answer in time", retryable=True, transport="timeout")


def unavailable() -> SourceError:
    return SourceError("HTTP 503", retryable=True)


def call(attempt: Flaky, guard: TickGuard, clock: FakeTime, **options: object) -> str:
    return call_with_retries(
        attempt,
        max_retries=5,
        backoff_base=1.0,
        sleep=clock.sleep,
        guard=guard,
        operation="getOrders",
        host=HOST,
        **options,  # type: ignore[arg-type]
    )


def test_a_refused_connection_is_tried_twice_then_the_host_is_given_up_for_the_tick(
    fake_time: FakeTime,
) -> None:
    guard = TickGuard(240, monotonic=fake_time.monotonic)
    first = Flaky(*[refused() for _ in range(10)])
    with pytest.raises(SourceError, match="connection refused"):
        call(first, guard, fake_time)
    assert first.calls == 1 + SLOW_OR_DOWN_RETRIES == REFUSALS_BEFORE_OPEN
    later = Flaky()
    with pytest.raises(TickLimitReached, match=r"not attempted: earlier in this tick, .*refused"):
        call(later, guard, fake_time)
    assert later.calls == 0  # another dataset, another store: no request at all


def test_refusals_must_come_in_a_row_to_open_the_breaker(fake_time: FakeTime) -> None:
    guard = TickGuard(240, monotonic=fake_time.monotonic)
    assert call(Flaky(refused()), guard, fake_time) == "ok"  # a blip: answered on the retry
    assert call(Flaky(refused()), guard, fake_time) == "ok"
    assert guard.open_reason(f"host {HOST}") is None


def test_a_timed_out_request_gets_one_more_try_not_five(fake_time: FakeTime) -> None:
    guard = TickGuard(None)
    attempt = Flaky(*[timed_out() for _ in range(10)])
    with pytest.raises(SourceError, match="no answer"):
        call(attempt, guard, fake_time)
    assert attempt.calls == 1 + SLOW_OR_DOWN_RETRIES


def test_server_errors_keep_the_configured_retries(fake_time: FakeTime) -> None:
    attempt = Flaky(*[unavailable() for _ in range(5)])
    assert call(attempt, TickGuard(None), fake_time) == "ok"
    assert attempt.calls == 6


def test_no_attempt_starts_after_the_deadline(fake_time: FakeTime) -> None:
    guard = TickGuard(10, monotonic=fake_time.monotonic)
    fake_time.sleep(11)
    attempt = Flaky()
    with pytest.raises(TickLimitReached, match=r"deadline \(10 s\) passed") as stopped:
        call(attempt, guard, fake_time)
    assert attempt.calls == 0 and stopped.value.deadline


def test_a_backoff_that_would_end_after_the_deadline_is_not_waited(fake_time: FakeTime) -> None:
    guard = TickGuard(0.5, monotonic=fake_time.monotonic)
    attempt = Flaky(*[unavailable() for _ in range(5)])
    with pytest.raises(TickLimitReached, match="last error: HTTP 503"):
        call_with_retries(
            attempt,
            max_retries=5,
            backoff_base=10.0,  # the first wait is up to 10 s; the tick has half a second
            sleep=fake_time.sleep,
            guard=guard,
            operation="getOrders",
            host=HOST,
            rng=FixedDraw(0.9),
        )
    assert sum(fake_time.sleeps) <= 0.5


def test_request_timeouts_and_waits_are_cut_to_what_is_left(fake_time: FakeTime) -> None:
    guard = TickGuard(100, monotonic=fake_time.monotonic)
    assert guard.timeout(30) == 30
    fake_time.sleep(90)
    assert guard.timeout(30) == 10 and guard.wait(60) == 10
    fake_time.sleep(20)
    assert guard.timeout(30) == 0.5 and guard.wait(60) == 0
    assert TickGuard(None).timeout(30) == 30


def test_a_tripped_breaker_names_its_reason_for_every_later_call(fake_time: FakeTime) -> None:
    guard = TickGuard(240, monotonic=fake_time.monotonic)
    guard.trip("LWA token refresh for store us", "invalid_grant: revoked")
    with pytest.raises(TickLimitReached, match="invalid_grant: revoked") as stopped:
        call(Flaky(), guard, fake_time, breakers=("LWA token refresh for store us",))
    assert not stopped.value.deadline
    assert call(Flaky(), guard, fake_time, breakers=("LWA token refresh for store uk",)) == "ok"


class FixedDraw:
    """An rng whose uniform draw is always the same fraction of the range."""

    def __init__(self, fraction: float) -> None:
        self.fraction = fraction

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.fraction
