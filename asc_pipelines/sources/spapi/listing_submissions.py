"""Amazon's answer to a change we sent a listing: ``ListingsItemSubmissionResponse`` (protocols.md
10.1), as a small typed record.

``ACCEPTED`` means Amazon queued the change, not that the listing shows it yet (later processing
can still raise issues); ``INVALID`` means Amazon refused it and says why in ``issues``; ``VALID``
answers only a ``VALIDATION_PREVIEW``, which changes nothing. An ``INVALID`` answer is Amazon's
verdict on our data, not a failed call: it is returned, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asc_pipelines.sources.errors import SpApiError

SUBMISSION_STATUSES = ("ACCEPTED", "INVALID", "VALID")


@dataclass(frozen=True)
class ListingIssue:
    """One problem Amazon found with what we sent: its code (e.g. ``90220``), message, severity
    (``ERROR`` blocks the change, ``WARNING`` and ``INFO`` do not) and the attributes it names."""

    code: str
    message: str
    severity: str
    attribute_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListingSubmission:
    """What Amazon answered to one put, patch or delete of one SKU."""

    sku: str
    status: str  # one of SUBMISSION_STATUSES
    submission_id: str
    issues: tuple[ListingIssue, ...] = ()

    @property
    def accepted(self) -> bool:
        """Amazon queued the change (it still has to show in a later snapshot to be confirmed)."""
        return self.status == "ACCEPTED"

    @property
    def invalid(self) -> bool:
        """Amazon refused the change; ``issues`` say why."""
        return self.status == "INVALID"

    @property
    def errors(self) -> tuple[ListingIssue, ...]:
        """The issues that block the change."""
        return tuple(issue for issue in self.issues if issue.severity == "ERROR")


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in values) if isinstance(values, list) else ()


def parse_issue(raw: Any) -> ListingIssue:
    """One ``Issue`` of the Listings Items model (unknown fields are ignored)."""
    item = raw if isinstance(raw, dict) else {}
    return ListingIssue(
        code=str(item.get("code") or ""),
        message=str(item.get("message") or ""),
        severity=str(item.get("severity") or ""),
        attribute_names=_strings(item.get("attributeNames")),
        categories=_strings(item.get("categories")),
    )


def parse_submission(operation: str, body: dict[str, Any]) -> ListingSubmission:
    """A ``ListingsItemSubmissionResponse``; an answer without a known status or a submission id
    is not one, and raises (it cannot be recorded as Amazon's verdict)."""
    status = body.get("status")
    if status not in SUBMISSION_STATUSES or not body.get("submissionId"):
        raise SpApiError(
            operation,
            200,
            "InvalidBody",
            f"not a submission response (status {status!r}, "
            f"submissionId {'present' if body.get('submissionId') else 'missing'})",
        )
    return ListingSubmission(
        sku=str(body.get("sku") or ""),
        status=str(status),
        submission_id=str(body["submissionId"]),
        issues=tuple(parse_issue(issue) for issue in body.get("issues") or []),
    )
