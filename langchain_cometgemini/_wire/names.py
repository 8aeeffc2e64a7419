"""Names on the wire: Gemini's camelCase keys, and the function names it checks.

``camel`` spells a snake_case setting the way Gemini's JSON does (``request``,
``rules``, ``blocks`` and ``tools`` all use it, so it sits below them).
``check_function_name`` is shared by ``tools`` (declarations) and ``messages``
(replayed calls and their results), so one rule refuses a name before sending.
"""

from __future__ import annotations

import re
from typing import Any

_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_:.-]{1,128}")
_SNAKE = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    """``max_output_tokens`` -> ``maxOutputTokens`` (camelCase stays as is)."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def check_function_name(name: Any, where: str) -> str:
    """A function name Gemini accepts, else a ``ValueError`` naming ``where``.

    Google's reference: "Must be a-z, A-Z, 0-9, or contain underscores, colons,
    dots, and dashes, with a maximum length of 128."

    Raises:
        ValueError: the name breaks that rule.
    """
    if isinstance(name, str) and _FUNCTION_NAME.fullmatch(name):
        return name
    msg = (
        f"{where}: function name {name!r:.140} is not one Gemini accepts (letters, "
        "digits, '_', ':', '.', '-'; at most 128 characters). Rename the tool "
        "(e.g. a pydantic class name or @tool('get_weather'))."
    )
    raise ValueError(msg)
