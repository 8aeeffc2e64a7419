"""``ScriptedGemini``: scripted answers over a real socket, environment restored."""

from __future__ import annotations

import os

import pytest
from langchain_core.tools import tool

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import RecordedRequest, Reply, ScriptedGemini

FLASH = "gemini-2.5-flash"


@pytest.fixture(autouse=True)
def known_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMETAPI_KEY", "the-users-own-key")
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return {"Paris": "18°C and sunny"}.get(city, "unknown")


def test_answers_by_keyword_then_restores_the_environment() -> None:
    scripted = ScriptedGemini(
        {"sky": "Rayleigh scattering.", "French": "J'adore la programmation."},
        thoughts={"sky": "Short wavelengths scatter more."},
    )
    with scripted as gemini:
        assert os.environ["COMETAPI_BASE_URL"] == gemini.base_url
        assert os.environ["COMETAPI_KEY"] == "scripted-gemini-key"
        llm = ChatCometGemini(model=FLASH)
        assert llm.invoke("Why is the sky blue?").text == "Rayleigh scattering."
        system = ("system", "Answer in French.")
        assert llm.invoke([system, ("human", "x")]).text == "J'adore la programmation."
        assert llm.invoke("unscripted").text == "Echo: unscripted"  # the default
        thinker = ChatCometGemini(model=FLASH, include_thoughts=True)
        blocks = thinker.invoke("the sky?").content_blocks
        assert [b["type"] for b in blocks] == ["reasoning", "text"]
        thought = blocks[0]
        assert thought["type"] == "reasoning"
        assert thought["reasoning"] == "Short wavelengths scatter more."
        sent = [r.text for r in gemini.emulator.requests]
    assert sent == ["Why is the sky blue?", "x", "unscripted", "the sky?"]
    assert os.environ["COMETAPI_KEY"] == "the-users-own-key"
    assert "COMETAPI_BASE_URL" not in os.environ


def test_tool_loop_and_grounding() -> None:
    grounding = {
        "webSearchQueries": ["euro 2024 winner"],
        "groundingChunks": [{"web": {"uri": "https://www.uefa.com/", "title": "uefa"}}],
    }
    scripted = ScriptedGemini(
        {"18°C": "It is 18°C and sunny in Paris.", "Euro": "Spain won."},
        tool_calls={"get_weather": {"city": "Paris"}},
        grounding=grounding,
    )
    with scripted:
        llm = ChatCometGemini(model=FLASH).bind_tools([get_weather])
        question = ("human", "Weather in Paris?")
        first = llm.invoke([question])
        assert [(c["name"], c["args"]) for c in first.tool_calls] == [
            ("get_weather", {"city": "Paris"})
        ]
        results = [get_weather.invoke(call) for call in first.tool_calls]
        final = llm.invoke([question, first, *results])
        assert final.text == "It is 18°C and sunny in Paris."
        search = ChatCometGemini(model=FLASH).bind_tools([{"google_search": {}}])
        found = search.invoke("Who won Euro 2024?")
        assert found.text == "Spain won."
        meta = found.response_metadata["grounding_metadata"]
        assert meta["web_search_queries"] == ["euro 2024 winner"]
        plain = ChatCometGemini(model=FLASH).invoke("Euro 2024?")
        assert "grounding_metadata" not in plain.response_metadata  # not bound


def test_reply_answers_are_sent_as_given_every_time() -> None:
    reply = Reply.text("recorded", finish_reason="MAX_TOKENS")
    with ScriptedGemini({"again": reply}):
        llm = ChatCometGemini(model=FLASH)
        for _ in range(2):
            message = llm.invoke("again")
            assert message.text == "recorded"
            assert message.response_metadata["finish_reason"] == "MAX_TOKENS"


def test_stop_twice_and_a_value_set_before_start_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMETAPI_BASE_URL", "https://api.example")
    scripted = ScriptedGemini().start()
    assert os.environ["COMETAPI_BASE_URL"] != "https://api.example"
    scripted.stop()
    scripted.stop()
    assert os.environ["COMETAPI_BASE_URL"] == "https://api.example"
    assert os.environ["COMETAPI_KEY"] == "the-users-own-key"


def test_fallback_answers_what_no_rule_does() -> None:
    seen: list[str] = []

    def script(request: RecordedRequest) -> Reply:
        seen.append(request.text)
        return Reply.text(f"step {len(seen)}")

    with ScriptedGemini({"hello": "Hi!"}, fallback=script):
        llm = ChatCometGemini(model=FLASH)
        assert [llm.invoke(q).text for q in ("a", "hello", "b")] == [
            "step 1",
            "Hi!",
            "step 2",
        ]
    assert seen == ["a", "b"]
