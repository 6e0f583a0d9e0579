"""Which identifiers are due for a catalog look-up, how they are batched, how an answer reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from asc_pipelines.logic.asin_lookups import BATCH_SIZE, Candidate, answer_kind, batches, due
from asc_pipelines.warehouse.asin_lookups import LookupRow

NOW = datetime(2031, 1, 1, 12, tzinfo=UTC)


def _candidate(n: int, lookup_type: str = "UPC", asked: datetime | None = None) -> Candidate:
    asked_ms = None if asked is None else int(asked.timestamp() * 1000)
    return Candidate(lookup_type, f"{n:014d}", f"{n:012d}", asked_ms, 1)


def test_due_are_the_never_asked_and_those_asked_max_age_ago_or_earlier() -> None:
    never = _candidate(1)
    old = _candidate(2, asked=NOW - timedelta(hours=24))
    fresh = _candidate(3, asked=NOW - timedelta(hours=23, minutes=59))
    assert due([never, old, fresh], NOW, max_age_hours=24) == [never, old]


def test_batches_hold_one_identifier_type_and_at_most_twenty() -> None:
    candidates = [_candidate(n, "UPC") for n in range(BATCH_SIZE + 1)]
    candidates += [_candidate(n, "EAN") for n in range(2)]
    result = batches(candidates)
    assert [(b[0].lookup_type, len(b)) for b in result] == [("EAN", 2), ("UPC", 20), ("UPC", 1)]
    assert all(len({c.lookup_type for c in batch}) == 1 for batch in result)


@pytest.mark.parametrize(
    ("asins", "parents", "kind"),
    [
        ((), (), "nothing"),
        (("B1", "B2"), ("B1",), "several"),
        (("B1",), ("B1",), "variation_parent"),
        (("B1",), (), "single"),
    ],
)
def test_how_an_answer_reads(asins: tuple[str, ...], parents: tuple[str, ...], kind: str) -> None:
    row = LookupRow("UPC", "0" * 14, "0" * 12, asins, parents, NOW)
    assert answer_kind(row) == kind
