"""The model-validation helper itself: it must accept Amazon's shapes and reject broken ones."""

from __future__ import annotations

import pytest

from asc_pipelines_tests.spapi_models import assert_valid_response

REPORTS = "reports_2021-06-30.json"


def test_a_report_in_the_models_shape_is_accepted() -> None:
    body = {
        "reportId": "123318018934",
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "createdTime": "2021-11-03T09:52:55+00:00",
        "processingStatus": "DONE",
        "reportDocumentId": "amzn1.spdoc.1.4.na.x",
    }
    assert_valid_response(REPORTS, "getReport", 200, body)


def test_a_missing_required_field_is_rejected() -> None:
    with pytest.raises(AssertionError, match="createdTime"):
        assert_valid_response(
            REPORTS,
            "getReport",
            200,
            {"reportId": "1", "reportType": "X", "processingStatus": "DONE"},
        )


def test_a_misspelt_field_is_rejected_in_strict_mode_only() -> None:
    body = {"reportId": "1", "reportID": "1"}
    with pytest.raises(AssertionError, match="reportID"):
        assert_valid_response(REPORTS, "createReport", 202, body)
    assert_valid_response(REPORTS, "createReport", 202, body, strict=False)


def test_a_date_time_without_time_zone_is_rejected() -> None:
    body = {
        "reportId": "1",
        "reportType": "X",
        "processingStatus": "DONE",
        "createdTime": "2021-11-03T09:52:55",
    }
    with pytest.raises(AssertionError, match="is not a 'date-time'"):
        assert_valid_response(REPORTS, "getReport", 200, body)


def test_an_undeclared_status_is_reported() -> None:
    with pytest.raises(AssertionError, match="declares no 418"):
        assert_valid_response(REPORTS, "getReport", 418, {})


def test_orders_error_bodies_validate_against_the_wrapped_response() -> None:
    body = {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}
    assert_valid_response("ordersV0.json", "getOrders", 400, body)
