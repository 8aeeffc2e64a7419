"""Tool calling through the emulator: what reaches the wire and what comes back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import tool

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.errors import CometGeminiError
from langchain_cometgemini.testing import GeminiEmulator, Reply

FC_KEY = "__gemini_function_call_thought_signatures__"
Make = Callable[..., ChatCometGemini]


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def get_weather(city: str) -> str:
    """Weather in a city."""
    return f"Sunny in {city}"


ADD_DECLARATION = {
    "name": "add",
    "description": "Add two integers.",
    "parametersJsonSchema": {
        "type": "object",
        "properties": {
            "a": {"title": "A", "type": "integer"},
            "b": {"title": "B", "type": "integer"},
        },
        "required": ["a", "b"],
    },
}


def merged(chunks: Sequence[BaseMessage]) -> AIMessageChunk:
    total = chunks[0]
    assert isinstance(total, AIMessageChunk)
    for chunk in chunks[1:]:
        assert isinstance(chunk, AIMessageChunk)
        total = total + chunk
    return total


def test_declarations_and_tool_config_on_the_wire(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    llm = scripted_model().bind_tools(
        [add, get_weather, {"google_search": {}}], tool_choice="add"
    )
    message = llm.invoke("What is add(2, 3)?")
    body = scripted_emulator.last_request.body
    assert body["tools"][0]["functionDeclarations"][0] == ADD_DECLARATION
    assert [d["name"] for d in body["tools"][0]["functionDeclarations"]] == [
        "add",
        "get_weather",
    ]
    assert body["tools"][1:] == [{"googleSearch": {}}]
    assert body["toolConfig"]["functionCallingConfig"] == {
        "mode": "ANY",
        "allowedFunctionNames": ["add"],
    }
    # built-in + function tools: Gemini 3 must return its server-side calls
    model = scripted_emulator.last_request.model
    assert model is not None
    gemini3 = model.startswith("gemini-3")
    assert body["toolConfig"].get("includeServerSideToolInvocations") is (
        True if gemini3 else None
    )
    assert isinstance(message, AIMessage)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("add", {"a": 2, "b": 3})
    ]


def test_openapi_parameters_option_reaches_the_wire(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_model(tool_schema_format="openapi").bind_tools([add]).invoke("add(1, 2)")
    (declaration,) = scripted_emulator.last_request.body["tools"][0][
        "functionDeclarations"
    ]
    assert declaration["parameters"] == {
        "type": "OBJECT",
        "properties": {
            "a": {"title": "A", "type": "INTEGER"},
            "b": {"title": "B", "type": "INTEGER"},
        },
        "required": ["a", "b"],
    }
    assert "parametersJsonSchema" not in declaration


def test_unknown_tool_choice_raises_before_sending(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    with pytest.raises(ValueError, match="multiply"):
        scripted_model().bind_tools([add], tool_choice="multiply")
    assert scripted_emulator.requests == []


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-2.5-flash"])
def test_stream_merges_to_the_invoke_message(
    scripted_model: Make, scripted_emulator: GeminiEmulator, model: str
) -> None:
    calls = [("add", {"a": 1, "b": 2}), ("get_weather", {"city": "Oslo"})]
    scripted_emulator.enqueue(Reply.function_calls(calls), Reply.function_calls(calls))
    llm = scripted_model(model).bind_tools([add, get_weather])
    invoked = llm.invoke("go")
    chunks = list(llm.stream("go"))
    total = merged(chunks)
    assert isinstance(invoked, AIMessage)
    assert [c["index"] for c in total.tool_call_chunks] == [0, 1]
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [
        (c["name"], c["args"]) for c in invoked.tool_calls
    ]
    signatures = total.additional_kwargs.get(FC_KEY, {})
    assert bool(signatures) is model.startswith("gemini-3")
    assert list(signatures) == [total.tool_calls[0]["id"]][: len(signatures)]


async def test_async_tool_round_trip_with_gemini_ids(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.enqueue(
        Reply.function_calls(
            [
                ("add", {"a": 1, "b": 2}, "id-a"),
                ("get_weather", {"city": "Rome"}, "id-w"),
            ]
        )
    )
    llm = scripted_model("gemini-3.1-pro-preview").bind_tools([add, get_weather])
    first = await llm.ainvoke("go")
    assert [c["id"] for c in first.tool_calls] == ["id-a", "id-w"]
    results = [
        ToolMessage("Rain", tool_call_id="id-w"),
        ToolMessage("3", tool_call_id="id-a"),
    ]
    final = await llm.ainvoke([HumanMessage("go"), first, *results])
    contents = scripted_emulator.last_request.body["contents"]
    signature = first.additional_kwargs[FC_KEY]["id-a"]
    assert contents[1]["parts"] == [
        {
            "functionCall": {"name": "add", "args": {"a": 1, "b": 2}, "id": "id-a"},
            "thoughtSignature": signature,
        },
        {
            "functionCall": {
                "name": "get_weather",
                "args": {"city": "Rome"},
                "id": "id-w",
            }
        },
    ]
    assert contents[2] == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "add",
                    "response": {"result": 3},
                    "id": "id-a",
                }
            },
            {
                "functionResponse": {
                    "name": "get_weather",
                    "response": {"result": "Rain"},
                    "id": "id-w",
                }
            },
        ],
    }
    assert isinstance(final.content, str) and final.content.startswith("Done.")


def test_ten_turn_tool_loop_on_gemini_3_is_accepted(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    llm = scripted_model("gemini-3-pro-preview").bind_tools([add])
    history: list[BaseMessage] = [HumanMessage("Keep adding.")]
    for turn in range(10):
        scripted_emulator.enqueue(Reply.function_call("add", {"a": turn, "b": 1}))
        reply = llm.invoke(history) if turn % 2 else merged(list(llm.stream(history)))
        (call,) = reply.tool_calls
        history += [reply, ToolMessage(str(turn + 1), tool_call_id=call["id"])]
    final = llm.invoke(history)
    assert isinstance(final.content, str) and final.content.startswith("Done.")
    sent = scripted_emulator.last_request.body["contents"]
    sent_sigs = [p.get("thoughtSignature") for c in sent for p in c["parts"]]
    issued = [
        m.additional_kwargs[FC_KEY][m.tool_calls[0]["id"]]
        for m in history
        if isinstance(m, AIMessage)
    ]
    assert [s for s in sent_sigs if s] == issued
    assert set(issued) <= scripted_emulator.issued_signatures
    assert len(set(issued)) == 10


def test_hand_written_history_gets_the_placeholder_on_gemini_3(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    call = {"name": "add", "args": {"a": 1, "b": 2}, "id": "x1", "type": "tool_call"}
    history = [
        HumanMessage("1+2?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("3", tool_call_id="x1"),
    ]
    answer = scripted_model().bind_tools([add]).invoke(history)
    assert isinstance(answer.content, str) and answer.content.startswith("Done.")
    part = scripted_emulator.last_request.body["contents"][1]["parts"][0]
    assert part["thoughtSignature"] == "skip_thought_signature_validator"


def test_a_lost_signature_is_rejected_by_the_emulator(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    llm = scripted_model("gemini-3-flash-preview").bind_tools([add])
    first = llm.invoke("add(1, 2)")
    (call,) = first.tool_calls
    forged = first.model_copy(
        update={"additional_kwargs": {FC_KEY: {call["id"]: "Zm9yZ2Vk"}}}
    )
    with pytest.raises(CometGeminiError, match="400"):
        llm.invoke(
            [
                HumanMessage("add(1, 2)"),
                forged,
                ToolMessage("3", tool_call_id=call["id"]),
            ]
        )


PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-2.5-flash"])
def test_tool_message_image_is_accepted_by_the_emulator(
    scripted_model: Make, scripted_emulator: GeminiEmulator, model: str
) -> None:
    llm = scripted_model(model).bind_tools([get_weather])
    first = llm.invoke("get_weather('Oslo')")
    (call,) = first.tool_calls
    image = {"type": "image", "base64": PNG, "mime_type": "image/png"}
    result = ToolMessage(
        [{"type": "text", "text": "radar"}, image], tool_call_id=call["id"]
    )
    answer = llm.invoke([HumanMessage("get_weather('Oslo')"), first, result])
    assert answer.text.startswith("Done.")
    parts = scripted_emulator.last_request.body["contents"][2]["parts"]
    inline = {"inlineData": {"mimeType": "image/png", "data": PNG}}
    response = {"name": "get_weather", "response": {"result": "radar"}}
    if model.startswith("gemini-3"):
        assert parts == [{"functionResponse": {**response, "parts": [inline]}}]
    else:
        assert parts == [{"functionResponse": response}, inline]


def test_tools_and_tool_choice_per_call(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    message = scripted_model().invoke("add(4, 5)", tools=[add], tool_choice="any")
    body = scripted_emulator.last_request.body
    assert body["tools"] == [{"functionDeclarations": [ADD_DECLARATION]}]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert message.tool_calls[0]["args"] == {"a": 4, "b": 5}


def _event(*parts: dict[str, Any], finish: bool = False) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}}
    if finish:
        candidate["finishReason"] = "STOP"
    return {"candidates": [candidate]}


SIGNED_EVENTS = [
    _event(
        {"text": "Plan: call add.", "thought": True, "thoughtSignature": "VGhvdWdodA=="}
    ),
    _event({"text": "Let me "}),
    _event({"text": "check."}),
    _event(
        {
            "functionCall": {"name": "add", "args": {"a": 1, "b": 2}},
            "thoughtSignature": "Q2FsbA==",
        },
        {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
        finish=True,
    ),
]
SIGNED_PARTS = [
    {"text": "Plan: call add.", "thought": True, "thoughtSignature": "VGhvdWdodA=="},
    {"text": "Let me check."},
    {
        "functionCall": {"name": "add", "args": {"a": 1, "b": 2}},
        "thoughtSignature": "Q2FsbA==",
    },
    {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
]


@pytest.mark.parametrize("streamed", [False, True])
def test_thought_text_and_call_signatures_replay_exactly(
    scripted_model: Make, scripted_emulator: GeminiEmulator, streamed: bool
) -> None:
    scripted_emulator.issued_signatures |= {"VGhvdWdodA==", "Q2FsbA=="}
    scripted_emulator.enqueue(Reply(chunks=SIGNED_EVENTS))
    llm = scripted_model("gemini-3-pro-preview").bind_tools([add, get_weather])
    reply = merged(list(llm.stream("go"))) if streamed else llm.invoke("go")
    results = [ToolMessage("ok", tool_call_id=c["id"]) for c in reply.tool_calls]
    llm.invoke([HumanMessage("go"), reply, *results])
    replayed = scripted_emulator.last_request.body["contents"][1]
    assert replayed == {"role": "model", "parts": SIGNED_PARTS}


def test_merged_stream_equals_invoke_message(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    events = [
        _event({"text": "Let me "}),
        _event(
            {
                "functionCall": {"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"},
                "thoughtSignature": "Q2FsbA==",
            },
            {
                "functionCall": {
                    "name": "get_weather",
                    "args": {"city": "Oslo"},
                    "id": "c2",
                }
            },
        ),
        _event({"text": ""}, finish=True),
    ]
    scripted_emulator.enqueue(Reply(chunks=events), Reply(chunks=events))
    llm = scripted_model("gemini-3.1-pro-preview").bind_tools([add, get_weather])
    invoked = llm.invoke("go")
    streamed = merged(list(llm.stream("go")))
    fields = ("content", "tool_calls", "invalid_tool_calls", "additional_kwargs")
    for name in fields:
        assert getattr(streamed, name) == getattr(invoked, name), name
    meta = {k: v for k, v in invoked.response_metadata.items() if k != "response_id"}
    assert {k: streamed.response_metadata[k] for k in meta} == meta
    assert invoked.additional_kwargs == {
        "__gemini_function_call_thought_signatures__": {"c1": "Q2FsbA=="}
    }
