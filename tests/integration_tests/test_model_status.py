"""``modelStatus`` and the retired-model 404, end to end against the emulator."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from langchain_cometgemini._wire import model_status
from langchain_cometgemini.errors import ModelRetiredError, ModelStatusWarning
from langchain_cometgemini.testing import GeminiEmulator, Reply
from tests.integration_tests.empty_replies import STYLES, run
from tests.support import make_model

DEPRECATED = {
    "modelStage": "DEPRECATED",
    "retirementTime": "2026-06-01T00:00:00Z",
    "message": "Use gemini-3-flash-preview instead.",
}


@pytest.fixture
def emu(gemini_emulator: GeminiEmulator) -> GeminiEmulator:
    model_status.forget_warnings()
    return gemini_emulator


def _with_status(status: dict[str, Any]) -> Reply:
    reply = Reply.text("Still here")
    reply.body["modelStatus"] = status
    assert reply.chunks is not None
    reply.chunks[-1]["modelStatus"] = status
    return reply


async def test_a_deprecated_model_warns_once_per_model_in_every_style(
    emu: GeminiEmulator,
) -> None:
    old = make_model(emu, model="gemini-2.0-flash")
    other = make_model(emu, model="gemini-2.0-flash-lite")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for llm in (old, other):
            for style in STYLES:
                emu.enqueue(_with_status(DEPRECATED))
                message = await run(llm, style)
                assert message.text == "Still here"
                assert message.response_metadata["model_status"] == {
                    "model_stage": "DEPRECATED",
                    "retirement_time": "2026-06-01T00:00:00Z",
                    "message": "Use gemini-3-flash-preview instead.",
                }
    texts = [str(w.message) for w in caught if w.category is ModelStatusWarning]
    assert texts == [
        f"Gemini model {name!r} is DEPRECATED; its retirement time is "
        "2026-06-01T00:00:00Z. Gemini's message: Use gemini-3-flash-preview "
        "instead. Move to a newer model (this warning is shown once per model)."
        for name in ("gemini-2.0-flash", "gemini-2.0-flash-lite")
    ]


@pytest.mark.parametrize("style", STYLES)
async def test_a_stable_model_is_kept_and_silent(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(_with_status({"modelStage": "STABLE"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = await run(make_model(emu), style)
    assert message.response_metadata["model_status"] == {"model_stage": "STABLE"}
    assert [w for w in caught if w.category is ModelStatusWarning] == []


@pytest.mark.parametrize("style", STYLES)
async def test_a_retired_model_is_a_typed_error_naming_known_models(
    emu: GeminiEmulator, style: str
) -> None:
    emu.enqueue(
        Reply.error(
            404,
            "models/gemini-1.5-flash is not found for API version v1beta, or is "
            "not supported for generateContent. Call ListModels to see the list "
            "of available models and their supported methods.",
            "NOT_FOUND",
        )
    )
    llm = make_model(emu, model="gemini-1.5-flash", max_retries=2)
    with pytest.raises(ModelRetiredError) as info:
        await run(llm, style)
    error = info.value
    assert error.model == "gemini-1.5-flash"
    assert "gemini-2.5-flash" in error.known_models
    assert "retired or renamed" in str(error)
    closest = re.search(r"Closest: (.*?)\. Model families", str(error))
    assert closest is not None
    assert "gemini-2.5-flash" in closest.group(1).split(", ")
    assert len(emu.requests) == 1


def test_counting_tokens_with_a_retired_model_is_the_same_typed_error(
    emu: GeminiEmulator,
) -> None:
    emu.enqueue(
        Reply.error(
            404,
            "models/gemini-1.5-flash is not found for API version v1beta, or is "
            "not supported for countTokens. Call ListModels to see the list "
            "of available models and their supported methods.",
            "NOT_FOUND",
        )
    )
    llm = make_model(emu, model="gemini-1.5-flash")
    with pytest.raises(ModelRetiredError) as info:
        llm.get_num_tokens("How many tokens is this?")  # what trim_messages asks
    assert info.value.model == "gemini-1.5-flash"
    assert "retired or renamed" in str(info.value)
    assert [r.action for r in emu.requests] == ["countTokens"]
