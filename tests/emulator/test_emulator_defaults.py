"""The emulator: defaults that end the loops a real model ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_cometgemini.errors import BadRequestError
from langchain_cometgemini.testing import GeminiEmulator, ResponderError
from langchain_cometgemini.testing._schema_instance import instance
from tests.support import make_model


class Node(BaseModel):
    name: str
    children: list[Node] = []
    parent: Node | None = None


class Forest(BaseModel):
    trees: list[Node]
    biggest: Node


class Linked(BaseModel):
    value: int
    next: Linked | None


SCHEMAS: dict[str, dict[str, Any]] = {
    "ref root": Node.model_json_schema(),
    "nested refs": Forest.model_json_schema(),
    "required recursive field": Linked.model_json_schema(),
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_default_instance_of_a_recursive_schema_is_valid(name: str) -> None:
    schema = SCHEMAS[name]
    jsonschema.validate(instance(schema), schema)


def test_structured_output_of_a_recursive_model(
    gemini_emulator: GeminiEmulator,
) -> None:
    result = (
        make_model(gemini_emulator, max_retries=2)
        .with_structured_output(Node)
        .invoke("A tree")
    )
    assert isinstance(result, Node)
    sent = gemini_emulator.last_request.body["generationConfig"]
    assert sent["responseJsonSchema"] == Node.model_json_schema()


class Weather(BaseModel):
    city: str
    celsius: float


@tool
def lookup(city: str) -> str:
    """Look the weather up."""
    return f"{city}: 21C"


@tool
def history(city: str) -> str:
    """Past weather."""
    return f"{city}: mild"


@pytest.mark.parametrize("tools", [[], [lookup], [lookup, history]])
def test_tool_strategy_agent_ends_against_the_default_emulator(
    gemini_emulator: GeminiEmulator, tools: list[Any]
) -> None:
    agent = create_agent(
        make_model(gemini_emulator, max_retries=2),
        tools,
        response_format=ToolStrategy(Weather),
    )
    config: RunnableConfig = {"recursion_limit": 12}
    state = agent.invoke({"messages": [HumanMessage("Weather in Oslo?")]}, config)
    assert isinstance(state["structured_response"], Weather)
    # each user tool once, then the response tool: len(tools) + 1 model calls
    assert len(gemini_emulator.requests) == len(tools) + 1
    called = [
        p["functionCall"]["name"]
        for c in gemini_emulator.last_request.contents
        for p in c["parts"]
        if "functionCall" in p
    ]
    assert called == [t.name for t in tools]


def _raising(request: Any) -> Any:
    raise KeyError("the responder's own bug")


def test_a_responder_that_raises_is_reported_not_retried() -> None:
    emulator = GeminiEmulator().start()
    emulator.responder = _raising
    try:
        with pytest.raises(BadRequestError, match="responder raised"):
            make_model(emulator, max_retries=2).invoke("hi")
        assert len(emulator.requests) == 1  # a 400: not retried
        [(request, error, trace)] = emulator.responder_errors
        assert request.text == "hi"
        assert isinstance(error, KeyError)
        assert "_raising" in trace and "the responder's own bug" in trace
    finally:
        emulator.stop()
    with pytest.raises(ResponderError, match="_raising") as caught:
        emulator.check()
    assert isinstance(caught.value.__cause__, KeyError)
    emulator.check()  # reported once


def test_the_with_block_raises_what_the_responder_raised() -> None:
    with pytest.raises(ResponderError, match="the responder's own bug"):
        with GeminiEmulator() as emulator:
            emulator.responder = _raising
            with pytest.raises(BadRequestError):
                make_model(emulator, max_retries=2).invoke("hi")


@pytest.mark.parametrize(
    "wrong", [42, ["Echo"], b"bytes"], ids=["int", "list", "bytes"]
)
def test_a_responder_returning_no_answer_type_is_a_bug_reported(wrong: Any) -> None:
    with pytest.raises(ResponderError, match="returned") as caught:
        with GeminiEmulator(responder=lambda request: wrong) as emulator:
            with pytest.raises(BadRequestError, match="responder returned"):
                make_model(emulator, max_retries=2).invoke("hi")
            assert len(emulator.requests) == 1  # a 400: not retried
    assert isinstance(caught.value.__cause__, TypeError)


_FIXTURE_USER = """
from langchain_cometgemini import ChatCometGemini

def boom(request):
    raise ValueError("responder bug")

def test_uses_fixture(gemini_emulator):
    gemini_emulator.responder = boom
    llm = ChatCometGemini(model="gemini-2.5-flash", max_retries=0,
        base_url=gemini_emulator.base_url, api_key=gemini_emulator.api_key)
    try:
        llm.invoke("hi")
    except Exception:
        pass  # the code under test swallowed the error
"""


def test_the_pytest_fixture_fails_the_test_at_teardown(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(_FIXTURE_USER)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rE"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout
    assert "1 passed, 1 error" in done.stdout
    assert "ERROR at teardown of test_uses_fixture" in done.stdout
    assert "ResponderError" in done.stdout and "responder bug" in done.stdout
