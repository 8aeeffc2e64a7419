"""Tool results of every shape, and calls the API would refuse (``_wire.messages``).

Each test pins something that once went wrong: content dropped from a result,
a valid result refused, a body Gemini answers 400, or an untyped exception.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_cometgemini._json import dumps
from langchain_cometgemini._wire.messages import MAX_DEPTH, convert_messages

G3, G25 = "gemini-3-flash-preview", "gemini-2.5-flash"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)


def answered(result: ToolMessage, model: str = G25, **args: Any) -> list[Any]:
    """The parts of the user turn that carries ``result``."""
    call = {"name": "lookup", "args": args, "id": "c1", "type": "tool_call"}
    history: list[BaseMessage] = [
        HumanMessage("go"),
        AIMessage("", tool_calls=[call]),
        result,
    ]
    parts: list[Any] = convert_messages(history, model=model)[1][-1]["parts"]
    return parts


def response(result: ToolMessage, model: str = G25) -> Any:
    return answered(result, model)[0]["functionResponse"]["response"]


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", " NaN "])
def test_a_result_that_is_not_strict_json_goes_as_its_string(text: str) -> None:
    """Once parsed into a float, then refused when the body was serialised."""
    assert response(ToolMessage(text, tool_call_id="c1")) == {"result": text}
    dumps(answered(ToolMessage(text, tool_call_id="c1")))  # JSON-compliant


def test_json_results_are_still_decoded() -> None:
    assert response(ToolMessage('{"t": 21}', tool_call_id="c1")) == {"t": 21}
    assert response(ToolMessage("[1, 2]", tool_call_id="c1")) == {"result": [1, 2]}
    assert response(ToolMessage("1e400", tool_call_id="c1")) == {"result": "1e400"}


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"type": "text-plain", "text": "plain", "mime_type": "text/plain"}, "plain"),
        (
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "doc"},
            },
            "doc",
        ),
        ({"type": "json", "json": {"rows": 2}}, {"rows": 2}),
        ({"type": "non_standard", "value": {"raw": [1, 2]}}, {"raw": [1, 2]}),
    ],
)
def test_other_result_blocks_are_carried(block: dict[str, Any], expected: Any) -> None:
    """These blocks once became ``{"result": ""}``."""
    sent = response(ToolMessage([block], tool_call_id="c1"))
    assert sent == (expected if isinstance(expected, dict) else {"result": expected})


def test_mixed_result_blocks_keep_their_order() -> None:
    blocks: list[Any] = [
        {"type": "text", "text": "a"},
        "b",
        {"type": "json", "json": [1]},
        {"type": "text", "text": "c"},
    ]
    sent = response(ToolMessage(blocks, tool_call_id="c1"))
    assert sent == {"result": ["ab", [1], "c"]}


def test_an_unknown_result_block_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError, match="Unsupported content block type 'weird'"):
        answered(ToolMessage([{"type": "weird", "x": 1}], tool_call_id="c1"))


def test_a_result_nested_too_deep_for_gemini_goes_as_text() -> None:
    """100,000 levels raised RecursionError; Gemini's parser stops at 100."""
    deep = "[" * 100_000 + "]" * 100_000
    assert response(ToolMessage(deep, tool_call_id="c1")) == {"result": deep}
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert response(ToolMessage(ok, tool_call_id="c1")) != {"result": ok}


def test_a_json_value_nested_too_deep_is_a_value_error() -> None:
    value: Any = []
    for _ in range(MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(ValueError, match="tool result nests"):
        answered(ToolMessage([{"type": "json", "json": value}], tool_call_id="c1"))


def test_tool_call_args_nested_too_deep_are_a_value_error() -> None:
    """5,000 levels of args raised RecursionError."""
    args: dict[str, Any] = {}
    cursor = args
    for _ in range(5_000):
        cursor["a"] = {}
        cursor = cursor["a"]
    with pytest.raises(ValueError, match="tool call 'lookup' args nests"):
        answered(ToolMessage("ok", tool_call_id="c1"), **args)


def test_gemini_3_result_images_with_options_follow_the_response() -> None:
    """``FunctionResponsePart`` takes ``inlineData`` only: an image with a media
    resolution or video metadata goes as an ordinary part after the response."""
    blocks: list[Any] = [
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        {
            "type": "image",
            "base64": PNG,
            "mime_type": "image/png",
            "media_resolution": "high",
        },
    ]
    parts = answered(ToolMessage(blocks, tool_call_id="c1"), model=G3)
    inline = {"inlineData": {"mimeType": "image/png", "data": PNG}}
    assert parts[0]["functionResponse"]["parts"] == [inline]
    assert parts[1:] == [
        {**inline, "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}}
    ]


@pytest.mark.parametrize("name", ["Get Weather Now", "", "a" * 129, "naïve"])
def test_a_replayed_call_name_gemini_refuses_is_a_value_error(name: str) -> None:
    call = {"name": name, "args": {}, "id": "c1", "type": "tool_call"}
    history = [HumanMessage("go"), AIMessage("", tool_calls=[call])]
    with pytest.raises(ValueError, match="function name"):
        convert_messages(history, model=G25)


def test_the_body_of_a_result_is_json_serialisable() -> None:
    parts = answered(
        ToolMessage([{"type": "json", "json": {"a": "é"}}], tool_call_id="c1")
    )
    assert json.loads(dumps(parts)) == parts


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_args_or_values_json_cannot_carry_are_value_errors(number: float) -> None:
    """Once the encoder's "Out of range float values are not JSON compliant"."""
    with pytest.raises(ValueError, match="tool call 'lookup' args holds NaN"):
        answered(ToolMessage("ok", tool_call_id="c1"), x=number)
    block = {"type": "json", "json": {"x": number}}
    with pytest.raises(ValueError, match="tool result holds NaN"):
        answered(ToolMessage([block], tool_call_id="c1"))


TEXT_KEY = "__gemini_text_thought_signatures__"
CALL_KEY = "__gemini_function_call_thought_signatures__"


@pytest.mark.parametrize(
    "kwargs",
    [
        {TEXT_KEY: 5},
        {TEXT_KEY: [5]},
        {TEXT_KEY: [{"offset": "x", "signature": "QQ=="}]},
        {TEXT_KEY: [{"signature": "QQ=="}]},
        {CALL_KEY: 5},
        {CALL_KEY: ["a"]},
        {CALL_KEY: {"c1": 5}},
    ],
)
def test_malformed_signature_records_are_value_errors(kwargs: dict[str, Any]) -> None:
    """Once TypeError, KeyError or AttributeError from inside the converter."""
    call = {"name": "lookup", "args": {}, "id": "c1", "type": "tool_call"}
    reply = AIMessage("hello", additional_kwargs=kwargs, tool_calls=[call])
    history = [HumanMessage("go"), reply, ToolMessage("r", tool_call_id="c1")]
    with pytest.raises(ValueError, match="additional_kwargs|not base64"):
        convert_messages(history, model=G3)
