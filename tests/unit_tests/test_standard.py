"""LangChain's standard ``ChatModelUnitTests`` (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.load import dumpd, load
from langchain_tests.unit_tests import ChatModelUnitTests
from syrupy.assertion import SnapshotAssertion

from langchain_cometgemini import ChatCometGemini
from tests.standard_flags import GeminiStandardFlags


class TestChatCometGeminiStandard(GeminiStandardFlags, ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatCometGemini]:
        return ChatCometGemini

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gemini-3-flash-preview", "api_key": "test-key"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"COMETAPI_KEY": "env-key", "COMETAPI_BASE_URL": "https://x.example"}
        return env, {"model": "gemini-2.5-flash"}, {"base_url": "https://x.example"}

    @pytest.mark.xfail(
        reason="langchain-core's load() only revives classes in its own allowlist "
        "(ALL_SERIALIZABLE_MAPPINGS); a third-party package cannot be listed there. "
        "test_dumpd_and_load_round_trip below checks the same round trip.",
        strict=True,
    )
    def test_serdes(self, model: BaseChatModel, snapshot: SnapshotAssertion) -> None:
        super().test_serdes(model, snapshot)


def test_dumpd_and_load_round_trip() -> None:
    llm = ChatCometGemini(api_key="secret-key", temperature=0.2, thinking_level="low")
    data = dumpd(llm)
    assert "secret-key" not in str(data)
    loaded = load(
        data,
        secrets_map={"COMETAPI_KEY": "secret-key"},
        valid_namespaces=["langchain_cometgemini"],
        allowed_objects=[ChatCometGemini],
    )
    assert isinstance(loaded, ChatCometGemini)
    assert loaded.model_dump() == llm.model_dump()


@pytest.mark.parametrize(
    ("model", "structured", "tools", "max_input"),
    [
        ("gemini-3-flash-preview", True, True, 1_048_576),
        ("models/gemini-3.1-pro-preview", True, True, 1_048_576),
        ("gemini-2.5-flash-lite", True, True, 1_048_576),
        ("gemini-3-pro-image-preview", False, False, 65_536),
    ],
)
def test_profiles(model: str, structured: bool, tools: bool, max_input: int) -> None:
    profile = ChatCometGemini(model=model, api_key="k").profile
    assert profile is not None
    assert profile["structured_output"] is structured
    assert profile["tool_calling"] is tools
    assert profile["max_input_tokens"] == max_input
    assert profile["image_inputs"] is True


def test_profile_reasoning_levels_and_unknown_models() -> None:
    flash = ChatCometGemini(model="gemini-3-flash-preview", api_key="k").profile
    assert flash is not None
    assert flash["reasoning_effort_levels"] == ["minimal", "low", "medium", "high"]
    assert ChatCometGemini(model="gemma-4-31b-it", api_key="k").profile is None
    custom = ChatCometGemini(model="x", api_key="k", profile={"tool_calling": False})
    assert custom.profile == {"tool_calling": False}
