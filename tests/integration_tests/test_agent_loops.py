"""Agents that meet an empty answer: ``create_agent`` and a LangGraph tool loop.

The emulator first answers a ``MALFORMED_FUNCTION_CALL`` with no content, then
the tool call the agent needed, then the final text. With ``"retry"`` the loop
recovers by itself; with ``"raise"`` the typed error reaches the agent's own
retry machinery (``ModelRetryMiddleware``, LangGraph's ``RetryPolicy``) which
recovers; with ``"return"`` the loop ends on an explained, warned-about empty
answer instead of silently. The request count at the server proves each.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelRetryMiddleware
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import RetryPolicy

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire import empty
from langchain_cometgemini.errors import (
    AnswerFailedError,
    AnswerRefusedError,
    EmptyAnswerError,
    EmptyAnswerWarning,
)
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.integration_tests.empty_replies import empty_reply
from tests.support import make_model

MODEL = "gemini-3-flash-preview"
STYLES = ("invoke", "ainvoke", "stream", "astream")
TASK = {"messages": [HumanMessage("Weather in Paris?")]}


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny in {city}"


@pytest.fixture
def emu(gemini_emulator: GeminiEmulator) -> GeminiEmulator:
    empty.forget_warnings()
    gemini_emulator.enqueue(
        empty_reply("MALFORMED_FUNCTION_CALL"),
        Reply.function_call("get_weather", {"city": "Paris"}),
        Reply.text("It is sunny in Paris."),
    )
    return gemini_emulator


async def _run(app: Any, style: str) -> list[AnyMessage]:
    """The final messages of one run; streams go through the model's stream."""
    if style == "invoke":
        return list(app.invoke(TASK)["messages"])
    if style == "ainvoke":
        return list((await app.ainvoke(TASK))["messages"])
    modes = ["messages", "values"]
    final: dict[str, Any] = {}
    if style == "stream":
        parts = list(app.stream(TASK, stream_mode=modes))
    else:
        parts = [p async for p in app.astream(TASK, stream_mode=modes)]
    for mode, data in parts:
        if mode == "values":
            final = data
    return list(final["messages"])


def _check_recovered(emu: GeminiEmulator, messages: list[AnyMessage]) -> None:
    assert messages[-1].text == "It is sunny in Paris."
    calls = [m for m in messages if isinstance(m, AIMessage) and m.tool_calls]
    assert [c["args"] for m in calls for c in m.tool_calls] == [{"city": "Paris"}]
    tools = [m for m in messages if isinstance(m, ToolMessage)]
    assert [t.content for t in tools] == ["Sunny in Paris"]
    assert len(emu.requests) == 3  # the failed attempt, the call, the answer
    answers = [m for m in messages if isinstance(m, AIMessage)]
    assert all(empty.has_content(m) for m in answers)


def _model(emu: GeminiEmulator, style: str, **kwargs: Any) -> ChatCometGemini:
    return make_model(emu, model=MODEL, streaming=style.endswith("stream"), **kwargs)


@pytest.mark.parametrize("style", STYLES)
async def test_create_agent_recovers_with_retry(
    emu: GeminiEmulator, style: str
) -> None:
    agent = create_agent(_model(emu, style, on_empty_answer="retry"), [get_weather])
    messages = await _run(agent, style)
    _check_recovered(emu, messages)
    first = next(m for m in messages if isinstance(m, AIMessage))
    assert first.response_metadata["empty_answer_retries"] == 1
    assert emu.requests[0].body == emu.requests[1].body
    assert all(r.stream == style.endswith("stream") for r in emu.requests)


@pytest.mark.parametrize("style", STYLES)
async def test_create_agent_retry_middleware_acts_on_the_typed_error(
    emu: GeminiEmulator, style: str
) -> None:
    """Its default ``retry_on`` reads ``is_retryable``: a malformed call is."""
    retry = ModelRetryMiddleware(max_retries=1, initial_delay=0, jitter=False)
    model = _model(emu, style, on_empty_answer="raise")
    agent = create_agent(model, [get_weather], middleware=[retry])
    _check_recovered(emu, await _run(agent, style))


@pytest.mark.parametrize("style", STYLES)
async def test_create_agent_retry_middleware_leaves_a_refusal_alone(
    gemini_emulator: GeminiEmulator, style: str
) -> None:
    gemini_emulator.enqueue(empty_reply("SAFETY"), Reply.text("Never sent"))
    retry = ModelRetryMiddleware(
        max_retries=1, initial_delay=0, jitter=False, on_failure="error"
    )
    model = _model(gemini_emulator, style, on_empty_answer="raise")
    agent = create_agent(model, [get_weather], middleware=[retry])
    with pytest.raises(AnswerRefusedError) as info:
        await _run(agent, style)
    assert not info.value.is_retryable
    assert len(gemini_emulator.requests) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_create_agent_never_stops_silently(
    emu: GeminiEmulator, style: str
) -> None:
    agent = create_agent(_model(emu, style), [get_weather])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        messages = await _run(agent, style)
    last = messages[-1]
    assert isinstance(last, AIMessage)
    assert last.text == ""
    assert "MALFORMED_FUNCTION_CALL" in last.response_metadata["empty_answer"]
    shown = [w for w in caught if w.category is EmptyAnswerWarning]
    assert len(shown) == 1
    assert "MALFORMED_FUNCTION_CALL" in str(shown[0].message)
    assert len(emu.requests) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_create_agent_raise_reaches_the_caller(
    emu: GeminiEmulator, style: str
) -> None:
    agent = create_agent(_model(emu, style, on_empty_answer="raise"), [get_weather])
    with pytest.raises(AnswerFailedError) as info:
        await _run(agent, style)
    assert info.value.finish_reason == "MALFORMED_FUNCTION_CALL"
    assert len(emu.requests) == 1


def _graph(llm: ChatCometGemini, policy: RetryPolicy | None = None) -> Any:
    model = (
        RunnableLambda(lambda state: state["messages"])
        | llm.bind_tools([get_weather])
        | RunnableLambda(lambda message: {"messages": [message]})
    )
    graph = StateGraph(MessagesState)
    graph.add_node("model", model, retry_policy=policy)
    graph.add_node("tools", ToolNode([get_weather]))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


@pytest.mark.parametrize("style", STYLES)
async def test_langgraph_tool_loop_recovers_with_retry(
    emu: GeminiEmulator, style: str
) -> None:
    app = _graph(_model(emu, style, on_empty_answer="retry"))
    _check_recovered(emu, await _run(app, style))


@pytest.mark.parametrize("style", STYLES)
async def test_langgraph_retry_policy_acts_on_the_typed_error(
    emu: GeminiEmulator, style: str
) -> None:
    policy = RetryPolicy(retry_on=EmptyAnswerError, initial_interval=0, jitter=False)
    app = _graph(_model(emu, style, on_empty_answer="raise"), policy)
    _check_recovered(emu, await _run(app, style))


@pytest.mark.parametrize("style", STYLES)
async def test_langgraph_tool_loop_ends_explained(
    emu: GeminiEmulator, style: str
) -> None:
    app = _graph(_model(emu, style))
    with pytest.warns(EmptyAnswerWarning, match="MALFORMED_FUNCTION_CALL"):
        messages = await _run(app, style)
    assert "empty_answer" in messages[-1].response_metadata
    assert len(emu.requests) == 1
