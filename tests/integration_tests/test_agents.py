"""Agents end to end, offline: ``create_agent`` and a LangGraph ``StateGraph``.

Each agent runs a scripted 5-step task on a Gemini 3 model (6 tool calls, two
steps with parallel calls) against the emulator, which rejects any replayed
model turn whose signature is missing or was never issued. The tests then
check the wire: every request replays the signatures issued so far, on the
first call of each model turn, and the tool results travel as
``functionResponse`` parts in call order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import tool
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.integration_tests.scripted_model import Plan
from tests.support import make_model

FC_KEY = "__gemini_function_call_thought_signatures__"
MODEL = "gemini-3-flash-preview"
Make = Callable[..., ChatCometGemini]


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny in {city}"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@tool
def lookup(key: str) -> dict[str, Any]:
    """Look a constant up."""
    return {"key": key, "value": 3.14}


TOOLS = [get_weather, add, multiply, lookup]
STEPS: list[Any] = [
    [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "London"})],
    [("add", {"a": 2, "b": 3})],
    [("multiply", {"a": 5, "b": 4}), ("lookup", {"key": "pi"})],
    [("add", {"a": 20, "b": 1})],
    "All done: 21.",
]
CALLS = [call for step in STEPS[:-1] for call in step]
RESULTS = [
    {"result": "Sunny in Paris"},
    {"result": "Sunny in London"},
    {"result": 5},
    {"result": 20},
    {"key": "pi", "value": 3.14},
    {"result": 21},
]
TASK = "Plan my trip."


@pytest.fixture
def planned(scripted_emulator: GeminiEmulator) -> GeminiEmulator:
    scripted_emulator.responder = Plan(STEPS)
    return scripted_emulator


def _first_call_signature(message: AIMessage) -> str:
    return str(message.additional_kwargs[FC_KEY][message.tool_calls[0]["id"]])


def check_run(emu: GeminiEmulator, messages: list[AnyMessage]) -> None:
    """The answer, and the wire of every request of the run."""
    assert messages[-1].text == "All done: 21."
    turns = [m for m in messages if isinstance(m, AIMessage) and m.tool_calls]
    assert [(c["name"], c["args"]) for m in turns for c in m.tool_calls] == CALLS
    issued = [_first_call_signature(m) for m in turns]
    assert len(set(issued)) == 4
    assert set(issued) <= emu.issued_signatures
    requests = [r for r in emu.requests if r.action and "Content" in r.action]
    assert len(requests) == 5
    for step, request in enumerate(requests):
        model_turns = [c for c in request.contents if c["role"] == "model"]
        calls = [[p for p in c["parts"] if "functionCall" in p] for c in model_turns]
        assert [c[0]["thoughtSignature"] for c in calls] == issued[:step]
        assert all("thoughtSignature" not in p for c in calls for p in c[1:])
    results = [
        [p["functionResponse"] for p in c["parts"] if "functionResponse" in p]
        for c in requests[-1].contents
        if c["role"] == "user"
    ][1:]
    assert [len(r) for r in results] == [2, 1, 2, 1]
    sent = [(r["name"], r["response"]) for turn in results for r in turn]
    assert sent == [(name, out) for (name, _), out in zip(CALLS, RESULTS, strict=True)]


def test_create_agent_sync_invoke(
    scripted_model: Make, planned: GeminiEmulator
) -> None:
    agent = create_agent(scripted_model(MODEL), TOOLS, system_prompt="Be exact.")
    state = agent.invoke({"messages": [HumanMessage(TASK)]})
    check_run(planned, state["messages"])
    assert planned.requests[0].body["systemInstruction"] == {
        "parts": [{"text": "Be exact."}]
    }
    declared = planned.requests[0].body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declared] == [t.name for t in TOOLS]


async def test_create_agent_async_streaming(
    scripted_model: Make, planned: GeminiEmulator
) -> None:
    agent = create_agent(scripted_model(MODEL), TOOLS)
    tokens: list[Any] = []
    final: dict[str, Any] = {}
    async for mode, data in agent.astream(
        {"messages": [HumanMessage(TASK)]}, stream_mode=["messages", "values"]
    ):
        if mode == "messages":
            tokens.append(data[0])
        else:
            assert isinstance(data, dict)
            final = data
    check_run(planned, final["messages"])
    assert all(r.stream for r in planned.requests)
    chunks = [t for t in tokens if getattr(t, "tool_call_chunks", None)]
    assert {c["index"] for t in chunks for c in t.tool_call_chunks} == {0, 1}


def _graph(llm: ChatCometGemini) -> Any:
    bound = llm.bind_tools(TOOLS)
    model = (
        RunnableLambda(lambda state: state["messages"])
        | bound
        | RunnableLambda(lambda message: {"messages": [message]})
    )
    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", ToolNode(TOOLS))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph


def test_state_graph_with_tool_node_sync_stream(
    scripted_model: Make, planned: GeminiEmulator
) -> None:
    app = _graph(scripted_model(MODEL)).compile()
    states = list(app.stream({"messages": [HumanMessage(TASK)]}, stream_mode="values"))
    check_run(planned, states[-1]["messages"])
    tool_messages = [m for m in states[-1]["messages"] if isinstance(m, ToolMessage)]
    assert len(tool_messages) == 6


async def test_state_graph_with_tool_node_async(
    scripted_model: Make, planned: GeminiEmulator
) -> None:
    app = _graph(scripted_model(MODEL, streaming=True)).compile()
    state = await app.ainvoke({"messages": [HumanMessage(TASK)]})
    check_run(planned, state["messages"])
    assert all(r.stream for r in planned.requests)


class Trip(BaseModel):
    """The plan."""

    city: str
    total: int


def test_create_agent_response_format_uses_native_json_schema_on_gemini_3(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.responder = Plan(
        [[("add", {"a": 1, "b": 2})], '{"city": "Oslo", "total": 3}']
    )
    agent = create_agent(scripted_model(MODEL), [add], response_format=Trip)
    state = agent.invoke({"messages": [HumanMessage(TASK)]})
    assert state["structured_response"] == Trip(city="Oslo", total=3)
    body = scripted_emulator.last_request.body
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert body["generationConfig"]["responseJsonSchema"] == Trip.model_json_schema()
    assert [d["name"] for d in body["tools"][0]["functionDeclarations"]] == ["add"]


def test_create_agent_response_format_uses_a_tool_before_gemini_3(
    scripted_model: Make, scripted_emulator: GeminiEmulator
) -> None:
    scripted_emulator.responder = Plan([[("Trip", {"city": "Rome", "total": 7})]])
    agent = create_agent(
        scripted_model("gemini-2.5-flash"), [add], response_format=Trip
    )
    state = agent.invoke({"messages": [HumanMessage(TASK)]})
    assert state["structured_response"] == Trip(city="Rome", total=7)
    body = scripted_emulator.last_request.body
    assert "responseJsonSchema" not in body.get("generationConfig", {})
    names = [d["name"] for d in body["tools"][0]["functionDeclarations"]]
    assert names == ["add", "Trip"]
    assert body["toolConfig"]["functionCallingConfig"]["mode"] == "ANY"


CONFIG: RunnableConfig = {"configurable": {"thread_id": "trip-1"}}


def _signatures(messages: list[AnyMessage]) -> list[dict[str, str]]:
    return [
        dict(m.additional_kwargs[FC_KEY])
        for m in messages
        if isinstance(m, AIMessage) and m.tool_calls
    ]


def test_sqlite_checkpointer_interrupt_and_resume(
    scripted_model: Make, planned: GeminiEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "agent.sqlite"
    with closing(sqlite3.connect(path, check_same_thread=False)) as conn:
        agent = create_agent(
            scripted_model(MODEL),
            TOOLS,
            checkpointer=SqliteSaver(conn),
            interrupt_after=["tools"],
        )
        agent.invoke({"messages": [HumanMessage(TASK)]}, CONFIG)
        paused = agent.get_state(CONFIG)
        assert paused.next == ("model",)
        assert isinstance(paused.values["messages"][-1], ToolMessage)
        before = _signatures(paused.values["messages"])
    assert len(planned.requests) == 1

    with closing(sqlite3.connect(path, check_same_thread=False)) as conn:
        agent = create_agent(
            scripted_model(MODEL),
            TOOLS,
            checkpointer=SqliteSaver(conn),
            interrupt_after=["tools"],
        )
        assert _signatures(agent.get_state(CONFIG).values["messages"]) == before
        while agent.get_state(CONFIG).next:
            agent.invoke(None, CONFIG)
        messages = agent.get_state(CONFIG).values["messages"]
    assert _signatures(messages)[0] == before[0]
    check_run(planned, messages)


async def test_async_sqlite_checkpointer_resume(
    scripted_model: Make, planned: GeminiEmulator, tmp_path: Path
) -> None:
    path = str(tmp_path / "agent.sqlite")
    async with AsyncSqliteSaver.from_conn_string(path) as saver:
        agent = create_agent(
            scripted_model(MODEL), TOOLS, checkpointer=saver, interrupt_before=["tools"]
        )
        await agent.ainvoke({"messages": [HumanMessage(TASK)]}, CONFIG)
        assert set((await agent.aget_state(CONFIG)).next) == {"tools"}  # 2 parallel
    async with AsyncSqliteSaver.from_conn_string(path) as saver:
        agent = create_agent(
            scripted_model(MODEL), TOOLS, checkpointer=saver, interrupt_before=["tools"]
        )
        while (await agent.aget_state(CONFIG)).next:
            await agent.ainvoke(None, CONFIG)
        messages = (await agent.aget_state(CONFIG)).values["messages"]
    check_run(planned, messages)


# -- a conversation another provider started ------------------------------------


def _claude_turn(state: MessagesState) -> dict[str, Any]:
    """A node standing in for ChatAnthropic: its reply, shaped as that package's."""
    reply = AIMessage(
        content=[
            {"type": "thinking", "thinking": "Weather first.", "signature": "EqQBCkYI"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3"},
            {"type": "text", "text": "Checking.", "citations": None},
            {
                "type": "tool_use",
                "id": "toolu_01A",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
        tool_calls=[
            {"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_01A"}
        ],
        response_metadata={"model_provider": "anthropic", "model_name": "claude"},
    )
    return {"messages": [reply]}


def test_graph_switching_from_another_provider_to_gemini_3(
    gemini_emulator: GeminiEmulator,
) -> None:
    """Claude calls a tool, Gemini 3 continues: the emulator (which checks
    Gemini 3 signatures) accepts the history, and nothing of Claude's reasoning
    or signatures is on the wire."""
    gemini = make_model(gemini_emulator, model=MODEL).bind_tools([get_weather])
    builder = StateGraph(MessagesState)
    builder.add_node("claude", _claude_turn)
    builder.add_node("tools", ToolNode([get_weather]))
    builder.add_node(
        "gemini", lambda state: {"messages": [gemini.invoke(state["messages"])]}
    )
    builder.add_edge(START, "claude")
    builder.add_edge("claude", "tools")
    builder.add_edge("tools", "gemini")
    state = builder.compile().invoke({"messages": [HumanMessage("Weather in Paris?")]})
    assert isinstance(state["messages"][-1], AIMessage)
    request = gemini_emulator.last_request
    assert request.contents[1] == {
        "role": "model",
        "parts": [
            {"text": "Checking."},
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": "skip_thought_signature_validator",
            },
        ],
    }
    for foreign in ("EqQBCkYI", "EmwKAhgBEgy3", "toolu_01A", "Weather first."):
        assert foreign not in request.raw.decode()
