"""Arming, firing and clearing faults (the Python side of fault control)."""

from __future__ import annotations

import pytest

from asc_pipelines.sandbox.faults import FaultInjector


def test_a_fault_fires_as_many_times_as_armed() -> None:
    faults = FaultInjector()
    faults.add("getOrders", "status", status=503, times=2)
    assert faults.take("getOrders", "status") is not None
    assert faults.take("getOrders", "status") is not None
    assert faults.take("getOrders", "status") is None


def test_times_minus_one_fires_until_cleared() -> None:
    faults = FaultInjector()
    faults.add("*", "latency", seconds=0.1, times=-1)
    assert all(faults.take(op, "latency") for op in ("getOrders", "magento.getProducts") * 5)
    faults.clear()
    assert faults.take("getOrders", "latency") is None


def test_a_fault_only_matches_its_operation_and_kind() -> None:
    faults = FaultInjector()
    faults.add("createReport", "report_status", status="cancelled")
    assert faults.take("getReport", "report_status") is None
    assert faults.take("createReport", "status") is None
    fired = faults.take("createReport", "report_status")
    assert fired is not None and fired.status == "CANCELLED"


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("explode", {}),
        ("status", {}),
        ("status", {"status": 200}),
        ("latency", {}),
        ("report_status", {"status": "DONE"}),
        ("reset", {"times": 0}),
    ],
)
def test_faults_that_make_no_sense_are_refused(kind: str, options: dict) -> None:
    with pytest.raises(ValueError):
        FaultInjector().add("getOrders", kind, **options)
