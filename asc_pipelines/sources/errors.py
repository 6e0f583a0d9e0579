"""Typed errors raised by the Amazon and Magento clients, with messages safe to log.

A message names the operation and what the server said (status, error code, message). It never
carries credentials, access tokens or a pre-signed URL's signature: `scrub` removes query strings
and any secret the client knows before the text reaches an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_QUERY = re.compile(r"\?[^\s'\"<>)]*")
_REDACTED = "<redacted>"


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without URL query strings (signatures live there) and without any of `secrets`."""
    cleaned = _QUERY.sub("?" + _REDACTED, text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        cleaned = cleaned.replace(secret, _REDACTED)
    return cleaned


def url_without_query(url: str) -> str:
    """A URL fit for a log line: scheme, host and path, no query (pre-signed S3 URLs sign there)."""
    return url.split("?", 1)[0].split("#", 1)[0]


class SourceError(Exception):
    """A call to Amazon or Magento failed. `retryable` marks failures worth trying again;
    `transport` says how the connection itself failed (``refused``, ``timeout``, ``reset``, ...;
    None when the server answered)."""

    def __init__(
        self, message: str, *, retryable: bool = False, transport: str | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.transport = transport


class AuthError(SourceError):
    """Credentials were refused (revoked refresh token, wrong client secret, wrong password).

    Permanent: retrying cannot help until someone fixes the credentials.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, retryable=False)
        self.operation = operation
        self.http_status = http_status
        self.code = code


class SpApiError(SourceError):
    """An SP-API operation failed; `code`/`message` come from the response's ErrorList."""

    def __init__(
        self,
        operation: str,
        http_status: int | None,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        transport: str | None = None,
    ) -> None:
        status = "no response" if http_status is None else f"HTTP {http_status}"
        super().__init__(
            f"SP-API {operation} failed ({status}): {code}: {message}",
            retryable=retryable,
            transport=transport,
        )
        self.operation = operation
        self.http_status = http_status
        self.code = code
        self.server_message = message


class MagentoError(SourceError):
    """A Magento REST call failed; `message` has the server's placeholders substituted."""

    def __init__(
        self,
        operation: str,
        http_status: int | None,
        message: str,
        *,
        retryable: bool = False,
        transport: str | None = None,
    ) -> None:
        status = "no response" if http_status is None else f"HTTP {http_status}"
        super().__init__(
            f"Magento {operation} failed ({status}): {message}",
            retryable=retryable,
            transport=transport,
        )
        self.operation = operation
        self.http_status = http_status
        self.server_message = message


class ReportFormatError(SourceError):
    """A listing report cannot be read at all (no header, no seller-sku column, unknown charset)."""
