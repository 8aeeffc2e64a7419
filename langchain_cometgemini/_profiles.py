"""Model profiles (``ModelProfile``) for the Gemini models CometAPI serves.

Lookup flow::

    profile_for(model)
      "models/" prefix stripped, lower-cased
      -> the longest family prefix in _FAMILIES that matches
         (gemini-3.1-flash-image-preview matches "gemini-3.1-flash-image")
      -> _BASE (what every Gemini chat model does) + the family's overrides
      a model name no family matches -> None (LangChain then falls back to
      its own defaults)

``langchain.agents.create_agent`` reads ``structured_output`` to pick the
native JSON-schema strategy; other keys describe inputs, reasoning and limits.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.language_models.model_profile import ModelProfile

_BASE: dict[str, Any] = {
    "max_input_tokens": 1_048_576,
    "max_output_tokens": 65_536,
    "text_inputs": True,
    "image_inputs": True,
    "image_url_inputs": True,
    "pdf_inputs": True,
    "audio_inputs": True,
    "video_inputs": True,
    "image_tool_message": True,
    "text_outputs": True,
    "image_outputs": False,
    "audio_outputs": False,
    "video_outputs": False,
    "reasoning_output": True,
    "tool_calling": True,
    "tool_choice": True,
    "tool_call_streaming": True,
    "structured_output": True,
    "attachment": True,
    "temperature": True,
    "open_weights": False,
    "mid_conversation_system_messages": False,
}

_GEMINI_3_FLASH_LEVELS = ["minimal", "low", "medium", "high"]
_IMAGE_MODEL = {
    "image_outputs": True,
    "tool_calling": False,
    "tool_choice": False,
    "tool_call_streaming": False,
    "structured_output": False,
    "max_input_tokens": 65_536,
    "max_output_tokens": 32_768,
}

_FAMILIES: dict[str, dict[str, Any]] = {
    "gemini-2.0-flash": {
        "max_output_tokens": 8_192,
        "reasoning_output": False,
        "name": "Gemini 2.0 Flash",
    },
    "gemini-2.0-flash-lite": {
        "max_output_tokens": 8_192,
        "reasoning_output": False,
        "name": "Gemini 2.0 Flash-Lite",
    },
    "gemini-2.5-flash": {"name": "Gemini 2.5 Flash"},
    "gemini-2.5-flash-lite": {"name": "Gemini 2.5 Flash-Lite"},
    "gemini-2.5-pro": {"name": "Gemini 2.5 Pro"},
    "gemini-2.5-flash-image": {
        **_IMAGE_MODEL,
        "reasoning_output": False,
        "name": "Gemini 2.5 Flash Image",
    },
    "gemini-3-flash": {
        "name": "Gemini 3 Flash",
        "pdf_tool_message": True,
        "reasoning_effort_levels": _GEMINI_3_FLASH_LEVELS,
        "reasoning_effort_default": "high",
    },
    "gemini-3-pro": {
        "name": "Gemini 3 Pro",
        "pdf_tool_message": True,
        "reasoning_effort_levels": ["low", "high"],
        "reasoning_effort_default": "high",
    },
    "gemini-3-pro-image": {**_IMAGE_MODEL, "name": "Gemini 3 Pro Image"},
    "gemini-3.1-pro": {
        "name": "Gemini 3.1 Pro",
        "pdf_tool_message": True,
        "reasoning_effort_levels": ["low", "medium", "high"],
        "reasoning_effort_default": "high",
    },
    "gemini-3.1-flash-lite": {
        "name": "Gemini 3.1 Flash-Lite",
        "pdf_tool_message": True,
        "reasoning_effort_levels": _GEMINI_3_FLASH_LEVELS,
        "reasoning_effort_default": "minimal",
    },
    "gemini-3.1-flash-image": {**_IMAGE_MODEL, "name": "Gemini 3.1 Flash Image"},
}
"""Family prefix -> what differs from ``_BASE``."""


def profile_for(model: str) -> ModelProfile | None:
    """The profile of a Gemini model name, or None for an unknown model.

    Args:
        model: A model name such as ``gemini-3-flash-preview`` (a ``models/``
            prefix is accepted).
    """
    name = model.lower().removeprefix("models/")
    matches = [prefix for prefix in _FAMILIES if name.startswith(prefix)]
    if not matches:
        return None
    family = _FAMILIES[max(matches, key=len)]
    profile: dict[str, Any] = {**_BASE, **family}
    return cast("ModelProfile", profile)
