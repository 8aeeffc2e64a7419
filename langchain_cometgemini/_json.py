"""JSON on the wire: compact UTF-8 out, strict and bounded in.

Plain :mod:`json` (no optional accelerator: one behaviour everywhere). Reading
refuses what is not JSON as Gemini writes it: ``NaN``/``Infinity`` literals,
numbers that overflow a float (``1e400``), invalid UTF-8 and nesting deep
enough to exhaust the recursion limit all raise :class:`ValueError`, which the
callers turn into :class:`~langchain_cometgemini.errors.InvalidResponseError`.
"""

from __future__ import annotations

import json
import math
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
        return _DECODER.decode(text)
    except RecursionError:
        msg = "JSON nested too deeply"
        raise ValueError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"JSON is not valid UTF-8 ({exc.reason})"
        raise ValueError(msg) from None


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
