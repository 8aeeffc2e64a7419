"""Real captured streams through StreamState: usage, finish data, signatures, replay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, ToolMessage

from langchain_cometgemini._wire.chunks import message_from_chunk
from langchain_cometgemini._wire.messages import convert_messages
from langchain_cometgemini._wire.response import StreamState
from tests.conftest import load_capture
from tests.support import ai_chunk

STREAMS = [
    "real_stream_text_gemini-3-pro-preview.chunks.jsonl",
    "real_stream_text_gemini-3-flash-preview_empty_text_signature.chunks.jsonl",
    "real_stream_text_gemini-3.7-flash_thoughtSignature_final_chunk.sse",
    "real_stream_text_gemini-2.5-flash_final_chunk_no_parts_crlf.sse",
    "real_stream_text_gemini-2.5-flash_thinking.sse",
    "real_stream_function_call_gemini-3-pro-preview.chunks.jsonl",
    "real_stream_function_call_gemini-3.1-pro-preview.chunks.jsonl",
    "real_stream_text_after_tool_gemini-3.1-pro-preview.chunks.jsonl",
    "real_stream_thought_parts_gemma-4.chunks.jsonl",
    "real_stream_prompt_blocked_gemini-3.7-flash.chunks.jsonl",
    "stream_image_gemini-3-pro-image-preview_SANITIZED.sse",
    "vercel_ai/google-reasoning-gemini3.chunks.txt",
    "vercel_ai/google-tool-call-gemini3.chunks.txt",
    "vercel_ai/google-text.chunks.txt",
]


def merged(events: list[dict[str, Any]]) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    state = StreamState()
    chunks = [ai_chunk(c.message) for e in events for c in state.read(e)]
    chunks += [ai_chunk(c.message) for c in state.end()]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return chunks, total


def signatures_in(events: list[dict[str, Any]]) -> list[str]:
    return [
        part["thoughtSignature"]
        for e in events
        for c in e.get("candidates") or ()
        for part in (c.get("content") or {}).get("parts") or ()
        if part.get("thoughtSignature")
    ]


@pytest.mark.parametrize("name", STREAMS)
def test_usage_deltas_sum_to_the_final_totals(name: str) -> None:
    events = load_capture(name)
    chunks, total = merged(events)
    last = events[-1]["usageMetadata"]
    assert total.usage_metadata is not None
    expected_in = last.get("promptTokenCount", 0) + last.get(
        "toolUsePromptTokenCount", 0
    )
    expected_out = last.get("candidatesTokenCount", 0) + last.get(
        "thoughtsTokenCount", 0
    )
    assert total.usage_metadata["input_tokens"] == expected_in
    assert total.usage_metadata["output_tokens"] == expected_out
    assert total.usage_metadata["total_tokens"] == last["totalTokenCount"]


@pytest.mark.parametrize("name", STREAMS)
def test_finish_data_only_on_the_last_chunk(name: str) -> None:
    events = load_capture(name)
    chunks, total = merged(events)
    assert all("finish_reason" not in c.response_metadata for c in chunks[:-1])
    assert all("model_name" not in c.response_metadata for c in chunks[:-1])
    assert total.response_metadata["model_name"] == events[-1]["modelVersion"]
    assert total.response_metadata["finish_reason"]
    assert total.id == events[-1]["responseId"]


@pytest.mark.parametrize("name", STREAMS)
def test_visible_text_is_exactly_the_non_thought_text(name: str) -> None:
    events = load_capture(name)
    _, total = merged(events)
    expected = "".join(
        part["text"]
        for e in events
        for c in e.get("candidates") or ()
        for part in (c.get("content") or {}).get("parts") or ()
        if "text" in part and not part.get("thought")
    )
    assert total.text == expected


@pytest.mark.parametrize("name", STREAMS)
def test_every_signature_is_replayed(name: str) -> None:
    events = load_capture(name)
    _, total = merged(events)
    message = message_from_chunk(total)
    history = [HumanMessage("q"), message]
    history += [
        ToolMessage("{}", tool_call_id=call["id"]) for call in message.tool_calls
    ]
    _, contents = convert_messages(history, model="gemini-3-pro-preview")
    sent = json.dumps(contents)
    for signature in signatures_in(events):
        assert signature in sent


def test_text_only_stream_has_string_content() -> None:
    _, total = merged(
        load_capture("real_stream_text_gemini-3-pro-preview.chunks.jsonl")
    )
    assert total.content == 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y'


def test_thought_parts_become_thinking_blocks_not_text() -> None:
    _, total = merged(load_capture("real_stream_thought_parts_gemma-4.chunks.jsonl"))
    assert isinstance(total.content, list)
    kinds = [b["type"] for b in total.content if isinstance(b, dict)]
    assert kinds == ["thinking", "text"]
    assert total.text == "hello"


def test_streamed_function_call_matches_capture() -> None:
    events = load_capture(
        "real_stream_function_call_gemini-3.1-pro-preview.chunks.jsonl"
    )
    _, total = merged(events)
    assert total.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "San Francisco"},
            "id": "g1bmv6il",
            "type": "tool_call",
        }
    ]
    sigs = total.additional_kwargs["__gemini_function_call_thought_signatures__"]
    assert sigs == {"g1bmv6il": signatures_in(events)[0]}


def test_blocked_prompt_is_an_empty_message_that_says_why() -> None:
    events = load_capture("real_stream_prompt_blocked_gemini-3.7-flash.chunks.jsonl")
    _, total = merged(events)
    assert total.content == ""
    assert total.response_metadata["prompt_feedback"] == {
        "block_reason": "PROHIBITED_CONTENT"
    }
    assert total.usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 0,
        "total_tokens": 9,
    }
