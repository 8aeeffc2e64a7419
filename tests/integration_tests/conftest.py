"""Fixtures for integration tests: the emulator with its model side scripted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.integration_tests.scripted_model import scripted_reply
from tests.support import make_model


@pytest.fixture
def scripted_emulator(gemini_emulator: GeminiEmulator) -> GeminiEmulator:
    """The emulator, answering like a cooperative tool-using model."""
    gemini_emulator.responder = scripted_reply
    return gemini_emulator


@pytest.fixture
def scripted_model(
    scripted_emulator: GeminiEmulator,
) -> Callable[..., ChatCometGemini]:
    """``make_model`` pointed at ``scripted_emulator`` (a Gemini 3 model by default)."""

    def make(model: str = "gemini-3-flash-preview", **kwargs: Any) -> ChatCometGemini:
        return make_model(scripted_emulator, model=model, **kwargs)

    return make
