"""JSON Schema -> OpenAPI-subset ``parameters`` (``_schema.to_openapi``)."""

from __future__ import annotations

import warnings
from typing import Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from langchain_cometgemini._wire.schema import SUPPORTED_KEYS, to_openapi


def _convert(schema: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = to_openapi(schema, "tool 't'")
    return result, [str(w.message) for w in caught]


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node)
        for key, value in node.items():
            if key == "properties":
                for sub in value.values():
                    found |= _keys(sub)
            else:
                found |= _keys(value)
        return found
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node)) if node else set()
    return set()


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, {"type": "STRING"}),
        ({"type": ["integer", "null"]}, {"type": "INTEGER", "nullable": True}),
        (
            {"anyOf": [{"type": "string"}, {"type": "null"}]},
            {"type": "STRING", "nullable": True},
        ),
        (
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            {"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]},
        ),
        ({"const": "x"}, {"type": "STRING", "enum": ["x"]}),
        ({"enum": ["a", None]}, {"type": "STRING", "enum": ["a"], "nullable": True}),
        (
            {"type": "array", "items": {"type": "number"}, "minItems": 1},
            {"type": "ARRAY", "items": {"type": "NUMBER"}, "minItems": 1},
        ),
        (
            {
                "allOf": [
                    {"properties": {"a": {"type": "string"}}, "required": ["a"]},
                    {"properties": {"b": {"type": "integer"}}},
                ]
            },
            {
                "type": "OBJECT",
                "properties": {"a": {"type": "STRING"}, "b": {"type": "INTEGER"}},
                "required": ["a"],
            },
        ),
    ],
)
def test_conversions_without_loss(
    schema: dict[str, Any], expected: dict[str, Any]
) -> None:
    result, warned = _convert(schema)
    assert result == expected
    assert warned == []


def test_refs_are_inlined_and_defs_removed() -> None:
    schema = {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/Addr", "description": "Home"}},
        "$defs": {
            "Addr": {"type": "object", "properties": {"zip": {"type": "string"}}}
        },
    }
    result, warned = _convert(schema)
    assert result == {
        "type": "OBJECT",
        "properties": {
            "home": {
                "type": "OBJECT",
                "description": "Home",
                "properties": {"zip": {"type": "STRING"}},
            }
        },
    }
    assert warned == []


def test_unsupported_keys_dropped_with_one_warning_naming_them() -> None:
    class Node(BaseModel):
        name: str
        child: Optional[Node] = None  # noqa: UP045

    class Args(BaseModel):
        n: int = Field(ge=0, lt=10)
        extra: dict[str, int]
        kind: Literal["a", "b"]
        level: Literal[1, 2]
        tree: Node

    result, warned = _convert(Args.model_json_schema())
    assert _keys(result) <= SUPPORTED_KEYS
    assert len(warned) == 1
    message = warned[0]
    for name in (
        "properties.n.exclusiveMaximum",
        "properties.extra.additionalProperties",
        "properties.level.enum",
        "(recursive)",
    ):
        assert name in message
    assert message.startswith("tool 't'")
    assert result["properties"]["n"] == {"type": "INTEGER", "minimum": 0, "title": "N"}
    assert result["properties"]["kind"]["enum"] == ["a", "b"]
    child = result["properties"]["tree"]["properties"]["child"]
    assert child["type"] == "OBJECT" and child["nullable"] is True


def test_required_only_names_existing_properties() -> None:
    schema = {"type": "object", "properties": {"a": {}}, "required": ["a", "gone"]}
    result, _ = _convert(schema)
    assert result["required"] == ["a"]
