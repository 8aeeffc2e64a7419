"""Histories move between this package and langchain-google-genai (no network).

Our ``AIMessage`` (``model_provider="cometgemini"``) goes through
langchain-google-genai's own message-to-contents converter, and its
``AIMessage`` (``"google_genai"``, built by its own response parser) through
ours. langchain-google-genai counts every provider but ``google_genai`` /
``google_vertexai`` as foreign: it keeps our text, images and function calls
with their signatures, and drops our reasoning blocks (with a warning) and
the signatures on content blocks; the last test records that, so the day it
changes upstream this file says so.
"""

from __future__ import annotations

import base64
from typing import Any

from google.genai import types
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_google_genai.chat_models import (
    _parse_chat_history,
    _parse_response_candidate,
)

from langchain_cometgemini._wire.messages import convert_messages
from langchain_cometgemini._wire.response import result_from_response

SIG = base64.b64encode(b"signature-1").decode()
PNG = base64.b64encode(b"\x89PNG not really").decode()
MODEL = "gemini-3-pro-preview"

CALL = {
    "content": {
        "role": "model",
        "parts": [
            {"text": "plan", "thought": True},
            {"text": "Looking it up."},
            {
                "functionCall": {"name": "lookup", "args": {"q": "x"}, "id": "c-1"},
                "thoughtSignature": SIG,
            },
        ],
    },
    "finishReason": "STOP",
    "index": 0,
}
IMAGE = {
    "content": {
        "role": "model",
        "parts": [
            {"text": "Here:"},
            {"inlineData": {"mimeType": "image/png", "data": PNG}},
        ],
    },
    "finishReason": "STOP",
    "index": 0,
}
THOUGHT = {
    "content": {
        "role": "model",
        "parts": [
            {"text": "plan", "thought": True, "thoughtSignature": SIG},
            {"text": "Answer"},
        ],
    },
    "finishReason": "STOP",
    "index": 0,
}


def ours(candidate: dict[str, Any]) -> AIMessage:
    message = result_from_response({"candidates": [candidate]}).generations[0].message
    assert isinstance(message, AIMessage)
    assert message.response_metadata["model_provider"] == "cometgemini"
    return message


def theirs(candidate: dict[str, Any]) -> AIMessage:
    parsed = types.Candidate.model_validate(candidate)
    message = _parse_response_candidate(parsed, model_name=MODEL)
    assert message.response_metadata["model_provider"] == "google_genai"
    return message


def their_contents(history: list[BaseMessage]) -> list[dict[str, Any]]:
    """What langchain-google-genai sends for ``history`` (JSON, as on the wire)."""
    _, contents = _parse_chat_history(history, model=MODEL)
    return [c.model_dump(mode="json", exclude_none=True) for c in contents]


def test_langchain_google_genai_sends_our_calls_with_their_signatures() -> None:
    message = ours(CALL)
    tool = ToolMessage("42", tool_call_id="c-1", name="lookup")
    contents = their_contents([HumanMessage("hi"), message, tool])
    model_turn = contents[1]["parts"]
    assert model_turn[0] == {"text": "Looking it up."}
    assert model_turn[1]["function_call"]["name"] == "lookup"
    assert model_turn[1]["function_call"]["args"] == {"q": "x"}
    assert model_turn[1]["thought_signature"] == SIG
    response = contents[2]["parts"][0]["function_response"]
    assert response["name"] == "lookup"


def test_langchain_google_genai_sends_our_generated_image() -> None:
    contents = their_contents(
        [HumanMessage("draw"), ours(IMAGE), HumanMessage("again")]
    )
    assert contents[1]["parts"] == [
        {"text": "Here:"},
        {"inline_data": {"data": PNG, "mime_type": "image/png"}},
    ]


def test_we_send_langchain_google_genais_calls_thoughts_and_images() -> None:
    message = theirs(CALL)
    call_id = message.tool_calls[0]["id"]
    tool = ToolMessage("42", tool_call_id=call_id, name="lookup")
    _, contents = convert_messages([HumanMessage("hi"), message, tool], model=MODEL)
    assert contents[1]["parts"] == [
        {"text": "plan", "thought": True},
        {"text": "Looking it up."},
        {
            "functionCall": {"name": "lookup", "args": {"q": "x"}, "id": "c-1"},
            "thoughtSignature": SIG,
        },
    ]
    assert contents[2]["parts"][0]["functionResponse"]["name"] == "lookup"
    _, contents = convert_messages(
        [HumanMessage("q"), theirs(THOUGHT), HumanMessage("again")], model=MODEL
    )
    assert contents[1]["parts"] == THOUGHT["content"]["parts"]  # type: ignore[index]
    _, contents = convert_messages(
        [HumanMessage("draw"), theirs(IMAGE), HumanMessage("again")], model=MODEL
    )
    assert contents[1]["parts"] == IMAGE["content"]["parts"]  # type: ignore[index]


def test_a_history_mixing_both_packages_goes_out_in_order() -> None:
    history: list[BaseMessage] = [
        HumanMessage("q"),
        theirs(THOUGHT),
        HumanMessage("draw"),
        ours(IMAGE),
        HumanMessage("again"),
    ]
    _, contents = convert_messages(history, model=MODEL)
    assert [c["role"] for c in contents] == ["user", "model", "user", "model", "user"]
    assert contents[3]["parts"] == IMAGE["content"]["parts"]  # type: ignore[index]
    assert [c["role"] for c in their_contents(history)] == [c["role"] for c in contents]


def test_langchain_google_genai_drops_our_reasoning_as_another_providers() -> None:
    contents = their_contents([HumanMessage("q"), ours(THOUGHT), HumanMessage("again")])
    assert contents[1]["parts"] == [{"text": "Answer"}]
