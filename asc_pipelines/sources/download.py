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
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from asc_pipelines.sources.errors import SourceError, scrub, url_without_query
from asc_pipelines.sources.transport import Transport

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
    transport: Transport,
    url: str,
    dest: Path,
    *,
    default_charset: str = DEFAULT_REPORT_CHARSET,
) -> DownloadedReport:
    """Fetch ``url`` to ``dest`` (decompressed), retrying transient failures and short bodies."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return transport.retrying(
        lambda: _download(transport, url, dest, default_charset),
        operation=_OPERATION,
        url=url,
    )


def _download(transport: Transport, url: str, dest: Path, default_charset: str) -> DownloadedReport:
    attempt = _DocumentAttempt(url, dest.with_name(dest.name + ".download"), default_charset)
    try:
        charset = transport.stream(
            _OPERATION, url, attempt, attempt.read, headers={"Accept-Encoding": "identity"}
        )
        compressed = is_gzip(attempt.wire)
        if compressed:
            try:
                with gzip.open(attempt.wire, "rb") as source, dest.open("wb") as target:
                    shutil.copyfileobj(source, target, _CHUNK)
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(
                    f"{_OPERATION} from {attempt.where}: corrupt gzip body ({type(exc).__name__})",
                    retryable=True,
                ) from None
            attempt.wire.unlink()
        else:
            attempt.wire.replace(dest)
        return DownloadedReport(dest, charset, attempt.received, compressed)
    finally:
        attempt.wire.unlink(missing_ok=True)


class _DocumentAttempt:
    """One try at a document: its bytes as sent go to ``wire``; its failures name the URL without
    the query (the signature lives there) and how many bytes had arrived."""

    def __init__(self, url: str, wire: Path, default_charset: str) -> None:
        self.where = url_without_query(url)
        self.wire = wire
        self.default_charset = default_charset
        self.received = 0

    def read(self, response: requests.Response) -> str:
        """Write the body undecoded to ``wire``; the charset its ``Content-Type`` names."""
        charset = charset_from_content_type(
            response.headers.get("Content-Type"), self.default_charset
        )
        expected = response.headers.get("Content-Length")
        with self.wire.open("wb") as handle:
            for chunk in response.raw.stream(_CHUNK, decode_content=False):
                handle.write(chunk)
                self.received += len(chunk)
        if expected is not None and expected.isdigit() and int(expected) != self.received:
            raise SourceError(
                f"{_OPERATION} from {self.where}: body truncated "
                f"({self.received} of {expected} bytes)",
                retryable=True,
            )
        return charset

    def no_response(self, operation: str, kind: str, detail: str) -> SourceError:
        return SourceError(
            f"{operation} from {self.where} failed after {self.received} bytes: {scrub(detail)}",
            retryable=True,
            transport=kind,
        )

    def error_answer(
        self, operation: str, response: requests.Response, body: Any, retryable: bool
    ) -> SourceError:
        snippet = scrub((response.text or "")[:200])
        return SourceError(
            f"{operation} from {self.where} failed (HTTP {response.status_code}): {snippet}",
            retryable=retryable,
        )
