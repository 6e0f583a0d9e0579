"""Product identifiers (UPC, EAN, ISBN, GTIN) normalized to a 14-digit GTIN with python-stdnum.

Amazon and Magento write the same code in different forms: a 12-digit UPC-A, the 13-digit EAN with a
leading zero, a 14-digit GTIN, an ISBN-10 or its ISBN-13. Compared as GTIN-14 they meet. A value
whose check digit fails is never used for matching; it is reported instead.
"""

from __future__ import annotations

import duckdb
import pandas as pd
from stdnum import ean, isbn
from stdnum.exceptions import ValidationError

_LENGTHS = {"upc": (12,), "ean": (8, 13), "gtin": (8, 12, 13, 14)}


def normalize(kind: str, value: str) -> tuple[str | None, str | None]:
    """``(gtin14, None)`` for a usable identifier, ``(None, problem)`` otherwise."""
    compact = value.replace(" ", "").replace("-", "").strip()
    if not compact:
        return None, "empty"
    try:
        if kind == "isbn":
            number = isbn.validate(compact)
            if len(number) == 10:
                number = isbn.to_isbn13(number)
            return number.zfill(14), None
        number = ean.validate(compact)
    except ValidationError as exc:
        return None, _problem(exc)
    if kind == "upc" and len(number) == 13 and number.startswith("0"):
        return number.zfill(14), None  # a UPC-A written as its EAN-13 (leading zero)
    if len(number) not in _LENGTHS.get(kind, (8, 12, 13, 14)):
        return None, f"{len(number)} digits is not a valid {kind.upper()} length"
    return number.zfill(14), None


def _problem(exc: ValidationError) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksum": "check digit does not match",
        "InvalidLength": "wrong number of digits",
        "InvalidFormat": "not a number",
        "InvalidComponent": "not a valid prefix",
    }.get(name, str(exc))


# Values that are new to the cache: Magento's identifier attributes and Amazon's product-ids.
_NEW_VALUES_SQL = """
WITH seen AS (
    SELECT 'upc' AS kind, upc AS value FROM raw.magento_products WHERE upc IS NOT NULL
    UNION SELECT 'ean', ean FROM raw.magento_products WHERE ean IS NOT NULL
    UNION SELECT 'isbn', isbn FROM raw.magento_products WHERE isbn IS NOT NULL
    UNION SELECT 'gtin', gtin FROM raw.magento_products WHERE gtin IS NOT NULL
    UNION SELECT lower(product_id_type), product_id FROM raw.amazon_listings
        WHERE product_id_type IN ('UPC', 'EAN', 'ISBN') AND product_id IS NOT NULL
)
SELECT kind, value FROM seen
WHERE NOT EXISTS (
    SELECT 1 FROM core.identifier_cache c WHERE c.kind = seen.kind AND c.value = seen.value
)
"""


def refresh_identifier_cache(conn: duckdb.DuckDBPyConnection) -> int:
    """Normalize every identifier value not seen before into ``core.identifier_cache``.

    Only new values pay the Python cost; a tick with an unchanged catalog normalizes nothing.
    Returns how many values were added.
    """
    new = conn.execute(_NEW_VALUES_SQL).fetchall()
    if not new:
        return 0
    rows = [(kind, value, *normalize(kind, value)) for kind, value in new]
    frame = pd.DataFrame(rows, columns=["kind", "value", "gtin14", "problem"])
    conn.register("new_identifiers", frame)
    try:
        conn.execute("INSERT OR IGNORE INTO core.identifier_cache SELECT * FROM new_identifiers")
    finally:
        conn.unregister("new_identifiers")
    return len(rows)
