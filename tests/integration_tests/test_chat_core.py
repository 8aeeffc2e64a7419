"""ChatCometGemini end to end through the emulator: wire format, sync and async."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.conftest import CAPTURES
from tests.support import make_model

MODEL = "gemini-2.5-flash"


def collect(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_invoke_posts_generate_content_with_key_in_header_only(
    gemini_emulator: GeminiEmulator,
) -> None:
    result = make_model(gemini_emulator).invoke("hello world")
    request = gemini_emulator.last_request
    assert request.path == f"/v1beta/models/{MODEL}:generateContent"
    assert request.headers["x-goog-api-key"] == "test-key"
    assert "authorization" not in request.headers
    assert "test-key" not in request.path and not request.query
    assert request.body == {
        "contents": [{"role": "user", "parts": [{"text": "hello world"}]}]
    }
    assert result.content == "Echo: hello world"
    assert result.response_metadata["model_name"] == MODEL
    assert result.response_metadata["finish_reason"] == "STOP"
    assert (
        result.usage_metadata is not None and result.usage_metadata["total_tokens"] > 0
    )


def test_bearer_auth_switch(gemini_emulator: GeminiEmulator) -> None:
    make_model(gemini_emulator, use_bearer_auth=True).invoke("hi")
    headers = gemini_emulator.last_request.headers
    assert headers["authorization"] == "Bearer test-key"
    assert "x-goog-api-key" not in headers


def test_generation_fields_reach_generation_config(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(
        gemini_emulator,
        temperature=0.2,
        top_p=0.9,
        top_k=5,
        max_tokens=50,
        stop_sequences=["END"],
        seed=7,
        candidate_count=1,
        generation_config={"response_logprobs": False},
        safety_settings={"HARASSMENT": "BLOCK_ONLY_HIGH"},
    )
    llm.invoke([SystemMessage("be brief"), HumanMessage("hi")])
    body = gemini_emulator.last_request.body
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "topK": 5,
        "maxOutputTokens": 50,
        "stopSequences": ["END"],
        "seed": 7,
        "candidateCount": 1,
        "responseLogprobs": False,
    }
    assert body["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}
    ]


def test_unset_fields_are_not_sent(gemini_emulator: GeminiEmulator) -> None:
    make_model(gemini_emulator).invoke("hi")
    assert "generationConfig" not in gemini_emulator.last_request.body


def test_per_call_and_bound_overrides(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, temperature=1.0)
    llm.invoke("a", temperature=0, max_tokens=9)
    assert gemini_emulator.last_request.generation_config == {
        "temperature": 0,
        "maxOutputTokens": 9,
    }
    llm.bind(stop=["x"], model="gemini-2.0-flash").invoke("b")
    request = gemini_emulator.last_request
    assert request.path == "/v1beta/models/gemini-2.0-flash:generateContent"
    assert request.generation_config == {"temperature": 1.0, "stopSequences": ["x"]}


def test_unknown_call_argument_raises_before_sending(
    gemini_emulator: GeminiEmulator,
) -> None:
    with pytest.raises(TypeError, match="tempreature"):
        make_model(gemini_emulator).invoke("hi", tempreature=0)
    assert gemini_emulator.requests == []


def test_default_headers_and_user_supplied_client(
    gemini_emulator: GeminiEmulator,
) -> None:
    with httpx.Client() as client:
        llm = make_model(
            gemini_emulator, default_headers={"x-team": "blue"}, http_client=client
        )
        llm.invoke("hi")
    assert gemini_emulator.last_request.headers["x-team"] == "blue"


async def test_user_clients_by_alias_are_used_and_left_open(
    gemini_emulator: GeminiEmulator,
) -> None:
    with httpx.Client(headers={"x-mine": "sync"}) as client:
        async with httpx.AsyncClient(headers={"x-mine": "async"}) as async_client:
            llm = make_model(gemini_emulator, client=client, async_client=async_client)
            llm.invoke("a")
            assert gemini_emulator.last_request.headers["x-mine"] == "sync"
            await llm.ainvoke("b")
            assert gemini_emulator.last_request.headers["x-mine"] == "async"
            assert not client.is_closed and not async_client.is_closed


class TokenCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(
        self, token: str | list[str | dict[str, Any]], **kwargs: Any
    ) -> None:
        assert isinstance(token, str)
        self.tokens.append(token)


def test_stream_chunks_merge_into_the_invoke_message(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator)
    prompt = "one two three four five"
    gemini_emulator.enqueue(Reply.text("alpha beta gamma delta", n_chunks=4))
    counter = TokenCounter()
    chunks = list(llm.stream(prompt, config={"callbacks": [counter]}))
    request = gemini_emulator.last_request
    assert request.path.endswith(":streamGenerateContent") and request.query == {
        "alt": "sse"
    }
    total = collect(chunks)
    assert total.content == "alpha beta gamma delta"
    assert len(counter.tokens) >= 4 and "".join(counter.tokens) == total.content
    gemini_emulator.enqueue(Reply.text("alpha beta gamma delta", n_chunks=4))
    invoked = llm.invoke(prompt)
    assert invoked.content == total.content
    assert invoked.usage_metadata == total.usage_metadata
    assert (
        invoked.response_metadata["finish_reason"]
        == total.response_metadata["finish_reason"]
    )


def test_streaming_field_makes_invoke_stream(gemini_emulator: GeminiEmulator) -> None:
    result = make_model(gemini_emulator, streaming=True).invoke("hi there")
    assert gemini_emulator.last_request.stream is True
    assert result.content == "Echo: hi there"


async def test_async_invoke_and_stream(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator)
    result = await llm.ainvoke("async hello")
    assert result.content == "Echo: async hello"
    chunks = [c async for c in llm.astream("async stream")]
    assert len(chunks) > 1
    assert collect(chunks).content == "Echo: async stream"
    assert [r.stream for r in gemini_emulator.requests] == [False, True]


@pytest.mark.parametrize(
    "capture_name",
    [
        "real_stream_text_gemini-3-pro-preview.chunks.jsonl",
        "real_stream_function_call_gemini-3.1-pro-preview.chunks.jsonl",
        "real_stream_thought_parts_gemma-4.chunks.jsonl",
    ],
)
def test_captured_streams_replayed_over_the_wire(
    gemini_emulator: GeminiEmulator, capture_name: str
) -> None:
    llm = make_model(gemini_emulator)
    gemini_emulator.enqueue(Reply.from_capture(CAPTURES / capture_name))
    streamed = collect(list(llm.stream("q")))
    gemini_emulator.enqueue(Reply.from_capture(CAPTURES / capture_name))
    invoked = llm.invoke("q")
    assert invoked.content == streamed.content
    assert invoked.tool_calls == streamed.tool_calls
    assert invoked.usage_metadata == streamed.usage_metadata
    # The real API puts a non-streamed text signature on the whole text part,
    # a streamed one on a final empty part: same signatures, other offsets.
    assert _signatures(invoked.additional_kwargs) == _signatures(
        streamed.additional_kwargs
    )


def _signatures(kwargs: dict[str, Any]) -> set[str]:
    calls = kwargs.get("__gemini_function_call_thought_signatures__", {})
    texts = kwargs.get("__gemini_text_thought_signatures__", [])
    return set(calls.values()) | {entry["signature"] for entry in texts}


def test_blocked_prompt_returns_empty_message_with_reason(
    gemini_emulator: GeminiEmulator,
) -> None:
    name = "real_stream_prompt_blocked_gemini-3.7-flash.chunks.jsonl"
    gemini_emulator.enqueue(Reply.from_capture(CAPTURES / name))
    result = make_model(gemini_emulator).invoke("something bad")
    assert result.content == ""
    assert (
        result.response_metadata["prompt_feedback"]["block_reason"]
        == "PROHIBITED_CONTENT"
    )
    assert result.usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 0,
        "total_tokens": 9,
    }


def test_real_usage_rules(gemini_emulator: GeminiEmulator) -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "ok"}]},
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 10,
            "toolUsePromptTokenCount": 5,
            "candidatesTokenCount": 3,
            "thoughtsTokenCount": 7,
            "cachedContentTokenCount": 4,
            "totalTokenCount": 25,
        },
        "modelVersion": MODEL,
        "responseId": "r1",
    }
    gemini_emulator.enqueue(Reply(body=body))
    result = make_model(gemini_emulator).invoke("hi")
    assert result.id == "r1"
    assert result.usage_metadata == {
        "input_tokens": 15,
        "output_tokens": 10,
        "total_tokens": 25,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 7},
    }
