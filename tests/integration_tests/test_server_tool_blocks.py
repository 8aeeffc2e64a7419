"""Server-side tool parts as LangChain's standard blocks, replayed exactly.

Gemini's code execution (``executableCode`` / ``codeExecutionResult``) and
Gemini 3's server-side tool invocations (``toolCall`` / ``toolResponse``, sent
for built-in tools when ``includeServerSideToolInvocations`` is set) show in
``.content_blocks`` as ``server_tool_call`` / ``server_tool_result`` blocks in
both output versions, for ``invoke`` and merged ``stream`` chunks, and the
message sent back in a history reproduces on the wire exactly the parts Gemini
sent (ids, ``thoughtSignature``, ``thought``). Real shapes: recorded answers
in tests/data/recordings.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire.response import result_from_response
from langchain_cometgemini.errors import InvalidResponseError
from langchain_cometgemini.testing import GeminiEmulator, Reply

RECORDINGS = Path(__file__).parents[1] / "data" / "recordings"
MODEL = "gemini-3-flash-preview"
SERVER_KEYS = ("toolCall", "toolResponse", "executableCode", "codeExecutionResult")

Event = dict[str, Any]


def sse_events(name: str) -> list[Event]:
    text = (RECORDINGS / name).read_text()
    return [
        json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")
    ]


def json_events(name: str) -> list[Event]:
    body: Event = json.loads((RECORDINGS / name).read_text())
    return [body]


SEARCH_EVENTS: list[Event] = [
    {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {
                            "toolCall": {
                                "toolType": "GOOGLE_SEARCH_WEB",
                                "args": {"queries": ["weather Paris"]},
                                "id": "s1",
                            },
                            "thoughtSignature": "U0lHMQ==",
                        }
                    ],
                }
            }
        ]
    },
    {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {
                            "toolResponse": {
                                "toolType": "GOOGLE_SEARCH_WEB",
                                "response": {"results": [{"title": "sunny"}]},
                                "id": "s1",
                            },
                            "thoughtSignature": "U0lHMg==",
                        },
                        {
                            "executableCode": {
                                "language": "PYTHON",
                                "code": "print(1 + 1)",
                                "id": "c1",
                            },
                            "thoughtSignature": "U0lHMw==",
                        },
                        {
                            "codeExecutionResult": {
                                "outcome": "OUTCOME_FAILED",
                                "output": "boom",
                                "id": "c1",
                            }
                        },
                    ],
                }
            }
        ]
    },
    {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "It is sunny."}]},
                "finishReason": "STOP",
            }
        ],
        "modelVersion": MODEL,
    },
]
"""Gemini 3's server-side parts with every field the discovery document gives
them (args, response, ids, signatures), and code execution with ids."""

ANSWERS: dict[str, list[Event]] = {
    "file_search_gemini3": sse_events(
        "pydantic-ai__model_file_search_grounding_gemini_3_True.sse"
    ),
    "code_execution_thought_stream": sse_events(
        "pydantic-ai__model_builtin_code_execution_stream.sse"
    ),
    "code_execution": json_events("pydantic-ai__model_code_execution_tool.json"),
    "search_and_code": SEARCH_EVENTS,
}


def sent_parts(events: list[Event]) -> list[Event]:
    return [
        part
        for event in events
        for candidate in event.get("candidates") or []
        for part in candidate.get("content", {}).get("parts") or []
    ]


def server_parts(parts: list[Event]) -> list[Event]:
    return [p for p in parts if any(k in p for k in SERVER_KEYS)]


@pytest.fixture
def emu() -> Iterator[GeminiEmulator]:
    # the recordings' signatures were issued by Google, not by this emulator
    with GeminiEmulator(check_signatures=False) as emulator:
        yield emulator


def answer(
    emu: GeminiEmulator, events: list[Event], version: str | None, mode: str
) -> AIMessage:
    llm = ChatCometGemini(
        model=MODEL, base_url=emu.base_url, api_key=emu.api_key, output_version=version
    )
    emu.enqueue(Reply(chunks=events))
    if mode == "invoke":
        return llm.invoke("question")
    chunks = list(llm.stream("question"))
    merged: AIMessageChunk = functools.reduce(operator.add, chunks)
    return merged


def of_type(message: BaseMessage, kind: str) -> list[Any]:
    return [b for b in message.content_blocks if b["type"] == kind]


def expected_calls(parts: list[Event]) -> list[dict[str, Any]]:
    """The standard ``server_tool_call`` fields each call part should show."""
    out: list[dict[str, Any]] = []
    for part in parts:
        if "toolCall" in part:
            call = part["toolCall"]
            names = {"GOOGLE_SEARCH_WEB": "google_search", "FILE_SEARCH": "file_search"}
            out.append(
                {
                    "id": call.get("id", ""),
                    "name": names[call["toolType"]],
                    "args": call.get("args", {}),
                }
            )
        elif "executableCode" in part:
            code = part["executableCode"]
            args = {"code": code["code"], "language": code["language"]}
            out.append(
                {"id": code.get("id", ""), "name": "code_interpreter", "args": args}
            )
    return out


def expected_results(parts: list[Event]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        if "toolResponse" in part:
            result = part["toolResponse"]
            shown = {"tool_call_id": result.get("id", ""), "status": "success"}
            if "response" in result:
                shown["output"] = result["response"]
            out.append(shown)
        elif "codeExecutionResult" in part:
            code = part["codeExecutionResult"]
            ok = code["outcome"] == "OUTCOME_OK"
            out.append(
                {
                    "tool_call_id": code.get("id", ""),
                    "status": "success" if ok else "error",
                    "output": code["output"],
                }
            )
    return out


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize("version", [None, "v1"])
@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_standard_blocks_and_exact_replay(
    emu: GeminiEmulator, name: str, version: str | None, mode: str
) -> None:
    events = ANSWERS[name]
    parts = sent_parts(events)
    reply = answer(emu, events, version, mode)
    assert of_type(reply, "non_standard") == []
    calls = of_type(reply, "server_tool_call")
    shown_calls = [{k: c[k] for k in ("id", "name", "args")} for c in calls]
    assert shown_calls == expected_calls(parts)
    results = of_type(reply, "server_tool_result")
    keys = ("tool_call_id", "status", "output")
    shown_results = [{k: r[k] for k in keys if k in r} for r in results]
    assert shown_results == expected_results(parts)
    text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
    assert reply.text == text

    llm = ChatCometGemini(model=MODEL, base_url=emu.base_url, api_key=emu.api_key)
    emu.enqueue(Reply.text("ok"))
    llm.invoke([HumanMessage("question"), reply, HumanMessage("and now?")])
    wire = emu.last_request.body["contents"][1]
    assert wire["role"] == "model"
    assert server_parts(wire["parts"]) == server_parts(parts)
    assert "".join(p.get("text", "") for p in wire["parts"]) == text
    sent_signatures = [p["thoughtSignature"] for p in parts if "thoughtSignature" in p]
    wire_signatures = [
        p["thoughtSignature"] for p in wire["parts"] if "thoughtSignature" in p
    ]
    assert wire_signatures == sent_signatures


@pytest.mark.parametrize("version", [None, "v1"])
def test_gemini3_server_blocks_carry_tool_type_and_signature(
    version: str | None,
) -> None:
    body = {**SEARCH_EVENTS[0], "candidates": [{**SEARCH_EVENTS[0]["candidates"][0]}]}
    message = result_from_response(body, output_version=version).generations[0].message
    (block,) = message.content_blocks
    assert block == {
        "type": "server_tool_call",
        "id": "s1",
        "name": "google_search",
        "args": {"queries": ["weather Paris"]},
        "extras": {"tool_type": "GOOGLE_SEARCH_WEB", "signature": "U0lHMQ=="},
        "index": 0,
    }


def _with_part(part: Event) -> Event:
    return {"candidates": [{"content": {"role": "model", "parts": [part]}}]}


@pytest.mark.parametrize(
    "part",
    [
        {"toolCall": {"id": "s1"}},
        {"toolCall": {"toolType": 3}},
        {"toolCall": {"toolType": "URL_CONTEXT", "args": ["a"]}},
        {"toolCall": {"toolType": "URL_CONTEXT", "id": 7}},
        {"toolCall": "GOOGLE_SEARCH_WEB"},
        {"toolResponse": {"toolType": "URL_CONTEXT", "response": "text"}},
        {"toolResponse": {"response": {}}},
    ],
)
def test_malformed_server_parts_are_typed_errors(part: Event) -> None:
    with pytest.raises(InvalidResponseError, match="malformed Gemini response"):
        result_from_response(_with_part(part))
