"""Response helpers shared by the sandbox's HTTP handlers: JSON bodies, error bodies, timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

JSON = "application/json"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with ``Content-Type: application/json`` (as SP-API sends it)."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(payload, status=status, headers=headers or {}, content_type=JSON)


def error_list(code: str, message: str, details: str = "") -> dict[str, Any]:
    """The SP-API ``ErrorList`` body every API uses for errors (protocols.md 6)."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


def spapi_error(status: int, code: str, message: str, details: str = "") -> Response:
    """An SP-API error response: ``{"errors":[{code, message, details}]}``."""
    return json_response(status, error_list(code, message, details))


def quota_exceeded() -> Response:
    """HTTP 429 exactly as Amazon throttles (protocols.md 6)."""
    return spapi_error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def report_time(moment: datetime) -> str:
    """Reports API timestamps as real responses show them: ``2021-11-03T09:52:55+00:00``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def zulu_time(moment: datetime) -> str:
    """Orders / Listings timestamps: ``2021-02-01T00:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """An ISO-8601 query parameter as aware UTC; raises ValueError when unreadable."""
    text = text.strip()
    if "T" in text:
        text = text.replace(" ", "+")  # an unencoded "+" in the offset arrives as a space
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
