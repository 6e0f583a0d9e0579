"""Usage plans as token buckets (protocols.md 6)."""

from __future__ import annotations

from asc_pipelines.sandbox.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_starts_full_allows_the_burst_then_throttles() -> None:
    limiter = RateLimiter(1.0, FakeTime())
    allowed = [limiter.try_acquire("S1", "searchListingsItems") for _ in range(6)]
    assert allowed == [True] * 5 + [False]


def test_a_bucket_refills_at_the_plan_rate() -> None:
    clock = FakeTime()
    limiter = RateLimiter(1.0, clock)
    for _ in range(20):
        limiter.try_acquire("S1", "getOrders")
    assert not limiter.try_acquire("S1", "getOrders")
    clock.now += 1 / 0.0167 + 0.01  # one token per minute
    assert limiter.try_acquire("S1", "getOrders")
    assert not limiter.try_acquire("S1", "getOrders")


def test_buckets_are_per_seller_and_per_operation() -> None:
    limiter = RateLimiter(1.0, FakeTime())
    for _ in range(5):
        limiter.try_acquire("S1", "searchListingsItems")
    assert not limiter.try_acquire("S1", "searchListingsItems")
    assert limiter.try_acquire("S2", "searchListingsItems")
    assert limiter.try_acquire("S1", "getListingsItem")


def test_rate_scale_multiplies_rates_but_keeps_amazons_burst() -> None:
    limiter = RateLimiter(10.0)
    plan = limiter.plan("getOrders")
    assert plan is not None and plan.burst == 20 and abs(plan.rate - 0.167) < 1e-9
    assert limiter.rate_header("getOrders") == "0.167"
    assert RateLimiter(1.0).rate_header("getReport") == "2.0"
