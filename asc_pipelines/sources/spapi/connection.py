"""One store's connection to the Selling Partner API: what every operation of every API family uses.

One connection per store (Amazon meters each seller's usage separately). Every call waits for its
operation's client-side token bucket, sends the LWA access token and the request time, retries
transient failures with jittered exponential backoff under the tick's guard, and on a 403
refreshes the access token once and retries once (protocols.md 1.2, 6). Answers are the parsed
JSON bodies. The operations live with their API family (``reports_api``, ``listings_api``,
``catalog_api``, ``orders_api``), and `asc_pipelines.sources.spapi.client.SpApiClient` joins them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

import requests

from asc_pipelines.sources.errors import SpApiError, scrub
from asc_pipelines.sources.http import ServerClock
from asc_pipelines.sources.lwa import LwaTokenProvider
from asc_pipelines.sources.ratelimit import RateLimiter
from asc_pipelines.sources.tick_guard import TickGuard
from asc_pipelines.sources.transport import Transport


def format_iso(value: datetime) -> str:
    """An aware datetime as SP-API's ISO-8601 UTC text, e.g. ``2024-03-10T20:11:24Z``."""
    if value.tzinfo is None:
        raise ValueError(f"SP-API datetimes must be timezone-aware, got {value!r}")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | None) -> datetime | None:
    """SP-API ISO-8601 text (``Z`` or ``+00:00``) as an aware UTC datetime; None stays None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class SpApiConnection:
    """SP-API for one store (one seller authorization, one set of rate buckets)."""

    def __init__(
        self,
        *,
        endpoint: str,
        lwa_token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        rate_scale: float = 1.0,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        name: str = "store",
        guard: TickGuard | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.name = name
        self._clock = ServerClock(monotonic)
        self._transport = Transport(
            session=session,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            sleep=sleep,
            rng=rng,
            guard=guard,
            clock=self._clock,
        )
        self._limiter = RateLimiter(scale=rate_scale, monotonic=monotonic, sleep=sleep)
        self._lwa = LwaTokenProvider(
            transport=self._transport,
            token_url=lwa_token_url,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            monotonic=monotonic,
            name=name,
        )
        self._dialect = _SpApiDialect(self._lwa.secrets)
        self.requests_sent = 0

    @property
    def guard(self) -> TickGuard:
        """This tick's deadline and breakers."""
        return self._transport.guard

    def use_guard(self, guard: TickGuard) -> None:
        """Hold this tick's deadline and breakers (a client outlives ticks; a guard does not)."""
        self._transport.guard = guard

    def server_now(self) -> datetime:
        """Amazon's current time (from the last response's ``Date``), aware UTC."""
        return self._clock.now()

    def ensure_access_token(self) -> None:
        """Fetch an LWA access token now if none is cached (fails fast on bad credentials).

        The token response's ``Date`` also sets :meth:`server_now` before the first SP-API call,
        so a first incremental window can be computed with the server's clock.
        """
        self._lwa.access_token()

    @property
    def token_refreshes(self) -> int:
        """How many LWA access tokens this client has fetched."""
        return self._lwa.refresh_count

    @property
    def throttled_responses(self) -> int:
        """429s received: a healthy run keeps this at zero."""
        return self._dialect.throttled

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expected: int = 200,
        buckets: Sequence[str] = (),
    ) -> dict[str, Any]:
        """One operation: its JSON object answer, after retries and at most one token refresh.

        Each attempt waits for the operation's rate bucket, or for every one of ``buckets`` when
        given (a call Amazon meters under more than one limit)."""
        answer: dict[str, Any] = self._request(
            operation, method, path, params, body, expected, buckets, body_needed=True
        )
        return answer

    def _command(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        expected: int = 200,
    ) -> None:
        """An operation whose answer has no body worth reading (Amazon may send none at all)."""
        self._request(operation, method, path, params, None, expected, (), body_needed=False)

    def _request(
        self,
        operation: str,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        expected: int,
        buckets: Sequence[str],
        *,
        body_needed: bool,
    ) -> Any:
        url = self.endpoint + path

        def attempt() -> Any:
            headers = self._headers(json_body=body is not None)
            self.requests_sent += 1
            return self._transport.send(
                operation,
                method,
                url,
                self._dialect,
                expected=expected,
                body_needed=body_needed,
                pacing=self._paced(buckets or (operation,)),
                params=params,
                json=body,
                headers=headers,
            )

        def run() -> Any:
            return self._transport.retrying(
                attempt, operation=operation, url=url, breakers=(self._lwa.breaker,)
            )

        try:
            return run()
        except SpApiError as exc:
            if exc.http_status != 403:
                raise
            # Expired or revoked access token (protocols.md 1.2): refresh once, retry once.
            self._lwa.invalidate()
            return run()

    @contextmanager
    def _paced(self, buckets: Sequence[str]) -> Iterator[None]:
        """Hold a request to every one of ``buckets`` (`RateLimiter.pacing` each)."""
        with ExitStack() as stack:
            for bucket in buckets:
                stack.enter_context(self._limiter.pacing(bucket))
            yield

    def _headers(self, *, json_body: bool) -> dict[str, str]:
        """The access token and request time every SP-API request carries."""
        headers = {
            "x-amz-access-token": self._lwa.access_token(),
            "x-amz-date": self.server_now().strftime("%Y%m%dT%H%M%SZ"),
            "Accept": "application/json",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers


class _SpApiDialect:
    """SP-API's errors: an ErrorList ``{"errors": [{"code", "message", "details"}]}``; the 429s
    are counted (`SpApiConnection.throttled_responses`)."""

    def __init__(self, secrets: Callable[[], list[str]]) -> None:
        self._secrets = secrets
        self.throttled = 0

    def no_response(self, operation: str, kind: str, detail: str) -> SpApiError:
        return SpApiError(
            operation,
            None,
            "TransportError",
            scrub(detail, self._secrets()),
            retryable=True,
            transport=kind,
        )

    def unreadable(self, operation: str, status: int) -> SpApiError:
        return SpApiError(
            operation, status, "InvalidBody", "the body is not a JSON object", retryable=True
        )

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SpApiError:
        if response.status_code == 429:
            self.throttled += 1
        code, message = _first_error(body, response)
        return SpApiError(
            operation,
            response.status_code,
            code,
            scrub(message, self._secrets()),
            retryable=retryable,
        )


def _first_error(parsed: Any, response: requests.Response) -> tuple[str, str]:
    """The code and message of an SP-API ErrorList (``details`` appended when present)."""
    if isinstance(parsed, dict) and isinstance(parsed.get("errors"), list) and parsed["errors"]:
        first = parsed["errors"][0] if isinstance(parsed["errors"][0], dict) else {}
        code = str(first.get("code") or "Unknown")
        message = str(first.get("message") or "")
        details = first.get("details")
        if details:
            message = f"{message} ({details})"
        return code, message
    return "Unknown", (response.text or response.reason or "")[:200]
