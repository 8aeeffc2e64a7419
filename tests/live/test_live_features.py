"""Feature checks against the real CometAPI (skipped without ``COMETAPI_KEY``).

A Gemini 3 tool loop (signatures replayed), thinking, Google Search grounding,
image output and streamed usage: the things the emulator can only imitate.
"""

from __future__ import annotations

import base64
import os

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import tool

from langchain_cometgemini import ChatCometGemini

MODEL = os.environ.get("COMETAPI_LIVE_MODEL", "gemini-3-flash-preview")
IMAGE_MODEL = os.environ.get("COMETAPI_LIVE_IMAGE_MODEL", "gemini-2.5-flash-image")
SIGNATURES = "__gemini_function_call_thought_signatures__"


def model(**kwargs: object) -> ChatCometGemini:
    return ChatCometGemini(model=str(kwargs.pop("model", MODEL)), **kwargs)


@tool
def get_temperature(city: str) -> int:
    """Current temperature in a city, in degrees Celsius."""
    return {"paris": 18, "tokyo": 24, "oslo": 7}.get(city.lower(), 15)


@tool
def subtract(a: float, b: float) -> float:
    """Return a - b."""
    return a - b


def test_tool_loop_on_gemini_3() -> None:
    llm = model(temperature=0).bind_tools([get_temperature, subtract])
    tools = {"get_temperature": get_temperature, "subtract": subtract}
    messages: list[BaseMessage] = [
        HumanMessage(
            "Use the tools: get the temperatures of Paris, Tokyo and Oslo, then use "
            "subtract to compute Tokyo minus Oslo. Answer with that number."
        )
    ]
    calls = 0
    for _ in range(8):
        reply = llm.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        calls += len(reply.tool_calls)
        assert reply.additional_kwargs.get(SIGNATURES), "no thought signature kept"
        messages += [tools[c["name"]].invoke(c) for c in reply.tool_calls]
    assert calls >= 4  # three temperatures and one subtraction, over several turns
    assert "17" in messages[-1].text


def test_thinking_returns_reasoning() -> None:
    llm = model(thinking_level="low", include_thoughts=True)
    reply = llm.invoke("How many prime numbers are there below 30?")
    kinds = [b["type"] for b in reply.content_blocks]
    assert "reasoning" in kinds
    assert "10" in reply.text
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["output_token_details"].get("reasoning", 0) > 0


def test_google_search_grounding() -> None:
    llm = model().bind_tools([{"google_search": {}}])
    reply = llm.invoke("Which country won the 2022 FIFA World Cup final?")
    assert "Argentina" in reply.text
    grounding = reply.response_metadata["grounding_metadata"]
    assert grounding.get("web_search_queries")
    assert any("web" in chunk for chunk in grounding.get("grounding_chunks", []))


def test_image_output() -> None:
    llm = model(model=IMAGE_MODEL, response_modalities=["TEXT", "IMAGE"])
    reply = llm.invoke("Draw a simple red circle on a white background.")
    assert isinstance(reply.content, list)
    images = [b for b in reply.content if isinstance(b, dict) and b["type"] == "image"]
    assert images, reply.content
    data = base64.b64decode(images[0]["base64"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"
    assert images[0]["mime_type"] in ("image/png", "image/jpeg")


def test_streaming_usage_adds_up() -> None:
    chunks = list(model().stream("Count from 1 to 20, separated by commas."))
    assert len(chunks) > 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert "20" in full.text
    usage = full.usage_metadata
    assert usage is not None and usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert full.response_metadata["finish_reason"] == "STOP"
    finish = [c for c in chunks if c.response_metadata.get("finish_reason")]
    assert len(finish) == 1  # only the last chunk says why it finished
