"""Deterministic JSON instances for a JSON Schema (or OpenAPI ``Schema``).

Used by the default responder to answer structured-output requests with a
document that validates against the requested schema: every property is
present, enums take their first value, ``anyOf``/``oneOf`` their first branch,
arrays get one item (or ``minItems``), ``$ref`` and ``$defs`` are resolved.
Type names are accepted in either case (``"object"`` or ``"OBJECT"``).

Recursive schemas stay valid: below a ``$ref`` already being expanded, a
recursive branch is avoided (``anyOf`` takes a branch that does not recurse,
an optional property that would recurse is left out, an array of recursive
items gets ``minItems`` items, usually none).
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 12
_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def instance(
    schema: Any, root: Any = None, depth: int = 0, refs: frozenset[str] = frozenset()
) -> Any:
    """Return a value that validates against ``schema``.

    ``refs``: the ``$ref`` targets being expanded above this node.
    """
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return "example" if schema is not False else None
    if "$ref" in schema:
        ref = str(schema["$ref"])
        return instance(_resolve(root, ref), root, depth + 1, refs | {ref})
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            branches = [b for b in schema[key] if not _recurses(b, root, refs)]
            branch = branches[0] if branches else schema[key][0]
            return instance(branch, root, depth + 1, refs)
    if schema.get("allOf"):
        return instance(_merge_all_of(schema), root, depth + 1, refs)
    return _typed(_type_of(schema), schema, root, depth, refs)


def _recurses(schema: Any, root: Any, refs: frozenset[str], depth: int = 0) -> bool:
    """Whether expanding ``schema`` re-enters a ``$ref`` in ``refs``."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return False
    if "$ref" in schema:
        return str(schema["$ref"]) in refs
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return all(_recurses(b, root, refs, depth + 1) for b in schema[key])
    return False


def _typed(
    kind: str, schema: dict[str, Any], root: Any, depth: int, refs: frozenset[str]
) -> Any:
    if kind == "object":
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        return {
            k: instance(v, root, depth + 1, refs)
            for k, v in props.items()
            if k in required or _is_array(v) or not _recurses(v, root, refs)
        }
    if kind == "array":
        return _array(schema, root, depth, refs)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return int(_number(schema, 1))
    if kind == "number":
        return _number(schema, 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if str(k).lower() != "null"]
        kind = non_null[0] if non_null else "null"
    if isinstance(kind, str):
        return kind.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "any"


def _resolve(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return {}
    node = root
    for token in ref.lstrip("#").strip("/").split("/"):
        if not token:
            continue
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token, {}) if isinstance(node, dict) else {}
    return node


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    props = dict(merged.get("properties") or {})
    for sub in schema["allOf"]:
        if isinstance(sub, dict):
            props.update(sub.get("properties") or {})
            merged.update({k: v for k, v in sub.items() if k != "properties"})
    if props:
        merged["properties"] = props
    return merged


def _is_array(schema: Any) -> bool:
    """Arrays can always be filled validly (with ``minItems`` items)."""
    return isinstance(schema, dict) and _type_of(schema) == "array"


def _array(
    schema: dict[str, Any], root: Any, depth: int, refs: frozenset[str]
) -> list[Any]:
    prefix = [
        instance(s, root, depth + 1, refs) for s in schema.get("prefixItems") or []
    ]
    items = schema.get("items")
    least = int(schema.get("minItems") or 0)
    count = least if _recurses(items, root, refs) else max(1, least)
    if schema.get("maxItems") is not None:
        count = min(count, int(schema["maxItems"]))
    if prefix:
        return prefix
    return [instance(items, root, depth + 1, refs) for _ in range(count)]


def _string(schema: dict[str, Any]) -> str:
    text = _STRING_FORMATS.get(str(schema.get("format", "")), "example")
    min_length = int(schema.get("minLength") or 0)
    if len(text) < min_length:
        text += "x" * (min_length - len(text))
    if schema.get("maxLength") is not None:
        text = text[: int(schema["maxLength"])]
    return text


def _number(schema: dict[str, Any], preferred: float) -> float:
    value = preferred
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    integer = _type_of(schema) == "integer"
    if isinstance(low, (int, float)):
        value = max(value, math.ceil(low) if integer else low)
    if isinstance(ex_low, (int, float)) and not isinstance(ex_low, bool):
        value = max(value, math.floor(ex_low) + 1)
    if isinstance(high, (int, float)):
        value = min(value, math.floor(high) if integer else high)
    if isinstance(ex_high, (int, float)) and not isinstance(ex_high, bool):
        value = min(value, math.ceil(ex_high) - 1)
    return value
