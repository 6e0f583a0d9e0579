"""Check JSON bodies against Adobe's Magento 2.4.9 admin REST schema (``data/magento-openapi``).

``strict`` (the default) forbids properties a schema does not declare, which catches misspelt
field names the open schemas would let through.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).parent / "data" / "magento-openapi" / "admin-schema-2.4.9-subset.json"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _closed(schema: Any, partial: bool) -> Any:
    if isinstance(schema, dict):
        closed = {
            key: _closed(value, partial)
            for key, value in schema.items()
            if not (partial and key == "required")
        }
        if "properties" in schema and "additionalProperties" not in schema:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(value, partial) for value in schema]
    return schema


def assert_valid_magento_response(
    path: str, body: Any, *, strict: bool = True, partial: bool = False
) -> None:
    """Fail with every violation when ``body`` is not the schema's 200 answer of ``GET path``
    (e.g. ``/V1/store/storeViews``). ``partial``: a ``fields=`` answer, which may leave out
    required properties but holds no undeclared one."""
    schema = _schema()
    response = schema["paths"][path]["get"]["responses"]["200"]["schema"]
    root = {**response, "definitions": schema["definitions"]}
    if strict or partial:
        root = _closed(root, partial)
    errors = sorted(
        jsonschema.Draft4Validator(root).iter_errors(body), key=lambda e: list(e.absolute_path)
    )
    if errors:
        lines = [f"- at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:20]]
        raise AssertionError(
            f"GET {path} body does not match the Magento schema:\n" + "\n".join(lines)
        )
