"""The sandbox clock: the world's own notion of "now".

It starts at ``world.json``'s ``now``. Tests and demos jump it forward with ``advance``; in
``running`` mode real time also passes (so reports finish and tokens age on their own), in
``fixed`` mode only ``advance`` moves it, which keeps tests deterministic.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

CLOCK_MODES = ("running", "fixed")


class SandboxClock:
    """``now() = start + total advanced (+ real time elapsed since start() in running mode)``."""

    def __init__(self, start: datetime, mode: str = "running") -> None:
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock_mode must be one of {CLOCK_MODES}, not {mode!r}")
        if start.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware (UTC) start time")
        self.mode = mode
        self._start = start
        self._advanced = timedelta()
        self._real_start = time.monotonic()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin counting real time from this moment (running mode)."""
        with self._lock:
            self._real_start = time.monotonic()

    def now(self) -> datetime:
        """The current sandbox time, an aware UTC datetime."""
        with self._lock:
            now = self._start + self._advanced
            if self.mode == "running":
                now += timedelta(seconds=time.monotonic() - self._real_start)
            return now

    def advance(self, seconds: float) -> datetime:
        """Jump forward by ``seconds`` of sandbox time; returns the new now."""
        if seconds < 0:
            raise ValueError("the sandbox clock never goes back")
        with self._lock:
            self._advanced += timedelta(seconds=seconds)
        return self.now()
