"""Magento's ``searchCriteria``: read from the query string, evaluated over a column table, paged.

Every Magento list endpoint (products, MSI source items, orders) takes the same search criteria
(protocols.md 7.3): filters inside one filter group are ORed, filter groups are ANDed, sort orders
apply in turn, ``pageSize`` omitted means every row, ``currentPage`` is 1-based with 0 read as 1,
and a page past the end repeats the last page (Magento's ``Collection::getCurPage`` clamp).

The sandbox keeps its tables column by column (one list or array per field), so a filter is one
pass over one column producing a byte mask, in C-level ``map`` calls where the column can hold no
NULL. Comparisons follow MySQL with its default ``utf8_general_ci`` collation: text compares
case-insensitively (accent-sensitively, a simplification), NULL never matches a comparison or its
negation, and a number column compares against the number that a string value starts with.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import compress, repeat
from typing import Any, Literal, Protocol

from asc_pipelines.constants import MAGENTO_CONDITION_TYPES, MAGENTO_DATETIME_FORMAT

ColumnKind = Literal["int", "float", "text", "date"]
JsonParameters = Mapping[str, Any] | Sequence[Any] | None


class MagentoError(Exception):
    """A Magento REST error: HTTP status plus the ``{"message", "parameters"}`` body (7.2).

    ``message`` is Magento's template with ``%name`` or ``%1`` placeholders; the client fills them
    in from ``parameters`` itself, so the sandbox never substitutes them.
    """

    def __init__(
        self,
        status: int,
        message: str,
        parameters: JsonParameters = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body Magento sends for this error."""
        body: dict[str, Any] = {"message": self.message}
        if self.parameters is not None:
            body["parameters"] = self.parameters
        if self.errors is not None:
            body["errors"] = self.errors
        return body


_report_ids = itertools.count(1)


def internal_error() -> MagentoError:
    """500 as Magento answers in production mode for an unexpected exception (a SQL error)."""
    report = f"webapi-{next(_report_ids):013x}"
    return MagentoError(
        500, f"Internal Error. Details are available in Magento log file. Report ID: {report}"
    )


def required_field_error(field_name: str) -> MagentoError:
    """400 for a missing required input, as Magento's ``InputException::requiredField`` words it."""
    return MagentoError(
        400, '"%fieldName" is required. Enter and try again.', {"fieldName": field_name}
    )


def invalid_value_error(field_name: str, value: str) -> MagentoError:
    """400 for an input value Magento rejects (``InputException::invalidFieldValue``)."""
    return MagentoError(
        400,
        'Invalid value of "%value" provided for the %fieldName field.',
        {"value": value, "fieldName": field_name},
    )


def invalid_type_error(value: str, expected: str) -> MagentoError:
    """400 when a query value cannot be converted to the type the service interface declares."""
    return MagentoError(
        400,
        'The "%value" value\'s type is invalid. The "%type" type was expected. '
        "Verify and try again.",
        {"value": value, "type": expected},
    )


@dataclass(frozen=True)
class Filter:
    """One ``filters[F]`` entry: ``field``, ``value`` and ``condition_type`` (None means eq)."""

    field: str
    value: str | None
    condition_type: str | None

    def echo(self) -> dict[str, str]:
        """The filter as Magento echoes it in ``search_criteria`` (null properties left out)."""
        out = {"field": self.field}
        if self.value is not None:
            out["value"] = self.value
        if self.condition_type is not None:
            out["condition_type"] = self.condition_type
        return out


@dataclass(frozen=True)
class SortOrder:
    """One ``sortOrders[N]`` entry; ``direction`` is normalized to ``ASC`` or ``DESC``."""

    field: str
    direction: str


@dataclass(frozen=True)
class SearchCriteria:
    """A parsed ``searchCriteria``; page fields stay None when the request left them out."""

    filter_groups: tuple[tuple[Filter, ...], ...]
    sort_orders: tuple[SortOrder, ...] | None
    page_size: int | None
    current_page: int | None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` object of a list response: what was asked, not what was served.

        ``current_page`` echoes the requested number even past the last page (protocols.md 7.3).
        """
        out: dict[str, Any] = {
            "filter_groups": [
                {"filters": [f.echo() for f in group]} for group in self.filter_groups
            ]
        }
        if self.sort_orders is not None:
            out["sort_orders"] = [
                {"field": s.field, "direction": s.direction} for s in self.sort_orders
            ]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out

    def selection_key(self) -> tuple[Any, ...]:
        """What decides the matching rows and their order (not the page): a cache key."""
        return (self.filter_groups, self.sort_orders or ())


# --- parsing the query string ---------------------------------------------------------------

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_NUMBER_PREFIX = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_SEARCH_CRITERIA = "searchCriteria"
_CONDITION_TYPES = frozenset(MAGENTO_CONDITION_TYPES)


def _canonical(key: str) -> str:
    """Magento maps snake_case query keys to camelCase properties; accept either spelling."""
    return key.replace("_", "").lower()


def parse_search_criteria(pairs: Iterable[tuple[str, str]]) -> SearchCriteria:
    """Read ``searchCriteria[...]`` query parameters the way PHP and Magento's input processor do.

    PHP builds nested arrays from the bracketed keys (a later duplicate key wins, ``[]`` appends,
    list entries keep the order they were given in). A bare ``searchCriteria=`` means "no
    criteria" and returns every row; no ``searchCriteria`` key at all is Magento's 400
    ``%fieldName is a required field.``. Unknown properties are ignored.
    """
    tree: dict[str, Any] = {}
    present = False
    for key, value in pairs:
        if key == _SEARCH_CRITERIA:
            present = True
            continue
        if not key.startswith(_SEARCH_CRITERIA + "["):
            continue
        present = True
        parts = _BRACKETS.findall(key[len(_SEARCH_CRITERIA) :])
        node = tree
        for part in parts[:-1]:
            name = part if part else str(len(node))
            child = node.get(name)
            if not isinstance(child, dict):
                child = {}
                node[name] = child
            node = child
        last = parts[-1] if parts[-1] else str(len(node))
        node[last] = value
    if not present:
        raise MagentoError(400, "%fieldName is a required field.", {"fieldName": _SEARCH_CRITERIA})
    props = {_canonical(k): v for k, v in tree.items()}
    groups = tuple(
        tuple(_parse_filter(f) for f in _entries(_as_dict(g, "filter_groups").get("filters", {})))
        for g in _entries(props.get("filtergroups", {}))
    )
    sort_orders = None
    if "sortorders" in props:
        sort_orders = tuple(_parse_sort_order(s) for s in _entries(props["sortorders"]))
    return SearchCriteria(
        filter_groups=groups,
        sort_orders=sort_orders,
        page_size=_parse_int(props.get("pagesize")),
        current_page=_parse_int(props.get("currentpage")),
    )


def _entries(node: Any) -> list[Any]:
    """The values of a PHP list-like array, in the order given; a scalar is a type error."""
    if isinstance(node, dict):
        return list(node.values())
    if node == "":
        return []
    raise invalid_type_error(str(node), "array")


def _as_dict(node: Any, name: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise invalid_type_error(str(node), name)
    return {_canonical(k): v for k, v in node.items()}


def _scalar(node: Any) -> str | None:
    if node is None:
        return None
    if isinstance(node, dict):
        raise invalid_type_error("Array", "string")
    return str(node)


def _parse_filter(node: Any) -> Filter:
    props = _as_dict(node, "Filter")
    field = _scalar(props.get("field"))
    if not field:
        raise required_field_error("field")
    condition = _scalar(props.get("conditiontype")) or None
    if condition is not None and condition not in _CONDITION_TYPES:
        raise invalid_value_error("condition_type", condition)
    return Filter(field=field, value=_scalar(props.get("value")), condition_type=condition)


def _parse_sort_order(node: Any) -> SortOrder:
    props = _as_dict(node, "SortOrder")
    field = _scalar(props.get("field"))
    if not field:
        raise required_field_error("field")
    direction = (_scalar(props.get("direction")) or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        # Magento's SortOrder::validateDirection wording (unverified against a live 2.4 reply).
        raise MagentoError(
            400,
            'Sort order direction "%direction" is invalid. It must be "ASC" or "DESC".',
            {"direction": direction},
        )
    return SortOrder(field=field, direction=direction)


def _parse_int(node: Any) -> int | None:
    text = _scalar(node)
    if not text:
        return None
    if not _INTEGER.match(text):
        raise invalid_type_error(text, "int")
    return int(text)


# --- tables and columns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One searchable field of a table: its SQL-ish kind and one value per row.

    ``int``/``float`` hold numbers, ``date`` holds UTC epoch seconds, ``text`` holds strings;
    ``nullable`` columns hold None where the database would hold NULL.
    """

    kind: ColumnKind
    values: Sequence[Any]
    nullable: bool = False


class Table(Protocol):
    """What the search engine needs from a Magento table (products, source items, orders)."""

    def row_count(self) -> int:
        """Number of rows."""
        ...

    def column(self, field: str) -> Column:
        """The column behind a ``field`` of a filter or sort order; MagentoError if unknown."""
        ...

    def natural_order_fields(self) -> frozenset[str]:
        """The primary key's field names: sorting by it ascending is the table's own row order."""
        ...


@lru_cache(maxsize=4096)
def parse_sql_datetime(text: str) -> int | None:
    """A date filter value as MySQL would read it for a DATETIME column, as UTC epoch seconds.

    Accepts ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` (and ``T``, fractions, offsets). None when
    MySQL would not see a date, in which case the comparison matches nothing.
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return int(parsed.replace(tzinfo=UTC).timestamp())


def format_sql_datetime(epoch: int) -> str:
    """Epoch seconds as Magento prints dates in REST: ``YYYY-MM-DD HH:MM:SS``, UTC, no zone."""
    return datetime.fromtimestamp(epoch, UTC).strftime(MAGENTO_DATETIME_FORMAT)


def mysql_number(text: str) -> float:
    """The number MySQL reads from a string compared with a number (leading digits, else 0)."""
    match = _NUMBER_PREFIX.match(text)
    return float(match.group(1)) if match else 0.0


def _convert(kind: ColumnKind, text: str) -> Any:
    if kind == "text":
        return text.casefold()
    if kind == "date":
        return parse_sql_datetime(text)
    number = mysql_number(text)
    return int(number) if kind == "int" and number.is_integer() else number


def _sql_text(kind: ColumnKind, value: Any) -> str:
    """A value as MySQL renders it for LIKE / FIND_IN_SET on a non-text column."""
    if kind == "date":
        return format_sql_datetime(value)
    if kind == "float":
        return f"{value:.6f}"
    return str(value)


def _comparable(column: Column) -> Sequence[Any]:
    if column.kind == "text":
        if column.nullable:
            return [None if v is None else v.casefold() for v in column.values]
        return list(map(str.casefold, column.values))
    return column.values


def _as_text(column: Column) -> list[str | None]:
    if column.kind == "text":
        return [None if v is None else v.casefold() for v in column.values]
    return [None if v is None else _sql_text(column.kind, v) for v in column.values]


def like_pattern(value: str) -> re.Pattern[str]:
    """A SQL LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes) as a regex."""
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gteq": operator.ge,
    "moreq": operator.ge,
    "from": operator.ge,
    "lt": operator.lt,
    "lteq": operator.le,
    "to": operator.le,
}


def filter_mask(column: Column, condition: str, value: str | None) -> bytes:
    """One filter over one column: a byte per row, 1 where the row matches."""
    values = column.values
    if condition == "null":
        return bytes(v is None for v in values) if column.nullable else bytes(len(values))
    if condition == "notnull":
        return bytes(v is not None for v in values) if column.nullable else b"\x01" * len(values)
    text = "" if value is None else value
    if condition in ("like", "nlike"):
        match = like_pattern(text).fullmatch
        want = condition == "like"
        return bytes(v is not None and (match(v) is not None) == want for v in _as_text(column))
    if condition in ("finset", "nfinset"):
        needle = text.casefold()
        want = condition == "finset"
        return bytes(v is not None and (needle in v.split(",")) == want for v in _as_text(column))
    comparable = _comparable(column)
    if condition in ("in", "nin"):
        wanted = {_convert(column.kind, part.strip()) for part in text.split(",")}
        wanted.discard(None)
        if condition == "in":
            return bytes(v is not None and v in wanted for v in comparable)
        return bytes(v is not None and v not in wanted for v in comparable)
    compare = _COMPARISONS[condition]
    target = _convert(column.kind, text)
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return bytes(len(values))
    if column.nullable:
        return bytes(v is not None and compare(v, target) for v in comparable)
    return bytes(map(compare, comparable, repeat(target)))


def _sort_key(column: Column) -> Callable[[int], Any]:
    values = _comparable(column)
    if not column.nullable:
        return values.__getitem__

    def key(row: int) -> tuple[int, Any]:
        value = values[row]
        return (0, 0) if value is None else (1, value)  # MySQL sorts NULL first when ascending

    return key


def select_rows(table: Table, criteria: SearchCriteria) -> Sequence[int]:
    """Row numbers matching the criteria's filters, in its sort order (ties in table order)."""
    count = table.row_count()
    mask: bytes | None = None
    for group in criteria.filter_groups:
        group_mask: bytes | None = None
        for flt in group:
            column = table.column(flt.field)
            one = filter_mask(column, flt.condition_type or "eq", flt.value)
            group_mask = one if group_mask is None else bytes(map(operator.or_, group_mask, one))
        if group_mask is not None:
            mask = group_mask if mask is None else bytes(map(operator.and_, mask, group_mask))
    sort_orders = list(criteria.sort_orders or ())
    natural = table.natural_order_fields()
    while sort_orders and sort_orders[-1].field in natural and sort_orders[-1].direction == "ASC":
        sort_orders.pop()  # a trailing primary-key ASC sort is the table order already
    if not sort_orders:
        return range(count) if mask is None else array("q", compress(range(count), mask))
    order = list(range(count) if mask is None else compress(range(count), mask))
    for sort in reversed(sort_orders):
        order.sort(key=_sort_key(table.column(sort.field)), reverse=sort.direction == "DESC")
    return array("q", order)  # 8 bytes a row: a cached million-row selection stays small


def page_bounds(total: int, page_size: int | None, current_page: int | None) -> tuple[int, int]:
    """The slice of the selected rows one page serves, with Magento's clamping.

    No (or zero) page size serves everything. The page number is clamped into
    ``1..last_page`` exactly like ``Collection::getCurPage``, so asking past the end serves the
    last page again rather than an empty one (protocols.md 7.3).
    """
    if not page_size or page_size <= 0:
        return 0, total
    last_page = max(1, math.ceil(total / page_size))
    page = min(max(current_page or 1, 1), last_page)
    start = (page - 1) * page_size
    return start, min(start + page_size, total)


# --- partial responses ------------------------------------------------------------------------

FieldTree = dict[str, "FieldTree | None"]


def parse_fields(spec: str) -> FieldTree:
    """Parse Magento's ``fields=items[sku,name],total_count`` partial-response selector."""
    tree, _ = _parse_field_list(spec, 0)
    return tree


def _parse_field_list(spec: str, pos: int) -> tuple[FieldTree, int]:
    tree: FieldTree = {}
    name = ""
    while pos < len(spec):
        ch = spec[pos]
        if ch == "[":
            sub, pos = _parse_field_list(spec, pos + 1)
            tree[name.strip()] = sub
            name = ""
        elif ch == "]":
            if name.strip():
                tree[name.strip()] = None
            return tree, pos + 1
        elif ch == ",":
            if name.strip():
                tree[name.strip()] = None
            name = ""
            pos += 1
        else:
            name += ch
            pos += 1
    if name.strip():
        tree[name.strip()] = None
    return tree, pos


def apply_fields(data: Any, tree: FieldTree) -> Any:
    """Keep only the selected keys of a response, recursing into lists and sub-selections."""
    if isinstance(data, list):
        return [apply_fields(item, tree) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, sub in tree.items():
        if key in data:
            out[key] = data[key] if sub is None else apply_fields(data[key], sub)
    return out
