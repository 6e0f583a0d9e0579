"""Waits kept for ``asc bench``: nothing unless recording, overlapping waits counted once."""

from __future__ import annotations

import time

from asc_pipelines.sources.waits import recording, waited, waited_within, waiting


def test_waits_are_kept_only_while_recording() -> None:
    with waiting():
        pass
    with recording() as kept:
        with waiting():
            time.sleep(0.01)
        waited(time.sleep)(0.01)
    with waiting():
        pass

    assert len(kept) == 2
    assert all(end - start >= 0.009 for start, end in kept)


def test_overlapping_waits_count_once_and_only_inside_the_window() -> None:
    waits = [(0.0, 4.0), (1.0, 2.0), (3.0, 6.0), (8.0, 9.0), (20.0, 30.0)]

    assert waited_within(waits, 0.0, 10.0) == 7.0  # 0-6 and 8-9
    assert waited_within(waits, 5.0, 8.5) == 1.5  # 5-6 and 8-8.5
    assert waited_within([], 0.0, 10.0) == 0.0
