"""functionCall parts that cannot be run become invalid_tool_calls."""

from __future__ import annotations

from typing import Any

from langchain_cometgemini._response import result_from_response


def reply(*parts: dict[str, Any]) -> dict[str, Any]:
    content = {"role": "model", "parts": list(parts)}
    return {"candidates": [{"content": content, "finishReason": "STOP"}]}


def test_non_object_args_are_an_invalid_tool_call() -> None:
    body = reply({"functionCall": {"name": "f", "args": "{bad"}})
    message = result_from_response(body).generations[0].message
    assert message.tool_calls == []  # type: ignore[attr-defined]
    [invalid] = message.invalid_tool_calls  # type: ignore[attr-defined]
    assert invalid["name"] == "f"
    assert invalid["args"] == '"{bad"'


def test_nameless_call_is_an_invalid_tool_call() -> None:
    body = reply(
        {"functionCall": {"args": {"a": 1}}},
        {"functionCall": {"name": "g", "args": {"x": [1]}, "id": "c1"}},
    )
    message = result_from_response(body).generations[0].message
    assert message.tool_calls == [  # type: ignore[attr-defined]
        {"name": "g", "args": {"x": [1]}, "id": "c1", "type": "tool_call"}
    ]
    [invalid] = message.invalid_tool_calls  # type: ignore[attr-defined]
    assert invalid["name"] is None
    assert "without a name" in str(invalid["error"])
