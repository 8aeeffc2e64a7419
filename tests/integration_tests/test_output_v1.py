"""output_version="v1": standard content blocks out, the same parts back in.

Each test asks the emulator for a reply, checks the v1 blocks the caller gets,
then sends the message back as history and compares the replayed parts with
the parts Gemini sent (signatures and ids included).
"""

from __future__ import annotations

import copy
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.conftest import load_capture
from tests.support import content_dicts, make_model

MODEL = "gemini-3-flash-preview"
CODE_CAPTURE = "real_nonstream_code_execution_gemini-3-flash-preview.json"


def make(emu: GeminiEmulator, **kwargs: Any) -> ChatCometGemini:
    return make_model(emu, **{"model": MODEL, "output_version": "v1", **kwargs})


def reply_with(parts: list[dict[str, Any]]) -> Reply:
    content = {"role": "model", "parts": copy.deepcopy(parts)}
    return Reply(body={"candidates": [{"content": content, "finishReason": "STOP"}]})


def replay(emu: GeminiEmulator, llm: ChatCometGemini, message: AIMessage) -> Any:
    llm.invoke([HumanMessage("q"), message, HumanMessage("next")])
    return emu.last_request.contents[1]["parts"]


def types_of(message: BaseMessage) -> list[str]:
    return [b["type"] for b in content_dicts(message)]


THOUGHTS: list[dict[str, Any]] = [
    {"text": "Plan the answer.", "thought": True, "thoughtSignature": "dGhvdWdodA=="},
    {"text": "Blue."},
]


def test_reasoning_and_text_round_trip(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(reply_with(THOUGHTS))
    llm = make(gemini_emulator, include_thoughts=True)
    message = llm.invoke("Sky colour?")
    assert message.response_metadata["output_version"] == "v1"
    assert content_dicts(message)[0] == {
        "type": "reasoning",
        "reasoning": "Plan the answer.",
        "extras": {"signature": "dGhvdWdodA=="},
        "index": 0,
    }
    assert message.text == "Blue."
    assert replay(gemini_emulator, llm, message) == THOUGHTS


def test_tool_call_round_trip(gemini_emulator: GeminiEmulator) -> None:
    call = {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"},
        "thoughtSignature": "Y2FsbC1zaWc=",
    }
    gemini_emulator.enqueue(reply_with([call]))
    llm = make(gemini_emulator)
    message = llm.invoke("Weather in Paris?")
    (block,) = [b for b in content_dicts(message) if b["type"] == "tool_call"]
    assert (block["name"], block["args"], block["id"]) == (
        "get_weather",
        {"city": "Paris"},
        "c1",
    )
    assert message.tool_calls[0]["id"] == "c1"
    llm.invoke(
        [
            HumanMessage("Weather in Paris?"),
            message,
            ToolMessage("sunny", tool_call_id="c1"),
        ]
    )
    contents = gemini_emulator.last_request.contents
    assert contents[1]["parts"] == [call]
    assert contents[2]["parts"][0]["functionResponse"]["id"] == "c1"


def test_streamed_v1_chunks_merge_to_the_invoked_message(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(
        Reply.text("Blue.", thought="Plan it."), Reply.text("Blue.", thought="Plan it.")
    )
    llm = make(gemini_emulator, model="gemini-2.5-flash", include_thoughts=True)
    invoked = llm.invoke("Sky colour?")
    chunks = list(llm.stream("Sky colour?"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    assert [b["type"] for b in total.content_blocks] == ["reasoning", "text"]
    assert total.text == invoked.text == "Blue."
    reasoning = total.content_blocks[0]
    assert reasoning["type"] == "reasoning" and reasoning["reasoning"] == "Plan it."


def test_code_execution_round_trip(gemini_emulator: GeminiEmulator) -> None:
    body = load_capture(CODE_CAPTURE)
    gemini_emulator.enqueue(Reply(body=body))
    llm = make(gemini_emulator).bind_tools([{"code_execution": {}}])
    message = llm.invoke("Run it")
    assert types_of(message) == ["server_tool_call", "server_tool_result", "text"]
    call, result, _ = content_dicts(message)
    assert call["name"] == "code_interpreter"
    assert result["status"] == "error"
    sent = body["candidates"][0]["content"]["parts"]
    llm.invoke([HumanMessage("Run it"), message, HumanMessage("next")])
    assert gemini_emulator.last_request.contents[1]["parts"] == sent


def test_image_is_a_standard_block_and_round_trips(
    gemini_emulator: GeminiEmulator,
) -> None:
    parts: list[dict[str, Any]] = [
        {"text": "Your cat."},
        {
            "inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="},
            "thoughtSignature": "aW1n",
        },
    ]
    gemini_emulator.enqueue(reply_with(parts))
    llm = make(gemini_emulator, model="gemini-3-pro-image-preview")
    message = llm.invoke("Draw a cat")
    assert types_of(message) == ["text", "image"]
    assert replay(gemini_emulator, llm, message) == parts


def test_text_signature_survives_v1(gemini_emulator: GeminiEmulator) -> None:
    parts = [{"text": "Hello there."}, {"text": "", "thoughtSignature": "dGV4dC1zaWc="}]
    gemini_emulator.enqueue(reply_with(parts))
    llm = make(gemini_emulator)
    message = llm.invoke("Hi")
    assert content_dicts(message)[0]["extras"] == {"signature": "dGV4dC1zaWc="}
    assert replay(gemini_emulator, llm, message) == [
        {"text": "Hello there.", "thoughtSignature": "dGV4dC1zaWc="}
    ]


def test_media_survive_even_through_langchain_core_translation(
    gemini_emulator: GeminiEmulator,
) -> None:
    """Whatever path made the v1 content, the image and signature go back."""
    parts: list[dict[str, Any]] = [
        {"text": "Your cat."},
        {
            "inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="},
            "thoughtSignature": "aW1n",
        },
    ]
    gemini_emulator.enqueue(reply_with(parts))
    llm = make(gemini_emulator, model="gemini-3-pro-image-preview")
    message = llm.invoke("Draw a cat")
    assert types_of(message)[0] == "text"
    assert replay(gemini_emulator, llm, message) == parts
