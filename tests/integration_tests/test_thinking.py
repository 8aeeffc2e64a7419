"""Thinking through the emulator: config on the wire, reasoning blocks back."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.conftest import CAPTURES
from tests.support import content_dicts, make_model

SIG = "c2lnbmF0dXJlLTE="


def thinking_sent(emu: GeminiEmulator) -> Any:
    return emu.last_request.config("thinkingConfig", "thinking_config")


def test_field_and_per_call_thinking_config(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, thinking_budget=1024, include_thoughts=True)
    llm.invoke("hi")
    assert thinking_sent(gemini_emulator) == {
        "thinkingBudget": 1024,
        "includeThoughts": True,
    }
    llm.invoke("hi", thinking_budget=0, include_thoughts=False)
    assert thinking_sent(gemini_emulator) == {
        "thinkingBudget": 0,
        "includeThoughts": False,
    }
    gemini3 = make_model(gemini_emulator, model="gemini-3-flash-preview")
    gemini3.bind(thinking_level="minimal").invoke("hi")
    assert thinking_sent(gemini_emulator) == {"thinkingLevel": "MINIMAL"}
    gemini3.invoke("hi", thinking_config={"thinking_level": "HIGH"})
    assert thinking_sent(gemini_emulator) == {"thinkingLevel": "HIGH"}


def test_level_and_budget_fail_before_sending(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(
        gemini_emulator, model="gemini-3-flash-preview", thinking_level="low"
    )
    with pytest.raises(ValueError, match="thinking_level .* thinking_budget"):
        llm.invoke("hi", thinking_budget=100)
    with pytest.raises(ValueError, match="Invalid value for thinking_level"):
        llm.invoke("hi", thinking_level="ultra")
    assert gemini_emulator.requests == []


def test_thoughts_become_reasoning_blocks_with_usage(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(
        Reply.text("Paris.", thought="The capital of France is Paris.")
    )
    message = make_model(gemini_emulator, include_thoughts=True).invoke(
        "Capital of France?"
    )
    assert message.text == "Paris."
    thinking = [b for b in content_dicts(message) if b["type"] == "thinking"]
    assert thinking[0]["thinking"] == "The capital of France is Paris."
    assert message.content_blocks[0]["type"] == "reasoning"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"].get("reasoning") == 6


def test_stream_yields_thoughts_as_they_arrive(gemini_emulator: GeminiEmulator) -> None:
    capture = CAPTURES / "real_stream_thought_parts_gemma-4.chunks.jsonl"
    gemini_emulator.enqueue(Reply.from_capture(capture))
    llm = make_model(gemini_emulator, model="gemma-4-26b-a4b-it", include_thoughts=True)
    chunks = list(llm.stream("Reply with exactly: hello"))
    assert gemini_emulator.last_request.stream
    first = content_dicts(chunks[0])
    assert first[0]["type"] == "thinking"
    assert chunks[0].text == ""
    kinds = [
        b["type"]
        for c in chunks
        if isinstance(c.content, list)
        for b in content_dicts(c)
    ]
    assert kinds.index("text") > kinds.index("thinking")
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    assert total.text == "hello"
    assert [b["type"] for b in total.content_blocks] == ["reasoning", "text"]


async def test_signed_thoughts_replay_on_gemini_3(
    gemini_emulator: GeminiEmulator,
) -> None:
    parts = [
        {"text": "Think.", "thought": True, "thoughtSignature": SIG},
        {"text": "Done."},
    ]
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}
        ]
    }
    gemini_emulator.enqueue(Reply(body=body))
    llm = make_model(
        gemini_emulator, model="gemini-3-flash-preview", include_thoughts=True
    )
    first = await llm.ainvoke("Go")
    assert content_dicts(first)[0]["signature"] == SIG
    await llm.ainvoke([HumanMessage("Go"), first, HumanMessage("Again")])
    model_turn = gemini_emulator.last_request.contents[1]
    assert model_turn == {"role": "model", "parts": parts}
