"""Hypothesis: random LangChain histories become valid requests or fail early.

Each random history (system, human, AI with tool calls, tool results, chat
messages; string or block content, including unknown and malformed blocks) is
sent through the emulator, whose schema check is the real API's. The only
acceptable outcomes: an answer (the emulator accepted the request) or a
``ValueError``/``TypeError`` raised before anything was sent.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_cometgemini.errors import BadRequestError
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()

text = st.text(max_size=30)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
ids = st.sampled_from(["call_1", "call_2", "lc_x", "abc"])
json_leaf = st.none() | st.booleans() | st.integers(-9, 9) | text
args = st.dictionaries(names, json_leaf | st.lists(json_leaf, max_size=2), max_size=3)

good_blocks = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.just({"type": "image", "base64": PNG, "mime_type": "image/png"}),
    st.just(
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    ),
    st.just({"type": "file", "base64": PNG, "mime_type": "application/pdf"}),
    st.builds(lambda t: {"type": "reasoning", "reasoning": t}, text),
    st.builds(lambda t: {"type": "thinking", "thinking": t}, text),
    text,
)
hostile_blocks = st.one_of(
    st.builds(lambda t: {"type": t}, names),
    st.just({"type": "image"}),
    st.just({"type": "image", "url": "ftp://x/y.png"}),
    st.just({"type": "non_standard", "value": "not a dict"}),
    st.just({"no_type": True}),
    st.just({"type": "text"}),
    st.just({"type": "text", "text": 42}),
)
content = st.one_of(
    text,
    st.lists(good_blocks, max_size=3),
    st.lists(good_blocks, min_size=1, max_size=3),
    st.lists(st.one_of(good_blocks, hostile_blocks), max_size=3),
)


tool_content = st.one_of(text, st.lists(good_blocks, max_size=2))
odd_message = st.one_of(
    st.builds(lambda c, i: ToolMessage(content=c, tool_call_id=i), tool_content, ids),
    st.builds(
        lambda r, c: ChatMessage(role=r, content=c),
        st.sampled_from(["user", "assistant", "tool", "x"]),
        text,
    ),
    st.builds(HumanMessage, content=st.lists(hostile_blocks, min_size=1, max_size=2)),
)


@st.composite
def tool_round(draw: st.DrawFn) -> list[BaseMessage]:
    """An AI turn with 0-2 tool calls, then results for some of them."""
    call_ids = draw(st.lists(ids, max_size=2, unique=True))
    calls = [
        {"name": draw(names), "args": draw(args), "id": i, "type": "tool_call"}
        for i in call_ids
    ]
    ai_content = draw(st.one_of(text, st.lists(good_blocks, max_size=2)))
    round_: list[BaseMessage] = [AIMessage(content=ai_content, tool_calls=calls)]
    for i in draw(st.permutations(call_ids)):
        status = draw(st.sampled_from(["success", "error"]))
        round_.append(ToolMessage(draw(tool_content), tool_call_id=i, status=status))
    return round_


@st.composite
def histories(draw: st.DrawFn) -> list[BaseMessage]:
    """Plausible conversations, with a hostile message now and then."""
    history: list[BaseMessage] = []
    if draw(st.booleans()):
        system = draw(st.one_of(text, st.lists(good_blocks, max_size=2)))
        history.append(SystemMessage(content=system))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["human", "human", "tools", "tools", "odd"]))
        if kind == "human":
            history.append(HumanMessage(content=draw(content)))
        elif kind == "tools":
            history += draw(tool_round())
        else:
            history.append(draw(odd_message))
    if draw(st.integers(0, 9)) == 0:
        history.insert(draw(st.integers(0, len(history))), draw(odd_message))
    return history


@pytest.fixture(scope="module")
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


def send(emu: GeminiEmulator, model: str, history: list[BaseMessage]) -> None:
    llm = make_model(emu, model=model, media_fetch="pass_through")
    before = len(emu.requests)
    try:
        llm.invoke(history)
    except (ValueError, TypeError) as exc:
        assert len(emu.requests) == before, f"sent, then raised {exc!r}"
        assert len(str(exc)) > 10, f"unclear message: {exc!r}"
        event(f"refused early: {str(exc)[:50]}")
        return
    except BadRequestError as exc:  # the emulator's schema check said no
        pytest.fail(f"request rejected by the API's rules: {exc}\nhistory={history!r}")
    assert len(emu.requests) == before + 1
    event("accepted by the emulator")


@FUZZ
@given(histories())
def test_random_histories_gemini_2(
    emu: GeminiEmulator, history: list[BaseMessage]
) -> None:
    send(emu, "gemini-2.5-flash", history)


@FUZZ
@given(histories())
def test_random_histories_gemini_3(
    emu: GeminiEmulator, history: list[BaseMessage]
) -> None:
    send(emu, "gemini-3-flash-preview", history)


def test_invalid_base64_fails_before_sending(emu: GeminiEmulator) -> None:
    block = {"type": "image", "base64": "not base64!", "mime_type": "image/png"}
    llm = make_model(emu, model="gemini-3-flash-preview")
    before = len(emu.requests)
    with pytest.raises(ValueError, match="not valid base64"):
        llm.invoke([HumanMessage(content=[block])])
    assert len(emu.requests) == before
