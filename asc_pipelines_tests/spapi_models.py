"""Check JSON bodies against Amazon's official SP-API models (swagger 2.0) in ``data/spapi-models``.

Used by the sandbox tests and the client tests alike: a body the model rejects is a bug on the
side that produced it. ``strict`` (the default) additionally forbids properties a schema does not
declare, which catches misspelt field names the loose official schemas would let through.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

MODELS_DIR = Path(__file__).parent / "data" / "spapi-models"


@cache
def load_model(model_file: str) -> dict[str, Any]:
    """A model by file name, e.g. ``reports_2021-06-30.json``."""
    return json.loads((MODELS_DIR / model_file).read_text(encoding="utf-8"))


def response_schema(model_file: str, operation_id: str, status: int) -> dict[str, Any] | None:
    """The response schema the model declares for an operation and status (None: no body)."""
    model = load_model(model_file)
    for path_item in model["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                responses = operation["responses"]
                if str(status) not in responses:
                    raise AssertionError(
                        f"{model_file} declares no {status} response for {operation_id}; "
                        f"declared: {sorted(responses)}"
                    )
                return responses[str(status)].get("schema")
    raise AssertionError(f"{model_file} has no operation {operation_id!r}")


def _closed(schema: Any) -> Any:
    """Forbid undeclared properties on every object schema that lists its properties."""
    if isinstance(schema, dict):
        closed = {key: _closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(value) for value in schema]
    return schema


_formats = jsonschema.FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: a ``T`` separator and an explicit offset or ``Z``."""
    if not isinstance(value, str):
        return True
    if "T" not in value:
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return True


def assert_valid_response(
    model_file: str, operation_id: str, status: int, body: Any, *, strict: bool = True
) -> None:
    """Fail with every violation when ``body`` does not match the model's response schema."""
    schema = response_schema(model_file, operation_id, status)
    if schema is None:
        assert body in (None, b"", "", {}), f"{operation_id} {status} declares no body: {body!r}"
        return
    definitions = copy.deepcopy(load_model(model_file)["definitions"])
    root = {**schema, "definitions": definitions}
    if strict:
        root = _closed(root)
    validator = jsonschema.Draft4Validator(root, format_checker=_formats)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"- at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:20]]
        raise AssertionError(
            f"{operation_id} {status} body does not match {model_file}:\n" + "\n".join(lines)
        )
