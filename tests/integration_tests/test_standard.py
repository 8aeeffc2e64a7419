"""LangChain's standard ``ChatModelIntegrationTests``, offline against the emulator.

The emulator's model side is ``scripted_model.scripted_reply``: it answers from
the request the way a cooperative model would (tool calls with arguments taken
from the prompt, text after tool results, JSON matching the schema).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini.testing import GeminiEmulator


class TestChatCometGeminiIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatCometGemini]:
        return ChatCometGemini

    @pytest.fixture(autouse=True)
    def _emulator(self, scripted_emulator: GeminiEmulator) -> None:
        self.emulator = scripted_emulator

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "gemini-3-flash-preview",
            "base_url": self.emulator.base_url,
            "api_key": self.emulator.api_key,
        }

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "gemini-2.5-flash"
