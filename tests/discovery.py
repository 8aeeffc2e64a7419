"""A ``generateContent`` body checker built from Google's discovery document.

``violations(body)`` lists everything the real API would refuse, read from
``tests/data/discovery.generate_content_request.json`` (the schemas reachable
from ``GenerateContentRequest`` in ``../shared/gemini/``'s discovery document):

- field names (camelCase, as the package sends them), JSON types, ``int32``
  ranges, enums, ``format: byte`` fields as base64, text as valid Unicode;
- one data field per ``Part`` (the document's ``data`` union), roles
  ``user``/``model``;
- function names (``FunctionDeclaration.name``: "a-z, A-Z, 0-9, or contain
  underscores, colons, dots, and dashes, with a maximum length of 128"), on
  declarations, calls and results;
- the pairing rules known from the document and captured error answers: a
  thinking level with a budget ("You can only set only one of thinking budget
  and thinking level"), mode ANY with a JSON MIME type ("Forced function calling
  (ANY mode) with a response mime type: 'application/json' is unsupported"),
  two response schemas, a schema without ``responseMimeType``.

Free-form values (``functionCall.args``, ``functionResponse.response``,
``parametersJsonSchema``, ``responseJsonSchema``) are checked for JSON only.
The document lacks the ``MediaResolution`` message a ``Part`` refers to; it is
written here from google-genai's ``PartMediaResolution`` (its ``level``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).parent / "data" / "discovery.generate_content_request.json"

MEDIA_RESOLUTION = {
    "id": "MediaResolution",
    "type": "object",
    "properties": {
        "level": {
            "type": "string",
            "enum": [
                "MEDIA_RESOLUTION_UNSPECIFIED",
                "MEDIA_RESOLUTION_LOW",
                "MEDIA_RESOLUTION_MEDIUM",
                "MEDIA_RESOLUTION_HIGH",
                "MEDIA_RESOLUTION_ULTRA_HIGH",
            ],
        }
    },
}
PART_DATA = frozenset(
    {
        "text",
        "inlineData",
        "fileData",
        "functionCall",
        "functionResponse",
        "executableCode",
        "codeExecutionResult",
        "toolCall",
        "toolResponse",
    }
)
"""``Part.data``: exactly one of these per part."""
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_:.-]{1,128}")
INT32 = (-(2**31), 2**31 - 1)
JSON_MIME = "application/json"


@functools.cache
def schemas() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(DOCUMENT.read_text("utf-8"))["schemas"]
    return {**found, "MediaResolution": MEDIA_RESOLUTION}


def violations(body: Any) -> list[str]:
    """Everything in ``body`` the API would refuse (empty: accepted)."""
    found: list[str] = []
    _message("GenerateContentRequest", body, "", found)
    if not found:
        _pairing(body, found)
    return found


def _message(name: str, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path or '<body>'}: {name} must be an object")
        return
    fields = schemas()[name].get("properties", {})
    for key, item in value.items():
        spec = fields.get(key)
        if spec is None:
            found.append(f"{path}.{key}: unknown field of {name}")
            continue
        _value(spec, item, f"{path}.{key}", found)
    if name == "Part":
        _part(value, path, found)
    if name == "Content" and value.get("role") not in (None, "user", "model"):
        found.append(f"{path}.role: {value.get('role')!r} is no role")
    if name in ("FunctionDeclaration", "FunctionCall", "FunctionResponse"):
        if not FUNCTION_NAME.fullmatch(str(value.get("name", ""))):
            found.append(f"{path}.name: {value.get('name')!r} is no function name")


def _value(spec: dict[str, Any], value: Any, path: str, found: list[str]) -> None:
    if value is None:
        return
    if "$ref" in spec:
        _message(spec["$ref"], value, path, found)
        return
    kind = spec.get("type")
    if kind == "any":
        _json(value, path, found)
    elif kind == "array":
        if not isinstance(value, list):
            found.append(f"{path}: must be a list")
            return
        for index, item in enumerate(value):
            _value(spec["items"], item, f"{path}[{index}]", found)
    elif kind == "object":
        _object(spec, value, path, found)
    else:
        _scalar(spec, value, path, found)


def _object(spec: dict[str, Any], value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: must be an object")
        return
    extra = spec.get("additionalProperties")
    for key, item in value.items():
        if extra is not None:
            _value(extra, item, f"{path}.{key}", found)


def _scalar(spec: dict[str, Any], value: Any, path: str, found: list[str]) -> None:
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "string":
        if not isinstance(value, str):
            found.append(f"{path}: must be a string, not {type(value).__name__}")
        elif not _unicode(value):
            found.append(f"{path}: not valid Unicode (a lone surrogate)")
        elif "enum" in spec and value not in spec["enum"]:
            found.append(f"{path}: {value!r} is outside {spec['enum']}")
        elif fmt == "byte" and not _base64(value):
            found.append(f"{path}: not base64")
        elif fmt == "int64" and not re.fullmatch(r"-?\d+", value):
            found.append(f"{path}: not an int64")
    elif kind == "integer":  # proto3 JSON takes an integral float (40.0) too
        whole = isinstance(value, (int, float)) and not isinstance(value, bool)
        whole = whole and float(value).is_integer()
        if not whole or (fmt == "int32" and not INT32[0] <= value <= INT32[1]):
            found.append(f"{path}: {value!r} is not an {fmt or 'integer'}")
    elif kind == "number":
        real = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not real or not math.isfinite(value):
            found.append(f"{path}: {value!r} is not a number")
    elif kind == "boolean" and not isinstance(value, bool):
        found.append(f"{path}: {value!r} is not a boolean")


def _json(value: Any, path: str, found: list[str]) -> None:
    try:
        json.dumps(value, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        found.append(f"{path}: not JSON ({exc})")


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _base64(text: str) -> bool:
    padded = text + "=" * (-len(text) % 4)
    for alphabet in (None, b"-_"):
        try:
            base64.b64decode(padded, altchars=alphabet, validate=True)
        except (binascii.Error, ValueError):
            continue
        return True
    return False


def _part(part: dict[str, Any], path: str, found: list[str]) -> None:
    data = PART_DATA & part.keys()
    if len(data) != 1:
        found.append(f"{path}: a Part holds exactly one data field, not {sorted(data)}")


def _pairing(body: dict[str, Any], found: list[str]) -> None:
    config = body.get("generationConfig") or {}
    thinking = config.get("thinkingConfig") or {}
    if "thinkingLevel" in thinking and "thinkingBudget" in thinking:
        found.append("only one of thinking budget and thinking level")
    schemas_given = [k for k in ("responseSchema", "responseJsonSchema") if k in config]
    if len(schemas_given) > 1:
        found.append("responseSchema with responseJsonSchema")
    if schemas_given and "responseMimeType" not in config:
        found.append("a response schema without responseMimeType")
    calling = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    if calling.get("mode") == "ANY" and config.get("responseMimeType") == JSON_MIME:
        found.append("Forced function calling (ANY mode) with application/json")
    if not body.get("contents"):
        found.append("contents is empty")
