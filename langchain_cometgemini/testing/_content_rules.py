"""Semantic checks the API applies to ``contents`` after schema validation.

``contents`` must be given and non-empty for generation, every role must be
``user`` or ``model`` (or absent) and every content needs at least one part.
"""

from __future__ import annotations

from typing import Any

VALID_ROLES = ("user", "model")


def check_contents(body: dict[str, Any]) -> str | None:
    """Return the API's error message for bad ``contents``, or None if fine."""
    contents = body.get("contents")
    if not contents:
        return "* GenerateContentRequest.contents: contents is not specified"
    for index, content in enumerate(contents):
        if not isinstance(content, dict):
            continue
        role = content.get("role")
        if role not in (None, "", *VALID_ROLES):
            return "Please use a valid role: user, model."
        if not content.get("parts"):
            return (
                f"* GenerateContentRequest.contents[{index}].parts: "
                "contents.parts must not be empty."
            )
    return None
