"""Call fields declared once (``_fields``): the table is read from the fields."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._fields import CALL_ONLY, FieldTable

TABLE = FieldTable.of(ChatCometGemini.model_fields)


def test_generation_keys_come_from_the_field_markers() -> None:
    keys = TABLE.generation_keys
    assert keys["max_output_tokens"] == "maxOutputTokens"
    assert keys["temperature"] == "temperature"
    assert keys["response_json_schema"] == "responseJsonSchema"  # call-only
    assert "thinking_level" not in keys  # assembled into thinkingConfig


def test_every_marked_field_is_a_call_argument_and_nothing_else() -> None:
    marked = {row.name for row in TABLE.rows if row.field}
    assert marked <= set(ChatCometGemini.model_fields)
    assert {"streaming", "http_client", "http_async_client"}.isdisjoint(marked)
    assert set(CALL_ONLY) == TABLE.call_only
    assert TABLE.call_only.isdisjoint(ChatCometGemini.model_fields)


def test_transport_fields_are_the_client_fields_that_change_http() -> None:
    assert TABLE.transport_fields == {
        "base_url",
        "api_key",
        "api_version",
        "use_bearer_auth",
        "default_headers",
        "timeout",
        "max_retries",
    }
    assert TABLE.transport_fields < TABLE.client_fields
    assert {"media_fetch", "tool_schema_format", "on_empty_answer"} <= (
        TABLE.client_fields
    )


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("max_tokens", "max_output_tokens"),
        ("stop_sequences", "stop"),
        ("model_name", "model"),
        ("request_timeout", "timeout"),
        ("api_base", "base_url"),
        ("temperature", "temperature"),
    ],
)
def test_aliases_come_from_the_fields(alias: str, name: str) -> None:
    assert TABLE.canonical(alias) == name


def test_langsmith_params_from_the_table() -> None:
    assert TABLE.ls_params == {
        "model": "ls_model_name",
        "temperature": "ls_temperature",
        "max_output_tokens": "ls_max_tokens",
        "stop": "ls_stop",
    }
    llm = ChatCometGemini(api_key="k", temperature=0.3, max_tokens=9, stop=["x"])
    params = llm._get_ls_params(max_tokens=11)
    assert params["ls_temperature"] == 0.3
    assert params["ls_max_tokens"] == 11
    assert params["ls_stop"] == ["x"]


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("temperature", "hot", "temperature: Input should be a valid number"),
        ("top_k", 2.5, "top_k: Input should be a valid integer"),
        ("stop", [5], "stop: Input should be a valid string"),
        ("candidate_count", "two", "candidate_count: Input should be a valid"),
        ("seed", 2**40, "seed: Input should be less than or equal to 2147483647"),
        ("thinking_budget", "abc", "thinking_budget: Input should be a valid"),
        ("timeout", "soon", "timeout: Input should be a valid number"),
    ],
)
def test_one_validation_names_the_argument(name: str, value: Any, match: str) -> None:
    with pytest.raises(ValueError, match=f"Invalid value for {match}"):
        TABLE.validate(name, value)


def test_validation_converts_as_the_constructor_does() -> None:
    assert TABLE.validate("temperature", "0.5") == 0.5
    assert TABLE.validate("temperature", None) is None
    assert TABLE.validate("tools", object()) is not None  # no field: untouched


def test_a_refused_key_is_never_shown() -> None:
    with pytest.raises(ValueError) as info:
        TABLE.validate("api_key", 12345678)
    assert "12345678" not in str(info.value)
