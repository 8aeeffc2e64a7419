"""Histories from other providers, continued with Gemini.

The messages below are shaped as ``langchain-anthropic`` and ``langchain-openai``
build them (their content blocks and ``response_metadata["model_provider"]``),
then sent to Gemini: other providers' reasoning, signatures, citations and
server-side tools never reach the wire; their tool calls get Gemini's
placeholder signature on Gemini 3.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_cometgemini._wire.messages import SKIP_SIGNATURE, convert_messages

G3, G25 = "gemini-3-flash-preview", "gemini-2.5-flash"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
WEATHER = {"name": "get_weather", "args": {"city": "Paris"}, "type": "tool_call"}


def anthropic_reply() -> AIMessage:
    """ChatAnthropic: thinking + signature, redacted thinking, web search, a tool."""
    return AIMessage(
        content=[
            {
                "type": "thinking",
                "thinking": "Check the weather.",
                "signature": "EqQBCkYIBxgC",
            },
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01",
                "name": "web_search",
                "input": {"query": "Paris weather"},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://weather.example/paris",
                        "title": "Paris",
                        "encrypted_content": "EqgfCioIARgBIiQ3",
                        "page_age": None,
                    }
                ],
            },
            {
                "type": "text",
                "text": "Let me check.",
                "citations": [
                    {
                        "type": "web_search_result_location",
                        "cited_text": "Sunny",
                        "url": "https://weather.example/paris",
                        "title": "Paris",
                        "encrypted_index": "Eo8BCioIAhgB",
                    }
                ],
            },
            {
                "type": "tool_use",
                "id": "toolu_01A",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
        tool_calls=[{**WEATHER, "id": "toolu_01A"}],
        response_metadata={
            "model_provider": "anthropic",
            "model_name": "claude-sonnet-4-5",
            "stop_reason": "tool_use",
        },
        id="msg_01XFDUDYJgAACzvnptvVoYEL",
    )


def openai_responses_reply() -> AIMessage:
    """ChatOpenAI (Responses API): reasoning item, web search call, function call."""
    return AIMessage(
        content=[
            {
                "type": "reasoning",
                "id": "rs_68b1",
                "summary": [{"type": "summary_text", "text": "Need weather."}],
                "encrypted_content": "gAAAAABo_encrypted",
            },
            {
                "type": "web_search_call",
                "id": "ws_68b1",
                "status": "completed",
                "action": {"type": "search", "query": "Paris weather"},
            },
            {
                "type": "text",
                "text": "Let me check.",
                "annotations": [
                    {
                        "type": "url_citation",
                        "url": "https://weather.example/paris",
                        "title": "Paris",
                        "start_index": 0,
                        "end_index": 3,
                    }
                ],
                "id": "msg_68b1",
            },
            {
                "type": "function_call",
                "id": "fc_68b1",
                "call_id": "call_abc",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
        ],
        tool_calls=[{**WEATHER, "id": "call_abc"}],
        response_metadata={"model_provider": "openai", "model_name": "gpt-5"},
        id="resp_68b1",
    )


def openai_chat_reply() -> AIMessage:
    """ChatOpenAI (Chat Completions): string content and tool_calls."""
    return AIMessage(
        content="Let me check.",
        tool_calls=[{**WEATHER, "id": "call_abc"}],
        additional_kwargs={"refusal": None},
        response_metadata={"model_provider": "openai", "finish_reason": "tool_calls"},
    )


def v1_anthropic_reply() -> AIMessage:
    """ChatAnthropic(output_version="v1"): standard blocks with extras.signature."""
    message = anthropic_reply()
    return AIMessage(
        content=[dict(block) for block in message.content_blocks],
        tool_calls=message.tool_calls,
        response_metadata={**message.response_metadata, "output_version": "v1"},
    )


REPLIES = {
    "anthropic": anthropic_reply,
    "anthropic_v1": v1_anthropic_reply,
    "openai_responses": openai_responses_reply,
    "openai_chat": openai_chat_reply,
}


def conversation(reply: AIMessage, call_id: str) -> list[BaseMessage]:
    return [
        HumanMessage("Weather in Paris?"),
        reply,
        ToolMessage('{"sky": "sunny"}', tool_call_id=call_id),
        AIMessage("It is sunny.", response_metadata=reply.response_metadata),
        HumanMessage("Thanks. And tomorrow?"),
    ]


def sent(messages: list[BaseMessage], model: str = G3) -> list[dict[str, Any]]:
    return convert_messages(messages, model=model)[1]


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_other_providers_turns_are_sent_as_gemini_accepts_them(name: str) -> None:
    reply = REPLIES[name]()
    call_id = reply.tool_calls[0]["id"]
    assert call_id is not None
    contents = sent(conversation(reply, call_id))
    assert contents == [
        {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Let me check."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                    "thoughtSignature": SKIP_SIGNATURE,
                },
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "name": "get_weather",
                        "response": {"sky": "sunny"},
                    }
                }
            ],
        },
        {"role": "model", "parts": [{"text": "It is sunny."}]},
        {"role": "user", "parts": [{"text": "Thanks. And tomorrow?"}]},
    ]


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_no_foreign_signature_or_id_reaches_the_wire(name: str) -> None:
    reply = REPLIES[name]()
    call_id = reply.tool_calls[0]["id"]
    assert call_id is not None
    wire = json.dumps(sent(conversation(reply, call_id)))
    for secret in (
        "EqQBCkYIBxgC",
        "EmwKAhgBEgy3va3pzix",
        "gAAAAABo_encrypted",
        "EqgfCioIARgBIiQ3",
        "Eo8BCioIAhgB",
        "toolu_01A",
        "call_abc",
        "srvtoolu_01",
        "ws_68b1",
        '"thought": true',
    ):
        assert secret not in wire


def test_on_gemini_2_5_foreign_calls_carry_no_signature_at_all() -> None:
    reply = anthropic_reply()
    contents = sent(conversation(reply, "toolu_01A"), model=G25)
    assert all("thoughtSignature" not in p for c in contents for p in c["parts"])


def test_generated_image_of_another_provider_is_kept_unsigned() -> None:
    reply = AIMessage(
        content=[
            {"type": "text", "text": "Here you go."},
            {
                "type": "image",
                "base64": PNG,
                "mime_type": "image/png",
                "id": "ig_123",
                "extras": {"signature": "not-gemini"},
            },
            {"type": "image", "file_id": "file-abc", "mime_type": "image/png"},
        ],
        response_metadata={"model_provider": "openai"},
    )
    contents = sent([HumanMessage("draw"), reply, HumanMessage("nice")])
    assert contents[1]["parts"] == [
        {"text": "Here you go."},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
    ]


def test_gemini_replies_keep_their_signatures_beside_foreign_ones() -> None:
    gemini = AIMessage(
        content=[
            {"type": "thinking", "thinking": "hm", "signature": "R0VN"},
            {"type": "text", "text": "ok"},
        ],
        response_metadata={"model_provider": "google_genai"},
    )
    contents = sent([HumanMessage("a"), gemini, HumanMessage("b"), anthropic_reply()])
    assert contents[1]["parts"] == [
        {"text": "hm", "thought": True, "thoughtSignature": "R0VN"},
        {"text": "ok"},
    ]


def test_vertex_gemini_replies_count_as_gemini() -> None:
    vertex = AIMessage(
        content=[
            {"type": "thinking", "thinking": "hm", "signature": "VkVS"},
            {"type": "text", "text": "ok"},
        ],
        response_metadata={"model_provider": "google_vertexai"},
    )
    contents = sent([HumanMessage("a"), vertex, HumanMessage("b")])
    assert contents[1]["parts"][0] == {
        "text": "hm",
        "thought": True,
        "thoughtSignature": "VkVS",
    }


def test_provider_without_a_translator_keeps_text_and_drops_unknown_blocks() -> None:
    reply = AIMessage(
        content=[
            {"type": "text", "text": "Bonjour."},
            {"type": "reference", "reference_ids": [1, 2]},  # not a Gemini part
            "Encore.",
        ],
        response_metadata={"model_provider": "mistralai"},
    )
    contents = sent([HumanMessage("a"), reply, HumanMessage("b")])
    assert contents[1]["parts"] == [{"text": "Bonjour."}, {"text": "Encore."}]


_WRAPPED_MEDIA: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
    ),
    (
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
    ),
    (
        {
            "type": "file",
            "file": {
                "file_data": "data:application/pdf;base64,JVBERg==",
                "filename": "a.pdf",
            },
        },
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERg=="}},
    ),
    (
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
        },
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
    ),
    (
        {"type": "image", "url": "https://example.com/a.png"},
        {"fileData": {"fileUri": "https://example.com/a.png", "mimeType": "image/png"}},
    ),
]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize(("block", "part"), _WRAPPED_MEDIA)
def test_media_langchain_wraps_as_non_standard_reach_the_wire(
    provider: str, block: dict[str, Any], part: dict[str, Any]
) -> None:
    """langchain-core wraps these as ``non_standard``; they once vanished."""
    reply = AIMessage(
        content=[{"type": "text", "text": "Here."}, block],
        response_metadata={"model_provider": provider},
    )
    contents = sent([HumanMessage("draw"), reply, HumanMessage("nice")])
    assert contents[1]["parts"] == [{"text": "Here."}, part]


def test_bare_strings_and_plain_text_of_another_provider_are_kept() -> None:
    """langchain-core's OpenAI translator drops bare string blocks."""
    reply = AIMessage(
        content=[
            "first ",
            {"type": "text-plain", "text": "second", "mime_type": "text/plain"},
            {"type": "reasoning", "summary": []},
        ],
        response_metadata={"model_provider": "openai"},
    )
    contents = sent([HumanMessage("q"), reply, HumanMessage("more")])
    assert contents[1]["parts"] == [{"text": "first "}, {"text": "second"}]
