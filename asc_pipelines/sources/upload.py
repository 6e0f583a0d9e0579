"""Uploading a feed document: a plain PUT of its bytes to Amazon's pre-signed URL (protocols.md
10.2, step 2).

The URL (from ``createFeedDocument``, valid five minutes) is an S3 address signed in its query, so
the request carries no SP-API headers, only the ``Content-Type`` the document was created with.
Failures are retried through the shared transport like any call; what they say names the URL
without its query (the signature lives there).
"""

from __future__ import annotations

from typing import Any

import requests

from asc_pipelines.sources.errors import SourceError, scrub, url_without_query
from asc_pipelines.sources.transport import Transport

_OPERATION = "feed document upload"


def upload_document(transport: Transport, url: str, body: bytes, content_type: str) -> None:
    """PUT ``body`` to ``url``, retrying transient failures; the document store answers 200."""
    dialect = _DocumentStore(url_without_query(url))
    transport.retrying(
        lambda: transport.send(
            _OPERATION,
            "PUT",
            url,
            dialect,
            body_needed=False,
            data=body,
            headers={"Content-Type": content_type},
        ),
        operation=_OPERATION,
        url=url,
    )


class _DocumentStore:
    """The document store's failures, named by the URL without its query."""

    def __init__(self, where: str) -> None:
        self.where = where

    def no_response(self, operation: str, kind: str, detail: str) -> SourceError:
        return SourceError(f"{operation} to {self.where} failed: {scrub(detail)}",
                           retryable=True, transport=kind)  # fmt: skip

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SourceError:
        snippet = scrub((response.text or "")[:200])
        return SourceError(
            f"{operation} to {self.where} failed (HTTP {response.status_code}): {snippet}",
            retryable=retryable,
        )

    def unreadable(self, operation: str, status: int) -> SourceError:
        # Never raised: an upload needs no body (body_needed=False); the protocol asks for it.
        return SourceError(f"{operation} to {self.where}: unexpected answer (HTTP {status})")
