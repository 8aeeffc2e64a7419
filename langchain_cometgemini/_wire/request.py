"""LangChain call parameters -> the body of a ``generateContent`` request.

Input flow::

    build_body(messages, params, model=..., stream=...)
      -> check_call(params, stream)         candidate_count > 1 cannot stream
      -> _messages.convert_messages          systemInstruction + contents
      -> apply_model_rules                   per-family rules (``_profiles``):
           fixed-sampling models drop temperature/top_p/top_k/penalties (one
           warning), refuse a conversation ending with a model turn; models with
           a closed set of thinking levels refuse the others
      -> generation_config(params, model)   sampling, output, thinking fields
           (``reasoning_effort`` -> thinkingLevel on Gemini 3, thinkingBudget
           on 2.5; a raw ``generation_config`` dict is merged last, camelCased)
      -> safety_settings / tools / toolConfig (built-in + function tools on
         Gemini 3 -> includeServerSideToolInvocations) / cachedContent /
         serviceTier / store, then ``extra_body`` (raw top-level fields) last
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

from langchain_cometgemini._fields import GENERATION_KEYS
from langchain_cometgemini._wire.messages import convert_messages
from langchain_cometgemini._wire.profiles import (
    FIXED_SAMPLING,
    family_for,
    generation,
    profile_for,
)

GENERATION_FIELDS: dict[str, str] = GENERATION_KEYS
"""Python field name -> ``generationConfig`` key."""

THINKING_LEVELS = ("minimal", "low", "medium", "high")
REASONING_EFFORTS = THINKING_LEVELS
"""LangChain's standard ``reasoning_effort`` values."""

_EFFORT_BUDGETS = {"minimal": 0, "low": 1_024, "medium": 8_192, "high": 24_576}
"""``reasoning_effort`` -> ``thinkingBudget`` on Gemini 2.5 (Flash's budget range
is 0..24,576; Pro cannot turn thinking off, so ``minimal`` is its floor, 128)."""
_PRO_MIN_BUDGET = 128

SERVICE_TIERS = ("standard", "flex", "priority")

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


def thinking_config(
    params: Mapping[str, Any], model: str | None = None
) -> dict[str, Any] | None:
    """Thinking level, budget, ``reasoning_effort`` and ``include_thoughts``.

    Raises:
        ValueError: both a level and a budget are set, ``reasoning_effort`` is set
            with either, or a level or effort is unknown.
    """
    config = camel_keys(params.get("thinking_config") or {})
    level, budget = params.get("thinking_level"), params.get("thinking_budget")
    effort = params.get("reasoning_effort")
    if effort is not None:
        level, budget = _from_effort(effort, level, budget, model)
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


def _from_effort(
    effort: Any, level: Any, budget: Any, model: str | None
) -> tuple[Any, Any]:
    """``reasoning_effort`` -> (thinking level, thinking budget) for ``model``."""
    if level is not None or budget is not None:
        msg = (
            "Set either reasoning_effort or thinking_level / thinking_budget, not "
            "both: reasoning_effort is translated into one of them."
        )
        raise ValueError(msg)
    effort = str(_enum_value(effort)).lower()
    if effort not in REASONING_EFFORTS:
        msg = f"reasoning_effort must be one of {REASONING_EFFORTS}: {effort!r}."
        raise ValueError(msg)
    name = (model or "").lower()
    if model is None or generation(name) >= 3:
        return effort, None
    profile = profile_for(name)
    if profile is not None and not profile.get("reasoning_output", True):
        msg = f"{model} does not think: reasoning_effort cannot apply to it."
        raise ValueError(msg)
    budget = _EFFORT_BUDGETS[effort]
    if "pro" in name and budget < _PRO_MIN_BUDGET:
        budget = _PRO_MIN_BUDGET
    return None, budget


def generation_config(
    params: Mapping[str, Any], model: str | None = None
) -> dict[str, Any]:
    """Every set generation parameter, then the raw ``generation_config`` dict."""
    config: dict[str, Any] = {}
    for name, key in GENERATION_FIELDS.items():
        value = params.get(name)
        if value is not None:
            config[key] = _generation_value(name, value)
    thinking = thinking_config(params, model)
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
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    *,
    model: str,
    stream: bool = False,
    partial: bool = False,
) -> dict[str, Any]:
    """The complete JSON body of a generateContent / streamGenerateContent call.

    Args:
        messages: The conversation.
        params: Call parameters (fields merged with per-call values).
        model: The model the body is for (its family's rules apply).
        stream: The body is for ``streamGenerateContent``.
        partial: A slice of a history, for token counting
            (see ``convert_messages``).

    Raises:
        ValueError: bad input, refused before anything is sent.
    """
    check_call(params, stream=stream)
    system, contents = convert_messages(messages, model=model, partial=partial)
    params = apply_model_rules(params, contents, model=model, counting=partial)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = system
    if params.get("tools"):
        body["tools"] = list(params["tools"])
    if params.get("tool_config"):
        body["toolConfig"] = params["tool_config"]
    if generation(model) >= 3 and _mixes_builtins(body.get("tools") or []):
        config = dict(body.get("toolConfig") or {})
        config.setdefault("includeServerSideToolInvocations", True)
        body["toolConfig"] = config
    settings = safety_settings(params.get("safety_settings"))
    if settings:
        body["safetySettings"] = settings
    config = generation_config(params, model)
    if config:
        body["generationConfig"] = config
    if params.get("cached_content"):
        _apply_cache(body, str(params["cached_content"]))
    _top_level(body, params)
    return body


def _mixes_builtins(tools: Sequence[Mapping[str, Any]]) -> bool:
    """Function tools together with a built-in one (search, code, maps...).

    Gemini 3 then needs ``toolConfig.includeServerSideToolInvocations`` (the
    server-side calls come back as ``toolCall``/``toolResponse`` parts, which
    are replayed exactly).
    """
    functions = any("functionDeclarations" in tool for tool in tools)
    builtins = any("functionDeclarations" not in tool for tool in tools)
    return functions and builtins


def _top_level(body: dict[str, Any], params: Mapping[str, Any]) -> None:
    """``serviceTier``, ``store``, then raw ``extra_body`` fields (they win)."""
    tier = params.get("service_tier")
    if tier is not None:
        tier = str(_enum_value(tier)).lower()
        if tier not in SERVICE_TIERS:
            msg = f"service_tier must be one of {SERVICE_TIERS}: {tier!r}."
            raise ValueError(msg)
        body["serviceTier"] = tier
    if params.get("store") is not None:
        body["store"] = bool(params["store"])
    if params.get("stream_function_call_arguments"):
        from langchain_cometgemini._wire.structured import with_streamed_arguments

        body.update(with_streamed_arguments(body, True))
    extra = params.get("extra_body")
    if extra:
        if not isinstance(extra, Mapping):
            msg = "extra_body must be a dict of top-level request fields."
            raise TypeError(msg)
        body.update(extra)


def check_call(params: Mapping[str, Any], *, stream: bool) -> None:
    """Refuse call parameters that cannot work together, before sending.

    Raises:
        ValueError: ``candidate_count`` > 1 on a streamed call (a stream carries
            one answer; use ``invoke``/``batch`` for several candidates).
    """
    count = params.get("candidate_count")
    if stream and count is not None and int(count) > 1:
        msg = (
            f"candidate_count={count} cannot be streamed: a stream yields one "
            "answer. Use invoke() (each candidate becomes a generation), or "
            "candidate_count=1."
        )
        raise ValueError(msg)


_WARNED_SAMPLING: set[tuple[str, tuple[str, ...]]] = set()


def apply_model_rules(
    params: Mapping[str, Any],
    contents: list[dict[str, Any]],
    *,
    model: str,
    counting: bool = False,
) -> Mapping[str, Any]:
    """The documented per-model request rules (``_profiles.FAMILIES``).

    Returns:
        ``params`` without the sampling parameters the model does not support
        (dropped with one warning per model and parameter set).

    Raises:
        ValueError: the conversation ends with a model turn on a model that
            refuses it, or a thinking level (or effort) the model does not take.
    """
    family = family_for(model)
    if family is None:
        return params
    if family.thinking_levels is not None:
        _check_level(params, family.thinking_levels, model)
    if not family.fixed_sampling:
        return params
    if not counting and contents and contents[-1]["role"] == "model":
        msg = (
            f"{model} does not accept a conversation that ends with a model turn "
            "(assistant prefill): end it with a user message or a tool result."
        )
        raise ValueError(msg)
    dropped = tuple(name for name in FIXED_SAMPLING if params.get(name) is not None)
    if not dropped:
        return params
    if (model, dropped) not in _WARNED_SAMPLING:
        _WARNED_SAMPLING.add((model, dropped))
        warnings.warn(
            f"{model} uses fixed sampling: {', '.join(dropped)} not sent (Google "
            "ignores custom temperature/top_p/top_k and rejects penalties there).",
            UserWarning,
            stacklevel=5,
        )
    return {k: v for k, v in params.items() if k not in dropped}


def _check_level(
    params: Mapping[str, Any], allowed: tuple[str, ...], model: str
) -> None:
    raw = camel_keys(params.get("thinking_config") or {})
    given = {
        "thinking_level": params.get("thinking_level"),
        "reasoning_effort": params.get("reasoning_effort"),
        "thinking_config.thinking_level": raw.get("thinkingLevel"),
    }
    for name, value in given.items():
        if value is None:
            continue
        level = str(_enum_value(value)).lower()
        if level not in allowed:
            msg = (
                f"{model} accepts {name} {', '.join(allowed)} only, not {level!r} "
                "(the API answers 400)."
            )
            raise ValueError(msg)


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
