"""The testing API a user scripts against, through the chat model on 127.0.0.1.

``langchain_cometgemini.testing`` names what a user needs and nothing else; a
responder is given to the constructor and returns None for the default
answer; every ``Reply`` builder takes the fault options; ``request.text`` of
a turn that carries function results says what the functions returned.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

import langchain_cometgemini.testing as testing
from langchain_cometgemini.errors import APIConnectionError, StreamInterruptedError
from langchain_cometgemini.testing import (
    GeminiEmulator,
    RecordedRequest,
    Reply,
    default_reply,
)
from tests.support import make_model

PUBLIC = {
    "GeminiEmulator",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ResponderError",
    "ScriptedGemini",
    "default_reply",
}


def test_the_public_names_are_what_a_user_needs() -> None:
    assert set(testing.__all__) == PUBLIC
    names = [name for name in vars(testing) if name.isidentifier()]
    public = {name for name in names if not name.startswith("_")}
    assert public == PUBLIC  # submodules and helpers are all private


def test_the_former_plugin_home_is_gone() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("langchain_cometgemini.testing.pytest_plugin")


def test_the_emulator_shows_no_internal_method() -> None:
    internal = {"handle", "take_queued", "issued", "responder_failed"}
    assert internal.isdisjoint(dir(GeminiEmulator))


def test_a_responder_given_to_the_constructor_answers() -> None:
    def shout(request: RecordedRequest) -> Reply:
        return Reply.text(request.text.upper())

    with GeminiEmulator(responder=shout) as emulator:
        assert make_model(emulator).invoke("hello").text == "HELLO"


def test_a_responder_returning_none_gets_the_default_answer() -> None:
    def only_weather(request: RecordedRequest) -> Reply | None:
        return Reply.text("Sunny.") if "weather" in request.text else None

    with GeminiEmulator(responder=only_weather) as emulator:
        llm = make_model(emulator)
        assert llm.invoke("the weather?").text == "Sunny."
        assert llm.invoke("hello").text == "Echo: hello"
    assert emulator.responder_errors == []


def test_the_default_answer_is_public_to_build_on() -> None:
    def signed(request: RecordedRequest) -> Reply:
        reply = default_reply(request)
        reply.body["candidates"][0]["content"]["parts"][0]["text"] += " (signed)"
        return Reply(body=reply.body)

    with GeminiEmulator(responder=signed) as emulator:
        assert make_model(emulator).invoke("hi").text == "Echo: hi (signed)"


def stream_text(emulator: GeminiEmulator, seen: list[str]) -> None:
    for chunk in make_model(emulator).stream("go"):
        seen.append(chunk.text)


@pytest.mark.parametrize(
    "reply",
    [
        Reply.text("one two three four", n_chunks=4, drop_after=2),
        Reply.text("one two three four", n_chunks=4, drop_after=2, reset=True),
        Reply.function_calls([("f", {})], drop_after=0),
    ],
    ids=["text-drop", "text-reset", "calls-drop"],
)
def test_builders_take_the_stream_faults(
    gemini_emulator: GeminiEmulator, reply: Reply
) -> None:
    gemini_emulator.enqueue(reply)
    seen: list[str] = []
    with pytest.raises(APIConnectionError) as raised:
        stream_text(gemini_emulator, seen)
    if reply.drop_after:
        assert isinstance(raised.value, StreamInterruptedError)
        assert "".join(seen).split() == ["one", "two"]  # two events, then the cut


@pytest.mark.parametrize(
    "build",
    [
        lambda f: Reply.text("hi", **f),
        lambda f: Reply.function_call("f", {"a": 1}, **f),
        lambda f: Reply.function_calls([("f", {})], **f),
        lambda f: Reply.error(503, "busy", **f),
        lambda f: Reply.rate_limited("0s", **f),
        lambda f: Reply.comet_error(500, "gateway", "bad_gateway", **f),
        lambda f: Reply.html(502, "<h1>Bad gateway</h1>", **f),
    ],
    ids=[
        "text",
        "function_call",
        "function_calls",
        "error",
        "rate_limited",
        "comet",
        "html",
    ],
)
def test_every_builder_sets_the_fault_options(build: Any) -> None:
    faults = {"delay": 0.01, "event_delay": 0.02, "drop_after": 3, "reset": True}
    reply = build(faults)
    assert (reply.delay, reply.event_delay, reply.drop_after, reply.reset) == (
        0.01,
        0.02,
        3,
        True,
    )
    assert build({}).drop_after is None  # no option, no fault


def test_a_connection_reset_from_a_builder(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.enqueue(Reply.function_call("f", drop_after=0, reset=True))
    with pytest.raises(APIConnectionError):
        make_model(gemini_emulator).invoke("call f")


def test_request_text_of_a_function_result_turn(
    gemini_emulator: GeminiEmulator,
) -> None:
    history = [
        HumanMessage("Weather in Paris?"),
        AIMessage(
            "",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}],
        ),
        ToolMessage('{"temp": 21}', tool_call_id="c1", name="get_weather"),
    ]
    answer = make_model(gemini_emulator).invoke(history)
    sent = gemini_emulator.last_request
    assert "get_weather returned" in sent.text
    assert "21" in sent.text
    assert answer.text == f"Echo: {sent.text}"  # the default answer echoes it


@pytest.mark.parametrize(
    "build",
    [
        lambda: Reply.text("hi", reset=True),
        lambda: Reply.error(503, "busy", reset=True),
        lambda: Reply(reset=True),
    ],
    ids=["text", "error", "plain"],
)
def test_a_reset_without_a_cut_is_refused(build: Any) -> None:
    # A reset ends a connection the reply cuts (drop_after); alone it would be
    # silently ignored and the test would pass for the wrong reason.
    with pytest.raises(ValueError, match="drop_after"):
        build()
