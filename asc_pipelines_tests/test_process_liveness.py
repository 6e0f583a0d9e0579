"""Telling a tick's process that is gone from one that is merely slow."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

from asc_pipelines.sync.process_liveness import Liveness, ProcessStamp, liveness


def test_this_process_is_alive() -> None:
    assert liveness(ProcessStamp.of_this_process()) is Liveness.ALIVE


def test_a_process_that_exited_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stamp = dataclasses.replace(ProcessStamp.of_this_process(), pid=child.pid)
    assert liveness(stamp) is Liveness.GONE


def test_a_killed_process_its_parent_has_not_reaped_yet_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stamp = dataclasses.replace(ProcessStamp.of_this_process(), pid=child.pid, started=None)
    assert liveness(stamp) is Liveness.ALIVE
    child.kill()
    deadline = time.monotonic() + 10
    while liveness(stamp) is Liveness.ALIVE and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel delivers the signal asynchronously
    assert liveness(stamp) is Liveness.GONE  # a zombie until the wait below
    child.wait()


def test_a_pid_given_to_a_later_process_is_gone() -> None:
    here = ProcessStamp.of_this_process()
    assert here.started is not None  # Linux: the start time tells the two processes apart
    stamp = dataclasses.replace(here, started=str(int(here.started) - 1))
    assert liveness(stamp) is Liveness.GONE


def test_a_process_of_a_previous_boot_is_gone() -> None:
    stamp = dataclasses.replace(ProcessStamp.of_this_process(), boot="an-earlier-boot")
    assert liveness(stamp) is Liveness.GONE


def test_a_process_on_another_host_or_in_another_container_cannot_be_judged() -> None:
    here = ProcessStamp.of_this_process()
    assert liveness(dataclasses.replace(here, host="another-host.example")) is Liveness.UNKNOWN
    assert liveness(dataclasses.replace(here, namespace="pid:[1]")) is Liveness.UNKNOWN
