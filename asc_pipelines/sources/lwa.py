"""Login with Amazon: trade a store's refresh token for a one-hour SP-API access token.

The token is cached and refreshed five minutes before it expires (protocols.md 1.1); a 403 from
SP-API forces an early refresh through `LwaTokenProvider.invalidate`. ``invalid_grant`` (revoked
authorization) and ``invalid_client`` (wrong app credentials) are permanent: `AuthError`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import requests

from asc_pipelines.sources.errors import AuthError, SourceError, scrub
from asc_pipelines.sources.http import (
    RETRYABLE_STATUSES,
    TRANSPORT_ERRORS,
    ServerClock,
    call_with_retries,
    describe_transport_error,
)
from asc_pipelines.sources.tick_guard import TickGuard, TickLimitReached, host_of

REFRESH_MARGIN_SECONDS = 300.0
_OPERATION = "LWA token refresh"


class LwaTokenProvider:
    """Holds one seller authorization (refresh token) and hands out fresh access tokens."""

    def __init__(
        self,
        *,
        session: requests.Session,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        timeout: float,
        max_retries: int,
        backoff_base: float,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        clock: ServerClock | None = None,
        rng: random.Random | None = None,
        name: str = "store",
        guard: TickGuard | None = None,
    ) -> None:
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self._rng = rng
        self._access_token: str | None = None
        self._refresh_at = 0.0
        self.refresh_count = 0
        self.name = name
        # A failed refresh is remembered under this key for the rest of the tick.
        self.breaker = f"{_OPERATION} for {name}"
        self.guard = guard or TickGuard(None)

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
        try:
            body = call_with_retries(
                lambda: self._attempt(form),
                max_retries=self._max_retries,
                backoff_base=self._backoff_base,
                sleep=self._sleep,
                rng=self._rng,
                guard=self.guard,
                operation=_OPERATION,
                host=host_of(self._token_url),
                breakers=(self.breaker,),
            )
        except TickLimitReached:
            raise
        except SourceError as exc:
            # Every dataset of this store would ask again, each with its own retries: once
            # is enough for this tick.
            self.guard.trip(self.breaker, f"{_OPERATION} for {self.name} failed: {exc}")
            raise
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError(f"{_OPERATION} failed: the response has no access_token")
        expires_in = float(body.get("expires_in") or 3600)
        self._access_token = token
        self._refresh_at = started + max(0.0, expires_in - REFRESH_MARGIN_SECONDS)
        self.refresh_count += 1

    def _attempt(self, form: dict[str, str]) -> dict:
        try:
            response = self._session.post(
                self._token_url,
                data=form,
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
                timeout=self.guard.timeout(self._timeout),
            )
        except TRANSPORT_ERRORS as exc:
            kind, detail = describe_transport_error(exc, self._token_url)
            raise SourceError(
                f"{_OPERATION} failed (no response): {scrub(detail, self.secrets())}",
                retryable=True,
                transport=kind,
            ) from None
        if self._clock is not None:
            self._clock.observe(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200:
            if not isinstance(body, dict):
                raise SourceError(
                    f"{_OPERATION} failed: HTTP 200 with a body that is not JSON", retryable=True
                )
            return body
        error = body.get("error", "") if isinstance(body, dict) else ""
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        detail = scrub(
            f"{error}: {description}" if error else (response.text or "")[:200], self.secrets()
        )
        if response.status_code in RETRYABLE_STATUSES:
            raise SourceError(
                f"{_OPERATION} failed (HTTP {response.status_code}): {detail}", retryable=True
            )
        raise AuthError(
            f"{_OPERATION} failed (HTTP {response.status_code}): {detail}",
            operation="lwaToken",
            http_status=response.status_code,
            code=error or None,
        )
