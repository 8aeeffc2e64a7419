"""functionCall parts that cannot be run become invalid_tool_calls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_cometgemini._wire.decode import PARTIAL_LIST_GAP
from langchain_cometgemini._wire.response import result_from_response
from langchain_cometgemini.errors import InvalidResponseError


def reply(*parts: dict[str, Any]) -> dict[str, Any]:
    content = {"role": "model", "parts": list(parts)}
    return {"candidates": [{"content": content, "finishReason": "STOP"}]}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"name": "f", "args": "{bad"}, "functionCall.args"),
        ({"name": "f", "args": [1]}, "functionCall.args"),
        ({"args": {"a": 1}}, "functionCall.name"),
        ({"name": 3, "args": {}}, "functionCall.name"),
        ({"name": "f", "id": {"x": 1}}, "functionCall.id"),
    ],
)
def test_call_of_wrong_shape_is_an_invalid_response(
    call: dict[str, Any], field: str
) -> None:
    body = reply({"functionCall": call})
    with pytest.raises(InvalidResponseError, match=re.escape(field)):
        result_from_response(body)


def test_empty_name_is_an_invalid_tool_call() -> None:
    body = reply(
        {"functionCall": {"name": "", "args": {"a": 1}}},
        {"functionCall": {"name": "g", "args": {"x": [1]}, "id": "c1"}},
    )
    message = result_from_response(body).generations[0].message
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {"name": "g", "args": {"x": [1]}, "id": "c1", "type": "tool_call"}
    ]
    [invalid] = message.invalid_tool_calls
    assert invalid["name"] is None
    assert "without a name" in str(invalid["error"])


def _partial(*pieces: dict[str, Any]) -> dict[str, Any]:
    return reply(
        {"functionCall": {"name": "f", "willContinue": True}},
        {"functionCall": {"partialArgs": list(pieces), "willContinue": True}},
        {"functionCall": {}},
    )


def test_streamed_list_arguments_fill_in_order() -> None:
    body = _partial(
        {"jsonPath": "$.a[0]", "numberValue": 1},
        {"jsonPath": "$.a[1]", "stringValue": "x"},
        {"jsonPath": "$.a[3]", "boolValue": True},
    )
    message = result_from_response(body).generations[0].message
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["args"] == {"a": [1, "x", None, True]}


@pytest.mark.parametrize(
    "path",
    [
        "$.a[10000000000000]",
        "$.a[10000000]",
        f"$.a[{'9' * 5000}]",
        f"$.a[{PARTIAL_LIST_GAP + 1}]",
    ],
    ids=["huge", "ten-million", "5000-digits", "past-the-bound"],
)
def test_a_list_index_far_past_the_end_is_refused_without_allocating(
    path: str,
) -> None:
    body = _partial({"jsonPath": path, "numberValue": 1})
    with pytest.raises(InvalidResponseError, match="partialArgs.jsonPath"):
        result_from_response(body)
