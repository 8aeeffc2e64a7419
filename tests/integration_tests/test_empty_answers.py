"""``on_empty_answer`` against the emulator: every finish reason x policy x style.

Each answer without content is served by the emulator over a real socket; the
tests check what the caller got (the message, its explanation, the warning, the
typed error and its attributes) and how many requests reached the server.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from pydantic import BaseModel, ValidationError

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire import empty
from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    EmptyAnswerError,
    EmptyAnswerWarning,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.integration_tests.empty_replies import (
    BLOCKED,
    BROKEN_CALL,
    STYLES,
    empty_events,
    empty_reply,
    merged,
    recovered_reply,
    run,
)
from tests.support import make_model

REASONS = [*sorted(empty.REASONS), BLOCKED, "SOMETHING_NEW"]
RETRIED = {"STOP", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"}
EMPTY_USAGE = {
    "input_tokens": 4,
    "output_tokens": 3,
    "total_tokens": 7,
    "output_token_details": {"reasoning": 3},
}


@pytest.fixture(scope="module")
def server() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(server: GeminiEmulator) -> GeminiEmulator:
    server.clear()
    empty.forget_warnings()
    return server


def _meaning(reason: str) -> empty.Reason:
    if reason == BLOCKED:
        return empty.BLOCKED_PROMPT
    return empty.REASONS.get(reason, empty.Reason("failed", ""))


def _label(reason: str) -> str:
    return "prompt blocked: SAFETY" if reason == BLOCKED else reason


def _no_content(message: BaseMessage) -> None:
    assert not empty.has_content(message), message.content
    assert not message.text.strip()


def _check_returned(message: BaseMessage, reason: str, caught: list[Any]) -> None:
    _no_content(message)
    explanation = message.response_metadata["empty_answer"]
    assert explanation.startswith(
        f"Gemini returned no usable content ({_label(reason)}): "
    )
    texts = [str(w.message) for w in caught if w.category is EmptyAnswerWarning]
    assert texts == [explanation + texts[0][len(explanation) :]]
    assert "shown once per finish reason" in texts[0]
    if reason == "MALFORMED_FUNCTION_CALL":
        assert explanation.endswith(f"Gemini's message: {BROKEN_CALL}")
        assert message.response_metadata["finish_message"] == BROKEN_CALL
    if reason != BLOCKED:
        assert message.response_metadata["finish_reason"] == reason


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("reason", REASONS)
async def test_return_warns_and_explains(
    emu: GeminiEmulator, reason: str, style: str
) -> None:
    emu.enqueue(empty_reply(reason))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = await run(make_model(emu), style)
    _check_returned(message, reason, caught)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("reason", REASONS)
async def test_raise_carries_the_reason_usage_and_candidate(
    emu: GeminiEmulator, reason: str, style: str
) -> None:
    emu.enqueue(empty_reply(reason))
    llm = make_model(emu, on_empty_answer="raise")
    with pytest.raises(EmptyAnswerError) as info:
        await run(llm, style)
    error = info.value
    refused = _meaning(reason).kind == "refused"
    assert type(error) is (AnswerRefusedError if refused else AnswerFailedError)
    assert error.finish_reason == ("SAFETY" if reason == BLOCKED else reason)
    assert error.blocked_prompt == (reason == BLOCKED)
    assert error.is_retryable == (reason in RETRIED)
    if reason == BLOCKED:
        assert error.candidate is None
        assert error.usage_metadata == {
            "input_tokens": 4,
            "output_tokens": 0,
            "total_tokens": 4,
        }
    else:
        assert error.candidate is not None
        assert error.candidate["finishReason"] == reason
        assert error.usage_metadata == EMPTY_USAGE
    if reason == "MALFORMED_FUNCTION_CALL":
        assert error.finish_message == BROKEN_CALL
        assert error.candidate is not None
        assert error.candidate["finishMessage"] == BROKEN_CALL
    assert len(emu.requests) == 1


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("reason", REASONS)
async def test_retry_asks_again_only_where_it_can_help(
    emu: GeminiEmulator, reason: str, style: str
) -> None:
    emu.enqueue(empty_reply(reason), recovered_reply())
    llm = make_model(emu, on_empty_answer="retry")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = await run(llm, style)
    if reason not in RETRIED:
        _check_returned(message, reason, caught)
        assert len(emu.requests) == 1
        return
    assert message.text == "Recovered answer"
    assert message.response_metadata["finish_reason"] == "STOP"
    assert message.response_metadata["empty_answer_retries"] == 1
    assert "empty_answer" not in message.response_metadata
    assert message.usage_metadata == {  # both attempts are billed and counted
        "input_tokens": 8,
        "output_tokens": 5,
        "total_tokens": 13,
        "output_token_details": {"reasoning": 3},
    }
    assert [w for w in caught if w.category is EmptyAnswerWarning] == []
    assert len(emu.requests) == 2
    assert emu.requests[0].body == emu.requests[1].body


@pytest.mark.parametrize("style", STYLES)
async def test_retries_run_out_then_the_answer_is_returned(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(*(empty_reply("MALFORMED_FUNCTION_CALL") for _ in range(3)))
    llm = make_model(emu, on_empty_answer="retry", max_empty_retries=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = await run(llm, style)
    _check_returned(message, "MALFORMED_FUNCTION_CALL", caught)
    assert message.response_metadata["empty_answer_retries"] == 2
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == 21
    assert len(emu.requests) == 3


@pytest.mark.parametrize("style", STYLES)
async def test_a_retried_stream_keeps_what_it_yielded(
    emu: GeminiEmulator, style: str
) -> None:
    """A stream's failed thought stays, the new answer's blocks follow it;
    ``invoke`` returns the new answer alone."""
    thought = "I will call get_weather"
    emu.enqueue(
        empty_reply("MALFORMED_FUNCTION_CALL", thought=thought),
        Reply.text("Sunny in Paris", thought="It is sunny", usage=None),
    )
    llm = make_model(emu, on_empty_answer="retry", include_thoughts=True)
    message = await run(llm, style)
    blocks = message.content
    assert isinstance(blocks, list)
    kinds = [(b["type"], b.get("thinking") or b.get("text")) for b in blocks]
    answer = [("thinking", "It is sunny"), ("text", "Sunny in Paris")]
    streamed = style.endswith("stream")
    assert kinds == ([("thinking", thought)] if streamed else []) + answer
    assert message.response_metadata["finish_reason"] == "STOP"
    assert len(emu.requests) == 2


class _Tokens(BaseCallbackHandler):
    """Records the chunks callbacks see (LangGraph's "messages" mode uses them)."""

    def __init__(self) -> None:
        self.chunks: list[Any] = []

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        **kwargs: Any,
    ) -> None:
        assert isinstance(chunk, ChatGenerationChunk)
        self.chunks.append(chunk.message)


@pytest.mark.parametrize("style", ["stream", "astream"])
async def test_callbacks_see_what_a_retried_stream_yields(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(empty_reply("MALFORMED_FUNCTION_CALL"), recovered_reply())
    tokens = _Tokens()
    llm = make_model(emu, on_empty_answer="retry", callbacks=[tokens])
    message = await run(llm, style)
    assert message.text == "Recovered answer"
    seen = merged(tokens.chunks)
    assert seen.text == "Recovered answer"
    assert seen.response_metadata["finish_reason"] == "STOP"
    assert seen.usage_metadata == message.usage_metadata


async def test_the_warning_is_shown_once_per_reason(emu: GeminiEmulator) -> None:
    llm = make_model(emu)
    reasons = ["MALFORMED_FUNCTION_CALL", "MALFORMED_FUNCTION_CALL", "STOP"]
    reasons += ["MALFORMED_FUNCTION_CALL", "STOP"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for style, reason in zip(STYLES * 2, reasons, strict=False):
            emu.enqueue(empty_reply(reason))
            message = await run(llm, style)
            assert "empty_answer" in message.response_metadata
    texts = [str(w.message) for w in caught if w.category is EmptyAnswerWarning]
    assert [t.split("(")[1].split(")")[0] for t in texts] == [
        "MALFORMED_FUNCTION_CALL",
        "STOP",
    ]


@pytest.mark.parametrize("style", STYLES)
async def test_with_tools_bound_a_malformed_call_is_asked_again(
    emu: GeminiEmulator, style: str
) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    emu.enqueue(
        empty_reply("MALFORMED_FUNCTION_CALL"),
        Reply.function_call("get_weather", {"city": "Paris"}),
    )
    llm = make_model(emu).bind_tools([get_weather], on_empty_answer="retry")
    message = await run(llm, style)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert len(emu.requests) == 2
    declared = emu.requests[1].body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declared] == ["get_weather"]


class Weather(BaseModel):
    city: str
    sky: str


@pytest.mark.parametrize("style", STYLES)
async def test_structured_output_is_asked_again_after_an_empty_stop(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(empty_reply("STOP"), Reply.text('{"city": "Paris", "sky": "sunny"}'))
    llm = make_model(emu, on_empty_answer="retry")
    result = await run(llm.with_structured_output(Weather), style)
    assert result == Weather(city="Paris", sky="sunny")
    assert len(emu.requests) == 2
    config = emu.requests[1].body["generationConfig"]
    assert config["responseMimeType"] == "application/json"


@pytest.mark.parametrize("style", STYLES)
async def test_structured_output_raises_the_typed_error_or_the_parser_error(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(empty_reply("MALFORMED_FUNCTION_CALL"))
    structured = make_model(emu).with_structured_output(
        Weather, on_empty_answer="raise"
    )
    with pytest.raises(AnswerFailedError, match="MALFORMED_FUNCTION_CALL"):
        await run(structured, style)
    emu.enqueue(empty_reply("MALFORMED_FUNCTION_CALL"))
    with (
        pytest.warns(EmptyAnswerWarning),
        pytest.raises(OutputParserException, match="MALFORMED_FUNCTION_CALL"),
    ):
        await run(make_model(emu).with_structured_output(Weather), style)


@pytest.mark.parametrize("style", STYLES)
async def test_the_policy_is_a_field_a_call_argument_or_bound(
    emu: GeminiEmulator, style: str
) -> None:
    raising = make_model(emu, on_empty_answer="raise")
    emu.enqueue(empty_reply("STOP"))
    with pytest.raises(AnswerFailedError):
        await run(raising, style)
    emu.enqueue(empty_reply("STOP"), recovered_reply())
    message = await run(raising, style, on_empty_answer="retry")
    assert message.text == "Recovered answer"
    emu.enqueue(empty_reply("STOP"))
    with pytest.raises(AnswerFailedError):
        await run(make_model(emu).bind(on_empty_answer="raise"), style)
    for request in emu.requests:
        assert "on_empty_answer" not in str(request.body)
        assert "onEmptyAnswer" not in str(request.body)


@pytest.mark.parametrize(
    "kwargs", [{"on_empty_answer": "ignore"}, {"max_empty_retries": -1}]
)
@pytest.mark.parametrize("style", STYLES)
async def test_a_bad_policy_argument_sends_nothing(
    emu: GeminiEmulator, style: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="on_empty_answer|max_empty_retries"):
        await run(make_model(emu), style, **kwargs)
    assert emu.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"on_empty_answer": "ignore"},
        {"max_empty_retries": -1},
        {"max_empty_retries": "two"},
    ],
)
def test_a_bad_policy_field_is_refused_at_construction(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChatCometGemini(api_key="k", **kwargs)


def test_a_stream_chunk_is_yielded_before_the_answer_is_decided(
    emu: GeminiEmulator,
) -> None:
    """``raise`` in a stream: the thought already yielded is not taken back."""
    emu.enqueue(Reply(chunks=empty_events("MAX_TOKENS")))
    seen: list[AIMessageChunk] = []
    with pytest.raises(AnswerFailedError, match="MAX_TOKENS"):
        for chunk in make_model(emu, include_thoughts=True).stream(
            "hi", on_empty_answer="raise"
        ):
            seen.append(chunk)
    assert len(seen) == 2
    assert seen[0].content_blocks[0]["type"] == "reasoning"
    assert all("finish_reason" not in c.response_metadata for c in seen)


@pytest.mark.parametrize("style", STYLES)
async def test_a_call_without_a_name_is_no_content(
    emu: GeminiEmulator, style: str
) -> None:
    nameless = {"functionCall": {"name": "", "args": {"city": "Paris"}}}
    event = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [nameless]},
                "finishReason": "STOP",
                "index": 0,
            }
        ]
    }
    emu.enqueue(Reply(chunks=[event]), recovered_reply())
    message = await run(make_model(emu, on_empty_answer="retry"), style)
    assert message.text == "Recovered answer"
    assert len(emu.requests) == 2


@pytest.mark.parametrize("style", STYLES)
async def test_output_v1_is_decided_the_same_way(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(
        empty_reply("MALFORMED_FUNCTION_CALL", thought="Calling get_weather"),
        Reply.text("Sunny", usage=None),
    )
    llm = make_model(
        emu, output_version="v1", include_thoughts=True, on_empty_answer="retry"
    )
    message = await run(llm, style)
    assert message.text == "Sunny"
    kinds = [block["type"] for block in message.content_blocks]
    assert kinds[-1] == "text"
    assert kinds.count("text") == 1
    assert len(emu.requests) == 2
    emu.enqueue(empty_reply("UNEXPECTED_TOOL_CALL"))
    with pytest.warns(EmptyAnswerWarning, match="UNEXPECTED_TOOL_CALL"):
        message = await run(llm, style, on_empty_answer="return")
    assert "UNEXPECTED_TOOL_CALL" in message.response_metadata["empty_answer"]
