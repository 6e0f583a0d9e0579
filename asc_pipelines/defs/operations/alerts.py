"""Flagging sync problems where people look: a small Dagster job run per announcement, and an
optional Slack-compatible webhook.

``sync_issue_sensor`` reads the analysts' copy (never the pipeline's private file) and follows
``core.sync_issue_events`` by its ever-growing ``event_id``: each evaluation announces everything
opened or escalated since its cursor as ONE summary (counts by store, kind and severity, the most
urgent few, where to look), in one run and at most one webhook message, however large the
backlog. The cursor moves only when the announcement went out: an evaluation whose webhook fails
announces nothing and leaves the cursor where it was. ``sync_run_failure_sensor`` announces failed
sync runs.
"""

import json
import os
from typing import Any

import dagster as dg
import duckdb
import requests
from pydantic import Field

from asc_pipelines.defs.metadata import markdown_table
from asc_pipelines.defs.operations.jobs import asc_sync_job
from asc_pipelines.defs.resources import AscSettings
from asc_pipelines.logic.announcements import announcement_since
from asc_pipelines.warehouse.schema import REPORTS_DIR

WEBHOOK_ENV = "ASC_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10


class Announcement(dg.Config):
    """What one notify_sync_issues run announces: the text people read, and the listed items."""

    title: str
    text: str = ""
    items: list[dict[str, str]]
    counts: list[dict[str, str]] = Field(default_factory=list)


def _md_table(rows: list[dict[str, str]]) -> dg.MetadataValue:
    """Announced rows (dicts with the same keys) as a markdown table."""
    if not rows:
        return dg.MetadataValue.md("(nothing)")
    header = list(rows[0])
    return markdown_table(header, [[row.get(h, "") for h in header] for row in rows])


@dg.op
def announce(context: dg.OpExecutionContext, config: Announcement) -> dg.Output[int]:
    """Write the announcement into the run's log (one message) and metadata (the UI's record)."""
    context.log.warning(config.text or config.title)
    total = sum(int(row.get("issues", 0)) for row in config.counts) or len(config.items)
    return dg.Output(
        total,
        metadata={
            "title": config.title,
            "count": total,
            "counts": _md_table(config.counts),
            "items": _md_table(config.items),
            "text": dg.MetadataValue.text(config.text or config.title),
        },
    )


@dg.job(description="Announces new or escalated sync issues and failed sync runs.")
def notify_sync_issues() -> None:
    announce()


def post_webhook(text: str) -> bool:
    """POST one Slack-compatible ``{"text": ...}`` message if ``ASC_ALERT_WEBHOOK_URL`` is set."""
    url = os.environ.get(WEBHOOK_ENV)
    if not url:
        return False
    response = requests.post(
        url,
        data=json.dumps({"text": text}),
        headers={"Content-Type": "application/json"},
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return True


def where_to_look(settings: AscSettings) -> list[str]:
    """Where a person reads the details: the report pages and the open issues in DuckDB."""
    index = settings.data_path / REPORTS_DIR / "index.html"
    return [
        f"report pages: {index.resolve()}",
        f'open issues: duckdb -readonly {settings.published_path.resolve()} -c "SELECT store_id, '
        "kind, severity, sku, detail FROM core.sync_issues WHERE resolved_at IS NULL ORDER BY "
        'severity, store_id, kind"',
    ]


@dg.sensor(
    job=notify_sync_issues,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def sync_issue_sensor(
    context: dg.SensorEvaluationContext, settings: AscSettings
) -> dg.SensorResult | dg.SkipReason:
    """Announces, as one summary, the sync issues opened or escalated since the last one."""
    published = settings.published_path
    if not published.exists():
        return dg.SkipReason(f"no published copy at {published} yet")
    cursor = json.loads(context.cursor) if context.cursor else {}
    conn = duckdb.connect(str(published), read_only=True)
    try:
        news = announcement_since(conn, cursor)
    except duckdb.CatalogException:
        return dg.SkipReason("the published copy has no sync issue event log yet")
    finally:
        conn.close()
    new_cursor = json.dumps({"event_id": news.through_event})
    if not news.has_news:
        if news.moved:  # opened and resolved before anyone looked: nothing left to say
            return dg.SensorResult(skip_reason="no open issue is new", cursor=new_cursor)
        return dg.SkipReason("no new or escalated sync issues")
    text = news.text(where_to_look(settings))
    post_webhook(text)  # raises on failure: the cursor stays, nothing is announced
    counts = [
        {
            "store": store,
            "severity": severity,
            "kind": kind,
            "issues": str(issues),
            "escalated": str(escalated),
        }
        for store, severity, kind, _opened, escalated, issues in news.counts
    ]
    # Event ids only grow within one warehouse; the issue id tells a rebuilt one apart.
    last_issue = news.most_urgent[-1]["issue_id"][:12] if news.most_urgent else ""
    run_key = f"sync-issue-events-{news.after_event + 1}-{news.through_event}-{last_issue}"
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key,
                run_config={
                    "ops": {
                        "announce": {
                            "config": {
                                "title": news.title(),
                                "text": text,
                                "items": news.most_urgent,
                                "counts": counts,
                            }
                        }
                    }
                },
                tags={"asc/alert": "sync_issues"},
            )
        ],
        cursor=new_cursor,
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
    text = f"{title}: {item['error']}"
    post_webhook(text)
    return dg.RunRequest(
        run_key=f"failed-run-{run.run_id}",
        run_config={
            "ops": {"announce": {"config": {"title": title, "text": text, "items": [item]}}}
        },
        tags={"asc/alert": "failed_run"},
    )
