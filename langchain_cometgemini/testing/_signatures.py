"""Gemini 3 thought-signature rules.

Which models follow them is the package's one family rule,
:func:`langchain_cometgemini._wire.profiles.generation` ``>= 3``: every ``gemini-3*``
and later name, the ``-latest`` aliases (they point at Gemini 3) and unknown
future names (``gemini-5-x``).

Gemini 3 models sign their function calls (and the end of text answers) with
an opaque ``thoughtSignature``. When the conversation is replayed, every model
turn of the *current turn* (everything after the last real user message) must
give back the signature of its first ``functionCall`` part, and a signature the
server never issued is rejected (compared as bytes: standard or URL-safe base64,
padded or not). The emulator applies the same rules.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Collection
from typing import Any

from langchain_cometgemini._wire.profiles import generation
from langchain_cometgemini.testing._errors import (
    CORRUPTED_SIGNATURE_MESSAGE,
    MISSING_SIGNATURE_MESSAGE,
)

PLACEHOLDER_SIGNATURES = frozenset(
    {"skip_thought_signature_validator", "context_engineering_is_the_way_to_go"}
)


def is_gemini3(model: str | None) -> bool:
    """True for models that follow Gemini 3's signature rules (generation >= 3).

    ``gemini-3*`` and later, ``gemini-flash-latest`` / ``gemini-pro-latest``,
    and Gemini names of a generation not known yet; not ``gemini-2.5-*`` nor
    non-Gemini names.
    """
    if not model:
        return False
    return generation(model) >= 3


def new_signature() -> str:
    """Return a fresh random signature (standard base64, like the real ones)."""
    return base64.b64encode(os.urandom(48)).decode("ascii")


def part_field(part: Any, camel: str, snake_name: str) -> Any:
    """Read a part field given in either camelCase or snake_case."""
    if not isinstance(part, dict):
        return None
    value = part.get(camel)
    return part.get(snake_name) if value is None else value


def _is_real_user_content(content: Any) -> bool:
    if not isinstance(content, dict) or content.get("role", "user") != "user":
        return False
    parts = content.get("parts") or []
    return any(
        part_field(p, "functionResponse", "function_response") is None for p in parts
    )


def current_turn_start(contents: list[Any]) -> int:
    """Return the index of the first content after the last real user message."""
    for index in range(len(contents) - 1, -1, -1):
        if _is_real_user_content(contents[index]):
            return index + 1
    return 0


def check_signatures(contents: Any, issued: Collection[str]) -> str | None:
    """Return the API's error message if the replayed history breaks a rule."""
    if not isinstance(contents, list):
        return None
    for index in range(current_turn_start(contents), len(contents)):
        content = contents[index]
        if not isinstance(content, dict) or content.get("role") != "model":
            continue
        problem = _check_model_content(content, index + 1, issued)
        if problem is not None:
            return problem
    return None


def _check_model_content(
    content: dict[str, Any], position: int, issued: Collection[str]
) -> str | None:
    parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
    calls = [p for p in parts if part_field(p, "functionCall", "function_call")]
    if calls and not part_field(calls[0], "thoughtSignature", "thought_signature"):
        call = part_field(calls[0], "functionCall", "function_call")
        name = call.get("name", "") if isinstance(call, dict) else ""
        return MISSING_SIGNATURE_MESSAGE.format(name=name, position=position)
    for part in parts:
        signature = part_field(part, "thoughtSignature", "thought_signature")
        if not signature or signature in PLACEHOLDER_SIGNATURES:
            continue
        if signature not in issued and standard(signature) not in issued:
            return CORRUPTED_SIGNATURE_MESSAGE
    return None


def standard(signature: Any) -> Any:
    """A signature in standard, padded base64 (how the emulator issues them).

    The API reads ``thoughtSignature`` as bytes: standard and URL-safe base64,
    padded or not, are the same signature (google-genai sends URL-safe ones).
    Text that is not base64 is returned as it is.
    """
    if not isinstance(signature, str):
        return signature
    text = signature.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError:  # binascii.Error: not base64
        return signature
    return base64.b64encode(data).decode("ascii")
