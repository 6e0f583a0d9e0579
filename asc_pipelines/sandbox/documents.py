"""Report documents as S3 serves them: pre-signed URLs that expire, gzip bodies, charset headers.

``getReportDocument`` hands out a URL on this same server
(``/_sandbox/documents/<id>?X-Amz-Date=...&X-Amz-Expires=300&X-Amz-Signature=...``). The download
needs no SP-API auth, answers with S3's XML errors (403 ``AccessDenied`` "Request has expired"
after five minutes of sandbox time), and serves the gzip file with
``Content-Type: text/plain; charset=Cp1252`` (or the file's charset) and ``Content-Encoding:
identity`` -- or ``gzip`` when asked to replay the June-2023 incident (protocols.md 2.5).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from asc_pipelines.constants import REPORT_DOCUMENT_URL_LIFETIME_SECONDS

DOCUMENTS_PATH = "/_sandbox/documents/"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Document:
    """A finished report's file: gzip bytes and the charset its text is in."""

    document_id: str
    store_id: str
    body: bytes
    charset: str


def s3_error(status: int, code: str, message: str, **extra: str) -> Response:
    """An S3-style XML error body (S3 never answers in JSON)."""
    fields = {"Code": code, "Message": message, **extra, "RequestId": uuid.uuid4().hex[:16]}
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
    return Response(xml, status=status, content_type="application/xml")


class DocumentStore:
    """Report documents by id, with URL signing on a per-server secret."""

    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}
        self._secret = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def put(self, store_id: str, region: str, report_id: str, body: bytes, charset: str) -> str:
        """Store a document; returns its ``amzn1.spdoc...`` id."""
        document_id = f"amzn1.spdoc.1.4.{region.lower()}.{uuid.uuid4()}.T{report_id}.300"
        with self._lock:
            self._documents[document_id] = Document(document_id, store_id, body, charset)
        return document_id

    def get(self, document_id: str) -> Document | None:
        """A stored document, or None."""
        with self._lock:
            return self._documents.get(document_id)

    def _signature(self, document_id: str, amz_date: str, expires: str, encoding: str) -> str:
        message = "\n".join((document_id, amz_date, expires, encoding)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def presigned_url(
        self, base_url: str, document_id: str, now: datetime, gzip_encoding: bool = False
    ) -> str:
        """A download URL valid for five minutes of sandbox time from ``now``."""
        amz_date = now.astimezone(UTC).strftime(_AMZ_DATE)
        expires = str(REPORT_DOCUMENT_URL_LIFETIME_SECONDS)
        encoding = "gzip" if gzip_encoding else ""
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": amz_date,
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Expires": expires,
            "X-Amz-Credential": f"ASCSANDBOX/{amz_date[:8]}/us-east-1/s3/aws4_request",
        }
        if encoding:
            query["response-content-encoding"] = encoding
        query["X-Amz-Signature"] = self._signature(document_id, amz_date, expires, encoding)
        path = DOCUMENTS_PATH + quote(document_id, safe="")
        return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"

    def download(self, request: Request, now: datetime, force_gzip_encoding: bool) -> Response:
        """Serve ``GET /_sandbox/documents/<id>`` like S3 serves a pre-signed GET."""
        document = self.get(request.path[len(DOCUMENTS_PATH) :])
        args = request.args
        amz_date = args.get("X-Amz-Date", "")
        expires = args.get("X-Amz-Expires", "")
        encoding = args.get("response-content-encoding", "")
        signature = args.get("X-Amz-Signature", "")
        if not signature or not amz_date or not expires:
            return s3_error(
                403, "AccessDenied", "Query-string authentication requires the Signature."
            )
        if document is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        expected = self._signature(document.document_id, amz_date, expires, encoding)
        if not hmac.compare_digest(signature, expected):
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
        expires_at = signed_at + timedelta(seconds=int(expires))
        if now > expires_at:
            return s3_error(
                403,
                "AccessDenied",
                "Request has expired",
                **{
                    "X-Amz-Expires": expires,
                    "Expires": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ServerTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
        body = b"" if request.method == "HEAD" else document.body
        response = Response(
            body, status=200, content_type=f"text/plain; charset={document.charset}"
        )
        response.headers["Content-Length"] = str(len(document.body))
        response.headers["Content-Encoding"] = (
            "gzip" if force_gzip_encoding or encoding == "gzip" else "identity"
        )
        response.headers["ETag"] = f'"{hashlib.md5(document.body).hexdigest()}"'  # noqa: S324
        response.headers["x-amz-server-side-encryption"] = "AES256"
        return response
