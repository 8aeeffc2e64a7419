"""Settings checked once, the same way, wherever they are given.

A value is refused by the same rule in the constructor, per call (``invoke(...,
temperature="hot")``) and bound (``bind(...)``), before anything reaches the
server, with an error naming the argument; settings that can never work
together (or with the model) are refused at construction as well.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._wire import rules
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model

G3 = "gemini-3-flash-preview"

BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"temperature": "hot"}, "temperature"),
    ({"top_k": 2.5}, "top_k"),
    ({"stop": [5]}, "stop"),
    ({"candidate_count": "two"}, "candidate_count"),
    ({"seed": 2**40}, "seed"),
    ({"thinking_budget": "abc"}, "thinking_budget"),
    ({"media_resolution": "ultra_high"}, "media_resolution"),
    ({"media_resolution": "foo"}, "media_resolution"),
    ({"response_modalities": ["TEXT", "SMELL"]}, "response_modalities"),
    ({"thinking_level": "extreme"}, "thinking_level"),
    ({"max_retries": -1}, "max_retries"),
    ({"stop": 5}, "stop"),
    ({"temperature": float("nan")}, "temperature"),
    ({"top_p": float("inf")}, "top_p"),
    ({"presence_penalty": float("nan")}, "presence_penalty"),
    ({"frequency_penalty": float("-inf")}, "frequency_penalty"),
    ({"max_output_tokens": 2**40}, "max_output_tokens"),
    ({"top_k": 2**40}, "top_k"),
    ({"candidate_count": 2**40}, "candidate_count"),
    ({"logprobs": 2**40}, "logprobs"),
    # discovery: temperature "can range from [0.0, 2.0]", logprobs "must be in the
    # range of [0, 20]", stopSequences "(up to 5)"
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"logprobs": 21}, "logprobs"),
    ({"stop": ["a", "b", "c", "d", "e", "f"]}, "stop"),
    # a known entry of the raw generation_config meets its field's rule
    ({"generation_config": {"temperature": "hot"}}, "generation_config"),
    ({"generation_config": {"topK": 2.5}}, "topK"),
    ({"generation_config": {"max_output_tokens": 2**40}}, "max_output_tokens"),
    ({"generation_config": {"thinkingConfig": {"thinkingBudget": "x"}}}, "thinking"),
]


@pytest.mark.parametrize(("value", "name"), BAD_VALUES)
def test_a_bad_value_is_refused_everywhere_naming_it(
    gemini_emulator: GeminiEmulator, value: dict[str, Any], name: str
) -> None:
    with pytest.raises(ValueError, match=name):
        make_model(gemini_emulator, model=G3, **value)
    llm = make_model(gemini_emulator, model=G3)
    with pytest.raises(ValueError, match=name):
        llm.invoke("hi", **value)
    with pytest.raises(ValueError, match=name):
        llm.bind(**value)
    with pytest.raises(ValueError, match=name):
        list(llm.stream("hi", **value))
    assert gemini_emulator.requests == []


async def test_async_calls_refuse_the_same_values(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator, model=G3)
    for value, name in BAD_VALUES:
        with pytest.raises(ValueError, match=name):
            await llm.ainvoke("hi", **value)
    assert gemini_emulator.requests == []


def test_good_values_are_converted_as_the_constructor_does(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator, model=G3)
    llm.invoke("hi", temperature="0.5", response_modalities="TEXT", seed=-(2**31))
    config = gemini_emulator.last_request.body["generationConfig"]
    assert config == {
        "temperature": 0.5,
        "responseModalities": ["TEXT"],
        "seed": -(2**31),
    }


NEVER_WORK: list[tuple[str, dict[str, Any], str]] = [
    (G3, {"thinking_level": "low", "thinking_budget": 100}, "not both"),
    (G3, {"reasoning_effort": "low", "thinking_level": "low"}, "not both"),
    (G3, {"reasoning_effort": "low", "thinking_budget": 10}, "not both"),
    (
        G3,
        {"thinking_config": {"thinking_budget": 1}, "thinking_level": "low"},
        "only one",
    ),
    ("gemini-3-pro-preview", {"thinking_level": "minimal"}, "not supported"),
    ("gemini-3.8-flash", {"reasoning_effort": "minimal"}, "not supported"),
    ("gemini-2.0-flash", {"thinking_budget": 512}, "does not think"),
    ("gemini-2.5-flash", {"thinking_level": "low"}, "not a thinking level"),
]


@pytest.mark.parametrize(("model", "settings", "match"), NEVER_WORK)
def test_settings_that_can_never_work_are_refused_at_construction(
    gemini_emulator: GeminiEmulator, model: str, settings: dict[str, Any], match: str
) -> None:
    """As a misspelt field already was; once accepted, they failed on the first
    call. The same rule refuses them bound and per call."""
    with pytest.raises(ValueError, match=match):
        make_model(gemini_emulator, model=model, **settings)
    llm = make_model(gemini_emulator, model=model)
    with pytest.raises(ValueError, match=match):
        llm.bind(**settings)
    with pytest.raises(ValueError, match=match):
        llm.invoke("hi", **settings)
    assert gemini_emulator.requests == []


@pytest.mark.parametrize("model", ["gemini 3 flash", "google/gemini-3", "", "a?b"])
def test_a_name_that_cannot_be_a_model_id_is_refused(
    gemini_emulator: GeminiEmulator, model: str
) -> None:
    with pytest.raises(ValueError, match="cannot be a Gemini model id"):
        make_model(gemini_emulator, model=model)
    with pytest.raises(ValueError, match="cannot be a Gemini model id"):
        make_model(gemini_emulator, model=G3).invoke("hi", model=model)
    assert gemini_emulator.requests == []


def test_a_model_that_refuses_penalties_gets_none_and_one_warning(
    gemini_emulator: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "_WARNED", set())  # once per process: start afresh
    llm = make_model(gemini_emulator, model="gemini-2.5-flash", presence_penalty=0.4)
    with pytest.warns(UserWarning, match="Penalty is not enabled"):
        llm.invoke("hi")
    assert "generationConfig" not in gemini_emulator.last_request.body


class Answer(BaseModel):
    """An answer."""

    value: int


@pytest.mark.parametrize("method", ["invoke", "stream"])
def test_function_calling_output_on_a_json_model_sends_no_json_mime(
    gemini_emulator: GeminiEmulator, method: str
) -> None:
    """Mode ANY beside ``application/json``: Gemini answers 400 "Forced function
    calling (ANY mode) with a response mime type: 'application/json' is
    unsupported" (errors.json, vercel/ai fixture)."""
    llm: ChatCometGemini = make_model(
        gemini_emulator, model=G3, response_mime_type="application/json"
    )
    structured = llm.with_structured_output(Answer, method="function_calling")
    getattr(structured, method)("hi")
    if method == "stream":
        list(structured.stream("hi"))
    body = gemini_emulator.last_request.body
    assert body["toolConfig"]["functionCallingConfig"]["mode"] == "ANY"
    assert "responseMimeType" not in body.get("generationConfig", {})
    with pytest.raises(ValueError, match="Forced function calling"):
        llm.bind_tools([Answer], tool_choice="Answer").invoke("hi")
