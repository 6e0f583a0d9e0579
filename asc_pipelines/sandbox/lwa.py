"""Login With Amazon: refresh token -> one-hour access token, and checking those tokens.

``POST /auth/o2/token`` behaves like ``api.amazon.com`` (protocols.md 1.1): form-encoded refresh
grant, OAuth2-style error bodies, ``Cache-Control: no-store``. Each store has one refresh token
(``credentials.refresh_token(store_id)``), so an access token identifies the store (seller).
Tokens age on the sandbox clock and expire after ``LWA_TOKEN_LIFETIME_SECONDS``.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.wrappers import Request, Response

from asc_pipelines.constants import LWA_TOKEN_LIFETIME_SECONDS
from asc_pipelines.sandbox import credentials
from asc_pipelines.sandbox.responses import json_response

# 403 ``details`` texts seen from SP-API (protocols.md 1.2); messages, not secrets.
TOKEN_MISSING = "Access token is missing in the request header."  # noqa: S105
TOKEN_INVALID = "The access token you provided is revoked, malformed or invalid."  # noqa: S105
TOKEN_EXPIRED = "The access token you provided has expired."  # noqa: S105


@dataclass
class _Grant:
    store_id: str
    expires_at: datetime


class TokenRegistry:
    """Issued access tokens: which store each belongs to and when it expires."""

    def __init__(self) -> None:
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def issue(self, store_id: str, now: datetime) -> str:
        """A new ``Atza|...`` access token for a store, valid for one hour of sandbox time."""
        token = "Atza|" + secrets.token_urlsafe(48)
        with self._lock:
            self._grants[token] = _Grant(
                store_id, now + timedelta(seconds=LWA_TOKEN_LIFETIME_SECONDS)
            )
        return token

    def check(self, token: str | None, now: datetime) -> tuple[str | None, str]:
        """``(store_id, "")`` for a valid token, else ``(None, 403 details)``."""
        if not token:
            return None, TOKEN_MISSING
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            return None, TOKEN_INVALID
        if now >= grant.expires_at:
            return None, TOKEN_EXPIRED
        return grant.store_id, ""

    def expire_all(self, now: datetime) -> None:
        """Make every token issued so far expired (the ``token_expiry`` fault)."""
        with self._lock:
            for grant in self._grants.values():
                grant.expires_at = min(grant.expires_at, now)


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = json_response(status, {"error": error, "error_description": description})
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _form(request: Request) -> dict[str, str]:
    if request.mimetype == "application/json":
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return {key: request.form[key] for key in request.form}


def handle_token_request(
    request: Request, registry: TokenRegistry, store_ids: list[str], now: datetime
) -> Response:
    """The LWA token endpoint for the refresh-token grant (the only grant the pipeline needs)."""
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "The request method must be POST")
    form = _form(request)
    if (
        form.get("client_id") != credentials.LWA_CLIENT_ID
        or form.get("client_secret") != credentials.LWA_CLIENT_SECRET
    ):
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    if form.get("grant_type") != "refresh_token":
        return _oauth_error(
            400, "unsupported_grant_type", "The authorization grant type is not supported"
        )
    refresh = form.get("refresh_token", "")
    store_id = next((s for s in store_ids if credentials.refresh_token(s) == refresh), None)
    if store_id is None:
        return _oauth_error(
            400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
        )
    body = {
        "access_token": registry.issue(store_id, now),
        "token_type": "bearer",
        "expires_in": LWA_TOKEN_LIFETIME_SECONDS,
        "refresh_token": refresh,
    }
    response = json_response(200, body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
