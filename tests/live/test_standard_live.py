"""LangChain's standard ``ChatModelIntegrationTests`` against the real CometAPI.

Skipped without ``COMETAPI_KEY`` (unless a cassette was recorded); see conftest.
``COMETAPI_LIVE_MODEL`` picks the model (default ``gemini-3-flash-preview``).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_cometgemini import ChatCometGemini
from tests.standard_flags import GeminiStandardFlags

MODEL = os.environ.get("COMETAPI_LIVE_MODEL", "gemini-3-flash-preview")


class TestChatCometGeminiLive(GeminiStandardFlags, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatCometGemini]:
        return ChatCometGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # The key and base URL come from COMETAPI_KEY / COMETAPI_BASE_URL.
        return {"model": MODEL, "max_retries": 3}
