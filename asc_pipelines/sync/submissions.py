"""One Listings Items submission (a patch or a put), recorded around the call.

The patch loop (``sync.pushes``) and the publishing loop (``sync.publishing``) send differently
but record the same way (``logic.pushes``): ``sent`` before a live call (committed before the
request leaves), then Amazon's verdict; a tick deadline gives the attempt back and stops the
store; any other failure is the change's problem, kept in ``raw.api_errors`` and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import duckdb

from asc_pipelines.config import StoreConfig
from asc_pipelines.logic.pushes import (
    Outgoing,
    Verdict,
    issue_lines,
    record_answer,
    record_failure,
    record_sending,
)
from asc_pipelines.sources.spapi.listing_submissions import ListingSubmission
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sync.stores import record_call_error


class SendCounts(Protocol):
    """What a store's loop counts of its calls (``StorePushes``, ``StoreOffers``)."""

    accepted: int
    invalid: int
    valid: int
    failed_calls: int
    stopped: str | None
    errors: list[str]


def submit_recorded(
    conn: duckdb.DuckDBPyConnection,
    store: StoreConfig,
    outgoing: Outgoing,
    body: dict[str, Any],
    call: Callable[[bool], ListingSubmission],
    counts: SendCounts,
    *,
    operation: str,
    label: str,
    now: datetime,
    run_id: str | None,
) -> bool:
    """Send ``body`` with ``call(preview)`` in the store's mode, recorded around the call;
    ``label`` names it in the loop's errors. False when the tick's deadline stops the store."""
    preview = store.push.mode == "preview"
    try:
        if not preview:
            record_sending(conn, outgoing, body, now=now)  # autocommitted: before the request
        submission = call(preview)
    except TickLimitReached as exc:
        record_failure(
            conn, outgoing, str(exc), max_attempts=store.push.max_attempts, counted=False, now=now
        )
        counts.stopped = str(exc)
        return False
    except Exception as exc:  # a failed call is this change's problem, not the tick's
        fields = record_call_error(
            conn, exc, store_id=store.id, default_operation=operation, occurred_at=now,
            run_id=run_id,
        )  # fmt: skip
        message = f"{fields.http_status or ''} {fields.code}: {fields.message}".strip()
        record_failure(
            conn, outgoing, message, max_attempts=store.push.max_attempts, counted=True, now=now
        )
        counts.failed_calls += 1
        counts.errors.append(f"{label}: {exc}")
        return True
    verdict = Verdict(submission.status, submission.submission_id, issue_lines(submission.issues))
    record_answer(conn, outgoing, verdict, preview=preview, request=body, now=now)
    if submission.status == "ACCEPTED":
        counts.accepted += 1
    elif submission.status == "INVALID":
        counts.invalid += 1
    else:
        counts.valid += 1
    return True
