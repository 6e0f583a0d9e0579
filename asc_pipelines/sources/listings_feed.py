"""A ``JSON_LISTINGS_FEED``: many listing changes in one upload, and Amazon's processing report on
them (protocols.md 10.2; Amazon's listings feed schemas v2).

Pure, no I/O. `listings_feed` builds the feed document: a header naming the seller and version
``2.0``, and one message per SKU (a JSON Patch, a full ``UPDATE`` of the attributes, or a
``DELETE``). Messages are numbered ``messageId`` 1, 2, ... in the order given, which is how the
processing report's issues are mapped back to the changes they refuse. A feed holds at most
25,000 messages. `parse_processing_report` reads the report Amazon writes when the feed is
``DONE``: a summary of the messages accepted and refused, and the issues per message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asc_pipelines.sources.errors import SourceError

FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_VERSION = "2.0"
MAX_MESSAGES = 25_000
OPERATION_TYPES = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
# The Listings Items API version whose item shapes the processing report's ``items`` follow.
REPORT_API_VERSION = "2021-08-01"


@dataclass(frozen=True)
class FeedMessage:
    """One SKU's change in a feed; build it with `patch_message`, `update_message` or
    `delete_message`."""

    sku: str
    operation_type: str
    product_type: str | None = None
    requirements: str | None = None
    attributes: dict[str, Any] | None = None
    patches: tuple[dict[str, Any], ...] | None = None

    def as_json(self, message_id: int) -> dict[str, Any]:
        """The message as the feed carries it, numbered ``message_id``."""
        message: dict[str, Any] = {
            "messageId": message_id,
            "sku": self.sku,
            "operationType": self.operation_type,
        }
        if self.product_type is not None:
            message["productType"] = self.product_type
        if self.requirements is not None:
            message["requirements"] = self.requirements
        if self.attributes is not None:
            message["attributes"] = self.attributes
        if self.patches is not None:
            message["patches"] = list(self.patches)
        return message


def _sku(sku: str) -> str:
    if not sku:
        raise ValueError("a feed message needs a SKU")
    return sku


def patch_message(sku: str, product_type: str, patches: Sequence[dict[str, Any]]) -> FeedMessage:
    """Change some attributes of a listing (JSON Patch operations, as `patchListingsItem` takes)."""
    if not product_type or not patches:
        raise ValueError(f"a PATCH message for {sku!r} needs a product type and a patch")
    return FeedMessage(_sku(sku), "PATCH", product_type=product_type, patches=tuple(patches))


def update_message(
    sku: str, product_type: str, attributes: dict[str, Any], requirements: str = "LISTING"
) -> FeedMessage:
    """Create a listing or replace all its attributes (as `putListingsItem` does)."""
    if not product_type or not attributes:
        raise ValueError(f"an UPDATE message for {sku!r} needs a product type and attributes")
    if requirements not in REQUIREMENTS:
        raise ValueError(f"requirements must be one of {REQUIREMENTS}, got {requirements!r}")
    return FeedMessage(
        _sku(sku), "UPDATE", product_type=product_type, requirements=requirements,
        attributes=attributes,
    )  # fmt: skip


def delete_message(sku: str) -> FeedMessage:
    """Remove a listing."""
    return FeedMessage(_sku(sku), "DELETE")


def listings_feed(
    seller_id: str,
    messages: Sequence[FeedMessage],
    *,
    issue_locale: str | None = None,
    report_included_data: Sequence[str] = (),
) -> dict[str, Any]:
    """The feed document: ``messageId`` is each message's position, counted from 1.

    ``report_included_data`` (e.g. ``("issues",)``) asks Amazon to add each listing as it stands
    after processing to the processing report."""
    if not seller_id:
        raise ValueError("a feed needs the seller id")
    if not 1 <= len(messages) <= MAX_MESSAGES:
        raise ValueError(f"a feed holds 1 to {MAX_MESSAGES} messages, got {len(messages)}")
    header: dict[str, Any] = {"sellerId": seller_id, "version": FEED_VERSION}
    if issue_locale:
        header["issueLocale"] = issue_locale
    if report_included_data:
        header["report"] = {
            "includedData": list(report_included_data),
            "apiVersion": REPORT_API_VERSION,
        }
    return {
        "header": header,
        "messages": [message.as_json(number) for number, message in enumerate(messages, 1)],
    }


def encode_feed(feed: dict[str, Any]) -> bytes:
    """The bytes to upload, UTF-8 as `CONTENT_TYPE` says (numbers as `json` writes them)."""
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class FeedIssue:
    """A problem Amazon found while processing a feed. ``message_id`` names the message it is
    about (None: the feed as a whole, e.g. its format); an ``ERROR`` means that message's change
    was not applied."""

    message_id: int | None
    sku: str | None
    code: str | None
    severity: str
    message: str
    attribute_name: str | None = None


@dataclass(frozen=True)
class FeedSummary:
    """How many messages Amazon processed, accepted and refused, and the errors and warnings."""

    errors: int
    warnings: int
    messages_processed: int
    messages_accepted: int
    messages_invalid: int


@dataclass(frozen=True)
class FeedProcessingReport:
    """Amazon's processing report of one ``JSON_LISTINGS_FEED``."""

    feed_id: str
    summary: FeedSummary
    issues: tuple[FeedIssue, ...]
    items: tuple[dict[str, Any], ...] = ()

    def issues_of(self, message_id: int) -> tuple[FeedIssue, ...]:
        """The issues about one message."""
        return tuple(issue for issue in self.issues if issue.message_id == message_id)

    @property
    def refused_message_ids(self) -> frozenset[int]:
        """The messages with an ``ERROR``: their changes were not applied."""
        return frozenset(
            issue.message_id
            for issue in self.issues
            if issue.severity == "ERROR" and issue.message_id is not None
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _bad(why: str) -> SourceError:
    return SourceError(f"{FEED_TYPE} processing report: {why}")


def parse_processing_report(data: bytes | str) -> FeedProcessingReport:
    """Read a processing report (already decompressed); raises `SourceError` when it is not one."""
    try:
        report = json.loads(data)
    except ValueError as exc:
        raise _bad(f"not JSON ({exc})") from None
    if not isinstance(report, dict):
        raise _bad("not a JSON object")
    header, summary = report.get("header"), report.get("summary")
    if not isinstance(header, dict) or not isinstance(summary, dict):
        raise _bad("no header or summary")
    counts: dict[str, int] = {}
    for field in ("errors", "warnings", "messagesProcessed", "messagesAccepted", "messagesInvalid"):
        count = _int(summary.get(field))
        if count is None:
            raise _bad(f"summary without a count of {field}")
        counts[field] = count
    issues = []
    for raw in report.get("issues") or []:
        if not isinstance(raw, dict) or not raw.get("severity") or raw.get("message") is None:
            raise _bad(f"an issue without severity or message: {raw!r:.200}")
        issues.append(
            FeedIssue(
                message_id=_int(raw.get("messageId")),
                sku=_text(raw.get("sku")),
                code=_text(raw.get("code")),
                severity=str(raw["severity"]),
                message=str(raw["message"]),
                attribute_name=_text(raw.get("attributeName")),
            )
        )
    return FeedProcessingReport(
        feed_id=str(header.get("feedId") or ""),
        summary=FeedSummary(
            errors=counts["errors"],
            warnings=counts["warnings"],
            messages_processed=counts["messagesProcessed"],
            messages_accepted=counts["messagesAccepted"],
            messages_invalid=counts["messagesInvalid"],
        ),
        issues=tuple(issues),
        items=tuple(item for item in report.get("items") or [] if isinstance(item, dict)),
    )
