"""The sandbox clock: world time plus advances (plus real time when running)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from asc_pipelines.sandbox.clock import SandboxClock

START = datetime(2025, 10, 1, 12, tzinfo=UTC)


def test_a_fixed_clock_moves_only_when_advanced() -> None:
    clock = SandboxClock(START, "fixed")
    time.sleep(0.02)
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)


def test_a_running_clock_adds_real_elapsed_time_to_the_advances() -> None:
    clock = SandboxClock(START, "running")
    clock.start()
    clock.advance(60)
    time.sleep(0.05)
    elapsed = clock.now() - START - timedelta(seconds=60)
    assert timedelta(seconds=0.04) <= elapsed < timedelta(seconds=5)


def test_the_clock_never_goes_back_and_needs_a_known_mode() -> None:
    with pytest.raises(ValueError):
        SandboxClock(START, "fixed").advance(-1)
    with pytest.raises(ValueError):
        SandboxClock(START, "sometimes")
