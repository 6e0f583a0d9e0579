"""One HTTP attempt and its retries, shared by every client: SP-API, LWA, Magento, report documents.

The transport knows HTTP and nothing about the services. An attempt sends one request with the
tick's timeout and classifies what happened, the same way for every client:

- no (complete) answer: a connection refused, timed out, reset or cut short is a transport
  failure of that ``kind``, always worth another try;
- an answer other than the expected status: worth another try when the status is in
  `RETRYABLE_STATUSES` (429, 500, 502, 503, 504), final otherwise (a ``Retry-After`` header is
  not read: Amazon documents none, the backoff decides);
- the expected status with a body that is not the JSON the call needs: worth another try.

`Transport.retrying` runs attempts through `call_with_retries` under the tick's guard. What a
failure *says* is the client's knowledge, given as a `Dialect` (SP-API's ErrorList, Magento's
placeholder messages, LWA's OAuth errors, the document store's XML), and so is what a good answer
means: a JSON body (`Transport.send`) or bytes the client streams to disk (`Transport.stream`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3

from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.http import ServerClock, call_with_retries, new_session
from asc_pipelines.sources.tick_guard import TickGuard, host_of
from asc_pipelines.sources.waits import waiting

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transport failures worth another try: no response, a timeout, or a body cut short.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# While a streamed body is read, urllib3's own errors (protocol, read timeout) arrive unwrapped.
STREAM_ERRORS: tuple[type[Exception], ...] = (*TRANSPORT_ERRORS, urllib3.exceptions.HTTPError)

T = TypeVar("T")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3's ``reason``, args)."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return seen


def describe_transport_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, one short line) for a failed connection: ``refused``, ``timeout``, ``reset`` or
    ``other``. The line names the host, never the query string or a credential."""
    host = urlsplit(url).netloc or url
    chain = _chain(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in str(
        exc
    ):
        return "refused", f"connection refused by {host}"
    if any(isinstance(e, requests.exceptions.Timeout | TimeoutError) for e in chain):
        return "timeout", f"{host} did not answer in time ({type(exc).__name__})"
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset" in str(exc).lower():
        return "reset", f"connection to {host} was reset ({type(exc).__name__})"
    return "other", f"{type(exc).__name__} talking to {host}"


class Dialect(Protocol):
    """How one service words its failures; every message must be safe to log (`scrub`)."""

    def no_response(self, operation: str, kind: str, detail: str) -> SourceError:
        """A request without a (complete) answer: retryable, with ``transport=kind``. ``detail``
        is one line naming the host and what went wrong."""
        ...

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SourceError:
        """An answer other than the expected status; ``body`` is its JSON, None without one."""
        ...


class JsonDialect(Dialect, Protocol):
    """A JSON API's dialect: it also words an expected status with a body it cannot use."""

    def unreadable(self, operation: str, status: int) -> SourceError:
        """The expected status, but the body is not the JSON the call needs: retryable."""
        ...


class Transport:
    """One client's HTTP: its session, request timeout and retry settings, the tick's guard, and
    the server clock its answers set (None: they set none)."""

    def __init__(
        self,
        *,
        session: requests.Session | None,
        timeout: float,
        max_retries: int,
        backoff_base: float,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
        guard: TickGuard | None = None,
        clock: ServerClock | None = None,
    ) -> None:
        self.session = new_session(session)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.rng = rng
        self.guard = guard or TickGuard(None)
        self.clock = clock

    def retrying(
        self,
        attempt: Callable[[], T],
        *,
        operation: str,
        url: str,
        breakers: tuple[str, ...] = (),
    ) -> T:
        """Run ``attempt`` until it answers, fails for good, or the retries are spent: jittered
        backoff, under the tick's deadline and the breakers of ``url``'s host and ``breakers``."""
        return call_with_retries(
            attempt,
            max_retries=self.max_retries,
            backoff_base=self.backoff_base,
            sleep=self.sleep,
            rng=self.rng,
            guard=self.guard,
            operation=operation,
            host=host_of(url),
            breakers=breakers,
        )

    def send(
        self,
        operation: str,
        method: str,
        url: str,
        dialect: JsonDialect,
        *,
        expected: int = 200,
        json_object: bool = True,
        body_needed: bool = True,
        pacing: AbstractContextManager[object] | None = None,
        **request: Any,
    ) -> Any:
        """One attempt of a JSON call: the parsed body of an ``expected`` answer (a JSON object
        unless ``json_object`` is False), else the dialect's error. A call that needs no body
        (``body_needed=False``: a cancel, an upload) takes the expected status with any body and
        gets its JSON or None. ``pacing`` is held while the request is on the wire (a rate
        bucket); ``request`` goes to `requests.Session.request`."""
        try:
            with waiting(), pacing or nullcontext():
                response = self.session.request(
                    method, url, timeout=self.guard.timeout(self.timeout), **request
                )
        except TRANSPORT_ERRORS as exc:
            raise _no_response(dialect, operation, exc, url) from None
        if self.clock is not None:
            self.clock.observe(response)
        try:
            body = response.json()
            readable = isinstance(body, dict) or not json_object
        except ValueError:
            body, readable = None, False
        if response.status_code != expected:
            raise dialect.error_answer(
                operation, response, body, response.status_code in RETRYABLE_STATUSES
            )
        if not readable and body_needed:
            raise dialect.unreadable(operation, response.status_code)
        return body

    def stream(
        self,
        operation: str,
        url: str,
        dialect: Dialect,
        read: Callable[[requests.Response], T],
        **request: Any,
    ) -> T:
        """One attempt of a download: ``read`` consumes the streamed body of a 200 answer. A
        connection that fails while the body is read is a transport failure too. The answer's
        ``Date`` is not observed: a document store's clock is not the API's."""
        try:
            with (
                waiting(),
                self.session.get(
                    url, stream=True, timeout=self.guard.timeout(self.timeout), **request
                ) as response,
            ):
                if response.status_code != 200:
                    raise dialect.error_answer(
                        operation, response, None, response.status_code in RETRYABLE_STATUSES
                    )
                return read(response)
        except STREAM_ERRORS as exc:
            raise _no_response(dialect, operation, exc, url) from None


def _no_response(dialect: Dialect, operation: str, exc: BaseException, url: str) -> SourceError:
    kind, detail = describe_transport_error(exc, url)
    return dialect.no_response(operation, kind, detail)
