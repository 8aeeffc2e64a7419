"""Fixtures for integration tests: an emulator whose model side is scripted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator
from tests.integration_tests.scripted_model import scripted_reply


@pytest.fixture
def scripted_emulator() -> Iterator[GeminiEmulator]:
    """A started emulator answering like a cooperative tool-using model."""
    with GeminiEmulator() as emulator:
        emulator.responder = scripted_reply
        yield emulator


@pytest.fixture
def make_model(
    scripted_emulator: GeminiEmulator,
) -> Callable[..., ChatCometGemini]:
    """Build a ``ChatCometGemini`` pointed at ``scripted_emulator``."""

    def make(model: str = "gemini-3-flash-preview", **kwargs: Any) -> ChatCometGemini:
        return ChatCometGemini(
            model=model,
            base_url=scripted_emulator.base_url,
            api_key=scripted_emulator.api_key,
            max_retries=0,
            **kwargs,
        )

    return make
