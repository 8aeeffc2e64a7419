"""Request validation against the compact discovery schema.

The emulator rejects what the real API rejects: unknown field names (in
camelCase or snake_case), bad enum values and values of the wrong JSON type,
with the same ``INVALID_ARGUMENT`` messages. The schema is generated from
Google's discovery document by ``scripts/build_emulator_schema.py`` and loaded
once per process. Free-form fields (``functionCall.args``,
``parametersJsonSchema``...) are not looked into.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from pathlib import Path
from typing import Any

Spec = dict[str, Any]
Violation = tuple[str, str]

SCHEMA_FILE = Path(__file__).with_name("_schema.json")
TYPE_PREFIX = "type.googleapis.com/google.ai.generativelanguage.v1beta."
SCALAR_TYPES = {
    "str": "TYPE_STRING",
    "int": "TYPE_INT32",
    "int64": "TYPE_INT64",
    "float": "TYPE_FLOAT",
    "bool": "TYPE_BOOL",
    "bytes": "TYPE_BYTES",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """Convert a camelCase field name to the snake_case used in error paths."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


@functools.cache
def messages() -> dict[str, dict[str, Spec]]:
    """Load the schema once: message -> field name (both styles) -> spec."""
    data = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    out: dict[str, dict[str, Spec]] = {}
    for message, fields in data["messages"].items():
        table: dict[str, Spec] = {}
        for name, spec in fields.items():
            table[name] = spec
            table[snake(name)] = spec
        out[message] = table
    return out


def validate(message: str, body: Any) -> list[Violation]:
    """Return the violations of ``body`` against ``message`` (empty if valid)."""
    if not isinstance(body, dict):
        return [("", "Invalid JSON payload received. Root element must be a message.")]
    unknown: list[Violation] = []
    invalid: list[Violation] = []
    _check_message(message, body, "", unknown, invalid)
    return unknown or invalid


def _check_message(
    message: str,
    body: dict[str, Any],
    path: str,
    unknown: list[Violation],
    invalid: list[Violation],
) -> None:
    fields = messages()[message]
    for name, value in body.items():
        spec = fields.get(name)
        if spec is None:
            unknown.append((path, _unknown_name(name, path, "Cannot find field.")))
            continue
        if value is None:
            continue
        child = f"{path}.{snake(name)}" if path else snake(name)
        if isinstance(value, list) and not spec.get("r") and spec.get("t") != "any":
            # a free-form value (google.protobuf.Value: Schema.default,
            # Schema.example) may be a list
            reason = "Proto field is not repeating, cannot start list."
            unknown.append((path, _unknown_name(name, path, reason)))
        elif spec.get("r") and isinstance(value, list):
            for index, item in enumerate(value):
                _check_value(spec, item, f"{child}[{index}]", unknown, invalid)
        else:
            _check_value(spec, value, child, unknown, invalid)


def _unknown_name(name: str, path: str, reason: str) -> str:
    where = f" at '{path}'" if path else ""
    return f'Invalid JSON payload received. Unknown name "{name}"{where}: {reason}'


def _check_value(
    spec: Spec,
    value: Any,
    path: str,
    unknown: list[Violation],
    invalid: list[Violation],
) -> None:
    kind = spec["t"]
    if kind == "any" or value is None:
        return
    if kind == "msg":
        if isinstance(value, dict):
            _check_message(spec["ref"], value, path, unknown, invalid)
        else:
            invalid.append((path, _invalid(path, TYPE_PREFIX + spec["ref"], value)))
    elif kind == "map":
        if not isinstance(value, dict):
            invalid.append((path, _invalid(path, TYPE_PREFIX + spec["ref"], value)))
            return
        for index, item in enumerate(value.values()):
            item_spec = {"t": "msg", "ref": spec["ref"]}
            _check_value(item_spec, item, f"{path}[{index}].value", unknown, invalid)
    elif kind == "enum":
        if not _enum_ok(spec["enum"], value):
            invalid.append((path, _invalid(path, TYPE_PREFIX + spec["et"], value)))
    else:
        problem = _scalar_problem(kind, value)
        if problem is not None:
            invalid.append((path, _invalid(path, SCALAR_TYPES[kind], problem)))


def _invalid(path: str, type_name: str, value: Any) -> str:
    shown = value if isinstance(value, _Raw) else json.dumps(value)
    return f"Invalid value at '{path}' ({type_name}), {shown}"


class _Raw(str):
    """A pre-formatted value for an ``Invalid value`` message."""


def _enum_ok(allowed: list[str], value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < len(allowed)
    return isinstance(value, str) and value in allowed


def _scalar_problem(kind: str, value: Any) -> Any:
    """Return the value to report if ``value`` does not fit ``kind``, else None."""
    if kind == "str":
        return None if isinstance(value, str) else value
    if kind == "bool":
        return None if isinstance(value, bool) else value
    if kind == "bytes":
        return _bytes_problem(value)
    if isinstance(value, bool):
        return value
    if kind == "float":
        return None if isinstance(value, (int, float)) or _is_number(value) else value
    if isinstance(value, float) and value.is_integer():
        return None
    if isinstance(value, int) or (isinstance(value, str) and _is_int(value)):
        return None
    return value


def _is_number(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_int(value: str) -> bool:
    return re.fullmatch(r"-?\d+", value.strip()) is not None


def _bytes_problem(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return _Raw(f'Base64 decoding failed for "{value}"')
    return None
