"""Listings Items API 2021-08-01, the write operations: patch, put and delete one listing.

``PATCH`` / ``PUT`` / ``DELETE /listings/2021-08-01/items/{sellerId}/{sku}`` with
``marketplaceIds`` (required, the seller's one marketplace), ``includedData`` (``identifiers``,
``issues``; default ``issues``), ``mode=VALIDATION_PREVIEW`` (put and patch: validate, change
nothing) and ``issueLocale`` (accepted; messages are always English). The answer is always 200
with a ``ListingsItemSubmissionResponse`` once the request itself is well formed; what Amazon
thinks of the change is in its ``status`` and ``issues`` (``sandbox/listings_writes.py``). A body
that breaks the request schema is a 400 ``InvalidInput``.

Usage plans: each operation has its own bucket (taken by the front door, ``spapi_app``); a
``VALIDATION_PREVIEW`` additionally takes a token from ``listingsItemValidationPreview`` (1/s,
burst 1), so a client previewing faster than that is throttled with Amazon's 429.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from asc_pipelines.sandbox.listings_api import seller_and_marketplace_refusal
from asc_pipelines.sandbox.listings_writes import ListingsWrites, MalformedSubmission
from asc_pipelines.sandbox.ratelimit import RateLimiter
from asc_pipelines.sandbox.responses import json_response, quota_exceeded, spapi_error
from asc_pipelines.sandbox.spapi_call import Call

WRITE_INCLUDED_DATA = ("identifiers", "issues")
PREVIEW_MODE = "VALIDATION_PREVIEW"
PREVIEW_OPERATION = "listingsItemValidationPreview"
_UNPARSEABLE = "Request has missing or invalid parameters and cannot be parsed."


def _invalid(details: str) -> Response:
    return spapi_error(400, "InvalidInput", _UNPARSEABLE, details)


class ListingsWriteApi:
    """The three write handlers over the sandbox's ``ListingsWrites``."""

    def __init__(self, writes: ListingsWrites, limiter: RateLimiter) -> None:
        self.writes = writes
        self.limiter = limiter

    def patch_listings_item(self, call: Call) -> Response:
        """patchListingsItem: JSON Patch of top-level attributes of an existing listing."""
        return self._submit(call, "PATCH")

    def put_listings_item(self, call: Call) -> Response:
        """putListingsItem: create a listing, or replace the whole of an existing one."""
        return self._submit(call, "PUT")

    def delete_listings_item(self, call: Call) -> Response:
        """deleteListingsItem: remove the listing (after the processing delay)."""
        return self._submit(call, "DELETE")

    def _submit(self, call: Call, operation: str) -> Response:
        refusal = seller_and_marketplace_refusal(call, _invalid)
        if refusal is not None:
            return refusal
        included = call.query_list("includedData") or ["issues"]
        if operation == "DELETE":
            included = ["issues"]  # deleteListingsItem takes no includedData
        unknown = [value for value in included if value not in WRITE_INCLUDED_DATA]
        if unknown:
            return _invalid(f"Invalid includedData value(s): {', '.join(unknown)}.")
        mode = call.request.args.get("mode")
        if mode is not None and (operation == "DELETE" or mode != PREVIEW_MODE):
            return _invalid(f"mode must be {PREVIEW_MODE} (put and patch only).")
        preview = mode == PREVIEW_MODE
        seller_id = call.store.store.seller_id
        if preview and not self.limiter.try_acquire(seller_id, PREVIEW_OPERATION):
            return quota_exceeded()
        if preview:
            call.usage_plan = PREVIEW_OPERATION
        body = None
        if operation != "DELETE":
            body = call.request.get_json(silent=True, force=True)
            if not isinstance(body, dict):
                return _invalid("The request body must be a JSON object.")
        try:
            submission = self.writes.submit(
                call.store, operation, call.params["sku"], body, now=call.now, preview=preview
            )
        except MalformedSubmission as error:
            return _invalid(str(error))
        return json_response(200, submission.to_json(included))
