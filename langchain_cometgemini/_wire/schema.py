"""JSON Schema -> Gemini's OpenAPI-subset ``Schema`` (the ``parameters`` field).

``parametersJsonSchema`` takes real JSON Schema and is what this package sends
by default. Some models and gateways only take the older ``parameters`` field,
an OpenAPI 3.0 subset. ``to_openapi`` converts for them::

    to_openapi(schema, context)
      $ref / $defs / definitions  -> inlined (a recursive ref becomes OBJECT)
      allOf                       -> merged into one schema
      type: [t, "null"]           -> TYPE + nullable: true
      anyOf/oneOf with a null     -> nullable; a single branch left is inlined
      oneOf                       -> anyOf
      const (string)              -> enum: [const]
      type names                  -> upper case (STRING, OBJECT, ...)
      any other key the subset cannot say (additionalProperties,
      exclusiveMinimum, non-string enums, ...) -> dropped, and ONE warning
      names every dropped key with its path

Pure functions; nothing here does I/O.
"""

from __future__ import annotations

import warnings
from typing import Any

SUPPORTED_KEYS = frozenset(
    {
        "anyOf",
        "default",
        "description",
        "enum",
        "example",
        "format",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "nullable",
        "pattern",
        "properties",
        "propertyOrdering",
        "required",
        "title",
        "type",
    }
)
"""Keys of Gemini's ``Schema`` message (discovery document, v1beta)."""

_SILENT = frozenset({"$schema", "$id", "$comment"})
_MAX_DEPTH = 32


class _Conversion:
    """One schema's conversion: its root, what it dropped, the ``$ref``s open."""

    __slots__ = ("dropped", "expanding", "root")

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.dropped: list[str] = []
        self.expanding: tuple[str, ...] = ()

    def drop(self, key: str, path: str) -> None:
        self.dropped.append(f"{path}.{key}" if path else key)


def to_openapi(schema: dict[str, Any], context: str = "schema") -> dict[str, Any]:
    """Return the OpenAPI-subset form of a JSON Schema.

    Args:
        schema: A JSON Schema (for example a tool's parameters).
        context: Named in the warning, e.g. ``tool 'search'``.

    Warns:
        UserWarning: naming every key that was dropped because the subset cannot
            express it.
    """
    conversion = _Conversion(schema)
    result = _convert(schema, conversion, "", 0)
    if conversion.dropped:
        warnings.warn(
            f"{context}: the OpenAPI schema subset cannot express "
            f"{', '.join(conversion.dropped)}; dropped. Use "
            "tool_schema_format='json_schema' to send the schema losslessly.",
            UserWarning,
            stacklevel=3,
        )
    return result


def _convert(node: Any, conv: _Conversion, path: str, depth: int) -> dict[str, Any]:
    if not isinstance(node, dict):
        return {}
    if depth > _MAX_DEPTH:
        conv.drop("(too deep)", path)
        return {"type": "OBJECT"}
    if "$ref" in node:
        return _inline_ref(node, conv, path, depth)
    if "allOf" in node:
        return _convert(_merge_all_of(node), conv, path, depth + 1)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SILENT or key in ("$defs", "definitions"):
            continue
        handler = _KEY_HANDLERS.get(key)
        if handler is not None:
            handler(out, value, conv, path, depth)
        elif key in SUPPORTED_KEYS:
            out[key] = value
        else:
            conv.drop(key, path)
    return _normalize(out, conv, path)


def _inline_ref(
    node: dict[str, Any], conv: _Conversion, path: str, depth: int
) -> dict[str, Any]:
    ref = str(node["$ref"])
    if ref in conv.expanding:
        conv.drop(f"$ref {ref} (recursive)", path)
        return {"type": "OBJECT"}
    target = _resolve(conv.root, ref)
    if target is None:
        conv.drop(f"$ref {ref} (unresolvable)", path)
        return {}
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    conv.expanding = (*conv.expanding, ref)
    try:
        return _convert({**target, **siblings}, conv, path, depth + 1)
    finally:
        conv.expanding = conv.expanding[:-1]


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for token in ref[1:].strip("/").split("/"):
        if not token:
            continue
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _merge_all_of(node: dict[str, Any]) -> dict[str, Any]:
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for sub in node["allOf"]:
        if not isinstance(sub, dict):
            continue
        props = {**(merged.get("properties") or {}), **(sub.get("properties") or {})}
        required = [*(merged.get("required") or []), *(sub.get("required") or [])]
        merged = {**sub, **merged}
        if props:
            merged["properties"] = props
        if required:
            merged["required"] = list(dict.fromkeys(required))
    return merged


# -- per key -------------------------------------------------------------------


def _type(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, _: int
) -> None:
    kinds = value if isinstance(value, list) else [value]
    names = [str(k).upper() for k in kinds]
    if "NULL" in names and len(names) > 1:
        out["nullable"] = True
        names = [n for n in names if n != "NULL"]
    if len(names) == 1:
        out["type"] = names[0]
    else:
        out["anyOf"] = [*out.get("anyOf", []), *({"type": n} for n in names)]


def _properties(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, depth: int
) -> None:
    out["properties"] = {
        name: _convert(sub, conv, _join(path, f"properties.{name}"), depth + 1)
        for name, sub in (value or {}).items()
    }


def _items(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, depth: int
) -> None:
    if isinstance(value, dict):
        out["items"] = _convert(value, conv, _join(path, "items"), depth + 1)
    else:
        conv.drop("items (tuple form)", path)


def _any_of(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, depth: int
) -> None:
    branches = []
    for i, sub in enumerate(value or []):
        if isinstance(sub, dict) and str(sub.get("type", "")).lower() == "null":
            out["nullable"] = True
            continue
        branches.append(_convert(sub, conv, _join(path, f"anyOf[{i}]"), depth + 1))
    out["anyOf"] = [*out.get("anyOf", []), *branches]


def _const(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, _: int
) -> None:
    if isinstance(value, str):
        out["enum"] = [value]
        out.setdefault("type", "STRING")
    else:
        conv.drop("const", path)


def _enum(
    out: dict[str, Any], value: Any, conv: _Conversion, path: str, _: int
) -> None:
    values = list(value or [])
    if None in values:
        out["nullable"] = True
        values = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in values):
        out["enum"] = values
    else:
        conv.drop("enum (non-string values)", path)


_KEY_HANDLERS = {
    "type": _type,
    "properties": _properties,
    "items": _items,
    "anyOf": _any_of,
    "oneOf": _any_of,
    "const": _const,
    "enum": _enum,
}


def _normalize(out: dict[str, Any], conv: _Conversion, path: str) -> dict[str, Any]:
    branches = out.get("anyOf")
    if branches is not None and len(branches) <= 1:
        del out["anyOf"]
        if branches:
            out = {**branches[0], **out}
    if "enum" in out and "type" not in out:
        out["type"] = "STRING"
    if "properties" in out and "type" not in out:
        out["type"] = "OBJECT"
    if isinstance(out.get("required"), list) and "properties" in out:
        out["required"] = [r for r in out["required"] if r in out["properties"]]
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
