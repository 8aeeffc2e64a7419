"""JSON on the wire: compact UTF-8 out, strict and bounded in.

Plain :mod:`json` (no optional accelerator: one behaviour everywhere). Reading
refuses what is not JSON as Gemini writes it: ``NaN``/``Infinity`` literals,
numbers that overflow a float (``1e400``), invalid UTF-8 and nesting deep
enough to exhaust the recursion limit all raise :class:`ValueError`, which the
callers turn into :class:`~langchain_cometgemini.errors.InvalidResponseError`.
An escaped lone surrogate (an escape of U+D800, valid JSON but not Unicode text)
becomes U+FFFD on arrival, so an answer can always be sent back.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


def _no_constant(name: str) -> Any:
    msg = f"{name} is not valid JSON"
    raise ValueError(msg)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        msg = f"number {text[:20]} does not fit a float"
        raise ValueError(msg)
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def loads(data: bytes | str) -> Any:
    """Decode one JSON document; every failure is a :class:`ValueError`."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = _DECODER.decode(text)
        if "\\" in text and _SURROGATE_ESCAPE.search(text):  # maybe a lone one
            value = _whole_characters(value)
        return value
    except RecursionError:
        msg = "JSON nested too deeply"
        raise ValueError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"JSON is not valid UTF-8 ({exc.reason})"
        raise ValueError(msg) from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
"""An escape of U+D800..U+DFFF (looked for only in text holding a backslash)."""


def _whole_characters(value: Any) -> Any:
    """``value`` with each lone surrogate turned into U+FFFD.

    Such text cannot be encoded as UTF-8, so it could not be sent back on the
    next turn; it is replaced on arrival, like an invalid byte in a text
    decoder's "replace" mode. Escaped pairs were joined by the decoder.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON (``ensure_ascii=False``); lone surrogates refused.

    Raises:
        ValueError: ``body`` holds text that is not valid Unicode (a lone
            surrogate) or a value JSON cannot carry (NaN, Infinity).
    """
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = (
            "the request holds text that is not valid Unicode (a lone surrogate "
            f"{text[exc.start : exc.end]!a}); fix the message text before sending"
        )
        raise ValueError(msg) from None
