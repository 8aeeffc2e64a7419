"""One table of call fields (issue 16): declared once, everything derived."""

from __future__ import annotations

import pytest

from langchain_cometgemini import ChatCometGemini
from langchain_cometgemini._fields import ALIASES, TABLE, canonical
from langchain_cometgemini._wire.request import GENERATION_FIELDS


def test_every_field_row_is_a_model_field_with_its_aliases() -> None:
    fields = ChatCometGemini.model_fields
    for row in TABLE:
        if not row.field:
            assert row.name not in fields, row.name
            continue
        assert row.name in fields, row.name
        declared = fields[row.name].alias
        assert declared in (None, *row.aliases), row.name


def test_every_generation_row_reaches_generation_config() -> None:
    assert GENERATION_FIELDS["max_output_tokens"] == "maxOutputTokens"
    assert set(GENERATION_FIELDS) == {r.name for r in TABLE if r.kind == "generation"}


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
def test_aliases(alias: str, name: str) -> None:
    assert canonical(alias) == name
    assert ALIASES.get(alias, alias) == name


def test_langsmith_params_from_the_table() -> None:
    llm = ChatCometGemini(api_key="k", temperature=0.3, max_tokens=9, stop=["x"])
    params = llm._get_ls_params(max_tokens=11)
    assert params["ls_temperature"] == 0.3
    assert params["ls_max_tokens"] == 11
    assert params["ls_stop"] == ["x"]
