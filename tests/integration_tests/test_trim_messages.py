"""``trim_messages(history, token_counter=llm)`` on histories with tool calls."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)

from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model


def history() -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("You are terse.")]
    for i in range(6):
        messages.append(HumanMessage(f"What is the weather in city {i}?"))
        call = {"name": "get_weather", "args": {"city": f"c{i}"}, "id": f"call-{i}"}
        messages.append(AIMessage("", tool_calls=[call]))
        messages.append(ToolMessage(f"sunny {i}", tool_call_id=f"call-{i}"))
        messages.append(AIMessage(f"It is sunny in city {i}."))
    return messages


@pytest.mark.parametrize(
    "options",
    [
        {"strategy": "last"},
        {"strategy": "last", "include_system": True, "start_on": "human"},
        {"strategy": "first"},
    ],
    ids=["last", "last-system-human", "first"],
)
def test_trim_messages_counts_with_the_model(
    gemini_emulator: GeminiEmulator, options: dict[str, Any]
) -> None:
    llm = make_model(gemini_emulator)
    full = history()
    total = llm.get_num_tokens_from_messages(full)
    trimmed = trim_messages(full, token_counter=llm, max_tokens=total // 2, **options)
    assert 0 < len(trimmed) < len(full)
    assert llm.get_num_tokens_from_messages(trimmed) <= total // 2
    counted = [r for r in gemini_emulator.requests if r.path.endswith(":countTokens")]
    assert counted  # the model's own countTokens did the counting


def test_counting_nothing_is_zero_and_sends_nothing(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator)
    assert llm.get_num_tokens_from_messages([]) == 0
    assert gemini_emulator.requests == []
    assert llm.get_num_tokens_from_messages([SystemMessage("Be terse.")]) > 0
