"""Is the process that started a sync tick still running?

A tick killed in the middle (SIGKILL, the OOM killer, a power cut) cannot record that it stopped,
so whoever starts the next tick has to tell a run whose process is gone from one that is merely
slow. A process is recognised by its host, its pid and, on Linux, the kernel's boot id, its pid
namespace and when it started (so a pid the system has since handed to another process is not
mistaken for it). A process on another host, or in another pid namespace (another container),
cannot be judged from here.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

_PROC = Path("/proc")


class Liveness(StrEnum):
    """What can be said about a stamped process from this one."""

    ALIVE = "alive"
    GONE = "gone"
    UNKNOWN = "unknown"  # another host or pid namespace: leave it to Dagster's run monitoring


@dataclass(frozen=True)
class ProcessStamp:
    """The process that runs a tick: host and pid, plus on Linux the kernel's boot id, the pid
    namespace and the process's start time in clock ticks after boot (``None`` elsewhere)."""

    host: str
    pid: int
    boot: str | None = None
    namespace: str | None = None
    started: str | None = None

    @classmethod
    def of_this_process(cls) -> ProcessStamp:
        pid = os.getpid()
        return cls(
            host=socket.gethostname(),
            pid=pid,
            boot=_boot_id(),
            namespace=_pid_namespace(),
            started=_start_time(pid),
        )


def liveness(stamp: ProcessStamp) -> Liveness:
    """Whether the stamped process still runs, judged from this process."""
    here = ProcessStamp.of_this_process()
    if stamp.host != here.host:
        return Liveness.UNKNOWN
    if stamp.boot and here.boot and stamp.boot != here.boot:
        return Liveness.GONE  # the host rebooted since: every process of that boot is gone
    if stamp.namespace != here.namespace:
        return Liveness.UNKNOWN  # the pid means another process table
    if stamp.started is not None:
        started = _start_time(stamp.pid)
        if started is not None:
            return Liveness.ALIVE if started == stamp.started else Liveness.GONE
    return Liveness.ALIVE if _pid_exists(stamp.pid) else Liveness.GONE


def _boot_id() -> str | None:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None


def _pid_namespace() -> str | None:
    try:
        return os.readlink(_PROC / "self/ns/pid")
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    """The process's start in clock ticks after boot (``/proc/<pid>/stat`` field 22); ``None``
    when there is no such process, it has exited (a zombie waiting for its parent), or this
    system has no ``/proc``."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 2 is the command name in parentheses and may itself contain spaces and ")".
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _pid_exists(pid: int) -> bool:
    """Whether a live process has this pid (a zombie waiting for its parent counts as gone)."""
    if pid <= 0:
        return False  # 0 and -1 would signal process groups, not a process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    # The signal also reaches zombies; /proc, where there is one, tells them apart.
    if (_PROC / str(pid)).exists():
        return _start_time(pid) is not None
    return True
