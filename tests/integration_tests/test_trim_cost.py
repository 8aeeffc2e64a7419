"""What ``trim_messages(history, token_counter=llm)`` costs on the wire.

Real sockets against the emulator, which counts every request: each strategy
(``last`` / ``first``, with and without tool calls, ``start_on``,
``include_system``) gives the same trimmed history as exact counting (a fresh
model, hence one whole-request countTokens, per count), costs at most one
request per content it has not counted before (plus one per new system prompt /
tool set), and nothing when the same history is trimmed again.
"""

from __future__ import annotations

import pickle
import threading
import warnings
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

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._token_cache import counts_for
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.support import make_model

OPTIONS: list[dict[str, Any]] = [
    {"strategy": "last"},
    {"strategy": "last", "start_on": "human"},
    {"strategy": "last", "include_system": True},
    {"strategy": "last", "include_system": True, "start_on": "human"},
    {"strategy": "last", "include_system": True, "end_on": ("human", "tool")},
    {"strategy": "first"},
    {"strategy": "first", "end_on": "ai"},
]
IDS = ["last", "last-human", "last-system", "last-system-human", "last-end", "first"]
IDS += ["first-end-ai"]


def with_tools(turns: int = 6) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("You are terse and careful.")]
    for i in range(turns):
        messages.append(HumanMessage(f"What is the weather in city number {i}?"))
        calls = [
            {"name": "get_weather", "args": {"city": f"c{i}"}, "id": f"call-{i}"},
            {"name": "get_time", "args": {"city": f"c{i}"}, "id": f"time-{i}"},
        ]
        messages.append(AIMessage("", tool_calls=calls))
        messages.append(ToolMessage(f"sunny {i}", tool_call_id=f"call-{i}"))
        messages.append(ToolMessage(f"noon {i}", tool_call_id=f"time-{i}"))
        messages.append(AIMessage(f"It is sunny at noon in city {i}, as usual."))
    return messages


def plain(turns: int = 12) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("You are terse.")]
    for i in range(turns):
        messages.append(HumanMessage(f"Tell me fact {i} about the sea" + " ok" * i))
        messages.append(AIMessage(f"Fact {i}: the sea is wide and deep."))
    return messages


HISTORIES = {"tools": with_tools, "plain": plain}


def count_requests(emu: GeminiEmulator) -> int:
    return sum(r.path.endswith(":countTokens") for r in emu.requests)


def exact_counter(emu: GeminiEmulator) -> Any:
    """One whole-request countTokens per call (a fresh model: nothing cached)."""

    def count(messages: list[BaseMessage]) -> int:
        return make_model(emu).get_num_tokens_from_messages(messages)

    return count


def contents_of(llm: ChatCometGemini, messages: list[BaseMessage]) -> int:
    body = llm._prepare(list(messages), None, {}, partial=True).body
    return len(body.get("contents") or [])


@pytest.mark.parametrize("options", OPTIONS, ids=IDS)
@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_same_result_as_exact_counting_and_cheap(
    gemini_emulator: GeminiEmulator, kind: str, options: dict[str, Any]
) -> None:
    emu = gemini_emulator
    history = HISTORIES[kind]()
    llm = make_model(emu)
    limit = exact_counter(emu)(history) // 2

    def trim_both() -> int:
        """Trim ``history`` exactly and with ``llm``; the cached trim's cost."""
        exact = trim_messages(
            history, token_counter=exact_counter(emu), max_tokens=limit, **options
        )
        assert 0 < len(exact) < len(history)
        before = count_requests(emu)
        trimmed = trim_messages(history, token_counter=llm, max_tokens=limit, **options)
        assert trimmed == exact
        return count_requests(emu) - before

    # first trim: each content once, plus one whole count per context (with /
    # without the system prompt); ``last`` counts reversed lists, whose
    # contents LangChain asks about partly only on the next trim
    assert 1 <= trim_both() <= contents_of(llm, history) + 3
    assert trim_both() == 0  # the same history again: free
    costs = []
    for step in range(5):  # an agent loop: the history grows by one message
        reply: BaseMessage = AIMessage(f"Sure, answer {step}.")
        history.append(reply if step % 2 else HumanMessage(f"Question {step}?"))
        costs.append(trim_both())
    assert costs[0] <= contents_of(llm, history) + 1
    # then: the new message, and the few contents that change where the cut
    # falls inside a turn (tool results merged into one content)
    assert max(costs[1:]) <= 4


def test_counts_equal_exact_counts_for_every_slice(
    gemini_emulator: GeminiEmulator,
) -> None:
    full = with_tools(3)
    llm = make_model(gemini_emulator)
    exact = exact_counter(gemini_emulator)
    for start in range(len(full)):
        for stop in range(start + 1, len(full) + 1):
            piece = full[start:stop]
            assert llm.get_num_tokens_from_messages(piece) == exact(piece)


def test_one_off_count_is_one_request(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator)
    total = llm.get_num_tokens_from_messages(with_tools(2))
    assert count_requests(gemini_emulator) == 1
    assert llm.get_num_tokens_from_messages(with_tools(2)) == total
    assert count_requests(gemini_emulator) == 1  # the same request: cached


def test_tools_are_a_context_of_their_own(gemini_emulator: GeminiEmulator) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    llm = make_model(gemini_emulator)
    history = plain(4)
    exact = exact_counter(gemini_emulator)
    assert llm.get_num_tokens_from_messages(history) == exact(history)
    counted = llm.get_num_tokens_from_messages(history, tools=[get_weather])
    fresh = make_model(gemini_emulator)
    assert counted == fresh.get_num_tokens_from_messages(history, tools=[get_weather])
    sent = gemini_emulator.requests[-2].body["generateContentRequest"]
    assert [t["functionDeclarations"][0]["name"] for t in sent["tools"]] == [
        "get_weather"
    ]


def test_concurrent_trims_agree(gemini_emulator: GeminiEmulator) -> None:
    full = with_tools()
    llm = make_model(gemini_emulator)
    limit = exact_counter(gemini_emulator)(full) // 3
    expected = trim_messages(
        full, token_counter=exact_counter(gemini_emulator), max_tokens=limit
    )
    results: list[list[BaseMessage]] = []
    errors: list[BaseException] = []

    def trim() -> None:
        try:
            results.append(trim_messages(full, token_counter=llm, max_tokens=limit))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=trim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == [expected] * 6


def test_pickled_model_starts_with_no_counts() -> None:
    with GeminiEmulator(api_key="sk-secret-key-123") as emu:
        llm = make_model(emu)
        history = plain(3)
        llm.get_num_tokens_from_messages(history)
        store = counts_for(llm._engine())
        assert len(store) > 0
        assert b"sk-secret-key-123" not in pickle.dumps(store)
        assert len(pickle.loads(pickle.dumps(store))) == 0
        copy = pickle.loads(pickle.dumps(llm))
        before = count_requests(emu)
        assert copy.get_num_tokens_from_messages(history) > 0
        assert count_requests(emu) == before + 1  # counted afresh


def test_missing_endpoint_is_remembered(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(Reply.error(404, "Method not found.", "NOT_FOUND"))
    llm = make_model(gemini_emulator)
    full = plain()
    with pytest.warns(UserWarning, match="local estimate"):
        first = llm.get_num_tokens_from_messages(full)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trimmed = trim_messages(full, token_counter=llm, max_tokens=first // 2)
    assert 0 < len(trimmed) < len(full)
    assert count_requests(gemini_emulator) == 1  # no request after the 404
    assert all("local estimate" in str(w.message) for w in caught)


def test_content_refused_alone_falls_back_to_a_whole_count(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator)
    full = plain(2)
    exact = exact_counter(gemini_emulator)
    llm.get_num_tokens_from_messages(full)  # first sight of the context
    gemini_emulator.enqueue(Reply.error(400, "Please use a valid role.", "INVALID"))
    piece = full[:3]
    assert llm.get_num_tokens_from_messages(piece) == exact(piece)
