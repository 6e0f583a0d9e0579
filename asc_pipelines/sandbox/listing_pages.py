"""What getReports and getFeeds share: the filters a seller lists its reports or feeds by, the
90-day window Amazon keeps them for, newest-first pages and the opaque ``nextToken``.

Both operations answer the same way (Reports API and Feeds API 2021-06-30): a list of types is
required unless ``nextToken`` is given, in which case it must be the only parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from werkzeug.wrappers import Response

from asc_pipelines.sandbox.responses import json_response, parse_iso, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

# How long Amazon keeps a report or a feed listed.
RETENTION = timedelta(days=90)


class Listed(Protocol):
    """A report or a feed, as the list operations see it."""

    store_id: str
    marketplace_ids: list[str]
    created: datetime

    def status(self, now: datetime) -> str: ...


@dataclass(frozen=True)
class ListedKind:
    """How one API names what it lists (``reportTypes`` and ``reports``, or the feeds' names)."""

    types_param: str
    results_key: str
    statuses: Sequence[str]
    status_error: str
    type_of: Callable[[Any], str]
    id_of: Callable[[Any], str]

    @property
    def params(self) -> tuple[str, ...]:
        return (
            self.types_param,
            "processingStatuses",
            "marketplaceIds",
            "pageSize",
            "createdSince",
            "createdUntil",
        )


def invalid_input(details: str) -> Response:
    return spapi_error(400, "InvalidInput", "Invalid input", details)


def encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()


def decode_token(token: str) -> dict[str, Any] | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        return None
    return state if isinstance(state, dict) and "offset" in state else None


def _query(call: Call, kind: ListedKind) -> dict[str, Any] | Response:
    """The filters of a first page, checked as Amazon checks them."""
    types = call.query_list(kind.types_param)
    statuses = call.query_list("processingStatuses")
    marketplace_ids = call.query_list("marketplaceIds")
    if not types or len(types) > 10:
        return invalid_input(f"{kind.types_param} (1 to 10) or nextToken is required.")
    if any(status not in kind.statuses for status in statuses):
        return invalid_input(kind.status_error)
    if len(marketplace_ids) > 10:
        return invalid_input("At most 10 marketplaceIds are allowed.")
    try:
        page_size = int(call.request.args.get("pageSize", "10"))
        since_text = call.request.args.get("createdSince")
        until_text = call.request.args.get("createdUntil")
        since = parse_iso(since_text) if since_text else call.now - RETENTION
        until = parse_iso(until_text) if until_text else call.now
    except ValueError:
        return invalid_input("pageSize must be an integer; createdSince/createdUntil ISO 8601.")
    if not 1 <= page_size <= 100:
        return invalid_input("pageSize must be between 1 and 100.")
    return {
        kind.types_param: types,
        "processingStatuses": statuses,
        "marketplaceIds": marketplace_ids,
        "pageSize": page_size,
        "createdSince": max(since, call.now - RETENTION).isoformat(),
        "createdUntil": until.isoformat(),
        "offset": 0,
    }


def list_page(
    call: Call,
    kind: ListedKind,
    items: Iterable[Listed],
    to_json: Callable[[Any, datetime], dict[str, Any]],
) -> Response:
    """One page of the calling store's ``items`` that match the request, newest first."""
    args = call.request.args
    if "nextToken" in args:
        if any(name in args for name in kind.params):
            return invalid_input("nextToken must be the only parameter when it is specified.")
        query = decode_token(args["nextToken"])
        if query is None:
            return invalid_input("The nextToken is invalid.")
    else:
        parsed = _query(call, kind)
        if isinstance(parsed, Response):
            return parsed
        query = parsed
    since = parse_iso(query["createdSince"])
    until = parse_iso(query["createdUntil"])
    matches = [
        item
        for item in items
        if item.store_id == call.store.store.id
        and kind.type_of(item) in query[kind.types_param]
        and since <= item.created <= until
        and (
            not query["processingStatuses"] or item.status(call.now) in query["processingStatuses"]
        )
        and (
            not query["marketplaceIds"] or set(item.marketplace_ids) & set(query["marketplaceIds"])
        )
    ]
    matches.sort(key=lambda item: (item.created, int(kind.id_of(item))), reverse=True)
    offset, size = query["offset"], query["pageSize"]
    body: dict[str, Any] = {
        kind.results_key: [to_json(item, call.now) for item in matches[offset : offset + size]]
    }
    if offset + size < len(matches):
        body["nextToken"] = encode_token({**query, "offset": offset + size})
    return json_response(200, body)
