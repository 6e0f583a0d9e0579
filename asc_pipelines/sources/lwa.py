"""Login with Amazon: trade a store's refresh token for a one-hour SP-API access token.

The token is cached and refreshed five minutes before it expires (protocols.md 1.1); a 403 from
SP-API forces an early refresh through `LwaTokenProvider.invalidate`. ``invalid_grant`` (revoked
authorization) and ``invalid_client`` (wrong app credentials) are permanent: `AuthError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from asc_pipelines.sources.errors import AuthError, SourceError, scrub
from asc_pipelines.sources.tick_guard import TickLimitReached
from asc_pipelines.sources.transport import Transport

REFRESH_MARGIN_SECONDS = 300.0
_OPERATION = "LWA token refresh"
_FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


class LwaTokenProvider:
    """Holds one seller authorization (refresh token) and hands out fresh access tokens.

    It talks through the SP-API client's transport: the same session, retries, tick guard and
    server clock (a token response's ``Date`` sets Amazon's time before the first SP-API call).
    """

    def __init__(
        self,
        *,
        transport: Transport,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        monotonic: Callable[[], float],
        name: str = "store",
    ) -> None:
        self._transport = transport
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._monotonic = monotonic
        self._access_token: str | None = None
        self._refresh_at = 0.0
        self._dialect = _LwaDialect(self.secrets)
        self.refresh_count = 0
        self.name = name
        # A failed refresh is remembered under this key for the rest of the tick.
        self.breaker = f"{_OPERATION} for {name}"

    def secrets(self) -> list[str]:
        """Values that must never appear in a message."""
        return [s for s in (self._client_secret, self._refresh_token, self._access_token) if s]

    def invalidate(self) -> None:
        """Forget the cached access token (the server said it is expired or invalid)."""
        self._access_token = None

    def access_token(self) -> str:
        """A valid access token, fetching a new one when the cached one is about to expire."""
        if self._access_token is None or self._monotonic() >= self._refresh_at:
            self._fetch()
        assert self._access_token is not None
        return self._access_token

    def _fetch(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        started = self._monotonic()
        url = self._token_url
        try:
            body = self._transport.retrying(
                lambda: self._transport.send(
                    _OPERATION, "POST", url, self._dialect, data=form, headers=_FORM
                ),
                operation=_OPERATION,
                url=url,
                breakers=(self.breaker,),
            )
        except TickLimitReached:
            raise
        except SourceError as exc:
            # Every dataset of this store would ask again, each with its own retries: once
            # is enough for this tick.
            self._transport.guard.trip(self.breaker, f"{_OPERATION} for {self.name} failed: {exc}")
            raise
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError(f"{_OPERATION} failed: the response has no access_token")
        expires_in = float(body.get("expires_in") or 3600)
        self._access_token = token
        self._refresh_at = started + max(0.0, expires_in - REFRESH_MARGIN_SECONDS)
        self.refresh_count += 1


class _LwaDialect:
    """LWA's OAuth errors: ``{"error": "invalid_grant", "error_description": ...}``. A refused
    grant or client is permanent (`AuthError`); only the transient statuses are tried again."""

    def __init__(self, secrets: Callable[[], list[str]]) -> None:
        self._secrets = secrets

    def no_response(self, operation: str, kind: str, detail: str) -> SourceError:
        return SourceError(
            f"{operation} failed (no response): {scrub(detail, self._secrets())}",
            retryable=True,
            transport=kind,
        )

    def unreadable(self, operation: str, status: int) -> SourceError:
        return SourceError(
            f"{operation} failed: HTTP {status} with a body that is not JSON", retryable=True
        )

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SourceError:
        error = body.get("error", "") if isinstance(body, dict) else ""
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        detail = scrub(
            f"{error}: {description}" if error else (response.text or "")[:200], self._secrets()
        )
        message = f"{operation} failed (HTTP {response.status_code}): {detail}"
        if retryable:
            return SourceError(message, retryable=True)
        return AuthError(
            message, operation="lwaToken", http_status=response.status_code, code=error or None
        )
