"""The snapshot guard: which new snapshots may replace a store's last good one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from asc_pipelines.config import CheckSettings
from asc_pipelines.logic.snapshot_guard import (
    SHRINK_CODE,
    SnapshotRejected,
    parse_shrink_message,
    previous_row_count,
    shrink_verdict,
)
from asc_pipelines.sync.stores import error_fields
from asc_pipelines_tests.logic.tiny_warehouse import warehouse

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_first_snapshot_is_always_accepted() -> None:
    verdict = shrink_verdict(None, 0, 0.5)
    assert verdict.accepted and verdict.share == 0.0
    assert "first snapshot" in verdict.message


def test_a_snapshot_after_an_empty_one_is_accepted() -> None:
    assert shrink_verdict(0, 0, 0.0).accepted
    assert shrink_verdict(0, 10, 0.0).accepted


def test_growth_and_unchanged_are_accepted_with_share_zero() -> None:
    for new in (100, 250):
        verdict = shrink_verdict(100, new, 0.0)
        assert verdict.accepted and verdict.share == 0.0


@pytest.mark.parametrize(
    ("previous", "new", "limit", "accepted"),
    [
        (100, 50, 0.5, True),  # exactly the allowed share
        (100, 49, 0.5, False),
        (100, 0, 0.5, False),  # an empty report after a full one
        (100, 0, 1.0, True),  # 1.0 accepts any shrink
        (100, 99, 0.0, False),  # 0.0 refuses any shrink
        (3, 1, 0.5, False),
    ],
)
def test_shrink_beyond_the_limit_is_refused(
    previous: int, new: int, limit: float, accepted: bool
) -> None:
    verdict = shrink_verdict(previous, new, limit)
    assert verdict.accepted is accepted
    assert verdict.share == pytest.approx((previous - new) / previous)


def test_a_refusal_message_names_both_counts_and_parses_back() -> None:
    verdict = shrink_verdict(1200, 300, 0.5)
    assert not verdict.accepted
    assert "300 rows against 1200" in verdict.message and "75.0% fewer" in verdict.message
    assert parse_shrink_message(verdict.message) == (300, 1200)
    assert parse_shrink_message(shrink_verdict(1200, 900, 0.5).message) is None
    assert parse_shrink_message(None) is None
    assert parse_shrink_message("HTTP 500 from getReport") is None


def test_snapshot_rejected_is_recorded_with_code_snapshot_shrank() -> None:
    exc = SnapshotRejected("us", shrink_verdict(10, 2, 0.5))
    fields = error_fields(exc, "amazon_listings_snapshot")
    assert fields.code == SHRINK_CODE == "snapshot_shrank"
    assert fields.operation == "snapshot_guard" and fields.http_status is None
    assert fields.message == exc.verdict.message and exc.store_id == "us"


def test_previous_row_count_is_the_latest_good_snapshot_of_the_store() -> None:
    conn = warehouse()
    assert previous_row_count(conn, "us") is None
    rows = [("us", T0, 100), ("us", T0 + timedelta(minutes=10), 80), ("uk", T0, 7)]
    # Inserted out of time order: the latest snapshot_at wins, not the last insert.
    for store_id, at, n in reversed(rows):
        conn.execute(
            "INSERT INTO raw.amazon_listing_snapshots (store_id, report_id, snapshot_at, "
            "rows_loaded, rows_rejected) VALUES (?, 'r', ?, ?, 0)",
            [store_id, at, n],
        )
    assert previous_row_count(conn, "us") == 80
    assert previous_row_count(conn, "uk") == 7
    assert previous_row_count(conn, "de") is None


def test_check_settings_defaults_and_bounds() -> None:
    settings = CheckSettings()
    assert settings.max_snapshot_shrink_share == 0.5 and settings.min_matched_share == 0.5
    assert CheckSettings(max_snapshot_shrink_share=1.0).max_snapshot_shrink_share == 1.0
    with pytest.raises(ValidationError):
        CheckSettings(max_snapshot_shrink_share=1.5)
    with pytest.raises(ValidationError):
        CheckSettings(unknown=1)  # type: ignore[call-arg]
