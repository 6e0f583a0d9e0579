"""A store's listing rules compiled to parameterized SQL predicates over ``raw.magento_products``.

Each condition becomes one boolean SQL expression on the product alias ``p`` plus its parameters;
the attribute name is checked against the table's columns (never spliced from config unchecked)
and every value is bound as a parameter. A condition on a missing value is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from asc_pipelines.config import ListingCondition

# Attributes a rule may name: raw.magento_products columns, by kind.
TEXT_ATTRIBUTES = frozenset(
    {"sku", "type_id", "name", "asin", "upc", "ean", "isbn", "gtin", "condition"}
)
NUMBER_ATTRIBUTES = frozenset(
    {"entity_id", "status", "visibility", "price", "required_options", "salable_qty"}
)
DATE_ATTRIBUTES = frozenset({"created_at", "updated_at"})
LIST_ATTRIBUTES = frozenset({"website_codes"})
RULE_ATTRIBUTES = TEXT_ATTRIBUTES | NUMBER_ATTRIBUTES | DATE_ATTRIBUTES | LIST_ATTRIBUTES
_COMPARISONS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class RuleError(ValueError):
    """A listing rule names an attribute or combination this project cannot evaluate."""


@dataclass(frozen=True)
class Predicate:
    sql: str
    params: list[Any]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compile_condition(condition: ListingCondition, *, today: date) -> Predicate:
    """One condition as ``coalesce(<expr>, false)`` with its bound values."""
    attribute, op, value = condition.attribute, condition.op, condition.value
    if attribute not in RULE_ATTRIBUTES:
        known = ", ".join(sorted(RULE_ATTRIBUTES))
        raise RuleError(f"unknown attribute {attribute!r} (known: {known})")
    column = f"p.{attribute}"
    if op in ("is_empty", "not_empty"):
        if attribute in LIST_ATTRIBUTES:
            empty = f"({column} IS NULL OR len({column}) = 0)"
        else:
            empty = f"({column} IS NULL OR trim(CAST({column} AS VARCHAR)) = '')"
        return Predicate(empty if op == "is_empty" else f"NOT {empty}", [])
    if attribute in LIST_ATTRIBUTES:
        if op in ("eq", "contains"):
            return Predicate(f"coalesce(list_contains({column}, ?), false)", [str(value)])
        if op == "neq":
            return Predicate(f"coalesce(NOT list_contains({column}, ?), false)", [str(value)])
        if op in ("in", "nin"):
            hit = f"len(list_intersect({column}, ?::VARCHAR[])) > 0"
            sql = f"coalesce({hit}, false)" if op == "in" else f"coalesce(NOT ({hit}), false)"
            return Predicate(sql, [[str(v) for v in value]])
        raise RuleError(f"op {op} does not apply to the list attribute {attribute}")
    if attribute in DATE_ATTRIBUTES and op in _COMPARISONS:
        when = today if value == "today" else date.fromisoformat(str(value))
        # The tick's date is a UTC date: compare the attribute's UTC date, whatever the
        # DuckDB session's time zone is.
        utc_date = f"CAST(timezone('UTC', {column}) AS DATE)"
        return Predicate(f"coalesce({utc_date} {_COMPARISONS[op]} ?, false)", [when])
    if op in _COMPARISONS:
        if attribute in NUMBER_ATTRIBUTES:
            return Predicate(f"coalesce({column} {_COMPARISONS[op]} ?::DOUBLE, false)", [value])
        return Predicate(f"coalesce({column} {_COMPARISONS[op]} ?::VARCHAR, false)", [str(value)])
    if op in ("in", "nin"):
        values = list(value)
        if all(_is_number(v) for v in values) and attribute in NUMBER_ATTRIBUTES:
            hit = f"list_contains(?::DOUBLE[], CAST({column} AS DOUBLE))"
        else:
            hit = f"list_contains(?::VARCHAR[], CAST({column} AS VARCHAR))"
            values = [str(v) for v in values]
        sql = f"coalesce({hit}, false)" if op == "in" else f"coalesce(NOT {hit}, false)"
        return Predicate(sql, [values])
    if op == "contains":
        sql = f"coalesce(contains(lower(CAST({column} AS VARCHAR)), lower(?)), false)"
        return Predicate(sql, [str(value)])
    raise RuleError(f"op {op} is not supported")
