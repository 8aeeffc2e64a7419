"""LangChain's standard ``ChatModelIntegrationTests`` against the real CometAPI.

Skipped without ``COMETAPI_KEY`` (unless a cassette was recorded); see conftest.
``COMETAPI_LIVE_MODEL`` picks the model (default ``gemini-3-flash-preview``).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_cometgemini import ChatCometGemini

MODEL = os.environ.get("COMETAPI_LIVE_MODEL", "gemini-3-flash-preview")


class TestChatCometGeminiLive(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatCometGemini]:
        return ChatCometGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # The key and base URL come from COMETAPI_KEY / COMETAPI_BASE_URL.
        return {"model": MODEL, "max_retries": 3}

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
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "gemini-2.5-flash"
