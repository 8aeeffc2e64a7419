"""Per-model rules (``_wire.rules``): model ids, thinking by profile, penalties."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_cometgemini._wire.request import build_body, check_settings
from langchain_cometgemini._wire.rules import check_model_id
from tests.support import generation_keys

KEYS = generation_keys()


@pytest.mark.parametrize(
    "model", ["gemini 3 flash", "models/x/y", "a/b", "", "gemini-3?x", "-x"]
)
def test_names_that_cannot_be_a_model_id(model: str) -> None:
    with pytest.raises(ValueError, match="cannot be a Gemini model id"):
        check_model_id(model)


@pytest.mark.parametrize(
    "model", ["gemini-3-flash-preview", "models/gemini-2.5-pro", "gemma-3-27b-it"]
)
def test_model_ids(model: str) -> None:
    check_model_id(model)


@pytest.mark.parametrize(
    "params",
    [
        {"thinking_budget": 100},
        {"thinking_level": "low"},
        {"reasoning_effort": "low"},
        {"thinking_config": {"include_thoughts": True}},
        {"include_thoughts": True},
        {"generation_config": {"thinkingConfig": {"thinkingBudget": 100}}},
        {"generation_config": {"thinking_config": {"include_thoughts": False}}},
    ],
)
def test_a_model_that_does_not_think_refuses_thinking(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="gemini-2.0-flash does not think"):
        check_settings(params, "gemini-2.0-flash", keys=KEYS)


def test_gemini_2_takes_a_budget_not_a_level() -> None:
    """Discovery, ``thinkingLevel``: "Use with earlier models results in an error"."""
    with pytest.raises(ValueError, match="not a thinking level"):
        check_settings({"thinking_level": "low"}, "gemini-2.5-flash", keys=KEYS)
    effort = {"reasoning_effort": "low"}  # a budget on 2.5
    check_settings(effort, "gemini-2.5-flash", keys=KEYS)


@pytest.mark.parametrize(
    ("model", "level"),
    [("gemini-3-pro-preview", "medium"), ("gemini-3.1-pro-preview", "minimal")],
)
def test_levels_outside_the_profile_are_refused(model: str, level: str) -> None:
    """Gemini answers 400 "Thinking level MINIMAL is not supported for this
    model." (errors.json: gemini-3.1-pro-preview)."""
    for params in ({"thinking_level": level}, {"reasoning_effort": level}):
        with pytest.raises(ValueError, match="not supported for this model"):
            check_settings(params, model, keys=KEYS)


def test_penalties_are_dropped_once_where_the_model_refuses_them() -> None:
    """Gemini answers 400 "Penalty is not enabled for models/gemini-2.5-flash"."""
    params = {"presence_penalty": 0.5, "frequency_penalty": 0.1, "temperature": 0.3}
    with pytest.warns(UserWarning, match="takes no penalties") as caught:
        body = build_body(
            [HumanMessage("hi")], params, model="gemini-2.5-flash", keys=KEYS
        )
    assert len(caught) == 1
    assert body["generationConfig"] == {"temperature": 0.3}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_body([HumanMessage("hi")], params, model="gemini-2.5-flash", keys=KEYS)
    kept = build_body([HumanMessage("hi")], params, model="gemini-2.5-pro", keys=KEYS)
    assert kept["generationConfig"]["presencePenalty"] == 0.5


def test_a_raw_thinking_config_on_gemini_2_is_checked_as_the_fields_are() -> None:
    raw = {"generation_config": {"thinkingConfig": {"thinkingLevel": "low"}}}
    with pytest.raises(ValueError, match="not a thinking level"):
        check_settings(raw, "gemini-2.5-flash", keys=KEYS)


def test_a_raw_penalty_on_a_model_without_penalties_is_dropped() -> None:
    """Gemini 2.5 Flash answers 400 'Penalty is not enabled' to a raw one too."""
    params = {"generation_config": {"presencePenalty": 0.5}, "temperature": 0.1}
    model = "gemini-2.5-flash-preview-09-2025"  # its own once-per-process warning
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        body = build_body([HumanMessage("hi")], params, model=model, keys=KEYS)
    assert body["generationConfig"] == {"temperature": 0.1}
