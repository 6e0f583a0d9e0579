"""When this process waited on its sources: for ``asc bench``, which splits a tick's time into
waiting (a request on the wire, a rate bucket, a backoff, a report still processing) and our
own work.

Off unless a benchmark turns it on (:func:`recording`): then every wait is kept as a
``(start, end)`` interval of wall-clock time (``time.time``, so it lines up with Dagster's event
timestamps). Waits overlap when stores are fetched in parallel; :func:`waited_within` counts
their union, not their sum. Off, :func:`waiting` costs one global read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_intervals: list[tuple[float, float]] | None = None


@contextmanager
def recording() -> Iterator[list[tuple[float, float]]]:
    """Keep every wait of this process while the block runs; yields the list they go to."""
    global _intervals
    kept: list[tuple[float, float]] = []
    with _lock:
        _intervals = kept
    try:
        yield kept
    finally:
        with _lock:
            _intervals = None


@contextmanager
def waiting() -> Iterator[None]:
    """The block is time spent waiting on a source (nothing kept unless :func:`recording`)."""
    if _intervals is None:
        yield
        return
    start = time.time()
    try:
        yield
    finally:
        end = time.time()
        with _lock:
            if _intervals is not None:
                _intervals.append((start, end))


def waited(sleep: Callable[[float], None]) -> Callable[[float], None]:
    """``sleep`` whose time counts as waiting."""

    def counted(seconds: float) -> None:
        with waiting():
            sleep(seconds)

    return counted


def waited_within(intervals: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds between ``start`` and ``end`` during which at least one wait was going on."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if b > start and a < end)
    total, reach = 0.0, start
    for a, b in clipped:
        if b <= reach:
            continue
        total += b - max(a, reach)
        reach = b
    return total
