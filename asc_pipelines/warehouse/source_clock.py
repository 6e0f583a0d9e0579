"""The sources' clock as the warehouse has recorded it, and the rule that it never runs backwards.

Every derived row (history, sync issues, trends) is stamped with the time the sources' servers
gave (their ``Date`` header), so a tick whose servers read earlier than a tick already recorded
would write the past after the future: history refuses it, issues resolve and reopen, durations go
negative, pages go backwards. The rules, per store (``magento`` for the Magento catalog):

- The last recorded time is the latest answered (ok or pending) fetch in ``raw.store_fetches``.
- A source reading more than `CLOCK_TOLERANCE` earlier than that is a clock gone back (a
  restarted sandbox, a restored server): the tick is refused before anything of it is written.
- Within the tolerance (``Date`` has one-second resolution; servers behind a load balancer differ
  by a second or two) the fetch is recorded at the last recorded time, so recorded time never
  runs backwards and every tick is at or after the one before.
- A failed fetch (the source never answered) is placed on the same timeline: the store's last
  answered time plus the time this machine counted since it was recorded; only a store that never
  answered is stamped by this machine's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

CLOCK_TOLERANCE = timedelta(seconds=60)

# Only what a source's own clock stamped: a failed fetch carries this machine's time instead.
LAST_RECORDED_SQL = """
SELECT store_id, max(finished_at) AS last_at
FROM raw.store_fetches
WHERE outcome <> 'failed'
GROUP BY store_id
"""


@dataclass(frozen=True)
class Rewind:
    """One store whose source reads earlier than the store's last recorded tick."""

    store_id: str
    source_time: datetime
    last_recorded: datetime

    @property
    def behind(self) -> timedelta:
        return self.last_recorded - self.source_time


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class SourceClockWentBack(RuntimeError):
    """A source's clock reads earlier than a tick the warehouse already recorded for the store.

    Raised before anything of the tick is written, so the run fails and history, sync issues,
    trends and pages stay as they were.
    """

    def __init__(self, dataset: str, rewinds: list[Rewind]) -> None:
        self.dataset = dataset
        self.rewinds = rewinds
        stores = "; ".join(
            f"store {r.store_id}: the source reads {_utc(r.source_time)}, before its last "
            f"recorded tick at {_utc(r.last_recorded)} ({r.behind} earlier)"
            for r in rewinds
        )
        super().__init__(
            f"{dataset}: the sources' clock went backwards. {stores}. Nothing of this tick was "
            "recorded; history, sync issues, trends and report pages stay as they were. A "
            "restarted sandbox continues its clock when started by `asc demo`, `asc dev` or "
            "`asc sandbox serve --data-dir DIR`; against Amazon or Magento, check the server's "
            "clock."
        )


def last_recorded_times(conn: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Each store's latest tick by its source's clock (``magento`` for the Magento catalog)."""
    try:
        rows = conn.execute(LAST_RECORDED_SQL).fetchall()
    except duckdb.CatalogException:  # a warehouse without bookkeeping yet has recorded nothing
        return {}
    return {store: last.astimezone(UTC) for store, last in rows if last is not None}


def find_rewinds(
    last: Mapping[str, datetime], source_times: Mapping[str, datetime]
) -> list[Rewind]:
    """The stores of ``source_times`` (store id → the source's time now) that read more than
    `CLOCK_TOLERANCE` earlier than their ``last`` recorded tick."""
    return [
        Rewind(store, now.astimezone(UTC), last[store])
        for store, now in sorted(source_times.items())
        if store in last and now.astimezone(UTC) < last[store] - CLOCK_TOLERANCE
    ]


def settle_source_times(
    conn: duckdb.DuckDBPyConnection, dataset: str, source_times: Mapping[str, datetime]
) -> dict[str, datetime]:
    """The times to record these fetches at: each source's time, never earlier than the store's
    last recorded time. Raises :class:`SourceClockWentBack`, naming every store and both times,
    when a source reads more than `CLOCK_TOLERANCE` earlier (nothing must be written then)."""
    last = last_recorded_times(conn)
    rewinds = find_rewinds(last, source_times)
    if rewinds:
        raise SourceClockWentBack(dataset, rewinds)
    return {
        store: max(now.astimezone(UTC), last.get(store, now.astimezone(UTC)))
        for store, now in source_times.items()
    }


def failure_time(conn: duckdb.DuckDBPyConnection, store_id: str) -> datetime:
    """When a fetch that got no answer failed, on the store's source timeline: its last answered
    time plus the time this machine has counted since (this machine's clock if it never
    answered, or for rows from before ``recorded_at``)."""
    machine_now = datetime.now(UTC)
    try:
        row = conn.execute(
            "SELECT finished_at, recorded_at FROM raw.store_fetches "
            "WHERE store_id = $store AND outcome <> 'failed' "
            "ORDER BY finished_at DESC LIMIT 1",
            {"store": store_id},
        ).fetchone()
    except duckdb.CatalogException:
        return machine_now
    if row is None or row[1] is None:
        return machine_now
    finished, recorded = (value.astimezone(UTC) for value in row)
    return finished + max(timedelta(), machine_now - recorded)


def latest_recorded_tick(conn: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest tick recorded for any store: where a restarted sandbox's clock must go on."""
    times = last_recorded_times(conn)
    return max(times.values()) if times else None
