"""``Reply.empty``: the HTTP 200 answers without content an agent must survive.

On the wire it is what Gemini sends (a finish reason, its message, perhaps a
thought, or a blocked prompt's ``promptFeedback``); through the chat model it
is what ``on_empty_answer`` acts on, in every call style.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel

from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    EmptyAnswerError,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.emulator.conftest import body, sse_events, sse_url, url
from tests.support import make_model

BROKEN = "Malformed function call: print(default_api.get_weather(city=Paris)"


def post(emulator: GeminiEmulator, path: str) -> httpx.Response:
    headers = {"x-goog-api-key": emulator.api_key or ""}
    return httpx.post(emulator.base_url + path, json=body(), headers=headers)


def test_a_malformed_call_on_the_wire(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(
        Reply.empty("MALFORMED_FUNCTION_CALL", finish_message=BROKEN)
    )
    answer = post(gemini_emulator, url()).json()
    [candidate] = answer["candidates"]
    assert candidate["finishReason"] == "MALFORMED_FUNCTION_CALL"
    assert candidate["finishMessage"] == BROKEN
    assert "content" not in candidate  # no parts at all, as Gemini sends it
    assert answer["usageMetadata"]["promptTokenCount"] > 0


def test_a_thought_then_max_tokens_streams_two_events(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(Reply.empty("MAX_TOKENS", thought="Let me think"))
    response = post(gemini_emulator, sse_url())
    first, last = sse_events(response.text)
    assert first["candidates"][0]["content"]["parts"] == [
        {"text": "Let me think", "thought": True}
    ]
    assert last["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert last["usageMetadata"]["thoughtsTokenCount"] == 3


def test_a_blocked_prompt_has_feedback_and_no_candidate(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(Reply.empty("PROHIBITED_CONTENT", prompt_blocked=True))
    answer = post(gemini_emulator, url()).json()
    assert answer["promptFeedback"]["blockReason"] == "PROHIBITED_CONTENT"
    assert "candidates" not in answer


async def call(model: BaseChatModel, style: str) -> Any:
    if style == "invoke":
        return await asyncio.to_thread(model.invoke, "Weather in Paris?")
    if style == "ainvoke":
        return await model.ainvoke("Weather in Paris?")
    if style == "stream":
        return await asyncio.to_thread(lambda: list(model.stream("Weather?")))
    return [chunk async for chunk in model.astream("Weather?")]


@pytest.mark.parametrize("style", ["invoke", "ainvoke", "stream", "astream"])
@pytest.mark.parametrize(
    ("reply", "error", "reason", "message"),
    [
        (
            Reply.empty("MALFORMED_FUNCTION_CALL", finish_message=BROKEN),
            AnswerFailedError,
            "MALFORMED_FUNCTION_CALL",
            BROKEN,
        ),
        (
            Reply.empty("MAX_TOKENS", thought="Hmm"),
            AnswerFailedError,
            "MAX_TOKENS",
            None,
        ),
        (Reply.empty("SAFETY"), AnswerRefusedError, "SAFETY", None),
        (Reply.empty("SPII", prompt_blocked=True), AnswerRefusedError, "SPII", None),
        (
            Reply.empty("A_REASON_FROM_2027"),
            AnswerFailedError,
            "A_REASON_FROM_2027",
            None,
        ),
    ],
    ids=["malformed", "max-tokens", "safety", "blocked-prompt", "unknown"],
)
async def test_the_model_raises_what_the_reply_says(
    gemini_emulator: GeminiEmulator,
    style: str,
    reply: Reply,
    error: type[EmptyAnswerError],
    reason: str,
    message: str | None,
) -> None:
    gemini_emulator.enqueue(reply)
    model = make_model(gemini_emulator, on_empty_answer="raise")
    with pytest.raises(error) as raised:
        await call(model, style)
    assert raised.value.finish_reason == reason
    assert raised.value.finish_message == message
    assert raised.value.usage_metadata is not None
    assert raised.value.usage_metadata["input_tokens"] > 0
    assert len(gemini_emulator.requests) == 1


async def test_retry_recovers_from_an_empty_reply(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(
        Reply.empty("MALFORMED_FUNCTION_CALL", finish_message=BROKEN),
        Reply.text("Sunny in Paris."),
    )
    model = make_model(gemini_emulator, on_empty_answer="retry")
    answer = await model.ainvoke("Weather in Paris?")
    assert answer.text == "Sunny in Paris."
    assert answer.response_metadata["empty_answer_retries"] == 1
    assert len(gemini_emulator.requests) == 2
