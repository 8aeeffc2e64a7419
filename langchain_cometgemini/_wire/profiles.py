"""Model facts: profiles (``ModelProfile``) and per-family request rules.

Lookup flow::

    family_for(model)
      "models/" prefix stripped, lower-cased
      -> the longest prefix in FAMILIES that matches
         (gemini-3.1-flash-image-preview matches "gemini-3.1-flash-image",
          gemini-3.8-flash-tts matches "gemini-3.8-flash-tts", not "gemini-3.8-flash")
      -> a Family: its profile overrides, request rules and the source of its figures
    profile_for(model) = _BASE + the family's overrides; None for an unknown name
        (LangChain then falls back to its own defaults)
    generation(model)  the Gemini generation whose rules apply (thought
        signatures, media in function responses): the number in the name, 3 for
        the ``-latest`` aliases, and the newest known generation for a Gemini name
        without a number or of a generation not yet in the table

``FAMILIES`` is the one data table to update when Google ships a model: one row
per family, each with the page its figures come from. ``langchain.agents.
create_agent`` reads ``structured_output`` to pick the native JSON-schema
strategy; other keys describe inputs, reasoning and limits.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple, cast

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
"""What every Gemini chat model does (Google's model pages, "Capabilities")."""

FIXED_SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "presence_penalty",
    "frequency_penalty",
)
"""Sampling parameters Gemini 3.6 Flash and 3.5 Flash-Lite do not take: Google's
pages say custom temperature/topK/topP values are ignored and custom frequency /
presence penalties are an error. They are dropped with one warning."""

PENALTIES = ("presence_penalty", "frequency_penalty")
"""Refused by the families whose ``penalties`` is False (a captured 400:
"Penalty is not enabled for models/gemini-2.5-flash"); dropped with one warning."""


class Family(NamedTuple):
    """One row of the model table."""

    name: str
    profile: dict[str, Any]
    source: str
    """Where the figures come from."""
    generation: int | None = None
    """Generation whose rules apply, when the name carries no number."""
    fixed_sampling: bool = False
    """The sampling parameters in ``FIXED_SAMPLING`` are not supported."""
    no_model_prefill: bool = False
    """A request whose last content has role ``model`` is refused by the API."""
    penalties: bool = True
    """``presencePenalty`` / ``frequencyPenalty`` are accepted."""

    @property
    def thinking_levels(self) -> tuple[str, ...] | None:
        """The only thinking levels the API accepts (others answer 400).

        From the profile's ``reasoning_effort_levels``; None when not closed.
        """
        levels = self.profile.get("reasoning_effort_levels")
        return tuple(levels) if levels else None


_LEVELS_ALL = ["minimal", "low", "medium", "high"]
_LEVELS_LMH = ["low", "medium", "high"]

_GOOGLE = "https://ai.google.dev/gemini-api/docs/models/"
_VERTEX = "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/"
_MODELS_DEV = "models.dev via langchain-google-genai data/_profiles.py"


def _image(max_input: int, max_output: int, **more: Any) -> dict[str, Any]:
    return {
        "image_outputs": True,
        "tool_calling": False,
        "tool_choice": False,
        "tool_call_streaming": False,
        "structured_output": False,
        "audio_inputs": False,
        "video_inputs": False,
        "max_input_tokens": max_input,
        "max_output_tokens": max_output,
        **more,
    }


def _tts(max_input: int, max_output: int) -> dict[str, Any]:
    return {
        "text_outputs": False,
        "audio_outputs": True,
        "image_inputs": False,
        "audio_inputs": False,
        "video_inputs": False,
        "pdf_inputs": False,
        "image_tool_message": False,
        "attachment": False,
        "reasoning_output": False,
        "tool_calling": False,
        "tool_choice": False,
        "tool_call_streaming": False,
        "structured_output": False,
        "max_input_tokens": max_input,
        "max_output_tokens": max_output,
    }


def _thinking(levels: list[str], default: str, **more: Any) -> dict[str, Any]:
    return {
        "pdf_tool_message": True,
        "reasoning_effort_levels": levels,
        "reasoning_effort_default": default,
        **more,
    }


_ROWS = (
    # -- Gemini 2.x --------------------------------------------------------------
    Family(
        "gemini-2.0-flash",
        {"max_output_tokens": 8_192, "reasoning_output": False},
        _GOOGLE + "gemini-2.0-flash",
    ),
    Family(
        "gemini-2.0-flash-lite",
        {"max_output_tokens": 8_192, "reasoning_output": False},
        _GOOGLE + "gemini-2.0-flash-lite",
    ),
    Family(
        "gemini-2.5-flash",
        {},
        _GOOGLE + "gemini-2.5-flash; penalties: captured 400 (vercel/ai fixture)",
        penalties=False,
    ),
    Family("gemini-2.5-flash-lite", {}, _GOOGLE + "gemini-2.5-flash-lite"),
    Family("gemini-2.5-pro", {}, _GOOGLE + "gemini-2.5-pro"),
    Family(
        "gemini-2.5-flash-image",
        _image(32_768, 32_768, reasoning_output=False),
        _MODELS_DEV + " (gemini-2.5-flash-image)",
    ),
    Family("gemini-2.5-flash-preview-tts", _tts(8_000, 16_000), _MODELS_DEV),
    Family("gemini-2.5-pro-preview-tts", _tts(8_000, 16_000), _MODELS_DEV),
    # -- Gemini 3 ----------------------------------------------------------------
    Family(
        "gemini-3-flash",
        _thinking(_LEVELS_ALL, "high"),
        _VERTEX + "gemini/3-flash",
    ),
    Family(
        "gemini-3-pro",
        _thinking(["low", "high"], "high"),
        _GOOGLE + "gemini-3-pro-preview",
    ),
    Family(
        "gemini-3-pro-image", _image(65_536, 32_768), _GOOGLE + "gemini-3-pro-image"
    ),
    Family(
        "gemini-3.1-pro",
        _thinking(_LEVELS_LMH, "high"),
        _VERTEX + "guides/gemini-3-8-flash (comparison table: 3.1 Pro)",
    ),
    Family(
        "gemini-3.1-flash-lite",
        _thinking(_LEVELS_ALL, "minimal"),
        _VERTEX + "gemini/3-1-flash-lite",
    ),
    Family(
        "gemini-3.1-flash-image",
        _image(131_072, 32_768, pdf_inputs=True),
        _MODELS_DEV + " (gemini-3.1-flash-image-preview)",
    ),
    Family(
        "gemini-3.1-flash-lite-image",
        _image(65_536, 32_768),
        "https://www.skills.sh/practicalswan/agent-skills/gemini-api-dev"
        " (Nano Banana 2 Lite: 65k / 32k tokens)",
    ),
    Family(
        "gemini-3.1-flash-tts",
        _tts(8_192, 16_384),
        _GOOGLE + "gemini-3.1-flash-tts-preview",
    ),
    Family(
        "gemini-3.5-flash",
        _thinking(_LEVELS_ALL, "medium"),
        "https://modelparams.dev/models/google/gemini-3.5-flash (thinking levels);"
        " 1M context, 65K output per Google's 3.5 Flash page",
    ),
    Family(
        "gemini-3.5-flash-lite",
        _thinking(_LEVELS_ALL, "minimal", temperature=False),
        _GOOGLE + "gemini-3.5-flash-lite; " + _VERTEX + "gemini/3-5-flash-lite",
        fixed_sampling=True,
        no_model_prefill=True,
    ),
    Family(
        "gemini-3.6-flash",
        _thinking(_LEVELS_ALL, "medium", temperature=False),
        _VERTEX + "gemini/3-6-flash",
        fixed_sampling=True,
        no_model_prefill=True,
    ),
    Family(
        "gemini-3.7-flash",
        _thinking(_LEVELS_LMH, "medium"),
        _VERTEX + "guides/gemini-3-8-flash (comparison table: 3.7 Flash)",
    ),
    Family(
        "gemini-3.8-flash",
        _thinking(_LEVELS_LMH, "medium"),
        _VERTEX + "guides/gemini-3-8-flash (supported thinking levels LOW, MEDIUM,"
        " HIGH; default MEDIUM)",
    ),
    Family(
        "gemini-3.8-flash-tts",
        _tts(8_192, 16_384),
        _GOOGLE + "gemini-3.8-flash-tts (8,192 input tokens per request)",
    ),
    Family(
        "gemini-3.8-flash-lite-tts",
        _tts(8_192, 16_384),
        _GOOGLE + "gemini-3.8-flash-lite-tts",
    ),
    # -- aliases (Google moves them to the newest model of the line) ------------
    Family(
        "gemini-flash-latest", {}, _MODELS_DEV + " (gemini-flash-latest)", generation=3
    ),
    Family(
        "gemini-flash-lite-latest",
        {},
        _MODELS_DEV + " (gemini-flash-lite-latest)",
        generation=3,
    ),
    Family("gemini-pro-latest", {}, _GOOGLE + "gemini-pro-latest", generation=3),
)

FAMILIES: dict[str, Family] = {row.name: row for row in _ROWS}
"""Family prefix -> its row."""

NEWEST_GENERATION = max(
    int(m.group(1)) for m in (re.match(r"gemini-(\d+)", n) for n in FAMILIES) if m
)


def _normalise(model: str) -> str:
    return model.lower().removeprefix("models/")


@functools.lru_cache(maxsize=256)
def family_for(model: str) -> Family | None:
    """The table row of a model name, or None for a name no row matches."""
    name = _normalise(model)
    matches = [p for p in FAMILIES if name.startswith(p) and _same_line(name, p)]
    return FAMILIES[max(matches, key=len)] if matches else None


_LINES = frozenset({"lite", "image", "tts", "audio", "live", "embedding"})
"""Name words that make another model line (a Flash-Lite, image or speech
model is not its Flash namesake: ``gemini-3.8-flash-lite`` is no 3.8 Flash)."""


def _same_line(name: str, prefix: str) -> bool:
    rest = name[len(prefix) :]
    return not (set(rest.split("-")) & _LINES)


_NUMBER = re.compile(r"gemini-(\d+)")


@functools.lru_cache(maxsize=256)
def generation(model: str) -> int:
    """The Gemini generation whose request rules apply to ``model``.

    The number in the name (``gemini-2.5-flash`` -> 2); the ``-latest`` aliases
    and any Gemini name without a number -> the newest generation; a name that is
    not Gemini at all (``gemma-...``) -> 0.
    """
    name = _normalise(model)
    family = family_for(name)
    if family is not None and family.generation is not None:
        return family.generation
    match = _NUMBER.search(name)
    if match:
        return int(match.group(1))
    return NEWEST_GENERATION if "gemini" in name else 0


def _display_name(prefix: str) -> str:
    words = prefix.removeprefix("gemini-").split("-")
    text = " ".join(w if w[0].isdigit() else w.capitalize() for w in words)
    text = text.replace("Flash Lite", "Flash-Lite").replace("Tts", "TTS")
    return f"Gemini {text}"


def profile_for(model: str) -> ModelProfile | None:
    """The profile of a Gemini model name, or None for an unknown model.

    Args:
        model: A model name such as ``gemini-3-flash-preview`` (a ``models/``
            prefix is accepted).
    """
    family = family_for(model)
    if family is None:
        return None
    profile: dict[str, Any] = {
        **_BASE,
        "name": _display_name(family.name),
        **family.profile,
    }
    return cast("ModelProfile", profile)
