"""Pure helpers: token buckets, backoff, charsets, gzip sniffing, placeholders, secret scrubbing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from asc_pipelines.config import AttributeCodes
from asc_pipelines.constants import UsagePlan
from asc_pipelines.sources.download import charset_from_content_type, is_gzip, python_charset
from asc_pipelines.sources.errors import SourceError, SpApiError, scrub
from asc_pipelines.sources.http import backoff_delay, call_with_retries
from asc_pipelines.sources.magento import (
    format_magento_datetime,
    parse_magento_datetime,
    product_rows,
    substitute_placeholders,
)
from asc_pipelines.sources.ratelimit import RateLimiter, TokenBucket

from .conftest import FakeTime


@pytest.mark.parametrize(("rate", "burst"), [(2.0, 15), (0.0167, 20), (5.0, 5), (100.0, 15)])
def test_token_bucket_never_exceeds_burst_plus_rate_times_elapsed(rate: float, burst: int) -> None:
    clock = FakeTime()
    bucket = TokenBucket(rate, burst, monotonic=clock.monotonic, sleep=clock.sleep)
    start = clock.now
    stamps = []
    for _ in range(burst * 3):
        bucket.acquire()
        stamps.append(clock.now)
        bucket.settle()
    for i, stamp in enumerate(stamps, start=1):
        assert i <= burst + rate * (stamp - start) + 1e-6
    assert stamps[burst - 1] == start  # a bucket starts full


def test_token_bucket_forfeits_refill_while_a_request_is_in_flight() -> None:
    clock = FakeTime()
    bucket = TokenBucket(1.0, 1, monotonic=clock.monotonic, sleep=clock.sleep)
    bucket.acquire()
    clock.now += 5  # the request took five seconds
    bucket.settle()
    assert bucket.acquire() == pytest.approx(1.0)


def test_pacing_holds_a_token_while_the_request_is_in_flight_even_when_it_fails() -> None:
    clock = FakeTime()
    limiter = RateLimiter(
        scale=1, monotonic=clock.monotonic, sleep=clock.sleep, plans={"op": UsagePlan(1.0, 1)}
    )
    with pytest.raises(ConnectionError), limiter.pacing("op"):
        clock.now += 5  # five seconds on the wire, then the connection fails
        raise ConnectionError
    with limiter.pacing("op"):
        pass
    assert clock.sleeps == [pytest.approx(1.0)]  # the flight time did not refill the bucket


def test_rate_limiter_scales_usage_plans() -> None:
    clock = FakeTime()
    limiter = RateLimiter(scale=50, monotonic=clock.monotonic, sleep=clock.sleep)
    assert limiter.bucket("getReport").rate == 100.0 and limiter.bucket("getReport").burst == 15


def test_backoff_is_full_jitter_capped() -> None:
    rng = random.Random(1)
    for attempt in range(10):
        delay = backoff_delay(attempt, 1.0, cap=30.0, rng=rng)
        assert 0.0 <= delay <= min(30.0, 2.0**attempt)


def test_call_with_retries_stops_on_final_errors() -> None:
    calls = []

    def attempt() -> int:
        calls.append(1)
        raise SourceError("final")

    with pytest.raises(SourceError):
        call_with_retries(attempt, max_retries=5, backoff_base=1, sleep=lambda s: None)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("header", "codec"),
    [
        ("text/plain; charset=Cp1252", "cp1252"),
        ("text/plain;charset=Windows-31J", "cp932"),
        ("text/plain; charset=UTF-8", "utf-8"),
        ("text/plain; charset=ISO-8859-1", "cp1252"),
        ("text/plain", "cp1252"),
        (None, "cp1252"),
    ],
)
def test_charset_mapping(header: str | None, codec: str) -> None:
    assert charset_from_content_type(header) == codec


def test_charset_default_can_be_the_marketplace_one() -> None:
    assert charset_from_content_type("text/plain", "Windows-31J") == "cp932"
    with pytest.raises(SourceError, match="unknown charset"):
        python_charset("x-no-such-charset")


def test_gzip_is_sniffed_by_magic_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"\x1f\x8b\x08rest")
    (tmp_path / "b").write_bytes(b"seller-sku\n")
    assert is_gzip(tmp_path / "a") and not is_gzip(tmp_path / "b")


def test_magento_placeholders_are_substituted() -> None:
    assert (
        substitute_placeholders("%fieldName is a required field.", {"fieldName": "searchCriteria"})
        == "searchCriteria is a required field."
    )
    assert substitute_placeholders("%1 of %2 (%10)", ["a", "b"]) == "a of b (%10)"
    assert substitute_placeholders("no %params", None) == "no %params"


def test_scrub_removes_query_strings_and_secrets() -> None:
    text = "GET https://s3.example/doc?X-Amz-Signature=abc123 token Atza|secret"
    cleaned = scrub(text, ["Atza|secret"])
    assert "abc123" not in cleaned and "Atza|secret" not in cleaned
    assert "https://s3.example/doc" in cleaned


def test_spapi_error_message_names_operation_status_and_code() -> None:
    error = SpApiError("getOrders", 429, "QuotaExceeded", "You exceeded your quota")
    assert (
        str(error) == "SP-API getOrders failed (HTTP 429): QuotaExceeded: You exceeded your quota"
    )


def test_magento_datetimes_are_utc_text() -> None:
    assert (
        format_magento_datetime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02 03:04:05"
    )
    assert parse_magento_datetime("2024-01-02 03:04:05") == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        format_magento_datetime(datetime(2024, 1, 2))


def test_product_rows_use_configured_attribute_codes() -> None:
    item = {
        "id": 7,
        "sku": "24-MB01",
        "name": "Joust Duffle Bag",
        "price": 34,
        "status": 1,
        "visibility": 4,
        "type_id": "simple",
        "created_at": "2019-08-30 07:14:51",
        "updated_at": "2019-08-30 07:14:52",
        "extension_attributes": {"website_ids": [1, 2]},
        "custom_attributes": [
            {"attribute_code": "my_asin", "value": "B000TEST01"},
            {"attribute_code": "upc", "value": "012345678905"},
            {"attribute_code": "required_options", "value": "0"},
        ],
    }
    (row,) = product_rows(
        [item], attributes=AttributeCodes(asin="my_asin"), website_codes={1: "base", 2: "eu"}
    )
    assert row["asin"] == "B000TEST01" and row["upc"] == "012345678905" and row["ean"] is None
    assert row["website_codes"] == ["base", "eu"] and row["price"] == 34.0
    assert row["entity_id"] == 7 and row["required_options"] == 0
    assert row["updated_at"] == datetime(2019, 8, 30, 7, 14, 52, tzinfo=UTC)
