"""Histories as agents really carry them (message side).

Replies whose content switched from a string to blocks, ``messages_to_dict``
round trips, histories produced by other providers, slices of a history
(``trim_messages``), model families and text Gemini cannot take.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)

from langchain_cometgemini._wire.messages import (
    SKIP_SIGNATURE,
    convert_messages,
    requires_signatures,
)
from langchain_cometgemini._wire.response import StreamState, result_from_response

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
IMAGE_MODEL = "gemini-3-pro-image-preview"
TEXT_KEY = "__gemini_text_thought_signatures__"


def contents(messages: list[BaseMessage], model: str = "gemini-3-flash-preview") -> Any:
    return convert_messages(messages, model=model)[1]


def model_turn(reply: BaseMessage, model: str = IMAGE_MODEL) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = contents([HumanMessage("draw"), reply], model)[1][
        "parts"
    ]
    return parts


# -- a signed text part, then an image -------------------------------------------

SIGNED_TEXT_THEN_IMAGE = [
    {"text": "Here is a cat", "thoughtSignature": "U0lHMQ=="},
    {
        "inlineData": {"mimeType": "image/png", "data": PNG},
        "thoughtSignature": "U0lHMg==",
    },
]


def _body(parts: list[dict[str, Any]]) -> dict[str, Any]:
    candidate = {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}
    return {"candidates": [candidate], "modelVersion": IMAGE_MODEL}


def _unary(parts: list[dict[str, Any]]) -> BaseMessage:
    return result_from_response(_body(parts)).generations[0].message


def _streamed(parts: list[dict[str, Any]]) -> BaseMessage:
    state = StreamState()
    merged: AIMessageChunk | None = None
    for part in parts:
        for piece in state.read(_body([part])):
            chunk = piece.message
            assert isinstance(chunk, AIMessageChunk)
            merged = chunk if merged is None else merged + chunk
    assert merged is not None
    return merged


def _round_trip(message: BaseMessage) -> BaseMessage:
    return messages_from_dict(messages_to_dict([message]))[0]


@pytest.mark.parametrize("how", [_unary, _streamed])
@pytest.mark.parametrize("round_trip", [False, True])
def test_text_signature_survives_the_switch_to_blocks(
    how: Any, round_trip: bool
) -> None:
    reply = how(SIGNED_TEXT_THEN_IMAGE)
    assert isinstance(reply.content, list)  # the image made content a list
    if round_trip:
        reply = _round_trip(reply)
    assert model_turn(reply) == SIGNED_TEXT_THEN_IMAGE


def test_text_signatures_at_offsets_split_list_content_in_order() -> None:
    reply = AIMessage(
        content=[
            {"type": "text", "text": "abcdef"},
            {"type": "image", "base64": PNG, "mime_type": "image/png"},
            {"type": "text", "text": "gh"},
        ],
        additional_kwargs={
            TEXT_KEY: [
                {"offset": 3, "signature": "QkJC"},
                {"offset": 0, "signature": "QUFB"},
                {"offset": 6, "signature": "Q0ND"},
                {"offset": 8, "signature": "RERE"},
            ]
        },
    )
    assert model_turn(reply) == [
        {"text": "abc", "thoughtSignature": "QUFB"},
        {"text": "def", "thoughtSignature": "QkJC"},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"text": "gh", "thoughtSignature": "Q0ND"},
        {"text": "", "thoughtSignature": "RERE"},
    ]


def test_a_block_already_signed_keeps_its_own_signature() -> None:
    reply = AIMessage(
        content=[{"type": "text", "text": "x", "extras": {"signature": "OWN"}}],
        additional_kwargs={TEXT_KEY: [{"offset": 0, "signature": "OLD"}]},
    )
    assert model_turn(reply) == [{"text": "x", "thoughtSignature": "OWN"}]


def test_thoughts_do_not_count_in_text_offsets() -> None:
    reply = AIMessage(
        content=[
            {"type": "thinking", "thinking": "long thought"},
            {"type": "text", "text": "ab"},
        ],
        additional_kwargs={TEXT_KEY: [{"offset": 1, "signature": "U1NT"}]},
    )
    assert model_turn(reply) == [
        {"text": "long thought", "thought": True},
        {"text": "a"},
        {"text": "b", "thoughtSignature": "U1NT"},
    ]


# -- a system prompt and an empty user message -----------------------------------


def test_system_and_empty_human_message_are_sent() -> None:
    system, sent = convert_messages(
        [SystemMessage("Tell three jokes."), HumanMessage("")], model="gemini-2.5-flash"
    )
    assert system == {"parts": [{"text": "Tell three jokes."}]}
    assert sent == [{"role": "user", "parts": [{"text": ""}]}]


def test_system_alone_is_still_refused_for_generation() -> None:
    with pytest.raises(ValueError, match="only system"):
        convert_messages([SystemMessage("rules")], model="gemini-2.5-flash")


# -- slices of a history (token counting, trim_messages) -------------------------


def test_partial_empty_list_is_nothing_to_send() -> None:
    assert convert_messages([], model="gemini-2.5-flash", partial=True) == (None, [])


def test_partial_system_alone_becomes_one_user_content() -> None:
    system, sent = convert_messages(
        [SystemMessage("rules")], model="gemini-2.5-flash", partial=True
    )
    assert system is None
    assert sent == [{"role": "user", "parts": [{"text": "rules"}]}]


def test_partial_tool_result_without_its_call_is_converted() -> None:
    orphan = ToolMessage("21C", tool_call_id="gone", name="weather")
    nameless = ToolMessage("ok", tool_call_id="gone2")
    _, sent = convert_messages(
        [orphan, nameless, AIMessage("It is 21C.")],
        model="gemini-3-flash-preview",
        partial=True,
    )
    assert sent[0] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "weather", "response": {"result": "21C"}}},
            {"functionResponse": {"name": "tool", "response": {"result": "ok"}}},
        ],
    }


def test_tool_result_without_its_call_is_refused_for_generation() -> None:
    with pytest.raises(ValueError, match="gone"):
        contents([ToolMessage("21C", tool_call_id="gone")])


# -- rules follow the family ------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "gemini3"),
    [
        ("gemini-flash-latest", True),
        ("gemini-flash-lite-latest", True),
        ("gemini-pro-latest", True),
        ("models/gemini-3.6-flash", True),
        ("gemini-5-ultra-preview", True),
        ("gemini-2.5-flash", False),
        ("gemini-2.0-flash-lite", False),
        ("gemma-3-27b-it", False),
    ],
)
def test_signature_rules_follow_the_family(model: str, gemini3: bool) -> None:
    assert requires_signatures(model) is gemini3


def test_hand_written_call_to_flash_latest_gets_the_placeholder() -> None:
    call = {"name": "f", "args": {}, "id": "1", "type": "tool_call"}
    sent = contents(
        [
            HumanMessage("go"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("x", tool_call_id="1"),
        ],
        model="gemini-flash-latest",
    )
    assert sent[1]["parts"] == [
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": SKIP_SIGNATURE}
    ]


# -- a lone surrogate is refused before sending ------------------------------------


@pytest.mark.parametrize(
    ("message", "where"),
    [
        (HumanMessage("bad \ud83d text"), r"messages\[1\] \(HumanMessage\), content:"),
        (
            HumanMessage(
                [{"type": "text", "text": "ok"}, {"type": "text", "text": "\udc00"}]
            ),
            r"messages\[1\] \(HumanMessage\), content block 1, 'text'",
        ),
        (
            AIMessage(
                "", tool_calls=[{"name": "f", "args": {"q": "\ud800"}, "id": "1"}]
            ),
            r"messages\[1\] \(AIMessage\), tool call 'f', 'q'",
        ),
        (SystemMessage("\udfff"), r"messages\[1\] \(SystemMessage\)"),
    ],
)
def test_lone_surrogate_is_a_value_error_naming_message_and_block(
    message: BaseMessage, where: str
) -> None:
    with pytest.raises(ValueError, match=where) as info:
        contents([HumanMessage("hi"), message])
    assert "lone surrogate" in str(info.value)


def test_surrogate_pairs_written_as_characters_are_fine() -> None:
    assert contents([HumanMessage("emoji \U0001f600 ok")])[0]["parts"] == [
        {"text": "emoji \U0001f600 ok"}
    ]


# Gemini 3 with a function and Google Search in one step (a recorded answer,
# signatures shortened): the function call comes first, then the search.
_CALL_THEN_SEARCH = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {
                        "functionCall": {
                            "args": {"expression": "2+2"},
                            "id": "oqeiriep",
                            "name": "calculator",
                        },
                        "thoughtSignature": "EqwCCqkC",
                    },
                    {
                        "toolCall": {
                            "args": {"queries": ["current weather in Tokyo"]},
                            "id": "93z4z1x3",
                            "toolType": "GOOGLE_SEARCH_WEB",
                        },
                        "thoughtSignature": "EnUKcwgB",
                    },
                    {
                        "toolResponse": {
                            "id": "93z4z1x3",
                            "response": {"search_suggestions": "..."},
                            "toolType": "GOOGLE_SEARCH_WEB",
                        },
                        "thoughtSignature": "Eu6SAgrq",
                    },
                ],
            },
            "finishReason": "STOP",
        }
    ]
}


def _kinds(content: dict[str, Any]) -> list[str]:
    return [
        next(k for k in part if k != "thoughtSignature") for part in content["parts"]
    ]


def test_function_call_goes_back_where_gemini_put_it() -> None:
    """Parts of a standard (v1) model turn go back in the order Gemini sent them.

    (Default content does not say where a call sat among the other parts: the
    call goes back after them.)
    """
    result = result_from_response(_CALL_THEN_SEARCH, output_version="v1")
    reply = result.generations[0].message
    assert isinstance(reply, AIMessage)
    call_id = reply.tool_calls[0]["id"]
    sent = contents(
        [
            HumanMessage("2+2, and the weather in Tokyo?"),
            reply,
            ToolMessage("4", tool_call_id=call_id, name="calculator"),
        ]
    )
    assert _kinds(sent[1]) == ["functionCall", "toolCall", "toolResponse"]
    assert [p["thoughtSignature"] for p in sent[1]["parts"]] == [
        "EqwCCqkC",
        "EnUKcwgB",
        "Eu6SAgrq",
    ]


def test_an_empty_model_reply_in_the_history_is_sent() -> None:
    """An empty answer stays a model turn, as Gemini took it (a recorded request).

    Dropped, the next question would be merged into the previous user turn and
    the model would not know it had answered at all.
    """
    sent = contents(
        [
            HumanMessage("Hi"),
            AIMessage(""),
            HumanMessage("Was your previous response empty?"),
        ],
        model="gemini-2.5-flash",
    )
    assert sent == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": ""}]},
        {"role": "user", "parts": [{"text": "Was your previous response empty?"}]},
    ]
