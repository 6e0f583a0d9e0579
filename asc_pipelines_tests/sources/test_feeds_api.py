"""The Feeds API 2021-06-30 on the wire (protocols.md 10.2), against a scripted local server that
answers as feeds_2021-06-30.json's examples do: create a document, upload the feed to the
pre-signed URL without SP-API headers, create the feed, follow it, read its processing report."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from werkzeug.wrappers import Request, Response

from asc_pipelines.sources.errors import SourceError
from asc_pipelines.sources.listing_patches import quantity_patch
from asc_pipelines.sources.listings_feed import (
    CONTENT_TYPE,
    FEED_TYPE,
    encode_feed,
    listings_feed,
    patch_message,
)
from asc_pipelines_tests.spapi_models import assert_valid_response, load_model

from .test_listings_writes import answer, api

FEEDS = "/feeds/2021-06-30"
MODEL = "feeds_2021-06-30.json"
DOCUMENT_ID = "3d4e42b5-1d6e-44e8-a89c-2abfca0625bb"  # the model's createFeedDocument example
SIGNATURE = "X-Amz-Signature=deadbeefsignature"
REPORT_EXAMPLE = (
    Path(__file__).parents[1]
    / "data/spapi-models/listings-feed/listings-feed-processing-report-schema-v2.example.json"
)


def assert_valid_request(definition: str, body: Any) -> None:
    """``body`` matches a request definition of the Feeds model (swagger 2.0)."""
    schema = {
        "$ref": f"#/definitions/{definition}",
        "definitions": load_model(MODEL)["definitions"],
    }
    jsonschema.Draft4Validator(schema).validate(body)


def feed_answer(status: str, **extra: Any) -> Response:
    """getFeed's answer, shaped as the model's example (feedId, feedType, createdTime, ...)."""
    body = {
        "feedId": "3485934",
        "feedType": FEED_TYPE,
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "createdTime": "2024-03-11T13:16:24.630Z",
        "processingStatus": status,
        **extra,
    }
    return answer(body)


def test_a_feed_goes_out_and_its_report_comes_back(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    @server.route("POST", f"{FEEDS}/documents")
    def create_document(request: Request) -> Response:
        url = f"{server.base_url}/upload/{DOCUMENT_ID}?{SIGNATURE}"
        return answer({"feedDocumentId": DOCUMENT_ID, "url": url}, 201)

    server.route("PUT", f"/upload/{DOCUMENT_ID}")(lambda request: Response("", status=200))
    server.route("POST", f"{FEEDS}/feeds")(lambda request: answer({"feedId": "3485934"}, 202))
    statuses = iter(
        [
            feed_answer("IN_PROGRESS", processingStartTime="2024-03-11T13:17:00Z"),
            feed_answer(
                "DONE",
                processingStartTime="2024-03-11T13:17:00Z",
                processingEndTime="2024-03-11T13:20:00Z",
                resultFeedDocumentId="0356cf79-b8b0-4226-b4b9-0ee058ea5760",
            ),
        ]
    )
    server.route("GET", f"{FEEDS}/feeds/3485934")(lambda request: next(statuses))

    @server.route("GET", f"{FEEDS}/documents/0356cf79-b8b0-4226-b4b9-0ee058ea5760")
    def result_document(request: Request) -> Response:
        url = f"{server.base_url}/result/0356cf79?{SIGNATURE}"
        return answer({"feedDocumentId": "0356cf79", "url": url, "compressionAlgorithm": "GZIP"})

    report_bytes = gzip.compress(REPORT_EXAMPLE.read_bytes())
    server.route("GET", "/result/0356cf79")(
        lambda request: Response(report_bytes, content_type="application/octet-stream")
    )

    client = api(server, fake_time)
    feed = listings_feed("A1EXAMPLESELLER", [patch_message("SKU-1", "SHOES", [quantity_patch(2)])])
    body = encode_feed(feed)

    upload = client.create_feed_document(CONTENT_TYPE)
    assert upload.feed_document_id == DOCUMENT_ID
    client.upload_feed_document(upload.url, body, CONTENT_TYPE)
    feed_id = client.create_feed(FEED_TYPE, ["ATVPDKIKX0DER"], upload.feed_document_id)
    assert feed_id == "3485934"
    first = client.get_feed(feed_id)
    assert first.processing_status == "IN_PROGRESS" and not first.finished
    assert first.result_feed_document_id is None
    done = client.get_feed(feed_id)
    assert done.finished and done.result_feed_document_id == "0356cf79-b8b0-4226-b4b9-0ee058ea5760"
    assert done.created_time == datetime(2024, 3, 11, 13, 16, 24, 630000, tzinfo=UTC)
    assert done.processing_end_time == datetime(2024, 3, 11, 13, 20, tzinfo=UTC)
    document = client.get_feed_document(done.result_feed_document_id)
    report = client.download_feed_processing_report(document, tmp_path / "report.json")
    assert report.feed_id == "1234567890"
    assert report.refused_message_ids == {4, 5}

    (create_doc,) = server.calls(f"{FEEDS}/documents")
    assert json.loads(create_doc.get_data()) == {"contentType": "application/json; charset=UTF-8"}
    assert_valid_request("CreateFeedDocumentSpecification", json.loads(create_doc.get_data()))
    assert create_doc.headers["x-amz-access-token"] == "Atza|write-token"
    (put,) = server.calls(f"/upload/{DOCUMENT_ID}")
    assert put.method == "PUT"
    assert put.get_data() == body
    assert put.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert put.args.to_dict() == {"X-Amz-Signature": "deadbeefsignature"}
    assert "x-amz-access-token" not in put.headers and "x-amz-date" not in put.headers
    (create,) = server.calls(f"{FEEDS}/feeds")
    assert_valid_request("CreateFeedSpecification", json.loads(create.get_data()))
    assert json.loads(create.get_data()) == {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": DOCUMENT_ID,
    }
    (download,) = server.calls("/result/0356cf79")
    assert "x-amz-access-token" not in download.headers


def test_the_answers_scripted_here_match_the_model() -> None:
    upload = {"feedDocumentId": DOCUMENT_ID, "url": "https://example.com/u"}
    assert_valid_response(MODEL, "createFeedDocument", 201, upload)
    assert_valid_response(MODEL, "createFeed", 202, {"feedId": "3485934"})
    for status in ("IN_QUEUE", "DONE"):
        body = json.loads(feed_answer(status, resultFeedDocumentId="r1").get_data())
        assert_valid_response(MODEL, "getFeed", 200, body)
    assert_valid_response(MODEL, "cancelFeed", 200, None)


def test_an_uncompressed_processing_report_is_read_too(server, fake_time, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("GET", "/result/plain")(
        lambda request: Response(REPORT_EXAMPLE.read_bytes(), content_type="application/json")
    )
    report = api(server, fake_time).download_feed_processing_report(
        {"url": f"{server.base_url}/result/plain"}, tmp_path / "report.json"
    )
    assert report.summary.messages_processed == 4


def test_cancel_feed_takes_an_answer_without_a_body(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    # werkzeug routes on the decoded path; RAW_URI below is what was sent.
    server.route("DELETE", f"{FEEDS}/feeds/F 1")(lambda request: Response("", status=200))
    assert api(server, fake_time).cancel_feed("F 1") is None
    (request,) = [r for r in server.seen if r.method == "DELETE"]
    assert request.environ["RAW_URI"] == f"{FEEDS}/feeds/F%201"
    assert request.headers["x-amz-access-token"] == "Atza|write-token"


def test_an_upload_is_retried_on_a_server_error(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    answers = iter([Response("<Error>SlowDown</Error>", status=503), Response("", status=200)])
    server.route("PUT", "/upload/d1")(lambda request: next(answers))
    api(server, fake_time).upload_feed_document(
        f"{server.base_url}/upload/d1?{SIGNATURE}", b"{}", CONTENT_TYPE
    )
    assert [r.get_data() for r in server.calls("/upload/d1")] == [b"{}", b"{}"]


def test_an_expired_upload_url_fails_without_showing_its_signature(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("PUT", "/upload/d1")(
        lambda request: Response("<Error><Code>AccessDenied</Code></Error>", status=403)
    )
    with pytest.raises(SourceError) as caught:
        api(server, fake_time).upload_feed_document(
            f"{server.base_url}/upload/d1?{SIGNATURE}", b"{}", CONTENT_TYPE
        )
    assert "HTTP 403" in str(caught.value) and "AccessDenied" in str(caught.value)
    assert "deadbeef" not in str(caught.value)
    assert not caught.value.retryable
    assert len(server.calls("/upload/d1")) == 1


def test_create_feed_waits_for_its_bucket_after_the_burst(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("POST", f"{FEEDS}/feeds")(lambda request: answer({"feedId": "1"}, 202))
    client = api(server, fake_time)
    for _ in range(15):  # createFeed: burst 15
        client.create_feed(FEED_TYPE, ["ATVPDKIKX0DER"], DOCUMENT_ID)
    assert fake_time.sleeps == []
    client.create_feed(FEED_TYPE, ["ATVPDKIKX0DER"], DOCUMENT_ID)
    assert fake_time.sleeps == [pytest.approx(1 / 0.0083)]  # one feed per ~2 minutes


def test_an_answer_missing_the_feed_id_is_an_error(server, fake_time) -> None:  # type: ignore[no-untyped-def]
    server.route("POST", f"{FEEDS}/feeds")(lambda request: answer({}, 202))
    with pytest.raises(SourceError, match=r"createFeed failed \(HTTP 202\).*feedId"):
        api(server, fake_time).create_feed(FEED_TYPE, ["ATVPDKIKX0DER"], DOCUMENT_ID)
