"""Flagging sync problems where people look: a small Dagster job run per announcement, and an
optional Slack-compatible webhook.

``sync_issue_sensor`` reads the analysts' copy (never the pipeline's private file), announces every
sync issue that is new or escalated since its cursor, and moves the cursor only when the
announcement went out: a tick that fails announces nothing and leaves the cursor where it was, and
run keys make sure nothing is announced twice. ``sync_run_failure_sensor`` does the same for
failed sync runs.
"""

import json
import os
from datetime import datetime
from typing import Any

import dagster as dg
import duckdb
import requests

from asc_pipelines.defs.jobs import asc_sync_job
from asc_pipelines.defs.resources import AscSettings

WEBHOOK_ENV = "ASC_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10
MAX_ANNOUNCED = 200  # per announcement; the rest follows on the next sensor tick


class Announcement(dg.Config):
    """What one notify_sync_issues run announces."""

    title: str
    items: list[dict[str, str]]


@dg.op
def announce(context: dg.OpExecutionContext, config: Announcement) -> dg.Output[int]:
    """Write the announced problems into the run's log and metadata (the UI's record of them)."""
    for item in config.items:
        context.log.warning(" | ".join(f"{k}={v}" for k, v in item.items()))
    table = (
        "\n".join(
            ["| " + " | ".join(config.items[0]) + " |", "|" + "---|" * len(config.items[0])]
            + ["| " + " | ".join(item.values()) + " |" for item in config.items]
        )
        if config.items
        else "(nothing)"
    )
    return dg.Output(
        len(config.items),
        metadata={
            "title": config.title,
            "count": len(config.items),
            "items": dg.MetadataValue.md(table),
        },
    )


@dg.job(description="Announces new or escalated sync issues and failed sync runs.")
def notify_sync_issues() -> None:
    announce()


def post_webhook(title: str, items: list[dict[str, str]]) -> bool:
    """POST a Slack-compatible ``{"text": ...}`` message if ``ASC_ALERT_WEBHOOK_URL`` is set."""
    url = os.environ.get(WEBHOOK_ENV)
    if not url:
        return False
    lines = [title] + [
        "• " + ", ".join(f"{k}: {v}" for k, v in item.items() if v) for item in items
    ]
    response = requests.post(
        url,
        data=json.dumps({"text": "\n".join(lines)}),
        headers={"Content-Type": "application/json"},
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return True


def _cursor(cursor: str | None) -> tuple[datetime | None, str]:
    """(time, issue id) of the last announced event; (None, "") before the first."""
    if not cursor:
        return None, ""
    data = json.loads(cursor)
    return datetime.fromisoformat(data["through"]), data.get("last_issue_id", "")


# An issue is news twice: when it opens and when it escalates. Events are ordered by time, then
# issue id, so a capped announcement resumes exactly where it stopped, even within one tick.
_EVENTS_SQL = """
WITH events AS (
    SELECT issue_id, store_id, kind, severity, sku, detail, 'new' AS change,
        first_seen_at AS event_at
    FROM core.sync_issues WHERE resolved_at IS NULL
    UNION ALL
    SELECT issue_id, store_id, kind, severity, sku, detail, 'escalated', escalated_at
    FROM core.sync_issues WHERE resolved_at IS NULL AND escalated_at IS NOT NULL
)
SELECT issue_id, store_id, kind, severity, coalesce(sku, ''), coalesce(detail, ''), change,
    event_at
FROM events
WHERE $since IS NULL OR event_at > $since OR (event_at = $since AND issue_id > $last_id)
ORDER BY event_at, issue_id
LIMIT $limit
"""


def issues_to_announce(
    published: str, since: datetime | None, last_id: str = ""
) -> tuple[list[dict[str, str]], tuple[datetime, str] | None]:
    """Open issues opened or escalated after the cursor, and the new cursor position."""
    conn = duckdb.connect(published, read_only=True)
    try:
        rows = conn.execute(
            _EVENTS_SQL, {"since": since, "last_id": last_id, "limit": MAX_ANNOUNCED}
        ).fetchall()
    finally:
        conn.close()
    names = ("issue_id", "store_id", "kind", "severity", "sku", "detail", "change")
    items = [{name: str(value) for name, value in zip(names, r[:7], strict=True)} for r in rows]
    last = (rows[-1][7], str(rows[-1][0])) if rows else None
    return items, last


@dg.sensor(
    job=notify_sync_issues,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def sync_issue_sensor(
    context: dg.SensorEvaluationContext, settings: AscSettings
) -> dg.SensorResult | dg.SkipReason:
    """Announces sync issues that are new or escalated since the last announcement."""
    published = settings.published_path
    if not published.exists():
        return dg.SkipReason(f"no published copy at {published} yet")
    since, last_id = _cursor(context.cursor)
    try:
        items, last = issues_to_announce(str(published), since, last_id)
    except duckdb.CatalogException:
        return dg.SkipReason("the published copy has no core.sync_issues table yet")
    if not items or last is None:
        return dg.SkipReason("no new or escalated sync issues")
    title = f"{len(items)} new or escalated sync issue(s)"
    post_webhook(title, items)  # raises on failure: the cursor stays, nothing is announced
    through = last[0].isoformat()
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"sync-issues-through-{through}-{last[1]}",
                run_config={"ops": {"announce": {"config": {"title": title, "items": items}}}},
                tags={"asc/alert": "sync_issues"},
            )
        ],
        cursor=json.dumps({"through": through, "last_issue_id": last[1]}),
    )


@dg.run_failure_sensor(
    monitored_jobs=[asc_sync_job],
    request_job=notify_sync_issues,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def sync_run_failure_sensor(context: dg.RunFailureSensorContext) -> dg.RunRequest:
    """Announces a failed sync run the same way as sync issues."""
    run = context.dagster_run
    item: dict[str, Any] = {
        "run_id": run.run_id,
        "job": run.job_name,
        "error": (context.failure_event.message or "")[:500],
    }
    title = f"sync run {run.run_id} failed"
    post_webhook(title, [item])
    return dg.RunRequest(
        run_key=f"failed-run-{run.run_id}",
        run_config={"ops": {"announce": {"config": {"title": title, "items": [item]}}}},
        tags={"asc/alert": "failed_run"},
    )
