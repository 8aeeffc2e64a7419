"""Built-in and function tools together, and strict tools.

On Gemini 3, binding both kinds sets ``toolConfig.includeServerSideToolInvocations``;
the ``toolCall``/``toolResponse`` parts the model then sends are replayed exactly.
``strict=True`` means Gemini's VALIDATED function-calling mode.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire.messages import convert_messages
from langchain_cometgemini._wire.response import result_from_response
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model


def get_weather(city: str) -> str:
    """Weather in a city."""
    return "sunny"


def make(emu: GeminiEmulator, model: str = "gemini-3-flash-preview") -> ChatCometGemini:
    return make_model(emu, model=model)


def tool_config(emu: GeminiEmulator) -> Any:
    return emu.last_request.body.get("toolConfig")


def test_builtin_and_function_tools_on_gemini_3_include_server_invocations(
    gemini_emulator: GeminiEmulator,
) -> None:
    make(gemini_emulator).bind_tools([get_weather, {"google_search": {}}]).invoke("hi")
    assert tool_config(gemini_emulator) == {"includeServerSideToolInvocations": True}


@pytest.mark.parametrize(
    ("model", "tools"),
    [
        ("gemini-2.5-flash", [get_weather, {"google_search": {}}]),
        ("gemini-3-flash-preview", [get_weather]),
        ("gemini-3-flash-preview", [{"google_search": {}}]),
    ],
)
def test_not_set_otherwise(
    gemini_emulator: GeminiEmulator, model: str, tools: list[Any]
) -> None:
    make(gemini_emulator, model).bind_tools(tools).invoke("hi")
    assert tool_config(gemini_emulator) is None


def test_tool_choice_and_explicit_setting_are_kept(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make(gemini_emulator)
    llm.bind_tools([get_weather, {"code_execution": {}}], tool_choice="any").invoke(
        "hi"
    )
    assert tool_config(gemini_emulator) == {
        "functionCallingConfig": {"mode": "ANY"},
        "includeServerSideToolInvocations": True,
    }
    explicit = {"includeServerSideToolInvocations": False}
    llm.bind_tools([get_weather, {"google_search": {}}]).invoke(
        "hi", tool_config=explicit
    )
    assert tool_config(gemini_emulator) == explicit


@pytest.mark.parametrize(
    ("choice", "mode"),
    [(None, "VALIDATED"), ("auto", "VALIDATED"), ("any", "ANY"), ("none", "NONE")],
)
def test_strict_means_validated(
    gemini_emulator: GeminiEmulator, choice: str | None, mode: str
) -> None:
    llm = make(gemini_emulator, "gemini-2.5-flash")
    llm.bind_tools([get_weather], tool_choice=choice, strict=True).invoke("hi")
    assert tool_config(gemini_emulator)["functionCallingConfig"]["mode"] == mode


def test_strict_with_a_named_tool_keeps_it_forced(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make(gemini_emulator, "gemini-2.5-flash")
    llm.bind_tools([get_weather], tool_choice="get_weather", strict=True).invoke("hi")
    assert tool_config(gemini_emulator) == {
        "functionCallingConfig": {
            "mode": "ANY",
            "allowedFunctionNames": ["get_weather"],
        }
    }


SERVER_PARTS = [
    {
        "toolCall": {
            "toolType": "GOOGLE_SEARCH_WEB",
            "args": {"queries": ["w"]},
            "id": "s1",
        },
        "thoughtSignature": "U0lH",
    },
    {
        "toolResponse": {
            "toolType": "GOOGLE_SEARCH_WEB",
            "response": {"results": ["sunny"]},
            "id": "s1",
        }
    },
    {"text": "Let me call the weather tool."},
    {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "f1"},
        "thoughtSignature": "RkM=",
    },
]


@pytest.mark.parametrize("version", [None, "v1"])
def test_server_tool_parts_are_replayed_exactly(
    gemini_emulator: GeminiEmulator, version: str | None
) -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": SERVER_PARTS},
                "finishReason": "STOP",
            }
        ],
        "modelVersion": "gemini-3-flash-preview",
    }
    reply = result_from_response(body, output_version=version).generations[0].message
    history = [
        HumanMessage("weather in Paris?"),
        reply,
        ToolMessage("sunny", tool_call_id="f1"),
    ]
    _, contents = convert_messages(history, model="gemini-3-flash-preview")
    assert contents[1]["parts"] == SERVER_PARTS
    # on the wire too (2.5 here: the emulator checks Gemini 3 signatures it issued)
    llm = make(gemini_emulator, "gemini-2.5-flash")
    llm.bind_tools([get_weather, {"google_search": {}}]).invoke(history)
    assert gemini_emulator.last_request.body["contents"][1]["parts"] == SERVER_PARTS


def test_standard_server_tool_blocks_with_gemini_tool_type_replay() -> None:
    reply = AIMessage(
        content=[
            {
                "type": "server_tool_call",
                "name": "google_search",
                "id": "s1",
                "args": {"queries": ["w"]},
                "extras": {"tool_type": "GOOGLE_SEARCH_WEB", "signature": "U0lH"},
            },
            {
                "type": "server_tool_result",
                "tool_call_id": "s1",
                "status": "success",
                "output": {"results": ["sunny"]},
                "extras": {"tool_type": "GOOGLE_SEARCH_WEB"},
            },
        ],
        response_metadata={"model_provider": "google_genai", "output_version": "v1"},
    )
    _, contents = convert_messages(
        [HumanMessage("q"), reply, HumanMessage("more")], model="gemini-3-flash-preview"
    )
    assert contents[1]["parts"] == SERVER_PARTS[:2]
