"""Listings Items API ``Item`` objects as rows of ``raw.amazon_listing_issues``."""

from __future__ import annotations

from datetime import UTC, datetime

from asc_pipelines.sources.listing_issues import ISSUE_COLUMNS, issue_rows

FETCHED = datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_one_row_per_issue_and_none_for_a_listing_without_issues() -> None:
    items = [
        {
            "sku": "A-1",
            "summaries": [{"asin": "B000000001", "status": ["BUYABLE"]}],
            "issues": [
                {
                    "code": "90220",
                    "message": "'brand' is required",
                    "severity": "ERROR",
                    "categories": ["MISSING_ATTRIBUTE"],
                    "attributeNames": ["brand"],
                    "enforcements": {"actions": [{"action": "LISTING_SUPPRESSED"}]},
                },
                {"code": "18027", "severity": "WARNING"},
            ],
        },
        {"sku": "B-2", "summaries": [{"asin": "B000000002"}], "issues": []},
    ]
    frame = issue_rows("us", items, FETCHED)
    assert list(frame.columns) == ISSUE_COLUMNS
    rows = frame.to_dict("records")
    assert [(r["seller_sku"], r["code"], r["severity"]) for r in rows] == [
        ("A-1", "90220", "ERROR"),
        ("A-1", "18027", "WARNING"),
    ]
    assert rows[0]["enforcement_actions"] == ["LISTING_SUPPRESSED"]
    assert rows[0]["item_status"] == ["BUYABLE"] and rows[0]["attribute_names"] == ["brand"]
    assert (rows[1]["categories"], rows[1]["enforcement_actions"]) == ([], [])


def test_no_items_give_an_empty_frame_with_every_column() -> None:
    frame = issue_rows("us", [], FETCHED)
    assert frame.empty and list(frame.columns) == ISSUE_COLUMNS
