"""ChatCometGemini fields, aliases and tracing params (no network)."""

from __future__ import annotations

import pytest

from langchain_cometgemini import ChatCometGemini


def test_defaults() -> None:
    llm = ChatCometGemini(api_key="k")
    assert llm.model == "gemini-3-flash-preview"
    assert llm.base_url == "https://api.cometapi.com"
    assert llm.api_version == "v1beta"
    assert llm.max_retries == 2
    assert llm.use_bearer_auth is False


def test_standard_aliases() -> None:
    llm = ChatCometGemini(
        api_key="k", model_name="gemini-2.5-pro", max_tokens=10, stop_sequences=["z"]
    )
    assert llm.model == "gemini-2.5-pro"
    assert llm.max_output_tokens == 10
    assert llm.stop == ["z"]


def test_ls_params_report_provider_model_and_sampling() -> None:
    llm = ChatCometGemini(api_key="k", temperature=0.3, max_tokens=99, stop=["END"])
    params = llm._get_ls_params()
    assert params == {
        "ls_provider": "cometapi",
        "ls_model_name": "gemini-3-flash-preview",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 99,
        "ls_stop": ["END"],
    }
    override = llm._get_ls_params(stop=["X"], temperature=0.0, model="gemini-2.5-flash")
    assert override["ls_stop"] == ["X"]
    assert override["ls_temperature"] == 0.0
    assert override["ls_model_name"] == "gemini-2.5-flash"


def test_key_is_hidden_from_repr_and_str() -> None:
    llm = ChatCometGemini(api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(llm)
    assert "sk-very-secret" not in str(llm)


def test_negative_max_retries_rejected() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        ChatCometGemini(api_key="k", max_retries=-1)


def test_plain_http_to_remote_host_warns() -> None:
    with pytest.warns(UserWarning, match="unencrypted"):
        ChatCometGemini(api_key="k", base_url="http://gemini.example.com")


def test_plain_http_to_loopback_is_fine(recwarn: pytest.WarningsRecorder) -> None:
    ChatCometGemini(api_key="k", base_url="http://127.0.0.1:8080")
    ChatCometGemini(api_key="k", base_url="http://localhost:8080")
    assert not [w for w in recwarn if "unencrypted" in str(w.message)]
