"""_json: what goes on the wire and what is accepted from it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_cometgemini._json import dumps, loads

TEXTS = [
    '{"a": "héllo ✓ 你好 😀", "b": [1, 2.5, -0.0, 1e-05, 1e16, true, null]}',
    '{"functionCall": {"name": "f", "args": {"n": 123456789012345678901234567890}}}',
    '{"n": 18446744073709551615, "m": -9223372036854775808}',
    '{"a": 1, "a": 2}',
    '["not an object"]',
    ' \n{"padded": true}\r\n ',
]


@pytest.mark.parametrize("text", TEXTS)
def test_loads_reads_what_json_reads(text: str) -> None:
    want = json.loads(text)
    for data in (text, text.encode("utf-8")):
        got = loads(data)
        assert repr(got) == repr(want)  # int stays int, big ints exact
        assert type(got) is type(want)


@pytest.mark.parametrize(
    "data",
    [
        b'{"x": NaN}',
        b'{"y": -Infinity}',
        b'{"big": 1e400}',
        b"[" * 200_000 + b"]" * 200_000,  # a recursion bomb
        b'{"a": 1} trailing',
        b'{"a": "\xff"}',
        b"",
    ],
    ids=["nan", "infinity", "overflow", "deep", "trailing", "bad-utf8", "empty"],
)
def test_loads_refuses_what_gemini_never_writes(data: bytes) -> None:
    with pytest.raises(ValueError):
        loads(data)


BODIES: list[Any] = [
    {"contents": [{"parts": [{"text": 'héllo ✓ 你好 😀 "q" \\ \n'}]}]},
    {"generationConfig": {"seed": 2**70, "temperature": 0.1, "topP": 1e-05}},
    {"a": "x", "b": (1, 2), "c": None, "d": True},
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_dumps_is_compact_utf8_json(body: Any) -> None:
    want = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    assert dumps(body) == want.encode("utf-8")


def test_dumps_refuses_nan_and_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="NaN|not JSON compliant"):
        dumps({"generationConfig": {"temperature": float("nan")}})
    with pytest.raises(ValueError, match="lone surrogate"):
        dumps({"contents": [{"parts": [{"text": "a\ud800b"}]}]})


_ANY_CHARACTER = st.one_of(
    st.characters(codec=None, categories=["Cs"]), st.characters()
)
"""Every code point, lone surrogates included."""


@given(
    texts=st.lists(st.lists(_ANY_CHARACTER, max_size=8).map("".join), max_size=4),
    ascii_only=st.booleans(),
    upper=st.booleans(),
)
def test_loads_never_keeps_a_lone_surrogate_whatever_the_escapes(
    texts: list[str], ascii_only: bool, upper: bool
) -> None:
    text = json.dumps(texts, ensure_ascii=ascii_only)
    if upper:  # \\uD800 as well as \\ud800
        text = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), text)
    data = text.encode("utf-8", "backslashreplace")  # the wire: a surrogate escaped
    want = [re.sub("[\ud800-\udfff]", "\ufffd", s) for s in json.loads(data)]
    assert loads(data) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (r'["\\ud800 is text"]', ["\\ud800 is text"]),
        (r'["\u003c\u00e9\ud83d\ude00"]', ["<\u00e9\U0001f600"]),
        (r'["\ud83d", "\uDC00"]', ["\ufffd", "\ufffd"]),
        (r'["\uDBFF x"]', ["\ufffd x"]),
    ],
)
def test_loads_replaces_lone_surrogates_only(text: str, want: list[str]) -> None:
    assert loads(text) == want
