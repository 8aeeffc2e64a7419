"""_wire.decode: Gemini's answer JSON read without LangChain types."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from langchain_cometgemini._wire import decode
from langchain_cometgemini.errors import InvalidResponseError


def test_the_decoder_imports_no_langchain() -> None:
    tree = ast.parse(Path(decode.__file__).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [m for m in imported if m and m.startswith("langchain_core")]


@pytest.mark.parametrize(
    ("value", "position", "index"),
    [(None, 3, 3), (0, 5, 0), (2, 0, 2), ("0", 1, 0), ("12", 0, 12)],
)
def test_a_candidate_index_is_an_int(value: Any, position: int, index: int) -> None:
    candidate = {} if value is None else {"index": value}
    assert decode.candidate_index(candidate, position) == index


@pytest.mark.parametrize("value", [-1, 1.5, True, "x", "-1", "9" * 12, [0]])
def test_a_candidate_index_of_another_shape_is_an_invalid_response(
    value: Any,
) -> None:
    with pytest.raises(InvalidResponseError, match=r"candidates\[0\]\.index"):
        decode.candidate_index({"index": value}, 0)
