"""Processing one ``JSON_LISTINGS_FEED``: every message through the listings write logic, then the
processing report (Amazon's ``listings-feed-processing-report-schema-v2``).

Each message goes through ``ListingsWrites.submit`` exactly as the same change sent with the
Listings Items API would: ``UPDATE`` is a PUT, ``PATCH`` a PATCH, ``PARTIAL_UPDATE`` a PATCH that
replaces each attribute given, ``DELETE`` a DELETE. Accepted messages are applied after the
sandbox's write delay, counted from the end of the feed's processing. Every issue is reported with
its ``messageId`` and ``sku`` (and the first ``attributeName``).

A feed that cannot be read as a whole ends ``FATAL`` and none of its messages is applied: not
UTF-8 JSON, a header without ``version`` 2.0 or with another ``sellerId``, no messages, or more
than 25,000 (Amazon's limit since 2025-05-06, protocols.md 10.2). Its report has the one issue
that explains it, without a ``messageId``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from asc_pipelines.sandbox.amazon_state import StoreState
from asc_pipelines.sandbox.listings_api import INCLUDED_DATA, build_item
from asc_pipelines.sandbox.listings_writes import (
    CODE_INVALID_VALUE,
    ListingsWrites,
    MalformedSubmission,
)

MAX_MESSAGES = 25_000
FEED_VERSION = "2.0"
OPERATION_TYPES = {"UPDATE": "PUT", "PARTIAL_UPDATE": "PATCH", "PATCH": "PATCH", "DELETE": "DELETE"}
CODE_FEED_UNREADABLE = "90001"


def fatal_report(state: StoreState, feed_id: str, message: str) -> dict[str, Any]:
    """The processing report of a feed that ended FATAL: one issue, nothing processed."""
    header = {"sellerId": state.store.seller_id, "version": FEED_VERSION, "feedId": feed_id}
    return {
        "header": header,
        "issues": [{"code": CODE_FEED_UNREADABLE, "severity": "ERROR", "message": message}],
        "summary": {
            "errors": 1,
            "warnings": 0,
            "messagesProcessed": 0,
            "messagesAccepted": 0,
            "messagesInvalid": 0,
        },
    }


def _fatal(state: StoreState, feed_id: str, message: str) -> tuple[str, dict[str, Any]]:
    return "FATAL", fatal_report(state, feed_id, message)


def _body(message: dict[str, Any]) -> dict[str, Any]:
    """The Listings Items request body a message stands for."""
    body = {key: message[key] for key in ("productType", "requirements") if key in message}
    if message["operationType"] == "PATCH":
        body["patches"] = message.get("patches")
    elif message["operationType"] == "PARTIAL_UPDATE":
        attributes = message.get("attributes")
        if not isinstance(attributes, dict):
            raise MalformedSubmission("a PARTIAL_UPDATE needs an attributes object")
        body["patches"] = [
            {"op": "replace", "path": f"/attributes/{name}", "value": value}
            for name, value in attributes.items()
        ]
    else:
        body["attributes"] = message.get("attributes")
    return body


def process_feed(
    state: StoreState,
    writes: ListingsWrites,
    feed_id: str,
    document: bytes | None,
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """Run a feed document's messages; returns the end status (DONE or FATAL) and the report."""
    seller_id = state.store.seller_id
    header: dict[str, Any] = {"sellerId": seller_id, "version": FEED_VERSION, "feedId": feed_id}
    if document is None:
        return _fatal(state, feed_id, "The feed document was never uploaded.")
    try:
        feed = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _fatal(state, feed_id, "The feed document is not valid UTF-8 JSON.")
    if not isinstance(feed, dict) or not isinstance(feed.get("header"), dict):
        return _fatal(state, feed_id, "The feed document has no header.")
    if feed["header"].get("version") != FEED_VERSION:
        return _fatal(state, feed_id, f"The feed header version must be {FEED_VERSION}.")
    if feed["header"].get("sellerId") != seller_id:
        return _fatal(state, feed_id, "The feed header sellerId is not the seller of this feed.")
    messages = feed.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return _fatal(state, feed_id, f"A feed needs 1 to {MAX_MESSAGES} messages.")
    included = _included(feed["header"].get("report"))
    if included:
        header["report"] = {"includedData": included, "apiVersion": "2021-08-01"}
    issues: list[dict[str, Any]] = []
    accepted: list[str] = []
    for message in messages:
        found, ok = _process_message(state, writes, message, now)
        issues += found
        if ok:
            accepted.append(str(message["sku"]))
    summary = {
        "errors": sum(1 for entry in issues if entry["severity"] == "ERROR"),
        "warnings": sum(1 for entry in issues if entry["severity"] == "WARNING"),
        "messagesProcessed": len(messages),
        "messagesAccepted": len(accepted),
        "messagesInvalid": len(messages) - len(accepted),
    }
    report: dict[str, Any] = {"header": header, "issues": issues, "summary": summary}
    if included:
        items = [
            build_item(state, state.listings[sku], included)
            for sku in dict.fromkeys(accepted)
            if sku in state.listings
        ]
        summary["itemSummary"] = {"items": len(items), "errors": 0, "warnings": 0}
        report["items"] = items
    return "DONE", report


def _included(report: Any) -> list[str]:
    if not isinstance(report, dict) or not isinstance(report.get("includedData"), list):
        return []
    return [value for value in report["includedData"] if value in INCLUDED_DATA]


def _process_message(
    state: StoreState, writes: ListingsWrites, message: Any, now: datetime
) -> tuple[list[dict[str, Any]], bool]:
    """One message's issues, and whether it was accepted."""
    if not isinstance(message, dict):
        return [_issue(None, None, CODE_INVALID_VALUE, "A message must be a JSON object.")], False
    message_id = message.get("messageId")
    if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
        message_id = None
    sku = message.get("sku")
    sku = sku if isinstance(sku, str) and sku else None
    operation = OPERATION_TYPES.get(str(message.get("operationType")))
    if message_id is None or sku is None or operation is None:
        text = "A message needs a messageId (1 or more), a sku and a known operationType."
        return [_issue(message_id, sku, CODE_INVALID_VALUE, text)], False
    try:
        body = None if operation == "DELETE" else _body(message)
        submission = writes.submit(state, operation, sku, body, now=now)
    except MalformedSubmission as error:
        return [_issue(message_id, sku, CODE_INVALID_VALUE, str(error))], False
    issues = [
        _issue(
            message_id,
            sku,
            entry["code"],
            entry["message"],
            entry["severity"],
            (entry.get("attributeNames") or [None])[0],
        )
        for entry in submission.issues
    ]
    return issues, submission.status == "ACCEPTED"


def _issue(
    message_id: int | None,
    sku: str | None,
    code: str,
    message: str,
    severity: str = "ERROR",
    attribute: str | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if message_id is not None:
        entry["messageId"] = message_id
    if sku is not None:
        entry["sku"] = sku
    entry.update({"code": code, "severity": severity, "message": message})
    if attribute:
        entry["attributeName"] = attribute
    return entry
