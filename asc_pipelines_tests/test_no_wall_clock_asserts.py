"""House rule: no test asserts how long something took on this machine's wall clock.

Timings belong in ``benchmarks/``; a test that asserts "under 3 s" fails on a loaded machine (it
did: ``sandbox/test_generate.py``, one run in two of ``make test`` under load). This test reads
every test module and fails on an ``assert`` that uses a clock reading, directly or through a name
assigned from one in the same function. Polling loops with a give-up time are fine: they do not
assert on the time.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
CLOCKS = {"time", "monotonic", "perf_counter", "monotonic_ns", "perf_counter_ns", "time_ns"}


def _reads_a_clock(node: ast.AST, clock_names: set[str]) -> bool:
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and isinstance(child.func.value, ast.Name)
            and child.func.value.id == "time"
            and child.func.attr in CLOCKS
        ):
            return True
        if isinstance(child, ast.Name) and child.id in clock_names:
            return True
    return False


def wall_clock_asserts(source: str) -> list[int]:
    """Line numbers of asserts on a clock reading in one module's source."""
    found: list[int] = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        clock_names: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _reads_a_clock(node.value, clock_names):
                clock_names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        # A name that only marks a start or a give-up time is fine unless an assert reads it.
        found += [
            node.lineno
            for node in ast.walk(function)
            if isinstance(node, ast.Assert) and _reads_a_clock(node.test, clock_names)
        ]
    return found


def test_the_rule_catches_the_forms_it_is_about() -> None:
    direct = (
        "def t():\n    s = time.perf_counter()\n    run()\n    assert time.perf_counter() - s < 3\n"
    )
    named = (
        "def t():\n    s = time.monotonic()\n    elapsed = time.monotonic() - s\n"
        "    assert elapsed < 1\n"
    )
    polling = (
        "def t():\n    d = time.monotonic() + 5\n    while time.monotonic() < d:\n"
        "        pass\n    assert done()\n"
    )
    assert wall_clock_asserts(direct) == [4]
    assert wall_clock_asserts(named) == [4]
    assert wall_clock_asserts(polling) == []


def test_no_test_asserts_wall_clock_time() -> None:
    offenders = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("test_*.py"))
        if path.name != Path(__file__).name
        and (lines := wall_clock_asserts(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "timing belongs in benchmarks/: " + repr(offenders)
