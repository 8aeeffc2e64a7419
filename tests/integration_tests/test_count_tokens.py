"""get_num_tokens_from_messages: one countTokens call with the whole request."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._tokens import estimate_tokens
from langchain_cometgemini._wire.request import build_body
from langchain_cometgemini.errors import BadRequestError
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import generation_keys, make_model

KEYS = generation_keys()

MODEL = "gemini-2.5-flash"
MESSAGES = [
    SystemMessage("You are terse."),
    HumanMessage("What is the weather in Paris?"),
    AIMessage("Let me check."),
    HumanMessage("Thanks"),
]


@tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


def make(emu: GeminiEmulator, **kwargs: Any) -> ChatCometGemini:
    """With the package's retry count (2): what is not retried is under test."""
    return make_model(emu, model=MODEL, max_retries=2, **kwargs)


def test_one_count_tokens_call_carries_the_whole_request(
    gemini_emulator: GeminiEmulator,
) -> None:
    total = make(gemini_emulator).get_num_tokens_from_messages(
        MESSAGES, tools=[get_weather]
    )
    (request,) = gemini_emulator.requests
    assert request.path == f"/v1beta/models/{MODEL}:countTokens"
    inner = request.body["generateContentRequest"]
    assert inner["model"] == f"models/{MODEL}"
    assert inner["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    assert [c["role"] for c in inner["contents"]] == ["user", "model", "user"]
    declarations = inner["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == ["get_weather"]
    # the emulator counts words: 3 (system) + 6 + 3 + 1
    assert total == 13


def test_count_uses_the_model_generation_settings(
    gemini_emulator: GeminiEmulator,
) -> None:
    make(gemini_emulator, temperature=0.2).get_num_tokens_from_messages(MESSAGES[1:2])
    inner = gemini_emulator.last_request.body["generateContentRequest"]
    assert inner["generationConfig"] == {"temperature": 0.2}


def test_missing_endpoint_falls_back_to_a_local_estimate(
    gemini_emulator: GeminiEmulator,
) -> None:
    gemini_emulator.enqueue(Reply.error(404, "Method not found.", "NOT_FOUND"))
    llm = make(gemini_emulator)
    with pytest.warns(
        UserWarning, match="countTokens is not available.*local estimate"
    ):
        total = llm.get_num_tokens_from_messages(MESSAGES)
    assert total == estimate_tokens(build_body(MESSAGES, {}, model=MODEL, keys=KEYS))
    assert len(gemini_emulator.requests) == 1  # a 404 is not retried


def test_html_answer_also_falls_back(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(Reply.html(200, "<html><body>Not here</body></html>"))
    with pytest.warns(UserWarning, match="local estimate"):
        total = make(gemini_emulator).get_num_tokens_from_messages(MESSAGES[1:2])
    assert total > 0


def test_other_errors_are_not_hidden(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(Reply.error(400, "Bad request.", "INVALID_ARGUMENT"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no silent estimate
        with pytest.raises(BadRequestError, match="Bad request"):
            make(gemini_emulator).get_num_tokens_from_messages(MESSAGES[1:2])


def test_messages_in_any_langchain_form_are_counted_alike(
    gemini_emulator: GeminiEmulator,
) -> None:
    as_tuples: list[Any] = [
        ("system", "You are terse."),
        ("human", "What is the weather in Paris?"),
        ("ai", "Let me check."),
        "Thanks",
    ]
    assert make(gemini_emulator).get_num_tokens_from_messages(as_tuples) == 13
    assert make(gemini_emulator).get_num_tokens_from_messages(MESSAGES) == 13
    from_tuples, from_messages = gemini_emulator.requests
    assert from_tuples.body == from_messages.body


@pytest.mark.parametrize("item", [5, ("robot", "hi"), {"no": "role"}])
def test_an_item_that_is_no_message_is_a_type_error_before_sending(
    gemini_emulator: GeminiEmulator, item: Any
) -> None:
    with pytest.raises(TypeError, match="messages"):
        make(gemini_emulator).get_num_tokens_from_messages([item])
    assert gemini_emulator.requests == []
