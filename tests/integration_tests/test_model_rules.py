"""Per-model request rules, seen on the wire (emulator) and by the caller.

Per-model rules (fixed sampling, no model-turn prefill, closed thinking
levels), ``reasoning_effort``, ``service_tier``/``store``/``extra_body``,
unknown constructor arguments and ``candidate_count`` + stream.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.support import make_model


def body(emu: GeminiEmulator) -> dict[str, Any]:
    sent: dict[str, Any] = emu.last_request.body
    return sent


# -- fixed-sampling models --------------------------------------------------------


@pytest.mark.parametrize("model", ["gemini-3.6-flash", "gemini-3.5-flash-lite"])
def test_unsupported_sampling_is_dropped_with_one_warning(
    gemini_emulator: GeminiEmulator, model: str
) -> None:
    llm = make_model(
        gemini_emulator, model=model, temperature=0.2, top_k=3, max_tokens=50
    )
    with pytest.warns(
        UserWarning, match="temperature, top_p, top_k, presence_penalty not sent"
    ) as caught:
        llm.invoke("hi", top_p=0.5, presence_penalty=0.1)
    assert len([w for w in caught if "fixed sampling" in str(w.message)]) == 1
    config = body(gemini_emulator)["generationConfig"]
    assert config == {"maxOutputTokens": 50}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same drop is not warned again
        llm.invoke("again", top_p=0.5, presence_penalty=0.1)


def test_other_models_keep_their_sampling(gemini_emulator: GeminiEmulator) -> None:
    make_model(gemini_emulator, model="gemini-3.8-flash", temperature=0.2).invoke("hi")
    assert body(gemini_emulator)["generationConfig"] == {"temperature": 0.2}


@pytest.mark.parametrize("model", ["gemini-3.6-flash", "gemini-3.5-flash-lite"])
def test_conversation_ending_with_a_model_turn_is_refused_before_sending(
    gemini_emulator: GeminiEmulator, model: str
) -> None:
    llm = make_model(gemini_emulator, model=model)
    with pytest.raises(ValueError, match="ends with a model turn"):
        llm.invoke([HumanMessage("Write a haiku"), AIMessage("Autumn")])
    assert gemini_emulator.requests == []
    call = {"name": "f", "args": {}, "id": "1", "type": "tool_call"}
    history = [
        HumanMessage("go"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("done", tool_call_id="1"),
    ]
    llm.invoke(history)  # a tool result last is fine
    assert body(gemini_emulator)["contents"][-1]["role"] == "user"


def test_prefill_stays_allowed_elsewhere(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, model="gemini-2.5-flash")
    llm.invoke([HumanMessage("Write a haiku"), AIMessage("Autumn")])
    assert body(gemini_emulator)["contents"][-1]["role"] == "model"


@pytest.mark.parametrize("model", ["gemini-3.8-flash", "gemini-3.7-flash"])
def test_closed_thinking_levels_refuse_the_others(
    gemini_emulator: GeminiEmulator, model: str
) -> None:
    llm = make_model(gemini_emulator, model=model)
    with pytest.raises(ValueError, match="low, medium, high only, not 'minimal'"):
        llm.invoke("hi", thinking_level="minimal")
    with pytest.raises(ValueError, match="reasoning_effort"):
        llm.invoke("hi", reasoning_effort="minimal")
    assert gemini_emulator.requests == []
    llm.invoke("hi", thinking_level="low")
    assert body(gemini_emulator)["generationConfig"]["thinkingConfig"] == {
        "thinkingLevel": "LOW"
    }


# -- reasoning_effort ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "effort", "thinking"),
    [
        ("gemini-3-flash-preview", "minimal", {"thinkingLevel": "MINIMAL"}),
        ("gemini-flash-latest", "medium", {"thinkingLevel": "MEDIUM"}),
        ("gemini-2.5-flash", "minimal", {"thinkingBudget": 0}),
        ("gemini-2.5-flash", "high", {"thinkingBudget": 24_576}),
        ("gemini-2.5-pro", "minimal", {"thinkingBudget": 128}),
        ("gemini-2.5-pro", "low", {"thinkingBudget": 1_024}),
    ],
)
def test_reasoning_effort_field_and_per_call(
    gemini_emulator: GeminiEmulator, model: str, effort: str, thinking: Any
) -> None:
    make_model(gemini_emulator, model=model, reasoning_effort=effort).invoke("hi")
    assert body(gemini_emulator)["generationConfig"]["thinkingConfig"] == thinking
    make_model(gemini_emulator, model=model).invoke("hi", reasoning_effort=effort)
    assert body(gemini_emulator)["generationConfig"]["thinkingConfig"] == thinking


@pytest.mark.parametrize("other", [{"thinking_level": "low"}, {"thinking_budget": 100}])
def test_reasoning_effort_with_level_or_budget_is_a_value_error(
    gemini_emulator: GeminiEmulator, other: dict[str, Any]
) -> None:
    llm = make_model(
        gemini_emulator, model="gemini-3-flash-preview", reasoning_effort="low"
    )
    with pytest.raises(ValueError, match="not both"):
        llm.invoke("hi", **other)
    assert gemini_emulator.requests == []


def test_reasoning_effort_on_a_model_that_does_not_think(
    gemini_emulator: GeminiEmulator,
) -> None:
    with pytest.raises(ValueError, match="does not think"):
        make_model(gemini_emulator, model="gemini-2.0-flash").invoke(
            "hi", reasoning_effort="low"
        )
    assert gemini_emulator.requests == []


# -- top-level request fields ---------------------------------------------------------


def test_service_tier_store_and_extra_body_reach_the_request(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(
        gemini_emulator, model="gemini-3.8-flash", service_tier="flex", store=False
    )
    llm.invoke("hi")
    sent = body(gemini_emulator)
    assert sent["serviceTier"] == "flex" and sent["store"] is False
    llm.invoke("hi", service_tier="priority", extra_body={"store": True})
    sent = body(gemini_emulator)
    assert sent["serviceTier"] == "priority" and sent["store"] is True
    llm.bind(extra_body={"cachedContent": "cachedContents/c1"}).invoke("hi")
    assert body(gemini_emulator)["cachedContent"] == "cachedContents/c1"


def test_unknown_service_tier_is_refused(gemini_emulator: GeminiEmulator) -> None:
    llm = make_model(gemini_emulator, model="gemini-3.8-flash")
    with pytest.raises(ValueError, match="service_tier"):
        llm.invoke("hi", service_tier="economy")
    assert gemini_emulator.requests == []


def test_unknown_constructor_argument_names_the_closest_field() -> None:
    with pytest.raises(TypeError, match="'temprature'; did you mean 'temperature'"):
        ChatCometGemini(api_key="k", temprature=0.2)
    ChatCometGemini(api_key="k", max_tokens=5, request_timeout=3, model_name="m")


def test_unknown_call_or_bound_argument_names_the_closest_field(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator, model="gemini-2.5-flash")
    with pytest.raises(TypeError, match="'reasoning_efort'.*'reasoning_effort'"):
        llm.invoke("hi", reasoning_efort="low")
    with pytest.raises(TypeError, match="'sevice_tier'.*'service_tier'"):
        llm.bind(sevice_tier="flex").invoke("hi")
    assert gemini_emulator.requests == []


# -- several candidates cannot stream ----------------------------------------------


async def test_candidate_count_with_stream_is_refused_before_sending(
    gemini_emulator: GeminiEmulator,
) -> None:
    llm = make_model(gemini_emulator, model="gemini-2.5-flash", candidate_count=2)
    with pytest.raises(ValueError, match="candidate_count=2 cannot be streamed"):
        list(llm.stream("hi"))
    with pytest.raises(ValueError, match="cannot be streamed"):
        [c async for c in llm.astream("hi")]
    with pytest.raises(ValueError, match="cannot be streamed"):
        make_model(gemini_emulator, model="gemini-2.5-flash", streaming=True).invoke(
            "hi", candidate_count=3
        )
    assert gemini_emulator.requests == []
    llm.invoke("hi")  # invoke sends them all
    assert body(gemini_emulator)["generationConfig"]["candidateCount"] == 2
