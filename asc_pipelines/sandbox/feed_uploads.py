"""Feed documents as S3 takes them: a pre-signed PUT URL per document, on this same server.

``createFeedDocument`` reserves a document and hands out
``/_sandbox/uploads/<feedDocumentId>?X-Amz-Date=...&X-Amz-Expires=300&X-Amz-Signature=...``. The
upload needs no SP-API auth; like S3 it answers 200 with an ``ETag`` and no body, and refuses with
S3's XML errors: 403 ``AccessDenied`` once the five minutes of sandbox time are over, 403
``SignatureDoesNotMatch`` for a forged signature or a ``Content-Type`` other than the one given to
``createFeedDocument`` (it is part of what Amazon signs), 405 for any method but PUT. A second
upload to the same URL replaces the first, as on S3.
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

from werkzeug.wrappers import Request, Response

from asc_pipelines.constants import REPORT_DOCUMENT_URL_LIFETIME_SECONDS
from asc_pipelines.sandbox.documents import s3_error

UPLOADS_PATH = "/_sandbox/uploads/"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass
class FeedUpload:
    """A reserved feed document and, once uploaded, its bytes."""

    document_id: str
    store_id: str
    content_type: str
    body: bytes | None = None


class FeedUploads:
    """Feed documents by id, with upload URLs signed on a per-server secret."""

    def __init__(self) -> None:
        self._uploads: dict[str, FeedUpload] = {}
        self._secret = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def reserve(self, store_id: str, region: str, content_type: str) -> FeedUpload:
        """A new, empty feed document of a store."""
        token = uuid.uuid4().hex[:14].upper()
        document_id = f"amzn1.tortuga.4.{region.lower()}.{uuid.uuid4()}.T{token}"
        upload = FeedUpload(document_id, store_id, content_type)
        with self._lock:
            self._uploads[document_id] = upload
        return upload

    def get(self, document_id: str) -> FeedUpload | None:
        """A reserved feed document, or None."""
        with self._lock:
            return self._uploads.get(document_id)

    def _signature(self, upload: FeedUpload, amz_date: str, expires: str) -> str:
        message = "\n".join((upload.document_id, amz_date, expires, upload.content_type))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    def presigned_url(self, base_url: str, upload: FeedUpload, now: datetime) -> str:
        """The upload URL, valid for five minutes of sandbox time from ``now``."""
        amz_date = now.astimezone(UTC).strftime(_AMZ_DATE)
        expires = str(REPORT_DOCUMENT_URL_LIFETIME_SECONDS)
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": amz_date,
            "X-Amz-SignedHeaders": "content-type;host",
            "X-Amz-Expires": expires,
            "X-Amz-Credential": f"ASCSANDBOX/{amz_date[:8]}/us-east-1/s3/aws4_request",
            "X-Amz-Signature": self._signature(upload, amz_date, expires),
        }
        path = UPLOADS_PATH + quote(upload.document_id, safe="")
        return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"

    def receive(self, request: Request, now: datetime) -> Response:
        """Serve ``PUT /_sandbox/uploads/<id>`` like S3 serves a pre-signed PUT."""
        if request.method != "PUT":
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed.")
        upload = self.get(request.path[len(UPLOADS_PATH) :])
        args = request.args
        amz_date = args.get("X-Amz-Date", "")
        expires = args.get("X-Amz-Expires", "")
        signature = args.get("X-Amz-Signature", "")
        if not signature or not amz_date or not expires:
            return s3_error(
                403, "AccessDenied", "Query-string authentication requires the Signature."
            )
        if upload is None:
            return s3_error(404, "NoSuchUpload", "The specified upload does not exist.")
        expected = self._signature(upload, amz_date, expires)
        if request.content_type != upload.content_type or not hmac.compare_digest(
            signature, expected
        ):
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
        if now > signed_at + timedelta(seconds=int(expires)):
            return s3_error(403, "AccessDenied", "Request has expired")
        body = request.get_data()
        with self._lock:
            upload.body = body
        response = Response(b"", status=200)
        response.headers["ETag"] = f'"{hashlib.md5(body).hexdigest()}"'  # noqa: S324
        return response
