"""The snapshot guard: a store's new listings snapshot that shrank too much is refused.

A report that suddenly holds far fewer listings than the last good one is more likely a truncated
or partial report than a seller who delisted half the catalog overnight. ``land_listing_report``
asks ``shrink_verdict`` before it swaps the new rows in; a refused snapshot raises
``SnapshotRejected``, the store keeps its last good snapshot, and the refusal lands in
``raw.api_errors`` with code ``snapshot_shrank`` (the blocking check ``snapshot_not_shrunk``
reads it). A shrink that is real is accepted by raising ``checks.max_snapshot_shrink_share``
(1.0 accepts any shrink) for the tick that should take it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

SHRINK_CODE = "snapshot_shrank"
SHRINK_OPERATION = "snapshot_guard"
_MESSAGE = re.compile(r"^snapshot shrank: (\d+) rows against (\d+) in the last good snapshot")


@dataclass(frozen=True)
class ShrinkVerdict:
    """Whether a new snapshot may replace the last good one, and why."""

    accepted: bool
    share: float  # how much smaller than the last good snapshot: 0.25 = 25 % fewer rows
    message: str


class SnapshotRejected(RuntimeError):
    """A store's new snapshot was refused; its last good snapshot stays.

    Carries ``operation``/``code``/``http_status`` the way client errors do, so
    ``record_failure`` writes it to ``raw.api_errors`` with code ``snapshot_shrank``.
    """

    operation = SHRINK_OPERATION
    code = SHRINK_CODE
    http_status = None

    def __init__(self, store_id: str, verdict: ShrinkVerdict) -> None:
        super().__init__(verdict.message)
        self.store_id = store_id
        self.verdict = verdict


def shrink_verdict(
    previous_rows: int | None, new_rows: int, max_shrink_share: float
) -> ShrinkVerdict:
    """Accept ``new_rows`` unless it is more than ``max_shrink_share`` below ``previous_rows``.

    The first snapshot of a store (``previous_rows`` None) and any snapshot after an empty one are
    accepted; growth is always accepted. The message of a refusal starts with the two counts in a
    fixed form (``parse_shrink_message`` reads them back).
    """
    if previous_rows is None:
        return ShrinkVerdict(True, 0.0, f"first snapshot: {new_rows} rows")
    if previous_rows <= 0:
        return ShrinkVerdict(True, 0.0, f"{new_rows} rows after an empty snapshot")
    share = max(0.0, (previous_rows - new_rows) / previous_rows)
    if share > max_shrink_share:
        return ShrinkVerdict(
            False,
            share,
            f"snapshot shrank: {new_rows} rows against {previous_rows} in the last good "
            f"snapshot ({share:.1%} fewer, more than the {max_shrink_share:.1%} allowed); "
            "the last good snapshot stays",
        )
    return ShrinkVerdict(
        True, share, f"{new_rows} rows against {previous_rows} in the last good snapshot"
    )


def parse_shrink_message(message: str | None) -> tuple[int, int] | None:
    """(refused rows, last good rows) from a refusal's message, None for any other message."""
    found = _MESSAGE.match(message or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def previous_row_count(conn: duckdb.DuckDBPyConnection, store_id: str) -> int | None:
    """Rows of the store's last good snapshot (``raw.amazon_listing_snapshots``), None if none.

    That table records only snapshots that replaced the store's rows, so its latest row is the
    snapshot ``raw.amazon_listings`` holds now; refused snapshots never appear in it.
    """
    row = conn.execute(
        "SELECT rows_loaded FROM raw.amazon_listing_snapshots WHERE store_id = ? "
        "ORDER BY snapshot_at DESC LIMIT 1",
        [store_id],
    ).fetchone()
    return None if row is None else int(row[0])
