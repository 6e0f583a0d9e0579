"""Stage an Amazon listing report (GET_MERCHANT_LISTINGS_*) into DuckDB, row-checked and typed.

The report is tab-separated text with a header line, no quoting (a ``"`` is literal) and a column
set that differs by report type, marketplace and year (protocols.md 2.7), so columns are found by
header *name*, compared case-, space- and underscore-insensitively (``Minimum order quantity`` ==
``minimum-order-quantity``).

Two passes, both streaming:

1. Python reads the file in blocks of whole lines in binary, decodes each line *strictly* with the
   report's charset and counts its fields. A line that does not decode (bytes invalid in the
   charset), holds a NUL byte (never text: a sign of a damaged file), is longer than any listing
   line can be, or has the wrong number of fields is rejected with its reason; it is never
   "repaired" with replacement characters, which would silently corrupt SKUs and names. Good lines
   go to a clean UTF-8 TSV. Per-line decoding is safe for the charsets Amazon uses (Cp1252, UTF-8,
   Windows-31J) because the bytes ``0x0A`` and ``0x0D`` are never part of a multi-byte character
   in them. A UTF-8 byte order mark at the start means UTF-8, whatever charset the download named.
2. DuckDB reads that TSV and types it with set-based SQL into a temp table of listings; rows
   whose values do not convert go to a temp table of rejected lines with every reason that applies.

The caller gets both tables as a `StagedListings`: their names, their row counts, and ``drop()``
(or a ``with`` block) to remove them. The tables belong to this module: no caller names them.

Line ends: a line ends at LF; CRs just before it belong to the line end (CR LF files, and CR CR LF
from a Windows file converted twice), so LF, CR LF and mixed files read alike. A CR anywhere else
is data in its field (the seller's text, kept as it is); DuckDB's CSV reader cannot carry one, so
the few lines holding one reach DuckDB as JSON instead. A ``"`` is data too: nothing is quoted.

Rejected reasons (the rejected table's ``reason``; several are joined with ``; ``):
``bytes not valid <charset> at offset N``, ``NUL byte at offset N``,
``line has N characters, more than the 100000 a listing line can have``,
``expected N tab-separated fields, found M``,
``empty seller-sku``, ``price '…' is not a number``, ``quantity '…' is not an integer``,
``pending-quantity '…' is not an integer``, ``open-date '…' has no time zone abbreviation``,
``unknown time zone abbreviation 'XYZ' in open-date``, ``open-date '…' matches none of <formats>``,
``duplicate seller-sku (first on line N)``. Offsets count bytes from the start of the line. A
rejected line longer than the limit keeps its first 100000 characters in ``raw_line`` (the reason
says so). Empty lines carry no listing and are only counted; a line of only blanks is rejected by
its field count like any other. Every data line ends up in exactly one of the two tables.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import ClassVar, TextIO

import duckdb

from asc_pipelines import constants
from asc_pipelines.sources.errors import ReportFormatError
from asc_pipelines.warehouse.staging import StagedTables, drop_tables

REJECT_SOURCE = "amazon_listings_report"
# The staged tables: TEMP, so private to the connection that staged them; one report at a time.
_LISTINGS_TABLE = "stage_listings"
_REJECTED_TABLE = "stage_rejected_rows"
_DUPLICATES_TABLE = "_asc_report_duplicates"
_STAGED_TABLES = (_LISTINGS_TABLE, _REJECTED_TABLE, _DUPLICATES_TABLE)
_BUFFER = 1 << 20
_BLOCK = 4 << 20
_UTF8_BOM = b"\xef\xbb\xbf"
# Far beyond any listing line (Amazon's longest field, item-description, holds 2,000 characters);
# at up to 4 UTF-8 bytes a character such a line fits the line size DuckDB's reader is given.
LONGEST_LINE = 100_000
_MAX_LINE_BYTES = 1 << 20

# Output column -> normalized header name, for the plain text columns (protocols.md 2.7).
_TEXT_COLUMNS: dict[str, str] = {
    "seller_sku": "seller-sku",
    "asin": "asin1",
    "product_id": "product-id",
    "item_name": "item-name",
    "item_description": "item-description",
    "listing_id": "listing-id",
    "status": "status",
    "fulfillment_channel": "fulfillment-channel",
    "item_condition": "item-condition",
    "open_date_raw": "open-date",
    "image_url": "image-url",
    "item_is_marketplace": "item-is-marketplace",
    "will_ship_internationally": "will-ship-internationally",
    "expedited_shipping": "expedited-shipping",
    "merchant_shipping_group": "merchant-shipping-group",
    "item_note": "item-note",
    "zshop_shipping_fee": "zshop-shipping-fee",
    "zshop_category1": "zshop-category1",
    "zshop_browse_path": "zshop-browse-path",
    "zshop_storefront_feature": "zshop-storefront-feature",
    "zshop_boldface": "zshop-boldface",
    "asin2": "asin2",
    "asin3": "asin3",
    "add_delete": "add-delete",
    "bid_for_featured_placement": "bid-for-featured-placement",
    "minimum_order_quantity": "minimum-order-quantity",
    "sell_remainder": "sell-remainder",
    "business_price": "business-price",
}
_TYPED_HEADERS = ("price", "quantity", "pending-quantity", "product-id-type")
KNOWN_HEADERS = frozenset(_TEXT_COLUMNS.values()) | frozenset(_TYPED_HEADERS)

# Final column order of the staged listings table.
STAGE_COLUMNS: tuple[str, ...] = (
    "store_id",
    "line_number",
    "seller_sku",
    "asin",
    "product_id",
    "product_id_type",
    "item_name",
    "item_description",
    "listing_id",
    "price",
    "quantity",
    "pending_quantity",
    "status",
    "fulfillment_channel",
    "item_condition",
    "open_date",
    "open_date_raw",
    "image_url",
    "item_is_marketplace",
    "will_ship_internationally",
    "expedited_shipping",
    "merchant_shipping_group",
    "item_note",
    "zshop_shipping_fee",
    "zshop_category1",
    "zshop_browse_path",
    "zshop_storefront_feature",
    "zshop_boldface",
    "asin2",
    "asin3",
    "add_delete",
    "bid_for_featured_placement",
    "minimum_order_quantity",
    "sell_remainder",
    "business_price",
    "extra",
)

_HEADER_SEPARATORS = re.compile(r"[\s_]+")
_CRS_BEFORE_LF = re.compile(r"\r+\n")


@dataclass(frozen=True)
class StagedListings(StagedTables):
    """A listing report staged on a connection, until ``drop()`` or the end of a ``with`` block.

    ``listings_table`` holds the ``rows`` typed good lines (`STAGE_COLUMNS`), ``rejected_table``
    the ``rejected`` lines that could not be loaded (``source``, ``store_id``, ``line_number``,
    ``raw_line``, ``reason``; ``source`` is ``reject_source``). Both are TEMP tables of ``conn``.
    """

    staged_tables: ClassVar[tuple[str, ...]] = _STAGED_TABLES

    conn: duckdb.DuckDBPyConnection = field(repr=False, compare=False)
    rows: int
    rejected: int
    header: list[str]
    variant: str
    charset: str
    blank_lines: int = 0
    listings_table: str = _LISTINGS_TABLE
    rejected_table: str = _REJECTED_TABLE
    reject_source: str = REJECT_SOURCE


def normalize_header(name: str) -> str:
    """``Minimum order quantity`` -> ``minimum-order-quantity``; ``Item_Name`` -> ``item-name``."""
    return _HEADER_SEPARATORS.sub("-", name.strip().lower())


def header_variant(header: list[str]) -> str:
    """A label for the known header layouts (protocols.md 2.7), for logs and metadata."""
    names = {normalize_header(name) for name in header}
    count = len(header)
    if count == 29 and "status" in names and "zshop-boldface" in names:
        return "all-listings-29"
    if count == 31 and "minimum-order-quantity" in names:
        return "all-listings-31"
    if count == 47 and "business-price" in names:
        return "active-listings-47"
    if count == 34 and "business-price" in names and "item-description" not in names:
        return "active-listings-fr-34"
    return f"other-{count}-columns"


def stage_listing_report(
    conn: duckdb.DuckDBPyConnection,
    report: Path,
    *,
    charset: str,
    marketplace_code: str,
    store_id: str,
    work_dir: Path,
) -> StagedListings:
    """Stage one store's listing report on ``conn``, replacing what an earlier call staged there.

    ``charset`` is a Python codec name (see `download.python_charset`); ``marketplace_code`` picks
    the open-date formats. A report that cannot be staged leaves no staged table behind.
    """
    codec = _checked_codec(charset)
    formats = constants.marketplace(marketplace_code).open_date_formats
    work_dir.mkdir(parents=True, exist_ok=True)
    paths = _WorkFiles(
        good=work_dir / f"{store_id}.listings.clean.tsv",
        with_cr=work_dir / f"{store_id}.listings.with_cr.jsonl",
        rejected=work_dir / f"{store_id}.listings.rejected.jsonl",
    )
    try:
        split = _split_lines(report, codec, paths)
        _load(
            conn,
            split.header,
            paths,
            with_cr=split.lines_with_cr > 0,
            store_id=store_id,
            formats=formats,
        )
        rows = conn.execute(f"SELECT count(*) FROM {_LISTINGS_TABLE}").fetchall()[0]
        rejected = conn.execute(f"SELECT count(*) FROM {_REJECTED_TABLE}").fetchall()[0]
    except BaseException:
        drop_tables(conn, _STAGED_TABLES)
        raise
    finally:
        for path in (paths.good, paths.with_cr, paths.rejected):
            path.unlink(missing_ok=True)
    return StagedListings(
        conn,
        rows=int(rows[0]),
        rejected=int(rejected[0]),
        header=split.header,
        variant=header_variant(split.header),
        charset=split.codec,
        blank_lines=split.blank_lines,
    )


@dataclass(frozen=True)
class _WorkFiles:
    """Pass 1's output: clean TSV lines, lines holding a CR (JSON), rejected lines (JSON)."""

    good: Path
    with_cr: Path
    rejected: Path


@dataclass(frozen=True)
class _Split:
    """What pass 1 found: the header, the charset read, empty lines and lines holding a CR."""

    header: list[str]
    codec: str
    blank_lines: int
    lines_with_cr: int


def _checked_codec(charset: str) -> str:
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise ReportFormatError(f"listing report: unknown charset {charset!r}") from None
    if name.startswith(("utf-16", "utf-32")):
        raise ReportFormatError(f"listing report: charset {charset!r} is not line-splittable")
    return name


def _split_lines(report: Path, codec: str, paths: _WorkFiles) -> _Split:
    """Pass 1: header, then each data line decoded strictly and checked (see module doc).

    Works on blocks of whole lines: a block that decodes as a whole and holds no NUL and no CR
    but in line ends (the normal case) is checked with list comprehensions; any other block is
    checked line by line.
    """
    blank = with_cr = 0
    with (
        report.open("rb", buffering=_BUFFER) as source,
        paths.good.open("w", encoding="utf-8", newline="\n", buffering=_BUFFER) as good,
        paths.with_cr.open("w", encoding="utf-8", newline="\n") as cr_lines,
        paths.rejected.open("w", encoding="utf-8", newline="\n") as rejected,
    ):
        first = source.readline()
        if first.startswith(_UTF8_BOM):
            codec, first = "utf-8", first[len(_UTF8_BOM) :]
        header = _read_header(first, codec)
        tabs = len(header) - 1
        number = 1  # line number of the last line handled
        pending = b""
        while True:
            block = source.read(_BLOCK)
            if not block:
                if pending:
                    pending += b"\n"
                else:
                    break
            data = pending + block
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            chunk, pending = data[: cut + 1], data[cut + 1 :]
            lines, plain = _decode_lines(chunk, codec, number, rejected)
            if (
                plain
                and list(map(str.count, lines, repeat("\t"))).count(tabs) == len(lines)  # type: ignore[arg-type]
                and "" not in lines
                and max(map(len, lines)) <= LONGEST_LINE  # type: ignore[arg-type]
            ):
                good.write("".join([f"{n}\t{line}\n" for n, line in enumerate(lines, number + 1)]))
            else:
                seen = _write_checked(good, cr_lines, rejected, lines, number, tabs, codec)
                blank, with_cr = blank + seen[0], with_cr + seen[1]
            number += len(lines)
            if not block:
                break
    return _Split(header, codec, blank, with_cr)


def _read_header(first: bytes, codec: str) -> list[str]:
    """The header's column names; a header that cannot be read refuses the whole report."""
    try:
        header_text = first.removesuffix(b"\n").rstrip(b"\r").decode(codec)
    except UnicodeDecodeError:
        raise ReportFormatError(f"listing report: header is not valid {codec}") from None
    control = next((char for char in header_text if char < " " and char != "\t"), None)
    if control == "\r":
        # A file with CR line ends (classic Mac OS) would be read as one header line, no listings.
        raise ReportFormatError(
            "listing report: the header line holds a carriage return; lines must end in LF or CR LF"
        )
    if control is not None:
        raise ReportFormatError(
            f"listing report: the header line holds control character U+{ord(control):04X}"
        )
    header = header_text.split("\t")
    if "seller-sku" not in {normalize_header(name) for name in header}:
        raise ReportFormatError(
            f"listing report: no seller-sku column in header ({len(header)} columns)"
        )
    return header


def _write_checked(
    good: TextIO,
    cr_lines: TextIO,
    rejected: TextIO,
    lines: list[str | None],
    number: int,
    tabs: int,
    codec: str,
) -> tuple[int, int]:
    """Write a block line by line, rejecting bad lines; returns (empty lines, lines with a CR)."""
    blank = with_cr = 0
    for n, line in enumerate(lines, start=number + 1):
        if line is None:
            continue  # undecodable: already rejected
        reason = _line_problem(line, tabs, codec)
        if reason is not None:
            _reject(rejected, n, line, reason)
        elif not line:
            blank += 1
        elif "\r" in line:
            cr_lines.write(json.dumps({"line_number": n, "fields": line.split("\t")}) + "\n")
            with_cr += 1
        else:
            good.write(f"{n}\t{line}\n")
    return blank, with_cr


def _line_problem(line: str, tabs: int, codec: str) -> str | None:
    """Why a decoded line cannot be loaded, or None (an empty line is not a problem)."""
    nul = line.find("\x00")
    if nul >= 0:
        return f"NUL byte at offset {len(line[:nul].encode(codec))}"
    if len(line) > LONGEST_LINE:
        return (
            f"line has {len(line)} characters, more than the {LONGEST_LINE} a listing line can have"
        )
    found = line.count("\t")
    if line and found != tabs:
        return f"expected {tabs + 1} tab-separated fields, found {found + 1}"
    return None


def _decode_lines(
    chunk: bytes, codec: str, number: int, rejected: TextIO
) -> tuple[list[str | None], bool]:
    """The lines of a block of whole lines without their line ends, and whether all are plain.

    None stands for a line that does not decode (rejected here). Plain: the block decoded as a
    whole and holds no NUL and no CR outside line ends, so its lines need no one-by-one look.
    """
    plain = b"\x00" not in chunk
    try:
        text = chunk.decode(codec)
    except UnicodeDecodeError:
        result: list[str | None] = []
        for n, raw in enumerate(chunk[:-1].split(b"\n"), start=number + 1):
            line = raw.rstrip(b"\r")
            try:
                result.append(line.decode(codec))
            except UnicodeDecodeError as exc:
                reason = f"bytes not valid {codec} at offset {exc.start}"
                _reject(rejected, n, line.decode(codec, "backslashreplace"), reason)
                result.append(None)
        return result, False
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # CR CR LF, or a CR inside a field
            text = _CRS_BEFORE_LF.sub("\n", text)
            plain = plain and "\r" not in text
    return list(text[:-1].split("\n")), plain


def _reject(handle: TextIO, number: int, raw_line: str, reason: str) -> None:
    if len(raw_line) > LONGEST_LINE:
        raw_line = raw_line[:LONGEST_LINE]
        reason += f" (raw_line holds the first {LONGEST_LINE})"
    handle.write(json.dumps({"line_number": number, "raw_line": raw_line, "reason": reason}) + "\n")


def _lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _load(
    conn: duckdb.DuckDBPyConnection,
    header: list[str],
    paths: _WorkFiles,
    *,
    with_cr: bool,
    store_id: str,
    formats: tuple[str, ...],
) -> None:
    """Pass 2: set-based typing and checks in DuckDB."""
    position: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    seen_keys: set[str] = set()
    for index, name in enumerate(header):
        column = f"c{index}"
        normalized = normalize_header(name)
        if normalized in KNOWN_HEADERS and normalized not in position:
            position[normalized] = column
            continue
        key = name.strip() or f"column {index + 1}"
        while key in seen_keys:
            key = f"{key} ({index + 1})"
        seen_keys.add(key)
        extra.append((key, column))

    def col(normalized: str) -> str:
        return position.get(normalized, "NULL::VARCHAR")

    def trimmed(normalized: str) -> str:
        return f"NULLIF(trim({col(normalized)}), '')"

    columns_spec = ", ".join(
        [f"{_lit('line_number')}: 'BIGINT'"]
        + [f"{_lit(f'c{i}')}: 'VARCHAR'" for i in range(len(header))]
    )
    format_list = "[" + ", ".join(_lit(f) for f in formats) + "]"
    zones = ", ".join(
        f"({_lit(abbr)}, {round(hours * 60)})"
        for abbr, hours in constants.TIMEZONE_ABBREVIATIONS.items()
    )
    product_types = ", ".join(
        f"({_lit(k)}, {_lit(v)})" for k, v in constants.PRODUCT_ID_TYPES.items()
    )
    extra_json = (
        "json_object("
        + ", ".join(f"$extra_key_{i}, {column}" for i, (_, column) in enumerate(extra))
        + ")"
        if extra
        else "NULL::JSON"
    )
    text_selects = ",\n        ".join(f"{col(h)} AS {out}" for out, h in _TEXT_COLUMNS.items())
    formats_text = " or ".join(formats).replace("'", "")
    # The line as read, for rejected rows (empty fields come back from read_csv as NULL).
    raw_line = (
        "concat_ws(chr(9), " + ", ".join(f"coalesce(c{i}, '')" for i in range(len(header))) + ")"
    )

    source = (
        f"(SELECT * FROM read_csv({_lit(str(paths.good))}, delim = '\t', quote = '', escape = '',"
        f" header = false, auto_detect = false, new_line = '\\n',"
        f" max_line_size = {_MAX_LINE_BYTES}, columns = {{{columns_spec}}})"
    )
    if with_cr:
        # Lines holding a CR come as JSON arrays of fields; empty ones become NULL like read_csv's.
        fields = ", ".join(f"NULLIF(fields[{i + 1}], '') AS c{i}" for i in range(len(header)))
        source += (
            f" UNION ALL SELECT line_number, {fields}"
            f" FROM read_json({_lit(str(paths.with_cr))}, format = 'newline_delimited',"
            " columns = {'line_number': 'BIGINT', 'fields': 'VARCHAR[]'})"
        )
    source += ")"
    # 1. Every good line typed, with what is wrong with it (protocols.md 2.7 for every rule).
    #    Columns starting with _ are dropped in step 4; _raw_line is built for bad rows only.
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_LISTINGS_TABLE} AS
        WITH zones(abbr, minutes) AS (VALUES {zones}),
        product_types(code, name) AS (VALUES {product_types}),
        src AS (
            SELECT
                line_number,
                {text_selects},
                {trimmed("price")} AS price_text,
                {trimmed("quantity")} AS quantity_text,
                {trimmed("pending-quantity")} AS pending_quantity_text,
                {trimmed("product-id-type")} AS product_id_type_code,
                {extra_json} AS extra,
                {", ".join(f"c{i}" for i in range(len(header)))}
            FROM {source}
        ),
        dated AS (
            -- "2022-03-15 02:26:37 PDT": the last blank-separated word is the zone abbreviation.
            SELECT *, split_part(trim(open_date_raw), ' ', -1) AS od_last_word,
                rtrim(left(trim(open_date_raw), -length(split_part(trim(open_date_raw), ' ', -1))))
                    AS od_local,
                CASE WHEN regexp_full_match(od_last_word, '[A-Za-z]{{2,6}}')
                    THEN upper(od_last_word) ELSE '' END AS od_zone
            FROM src
        ),
        typed AS (
            SELECT
                dated.*,
                TRY_CAST(price_text AS DECIMAL(18, 2)) AS price,
                TRY_CAST(quantity_text AS INTEGER) AS quantity,
                TRY_CAST(pending_quantity_text AS INTEGER) AS pending_quantity,
                coalesce(product_types.name, product_id_type_code) AS product_id_type,
                zones.minutes AS od_minutes,
                try_strptime(NULLIF(od_local, ''), {format_list}) AS od_local_ts
            FROM dated
            LEFT JOIN zones ON zones.abbr = dated.od_zone
            LEFT JOIN product_types ON product_types.code = dated.product_id_type_code
        ),
        checked AS (
            SELECT
                typed.*,
                timezone('UTC', od_local_ts - to_minutes(od_minutes)) AS open_date,
                NULLIF(concat_ws('; ',
                    CASE WHEN seller_sku IS NULL OR trim(seller_sku) = ''
                        THEN 'empty seller-sku' END,
                    CASE WHEN price_text IS NOT NULL AND (price IS NULL
                            OR NOT regexp_full_match(price_text, '[+-]?[0-9]+(\\.[0-9]+)?'))
                        THEN 'price ''' || price_text || ''' is not a number'
                        WHEN regexp_full_match(price_text, '[+-]?[0-9]+\\.[0-9]{{3,}}')
                        THEN 'price ''' || price_text || ''' has more than 2 decimals' END,
                    CASE WHEN quantity_text IS NOT NULL AND (quantity IS NULL
                            OR NOT regexp_full_match(quantity_text, '[+-]?[0-9]+'))
                        THEN 'quantity ''' || quantity_text || ''' is not an integer' END,
                    CASE WHEN pending_quantity_text IS NOT NULL AND (pending_quantity IS NULL
                            OR NOT regexp_full_match(pending_quantity_text, '[+-]?[0-9]+'))
                        THEN 'pending-quantity ''' || pending_quantity_text
                            || ''' is not an integer' END,
                    CASE WHEN NULLIF(trim(open_date_raw), '') IS NULL THEN NULL
                        WHEN od_zone = ''
                        THEN 'open-date ''' || open_date_raw || ''' has no time zone abbreviation'
                        WHEN od_minutes IS NULL
                        THEN 'unknown time zone abbreviation ''' || od_zone || ''' in open-date'
                        WHEN od_local_ts IS NULL
                        THEN 'open-date ''' || open_date_raw || ''' matches none of '
                            || {_lit(formats_text)} END
                ), '') AS problem
            FROM typed
        )
        SELECT
            $store_id::VARCHAR AS store_id,
            line_number::BIGINT AS line_number,
            seller_sku, asin, product_id, product_id_type, item_name, item_description,
            listing_id, price::DECIMAL(18, 2) AS price, quantity::INTEGER AS quantity,
            pending_quantity::INTEGER AS pending_quantity, status, fulfillment_channel,
            item_condition, open_date::TIMESTAMPTZ AS open_date, open_date_raw,
            {", ".join(STAGE_COLUMNS[17:-1])}, extra::JSON AS extra,
            problem AS _problem,
            CASE WHEN problem IS NOT NULL THEN {raw_line} END AS _raw_line
        FROM checked
        """,
        # Values that come from outside (the report's header names, the store id) are bound as
        # parameters, never spliced into the SQL text.
        {"store_id": store_id, **{f"extra_key_{i}": key for i, (key, _) in enumerate(extra)}},
    )
    # 2. A seller-sku is unique per store snapshot: the first good line wins.
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_DUPLICATES_TABLE} AS
        WITH repeated AS (
            SELECT seller_sku, min(line_number) AS first_line
            FROM {_LISTINGS_TABLE}
            WHERE _problem IS NULL
            GROUP BY seller_sku
            HAVING count(*) > 1
        )
        SELECT s.line_number, r.first_line
        FROM {_LISTINGS_TABLE} AS s
        JOIN repeated AS r USING (seller_sku)
        WHERE s._problem IS NULL AND s.line_number <> r.first_line
        """
    )
    # 3. Everything rejected, with its reason and the line as read (duplicates are good lines,
    #    so their text is read again, only when there are any).
    has_duplicates = conn.execute(f"SELECT count(*) FROM {_DUPLICATES_TABLE}").fetchall()[0][0]
    duplicates_branch = (
        f"""
            SELECT d.line_number, l.raw_line,
                'duplicate seller-sku (first on line ' || d.first_line || ')' AS reason
            FROM {_DUPLICATES_TABLE} AS d
            JOIN (
                SELECT line_number, {raw_line} AS raw_line
                FROM {source}
                WHERE line_number IN (SELECT line_number FROM {_DUPLICATES_TABLE})
            ) AS l USING (line_number)
            UNION ALL
        """
        if has_duplicates
        else ""
    )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_REJECTED_TABLE} AS
        SELECT {_lit(REJECT_SOURCE)}::VARCHAR AS source, $store_id::VARCHAR AS store_id,
               line_number::BIGINT AS line_number, raw_line::VARCHAR AS raw_line,
               reason::VARCHAR AS reason
        FROM (
            SELECT line_number, _raw_line AS raw_line, _problem AS reason
            FROM {_LISTINGS_TABLE}
            WHERE _problem IS NOT NULL
            UNION ALL
            {duplicates_branch}
            SELECT line_number, raw_line, reason
            FROM read_json({_lit(str(paths.rejected))}, format = 'newline_delimited',
                columns = {{'line_number': 'BIGINT', 'raw_line': 'VARCHAR', 'reason': 'VARCHAR'}})
        )
        ORDER BY line_number
        """,
        {"store_id": store_id},
    )
    # 4. Keep only the good rows, with the documented columns.
    conn.execute(
        f"""
        DELETE FROM {_LISTINGS_TABLE}
        WHERE _problem IS NOT NULL
           OR line_number IN (SELECT line_number FROM {_DUPLICATES_TABLE})
        """
    )
    conn.execute(f"ALTER TABLE {_LISTINGS_TABLE} DROP COLUMN _problem")
    conn.execute(f"ALTER TABLE {_LISTINGS_TABLE} DROP COLUMN _raw_line")
    conn.execute(f"DROP TABLE {_DUPLICATES_TABLE}")
