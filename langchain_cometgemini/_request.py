"""LangChain call parameters -> the body of a ``generateContent`` request.

Input flow::

    build_body(messages, params)
      -> _messages.convert_messages          systemInstruction + contents
      -> generation_config(params)           sampling, output, thinking fields
           (a raw ``generation_config`` dict is merged last, camelCased)
      -> safety_settings / tools / toolConfig / cachedContent
    Unset (``None``) parameters are never sent. With ``cached_content`` the
    cached parts (systemInstruction, tools, toolConfig) are dropped, with one
    warning per cache name.

Everything here is pure: the same body is built for sync and async calls.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_cometgemini._messages import convert_messages

GENERATION_FIELDS: dict[str, str] = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "max_output_tokens": "maxOutputTokens",
    "stop": "stopSequences",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "candidate_count": "candidateCount",
    "response_mime_type": "responseMimeType",
    "response_json_schema": "responseJsonSchema",
    "response_schema": "responseSchema",
    "response_modalities": "responseModalities",
    "response_logprobs": "responseLogprobs",
    "logprobs": "logprobs",
    "media_resolution": "mediaResolution",
    "image_config": "imageConfig",
    "speech_config": "speechConfig",
}
"""Python field name -> ``generationConfig`` key."""

THINKING_LEVELS = ("minimal", "low", "medium", "high")

HARM_CATEGORIES = frozenset(
    {
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
        "HARM_CATEGORY_DEROGATORY",
        "HARM_CATEGORY_TOXICITY",
        "HARM_CATEGORY_VIOLENCE",
        "HARM_CATEGORY_SEXUAL",
        "HARM_CATEGORY_MEDICAL",
        "HARM_CATEGORY_DANGEROUS",
        "HARM_CATEGORY_UNSPECIFIED",
    }
)
HARM_THRESHOLDS = frozenset(
    {
        "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
        "BLOCK_LOW_AND_ABOVE",
        "BLOCK_MEDIUM_AND_ABOVE",
        "BLOCK_ONLY_HIGH",
        "BLOCK_NONE",
        "OFF",
    }
)

_SNAKE = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    """``max_output_tokens`` -> ``maxOutputTokens`` (camelCase stays as is)."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def camel_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level keys of a config dict in camelCase (values untouched)."""
    return {camel(k): v for k, v in value.items()}


def camel_keys_deep(value: Any) -> Any:
    """Every dict key in camelCase, at any depth (for schema-only configs)."""
    if isinstance(value, Mapping):
        return {camel(str(k)): camel_keys_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys_deep(v) for v in value]
    return value


def _enum_value(value: Any) -> Any:
    """Accept enum members or strings; send plain strings."""
    return getattr(value, "value", value)


def thinking_config(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Thinking level, budget and ``include_thoughts`` -> ``thinkingConfig``.

    Raises:
        ValueError: both a level and a budget are set, or the level is unknown.
    """
    config = camel_keys(params.get("thinking_config") or {})
    level, budget = params.get("thinking_level"), params.get("thinking_budget")
    if level is not None and budget is not None:
        msg = (
            "Set either thinking_level (Gemini 3) or thinking_budget (Gemini 2.5), "
            "not both: Gemini rejects requests that carry both."
        )
        raise ValueError(msg)
    if level is not None:
        level = str(_enum_value(level)).lower()
        if level not in THINKING_LEVELS:
            msg = f"thinking_level must be one of {THINKING_LEVELS}: {level!r}."
            raise ValueError(msg)
        config["thinkingLevel"] = level.upper()
    if budget is not None:
        config["thinkingBudget"] = int(budget)
    if params.get("include_thoughts") is not None:
        config["includeThoughts"] = bool(params["include_thoughts"])
    return config or None


def generation_config(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every set generation parameter, then the raw ``generation_config`` dict."""
    config: dict[str, Any] = {}
    for name, key in GENERATION_FIELDS.items():
        value = params.get(name)
        if value is not None:
            config[key] = _generation_value(name, value)
    thinking = thinking_config(params)
    if thinking:
        config["thinkingConfig"] = thinking
    raw = camel_keys(params.get("generation_config") or {})
    if "thinkingConfig" in raw and "thinkingConfig" in config:
        raw["thinkingConfig"] = {
            **config["thinkingConfig"],
            **camel_keys(raw["thinkingConfig"]),
        }
    config.update(raw)
    return config


def _generation_value(name: str, value: Any) -> Any:
    if name == "stop" and isinstance(value, str):
        return [value]
    if name == "response_modalities":
        return [str(_enum_value(v)).upper() for v in value]
    if name == "media_resolution":
        text = str(_enum_value(value)).upper()
        return (
            text if text.startswith("MEDIA_RESOLUTION_") else f"MEDIA_RESOLUTION_{text}"
        )
    if name in ("image_config", "speech_config") and isinstance(value, Mapping):
        return camel_keys_deep(value)
    return value


def safety_settings(value: Any) -> list[dict[str, str]] | None:
    """``{category: threshold}`` or a list of ``{category, threshold}`` dicts.

    Raises:
        ValueError: an unknown harm category or threshold.
    """
    if not value:
        return None
    items = value.items() if isinstance(value, Mapping) else _pairs(value)
    settings = []
    for category, threshold in items:
        category = _harm_name(category, "HARM_CATEGORY_", HARM_CATEGORIES)
        threshold = _harm_name(threshold, "", HARM_THRESHOLDS)
        settings.append({"category": category, "threshold": threshold})
    return settings


def _pairs(value: Sequence[Any]) -> list[tuple[Any, Any]]:
    return [(s["category"], s["threshold"]) for s in value]


def _harm_name(value: Any, prefix: str, allowed: frozenset[str]) -> str:
    text = str(_enum_value(value)).upper()
    text = text.rsplit(".", 1)[-1]
    if not text.startswith(prefix):
        text = prefix + text
    if text not in allowed:
        msg = f"Unknown safety setting {value!r}; expected one of {sorted(allowed)}."
        raise ValueError(msg)
    return text


_CACHE_OWNED = ("systemInstruction", "tools", "toolConfig")


def build_body(
    messages: Sequence[BaseMessage], params: Mapping[str, Any], *, model: str
) -> dict[str, Any]:
    """The complete JSON body of a generateContent / streamGenerateContent call."""
    system, contents = convert_messages(messages, model=model)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = system
    if params.get("tools"):
        body["tools"] = list(params["tools"])
    if params.get("tool_config"):
        body["toolConfig"] = params["tool_config"]
    settings = safety_settings(params.get("safety_settings"))
    if settings:
        body["safetySettings"] = settings
    config = generation_config(params)
    if config:
        body["generationConfig"] = config
    if params.get("cached_content"):
        _apply_cache(body, str(params["cached_content"]))
    return body


_WARNED_CACHES: set[tuple[str, tuple[str, ...]]] = set()
"""(cache name, dropped keys) already warned about: the warning is given once."""


def _apply_cache(body: dict[str, Any], name: str) -> None:
    """With cached content, what lives in the cache must not be sent again."""
    dropped = [key for key in _CACHE_OWNED if body.pop(key, None) is not None]
    body["cachedContent"] = name
    seen = (name, tuple(dropped))
    if dropped and seen not in _WARNED_CACHES:
        _WARNED_CACHES.add(seen)
        warnings.warn(
            f"cached_content is set, so {', '.join(dropped)} were not sent: they "
            "must be part of the cached content.",
            UserWarning,
            stacklevel=4,
        )
