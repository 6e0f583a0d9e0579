"""What a person is told about sync issues: one readable summary of everything new since last time.

The alerting sensor remembers the last ``event_id`` of ``core.sync_issue_events`` it announced. A
backlog of any size (the first evaluation after a demo, a night of ticks without the sensor) is one
announcement: counts by store, kind and severity, the most urgent few issues, and where to look.
Issues that opened and already resolved again are counted, not listed. No Dagster here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

# Most urgent first: a store not syncing at all, then what loses sales or oversells, then why a
# change could not be sent (Amazon refused it, or sending kept failing), then a price the store's
# minimum/maximum held back (Amazon keeps its last price until someone decides), then a change
# Amazon is slow to show (it is on its way; the listing's mismatch escalates on its own).
KINDS_BY_URGENCY = (
    "stale_store",
    "api_failure",
    "amazon_listing_error",
    "quantity_mismatch",
    "price_mismatch",
    "push_rejected",
    "push_failed",
    "price_out_of_bounds",
    "slow_sync",
    "ambiguous_match",
    "unmatched_listing",
    "invalid_identifier",
)
MOST_URGENT_SHOWN = 10

# Openings and escalations after the cursor, with each issue as it stands now.
_NEWS_SQL = """
CREATE OR REPLACE TEMP TABLE announcement_news AS
SELECT e.event_id, e.change, e.event_at, i.issue_id, i.store_id, i.kind, i.severity,
    coalesce(i.sku, i.subject) AS subject, coalesce(i.detail, '') AS detail,
    i.resolved_at IS NULL AS still_open
FROM core.sync_issue_events AS e
JOIN core.sync_issues AS i USING (issue_id)
WHERE e.event_id > $after AND e.change IN ('opened', 'escalated')
"""

_COUNTS_SQL = """
SELECT store_id, severity, kind,
    count(DISTINCT issue_id) FILTER (WHERE change = 'opened') AS opened,
    count(DISTINCT issue_id) FILTER (WHERE change = 'escalated') AS escalated,
    count(DISTINCT issue_id) AS issues
FROM temp.announcement_news WHERE still_open
GROUP BY store_id, severity, kind
ORDER BY store_id, severity = 'error' DESC, list_position($urgency, kind), kind
"""

# One line per issue (an issue opened and escalated since the cursor shows as escalated); the
# stores take turns within a kind, so one busy store does not fill the list.
_URGENT_SQL = """
WITH latest AS (
    SELECT * FROM temp.announcement_news WHERE still_open
    QUALIFY row_number() OVER (PARTITION BY issue_id ORDER BY event_id DESC) = 1
)
SELECT issue_id, store_id, kind, severity, subject, detail, change, event_at
FROM latest
ORDER BY severity = 'error' DESC, list_position($urgency, kind),
    row_number() OVER (PARTITION BY store_id, severity, kind
                       ORDER BY change = 'escalated' DESC, event_id),
    store_id
LIMIT $limit
"""


@dataclass
class Announcement:
    """Everything new after one cursor position, summarized."""

    after_event: int
    through_event: int
    # (store_id, severity, kind, opened, escalated, issues) per still-open group.
    counts: list[tuple[str, str, str, int, int, int]] = field(default_factory=list)
    most_urgent: list[dict[str, str]] = field(default_factory=list)
    already_resolved: int = 0
    log_restarted: bool = False

    @property
    def issues(self) -> int:
        return sum(row[5] for row in self.counts)

    @property
    def errors(self) -> int:
        return sum(row[5] for row in self.counts if row[1] == "error")

    @property
    def has_news(self) -> bool:
        return self.issues > 0

    @property
    def moved(self) -> bool:
        """The cursor should move (even when everything new has already resolved)."""
        return self.through_event != self.after_event or self.log_restarted

    def title(self) -> str:
        stores = sorted({row[0] for row in self.counts})
        return (
            f"{self.issues} sync issue(s) new or escalated ({self.errors} error(s), "
            f"{self.issues - self.errors} warning(s)) in {', '.join(stores)}"
        )

    def text(self, where: list[str]) -> str:
        """The whole announcement as plain text: a headline, counts, the most urgent, where."""
        lines = [self.title()]
        per_store: dict[str, dict[str, list[tuple[str, int, int]]]] = {}
        for store, severity, kind, _opened, escalated, issues in self.counts:
            per_store.setdefault(store, {}).setdefault(severity, []).append(
                (kind, issues, escalated)
            )
        for store, severities in per_store.items():
            groups = []
            for severity in sorted(severities, key=lambda name: name != "error"):
                kinds = severities[severity]
                parts = ", ".join(
                    f"{kind} {issues}" + (f" ({escalated} escalated)" if escalated else "")
                    for kind, issues, escalated in kinds
                )
                groups.append(f"{sum(n for _, n, _ in kinds)} {severity}(s): {parts}")
            lines.append(f"  {store}: " + "; ".join(groups))
        if self.already_resolved:
            lines.append(f"  ({self.already_resolved} more opened and already resolved)")
        if self.most_urgent:
            lines.append(f"Most urgent {len(self.most_urgent)}:")
            lines += [
                f"  • {i['severity']} {i['store_id']} {i['kind']} {i['subject']}: {i['detail']}"
                for i in self.most_urgent
            ]
        lines += ["Where to look:", *(f"  {w}" for w in where)]
        return "\n".join(lines)


def _cursor_to_event(conn: duckdb.DuckDBPyConnection, cursor: dict[str, object]) -> int:
    """The event id a cursor stands for; a cursor of the time-based sensor is translated."""
    if "event_id" in cursor:
        return int(str(cursor["event_id"]))
    through = cursor.get("through")
    if not through:
        return 0
    row = conn.execute(
        "SELECT coalesce(max(event_id), 0) FROM core.sync_issue_events WHERE event_at <= $t",
        {"t": datetime.fromisoformat(str(through))},
    ).fetchone()
    return int(row[0]) if row else 0


def announcement_since(
    conn: duckdb.DuckDBPyConnection,
    cursor: dict[str, object],
    *,
    most_urgent: int = MOST_URGENT_SHOWN,
) -> Announcement:
    """What is new after ``cursor`` (``{"event_id": n}``; ``{}`` before the first announcement).

    A cursor beyond the end of the log (the warehouse was rebuilt) starts again from the
    beginning, so nothing is ever skipped.
    """
    after = _cursor_to_event(conn, cursor)
    last = int(
        conn.execute("SELECT coalesce(max(event_id), 0) FROM core.sync_issue_events").fetchone()[0]
    )
    restarted = after > last
    if restarted:
        after = 0
    announcement = Announcement(after_event=after, through_event=last, log_restarted=restarted)
    if last == after:
        return announcement
    conn.execute(_NEWS_SQL, {"after": after})
    try:
        urgency = list(KINDS_BY_URGENCY)
        announcement.counts = [
            (str(s), str(sev), str(k), int(o), int(e), int(n))
            for s, sev, k, o, e, n in conn.execute(_COUNTS_SQL, {"urgency": urgency}).fetchall()
        ]
        names = ("issue_id", "store_id", "kind", "severity", "subject", "detail", "change")
        announcement.most_urgent = [
            {name: str(value) for name, value in zip(names, row[:7], strict=True)}
            for row in conn.execute(
                _URGENT_SQL, {"urgency": urgency, "limit": most_urgent}
            ).fetchall()
        ]
        announcement.already_resolved = int(
            conn.execute(
                "SELECT count(DISTINCT issue_id) FROM temp.announcement_news WHERE NOT still_open"
            ).fetchone()[0]
        )
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.announcement_news")
    return announcement
