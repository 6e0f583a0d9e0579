"""Downloading a report document: exact bytes from the pre-signed URL, gzip sniffed, charset named.

Amazon's document URL is a pre-signed S3 URL (protocols.md 2.5): a plain GET without SP-API
headers. Compression is detected from the bytes (gzip magic ``1f 8b``), never from
``compressionAlgorithm`` or ``Content-Encoding``, because both have lied: in June 2023 documents
were served with ``Content-Encoding: gzip`` (HTTP libraries decoded them and the explicit gunzip
failed), and some documents declared GZIP but were plain. The body is read with
``decode_content=False`` so what lands on disk is exactly what was sent.

Charset: from the download's ``Content-Type`` (Java names: ``Cp1252``, ``Windows-31J``). When the
header names none, the caller's default applies; it defaults to ``cp1252`` because the listing
reports of the NA and EU marketplaces are Cp1252 (models #2748, #1517, #4031) and Cp1252 decodes
ASCII identically, while JP callers pass the marketplace's ``Windows-31J`` (see `report_flow`).
``ISO-8859-1`` is read as Cp1252 (the WHATWG rule: Cp1252 is its superset for text).
"""

from __future__ import annotations

import codecs
import gzip
import random
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from asc_pipelines.sources.errors import SourceError, scrub, url_without_query
from asc_pipelines.sources.http import (
    RETRYABLE_STATUSES,
    TRANSPORT_ERRORS,
    call_with_retries,
    describe_transport_error,
)
from asc_pipelines.sources.tick_guard import TickGuard, host_of

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_REPORT_CHARSET = "cp1252"
_CHUNK = 1 << 20
_OPERATION = "report document download"

# Charset labels Amazon uses (Java names) -> Python codec names (protocols.md 2.7).
_CHARSET_ALIASES: dict[str, str] = {
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-31j": "cp932",
    "ms932": "cp932",
    "cp932": "cp932",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}


@dataclass(frozen=True)
class DownloadedReport:
    """A report document on local disk, already decompressed, plus how to decode it."""

    path: Path
    charset: str  # Python codec name
    bytes_downloaded: int  # bytes received on the wire
    compressed: bool  # the received bytes were gzip


def python_charset(label: str) -> str:
    """The Python codec for a charset label such as ``Cp1252`` or ``Windows-31J``."""
    key = label.strip().strip('"').lower()
    if key in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise SourceError(f"{_OPERATION}: unknown charset {label!r}") from None


def charset_from_content_type(
    content_type: str | None, default: str = DEFAULT_REPORT_CHARSET
) -> str:
    """The Python codec named by a ``Content-Type``'s ``charset`` parameter, else `default`."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return python_charset(value)
    return python_charset(default)


def is_gzip(path: Path) -> bool:
    """Whether a file starts with the gzip magic bytes."""
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def download_document(
    session: requests.Session,
    url: str,
    dest: Path,
    *,
    timeout: float,
    max_retries: int,
    backoff_base: float,
    sleep: Callable[[float], None],
    default_charset: str = DEFAULT_REPORT_CHARSET,
    rng: random.Random | None = None,
    guard: TickGuard | None = None,
) -> DownloadedReport:
    """Fetch ``url`` to ``dest`` (decompressed), retrying transient failures and short bodies."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    guard = guard or TickGuard(None)
    return call_with_retries(
        lambda: _attempt(
            session, url, dest, timeout=guard.timeout(timeout), default_charset=default_charset
        ),
        max_retries=max_retries,
        backoff_base=backoff_base,
        sleep=sleep,
        rng=rng,
        guard=guard,
        operation=_OPERATION,
        host=host_of(url),
    )


def _attempt(
    session: requests.Session, url: str, dest: Path, *, timeout: float, default_charset: str
) -> DownloadedReport:
    where = url_without_query(url)
    wire = dest.with_name(dest.name + ".download")
    try:
        received, charset = _fetch_raw(
            session, url, wire, timeout=timeout, default_charset=default_charset
        )
        compressed = is_gzip(wire)
        if compressed:
            try:
                with gzip.open(wire, "rb") as source, dest.open("wb") as target:
                    shutil.copyfileobj(source, target, _CHUNK)
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(
                    f"{_OPERATION} from {where}: corrupt gzip body ({type(exc).__name__})",
                    retryable=True,
                ) from None
            wire.unlink()
        else:
            wire.replace(dest)
        return DownloadedReport(dest, charset, received, compressed)
    finally:
        wire.unlink(missing_ok=True)


def _fetch_raw(
    session: requests.Session, url: str, wire: Path, *, timeout: float, default_charset: str
) -> tuple[int, str]:
    where = url_without_query(url)
    received = 0
    try:
        with session.get(
            url, headers={"Accept-Encoding": "identity"}, stream=True, timeout=timeout
        ) as response:
            if response.status_code != 200:
                snippet = scrub((response.text or "")[:200])
                raise SourceError(
                    f"{_OPERATION} from {where} failed (HTTP {response.status_code}): {snippet}",
                    retryable=response.status_code in RETRYABLE_STATUSES,
                )
            charset = charset_from_content_type(
                response.headers.get("Content-Type"), default_charset
            )
            expected = response.headers.get("Content-Length")
            with wire.open("wb") as handle:
                for chunk in response.raw.stream(_CHUNK, decode_content=False):
                    handle.write(chunk)
                    received += len(chunk)
    except (*TRANSPORT_ERRORS, urllib3.exceptions.HTTPError) as exc:
        kind, detail = describe_transport_error(exc, where)
        raise SourceError(
            f"{_OPERATION} from {where} failed after {received} bytes: {scrub(detail)}",
            retryable=True,
            transport=kind,
        ) from None
    if expected is not None and expected.isdigit() and int(expected) != received:
        raise SourceError(
            f"{_OPERATION} from {where}: body truncated ({received} of {expected} bytes)",
            retryable=True,
        )
    return received, charset
