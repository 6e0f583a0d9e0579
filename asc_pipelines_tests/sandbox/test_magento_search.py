"""Magento's searchCriteria as the sandbox reads it: query syntax, paging, partial responses."""

from __future__ import annotations

import json

import pytest

from asc_pipelines.sandbox.magento_api import magento_json
from asc_pipelines.sandbox.magento_search import (
    Filter,
    MagentoError,
    SortOrder,
    apply_fields,
    like_pattern,
    page_bounds,
    parse_fields,
    parse_search_criteria,
)


def test_snake_and_camel_case_keys_are_both_understood() -> None:
    criteria = parse_search_criteria(
        [
            ("searchCriteria[filterGroups][0][filters][0][field]", "sku"),
            ("searchCriteria[filterGroups][0][filters][0][value]", "A"),
            ("searchCriteria[filterGroups][0][filters][0][conditionType]", "neq"),
            ("searchCriteria[sort_orders][0][field]", "price"),
            ("searchCriteria[sort_orders][0][direction]", "desc"),
            ("searchCriteria[page_size]", "50"),
            ("searchCriteria[current_page]", "2"),
        ]
    )
    assert criteria.filter_groups == ((Filter("sku", "A", "neq"),),)
    assert criteria.sort_orders == (SortOrder("price", "DESC"),)
    assert (criteria.page_size, criteria.current_page) == (50, 2)


def test_entries_keep_the_order_given_and_empty_brackets_append() -> None:
    criteria = parse_search_criteria(
        [
            ("searchCriteria[sortOrders][1][field]", "name"),
            ("searchCriteria[sortOrders][0][field]", "price"),
            ("searchCriteria[filter_groups][][filters][0][field]", "sku"),
        ]
    )
    assert [s.field for s in criteria.sort_orders or ()] == ["name", "price"]
    assert criteria.filter_groups == ((Filter("sku", None, None),),)


def test_echo_leaves_out_what_the_request_left_out() -> None:
    criteria = parse_search_criteria(
        [("searchCriteria[filter_groups][0][filters][0][field]", "sku")]
    )
    assert criteria.echo() == {"filter_groups": [{"filters": [{"field": "sku"}]}]}


def test_missing_search_criteria_is_magentos_required_field_error() -> None:
    with pytest.raises(MagentoError) as caught:
        parse_search_criteria([("fields", "items[sku]")])
    assert caught.value.status == 400
    assert caught.value.body() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "searchCriteria"},
    }


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("searchCriteria[pageSize]", "ten")], 'The "%value" value\'s type is invalid.'),
        (
            [
                ("searchCriteria[filter_groups][0][filters][0][field]", "sku"),
                ("searchCriteria[filter_groups][0][filters][0][condition_type]", "contains"),
            ],
            'Invalid value of "%value" provided for the %fieldName field.',
        ),
        (
            [
                ("searchCriteria[sortOrders][0][field]", "sku"),
                ("searchCriteria[sortOrders][0][direction]", "UP"),
            ],
            "Sort order direction",
        ),
        (
            [("searchCriteria[filter_groups][0][filters][0][value]", "x")],
            '"%fieldName" is required.',
        ),
    ],
)
def test_malformed_criteria_are_400_with_a_magento_template(
    pairs: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(MagentoError) as caught:
        parse_search_criteria(pairs)
    assert caught.value.status == 400
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("total", "page_size", "current_page", "expected"),
    [
        (10, 4, 1, (0, 4)),
        (10, 4, 3, (8, 10)),
        (10, 4, 4, (8, 10)),  # past the end: the last page again
        (10, 4, 99, (8, 10)),
        (10, 4, 0, (0, 4)),  # page 0 is page 1
        (10, 4, None, (0, 4)),
        (10, None, 5, (0, 10)),  # no page size: everything
        (0, 4, 3, (0, 0)),
        (8, 4, 3, (4, 8)),
    ],
)
def test_page_bounds_clamp_like_collection_get_cur_page(
    total: int, page_size: int | None, current_page: int | None, expected: tuple[int, int]
) -> None:
    assert page_bounds(total, page_size, current_page) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("%hoodie%", "Chaz Kangeroo HOODIE", True),
        ("MH01-_-Red", "MH01-S-Red", True),
        ("MH01-_-Red", "MH01-XL-Red", False),
        ("100\\%", "100%", True),
        ("100\\%", "1000", False),
        ("a.b", "axb", False),
    ],
)
def test_like_patterns_follow_sql(pattern: str, text: str, matches: bool) -> None:
    assert (like_pattern(pattern).fullmatch(text) is not None) is matches


def test_fields_selects_nested_keys() -> None:
    data = {"items": [{"sku": "A", "name": "n", "x": {"y": 1, "z": 2}}], "total_count": 1}
    tree = parse_fields("items[sku,x[z]],total_count")
    assert apply_fields(data, tree) == {"items": [{"sku": "A", "x": {"z": 2}}], "total_count": 1}


def test_json_is_encoded_like_php_json_encode() -> None:
    response = magento_json({"name": "Café 1/2 日本"})
    assert response.get_data(as_text=True) == '{"name":"Caf\\u00e9 1\\/2 \\u65e5\\u672c"}'
    assert json.loads(response.get_data()) == {"name": "Café 1/2 日本"}
    assert response.content_type == "application/json; charset=utf-8"
