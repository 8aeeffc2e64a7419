"""LangChain call parameters -> the body of a ``generateContent`` request.

Input flow::

    build_body(messages, params, model=..., keys=..., stream=...)
      -> check_call(params, stream)         candidate_count > 1 cannot stream
      -> rules.check_model_id(model)        a name that cannot be a model id
      -> messages.convert_messages           systemInstruction + contents
      -> rules.apply_model_rules             per-family drops (one warning):
           fixed sampling (3.6 Flash, 3.5 Flash-Lite), no penalties (2.5
           Flash); a conversation ending with a model turn where refused
      -> generation_config(params, model, keys)
           every generation field by its ``keys`` entry (the model's field
           table, passed in), enums checked (responseModalities,
           mediaResolution); thinking fields (``reasoning_effort`` ->
           thinkingLevel on Gemini 3, thinkingBudget on 2.5); the raw
           ``generation_config`` merged last, camelCased; then one level or
           one budget, one response schema (with its JSON MIME type)
      -> rules.check_thinking                thinking settings vs the profile
      -> safety_settings / tools / toolConfig (built-in + function tools on
         Gemini 3 -> includeServerSideToolInvocations) / cachedContent /
         serviceTier / store, then ``extra_body`` (raw top-level fields) last
      -> a forced call (mode ANY) beside a JSON MIME type is refused
    check_settings(params, model, keys)     the same rules, for the
                                            constructor's and bound values
    Unset (``None``) parameters are never sent. With ``cached_content`` the
    cached parts (systemInstruction, tools, toolConfig) are dropped, with one
    warning per cache name. Every refusal is a ``ValueError`` or ``TypeError``
    naming the argument, raised before anything is sent.

Everything here is pure: the same body is built for sync and async calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_cometgemini._wire.messages import check_json, convert_messages
from langchain_cometgemini._wire.names import camel
from langchain_cometgemini._wire.profiles import generation
from langchain_cometgemini._wire.rules import (
    apply_model_rules,
    check_model_id,
    check_thinking,
)
from langchain_cometgemini._wire.schema import to_openapi

Keys = Mapping[str, str]
"""Python field name -> ``generationConfig`` key (the model's field table,
``_fields.FieldTable.generation_keys``, passed in)."""

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
        ValueError: both a level and a budget are set (as fields or in the raw
            ``thinking_config``), ``reasoning_effort`` is set with either, or a
            level or effort is unknown.
        TypeError: ``thinking_config`` is not a dict, or the budget no integer.
    """
    config = raw_thinking(params.get("thinking_config"), "thinking_config")
    level, budget = params.get("thinking_level"), params.get("thinking_budget")
    effort = params.get("reasoning_effort")
    if effort is not None:
        raw = config.get("thinkingLevel", config.get("thinkingBudget"))
        level, budget = _from_effort(effort, level, budget, model, raw)
    if level is not None:
        config["thinkingLevel"] = _level(level, "thinking_level")
    if budget is not None:
        config["thinkingBudget"] = _integer(budget, "thinking_budget")
    if params.get("include_thoughts") is not None:
        config["includeThoughts"] = bool(params["include_thoughts"])
    check_one_thinking_control(config, "thinking_level / thinking_budget")
    return config or None


BOTH_THINKING_CONTROLS = (
    "You can only set only one of thinking budget and thinking level."
)
"""What Gemini answers (400) to a ``thinkingConfig`` holding both."""


def check_one_thinking_control(config: Mapping[str, Any], where: str) -> None:
    """Refuse a ``thinkingConfig`` with both a level and a budget.

    Raises:
        ValueError: both are set (Gemini answers 400
            ``BOTH_THINKING_CONTROLS``).
    """
    if config.get("thinkingLevel") is not None and (
        config.get("thinkingBudget") is not None
    ):
        msg = (
            f"{where}: set either thinking_level (Gemini 3) or thinking_budget "
            "(Gemini 2.5), not both: Gemini rejects requests that carry both "
            f"({BOTH_THINKING_CONTROLS!r})."
        )
        raise ValueError(msg)


def raw_thinking(value: Any, name: str) -> dict[str, Any]:
    """A raw ``thinkingConfig`` (either spelling) with its level as Gemini's enum.

    Raises:
        TypeError: ``value`` is not a dict.
        ValueError: a level that is no thinking level.
    """
    config = camel_keys(_mapping(value, name))
    if config.get("thinkingLevel") is not None:
        config["thinkingLevel"] = _level(config["thinkingLevel"], name)
    return config


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    """A dict-valued setting (``None`` is empty).

    Raises:
        TypeError: ``value`` is not a dict.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = f"{name} must be a dict, not {type(value).__name__}: {value!r:.80}."
        raise TypeError(msg)
    return value


def _integer(value: Any, name: str) -> int:
    """An integer setting (a bool or a fraction is refused).

    Raises:
        TypeError: ``value`` is not a whole number.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    msg = f"{name} must be an integer, not {type(value).__name__}: {value!r:.80}."
    raise TypeError(msg)


def _level(value: Any, name: str) -> str:
    level = str(_enum_value(value)).lower()
    if level not in THINKING_LEVELS:
        msg = f"{name} must be one of {THINKING_LEVELS}: {value!r:.80}."
        raise ValueError(msg)
    return level.upper()


def _from_effort(
    effort: Any, level: Any, budget: Any, model: str | None, raw: Any = None
) -> tuple[Any, Any]:
    """``reasoning_effort`` -> (thinking level, thinking budget) for ``model``.

    Raises:
        ValueError: a level or budget is set too (fields or raw), or the effort
            is unknown.
    """
    if level is not None or budget is not None or raw is not None:
        msg = (
            "Set either reasoning_effort or thinking_level / thinking_budget, not "
            "both: reasoning_effort is translated into one of them."
        )
        raise ValueError(msg)
    effort = str(_enum_value(effort)).lower()
    if effort not in REASONING_EFFORTS:
        msg = f"reasoning_effort must be one of {REASONING_EFFORTS}: {effort!r:.80}."
        raise ValueError(msg)
    name = (model or "").lower()
    if model is None or generation(name) >= 3:
        return effort, None
    budget = _EFFORT_BUDGETS[effort]
    if "pro" in name and budget < _PRO_MIN_BUDGET:
        budget = _PRO_MIN_BUDGET
    return None, budget


def generation_config(
    params: Mapping[str, Any], model: str | None = None, *, keys: Keys
) -> dict[str, Any]:
    """Every set generation parameter, then the raw ``generation_config`` dict.

    Raises:
        ValueError: a value outside its enum, two response schemas, or a final
            ``thinkingConfig`` with both a level and a budget.
        TypeError: ``generation_config`` (or a dict inside it) is no dict.
    """
    config: dict[str, Any] = {}
    for name, key in keys.items():
        value = params.get(name)
        if value is not None:
            config[key] = _generation_value(name, value)
    thinking = thinking_config(params, model)
    if thinking:
        config["thinkingConfig"] = thinking
    raw = camel_keys(_mapping(params.get("generation_config"), "generation_config"))
    if "thinkingConfig" in raw:
        given = raw_thinking(
            raw["thinkingConfig"], "generation_config['thinking_config']"
        )
        raw["thinkingConfig"] = {**config.get("thinkingConfig", {}), **given}
        check_one_thinking_control(raw["thinkingConfig"], "generation_config")
    config.update(raw)
    _check_schemas(config)
    _check_logprobs(config)
    return config


def _check_logprobs(config: Mapping[str, Any]) -> None:
    """Discovery, ``logprobs``: "Only valid if response_logprobs=True".

    Raises:
        ValueError: ``logprobs`` without ``response_logprobs=True``.
    """
    if (
        config.get("logprobs") is not None
        and config.get("responseLogprobs") is not True
    ):
        msg = (
            f"logprobs={config['logprobs']} needs response_logprobs=True (Gemini "
            "returns top candidates only beside the chosen tokens' log "
            "probabilities)."
        )
        raise ValueError(msg)


JSON_MIME = "application/json"
_SCHEMA_KEYS = ("responseJsonSchema", "responseSchema", "_responseJsonSchema")


def _check_schemas(config: dict[str, Any]) -> None:
    """One response schema at most, and a JSON MIME type beside it.

    A schema without ``responseMimeType`` gets ``application/json`` (the only
    type a schema constrains besides ``text/x.enum``).

    Raises:
        ValueError: both ``response_json_schema`` and ``response_schema``, or
            a MIME type a schema cannot constrain.
    """
    given = [key for key in _SCHEMA_KEYS if config.get(key) is not None]
    if len(given) > 1:
        msg = (
            "Give either response_json_schema (JSON Schema) or response_schema "
            f"(the OpenAPI subset), not both: got {', '.join(given)}."
        )
        raise ValueError(msg)
    if given and config.get("responseMimeType") is None:
        config["responseMimeType"] = JSON_MIME
    if given and config["responseMimeType"] not in SCHEMA_MIMES:
        msg = (
            f"A response schema constrains only {' or '.join(SCHEMA_MIMES)} "
            f"output, not response_mime_type {config['responseMimeType']!r}."
        )
        raise ValueError(msg)


SCHEMA_MIMES = (JSON_MIME, "text/x.enum")
"""The MIME types a response schema can constrain (discovery: "a compatible
``response_mime_type`` must also be set")."""


MODALITIES = ("TEXT", "IMAGE", "AUDIO")
MEDIA_RESOLUTIONS = ("LOW", "MEDIUM", "HIGH")
"""``generationConfig.mediaResolution`` (the per-part level also takes
``ULTRA_HIGH``; the request-wide field does not)."""


def _generation_value(name: str, value: Any) -> Any:
    if name == "stop" and isinstance(value, str):
        return [value]
    if name == "response_modalities":
        return _modalities(value)
    if name == "media_resolution":
        return _resolution(value)
    if name in ("image_config", "speech_config") and isinstance(value, Mapping):
        return camel_keys_deep(value)
    if name in ("response_json_schema", "response_schema"):
        return _response_schema(name, value)
    return value


def _response_schema(name: str, value: Any) -> Any:
    """A per-call schema (a dict, a pydantic class, a TypedDict) as Gemini reads it.

    JSON Schema for ``response_json_schema``, the OpenAPI subset for
    ``response_schema``.

    Raises:
        ValueError: a value that is no schema, naming the argument.
    """
    from langchain_cometgemini._wire.structured import json_schema_of  # lazy: heavy

    try:
        schema = json_schema_of(value)
    except ValueError as exc:
        msg = f"{name}: {exc}"
        raise ValueError(msg) from None
    return to_openapi(schema, name) if name == "response_schema" else schema


def _modalities(value: Any) -> list[str]:
    """``"IMAGE"`` or ``["text", "image"]`` -> ``["IMAGE"]`` / ``["TEXT", "IMAGE"]``.

    Raises:
        ValueError: a modality Gemini does not know.
    """
    items = [value] if isinstance(value, str) else list(value)
    out = [str(_enum_value(v)).upper() for v in items]
    unknown = [v for v in out if v not in MODALITIES]
    if unknown:
        msg = f"response_modalities must be among {MODALITIES}: {value!r:.80}."
        raise ValueError(msg)
    return out


def _resolution(value: Any) -> str:
    text = str(_enum_value(value)).upper().removeprefix("MEDIA_RESOLUTION_")
    if text not in MEDIA_RESOLUTIONS:
        msg = (
            f"media_resolution must be one of {[m.lower() for m in MEDIA_RESOLUTIONS]}"
            f": {value!r:.80} (ultra_high is a per-part level: set it on a media "
            "block)."
        )
        raise ValueError(msg)
    return f"MEDIA_RESOLUTION_{text}"


def safety_settings(value: Any) -> list[dict[str, str]] | None:
    """``{category: threshold}`` or a list of ``{category, threshold}`` dicts.

    Raises:
        ValueError: an unknown harm category or threshold, or a list item
            without both keys.
        TypeError: neither a dict nor a list of dicts.
    """
    if not value:
        return None
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = [_pair(item, index) for index, item in enumerate(value)]
    else:
        msg = (
            "safety_settings must be {category: threshold} or a list of "
            f"{{'category', 'threshold'}} dicts, not {type(value).__name__}."
        )
        raise TypeError(msg)
    settings = []
    for category, threshold in items:
        category = _harm_name(category, "HARM_CATEGORY_", HARM_CATEGORIES, "category")
        threshold = _harm_name(threshold, "BLOCK_", HARM_THRESHOLDS, "threshold")
        settings.append({"category": category, "threshold": threshold})
    return settings


def _pair(item: Any, index: int) -> tuple[Any, Any]:
    if not isinstance(item, Mapping):
        msg = f"safety_settings[{index}] must be a dict, not {type(item).__name__}."
        raise TypeError(msg)
    missing = [k for k in ("category", "threshold") if item.get(k) is None]
    extra = sorted(set(map(str, item)) - {"category", "threshold"})
    if missing or extra:
        msg = (
            f"safety_settings[{index}] needs exactly 'category' and 'threshold'"
            f" (missing {missing}, unknown {extra}): {dict(item)!r:.120}."
        )
        raise ValueError(msg)
    return item["category"], item["threshold"]


def _harm_name(value: Any, prefix: str, allowed: frozenset[str], what: str) -> str:
    """Gemini's name from its own, a lowercase one or one without ``prefix``.

    Raises:
        ValueError: a name Gemini's enum does not hold, saying which kind.
    """
    text = str(_enum_value(value)).upper().rsplit(".", 1)[-1]
    for name in (text, prefix + text):
        if name in allowed:
            return name
    msg = (
        f"Unknown safety_settings {what} {value!r:.60}; expected one of "
        f"{sorted(allowed)}."
    )
    raise ValueError(msg)


_CACHE_OWNED = ("systemInstruction", "tools", "toolConfig")


def build_body(
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    *,
    model: str,
    keys: Keys,
    stream: bool = False,
    partial: bool = False,
) -> dict[str, Any]:
    """The complete JSON body of a generateContent / streamGenerateContent call.

    Args:
        messages: The conversation.
        params: Call parameters (fields merged with per-call values).
        model: The model the body is for (its family's rules apply).
        keys: Field name -> ``generationConfig`` key of each generation field.
        stream: The body is for ``streamGenerateContent``.
        partial: A slice of a history, for token counting
            (see ``convert_messages``).

    Raises:
        ValueError: bad input, refused before anything is sent.
    """
    check_call(params, stream=stream)
    check_model_id(model)
    _check_nesting(messages, params)
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
    config = generation_config(params, model, keys=keys)
    check_thinking(params, model)
    if config:
        body["generationConfig"] = config
    if params.get("cached_content"):
        _apply_cache(body, str(params["cached_content"]))
    _top_level(body, params)
    _check_forced_call(body)
    return body


def _check_nesting(messages: Sequence[BaseMessage], params: Mapping[str, Any]) -> None:
    """Content and settings JSON can carry, checked before any recursive step.

    Raises:
        ValueError: a message's content or a setting nests too deeply or holds
            NaN / an infinite number, naming it (it raised RecursionError).
    """
    for index, message in enumerate(messages):
        if isinstance(message.content, list):
            where = f"messages[{index}] ({type(message).__name__}) content"
            check_json(message.content, where)
    for name, value in params.items():
        if isinstance(value, (Mapping, list, tuple)):
            check_json(value, name)


FORCED_CALL_WITH_JSON = (
    "Forced function calling (ANY mode) with a response mime type: "
    "'application/json' is unsupported"
)
"""What Gemini answers (400) to mode ANY beside a JSON response MIME type."""


def _check_forced_call(body: Mapping[str, Any]) -> None:
    """Refuse a forced tool call together with a JSON answer.

    Raises:
        ValueError: ``toolConfig`` mode ANY with ``responseMimeType``
            ``application/json`` (Gemini answers 400 ``FORCED_CALL_WITH_JSON``).
    """
    calling = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    mime = (body.get("generationConfig") or {}).get("responseMimeType")
    if calling.get("mode") == "ANY" and mime == JSON_MIME:
        msg = (
            "A forced tool call (tool_choice 'any' or a tool name) cannot be "
            "combined with response_mime_type='application/json': Gemini answers "
            f"400 {FORCED_CALL_WITH_JSON!r}. Drop one of them for this call."
        )
        raise ValueError(msg)


def check_settings(params: Mapping[str, Any], model: str, *, keys: Keys) -> None:
    """The rules a model's own settings must meet, checked at construction.

    The same rules run on every call's merged values (``build_body``).

    Raises:
        ValueError: a model name that cannot be an id, both a thinking level and
            a budget, ``reasoning_effort`` beside either, a thinking setting the
            model's profile does not allow, or a value outside its enum.
        TypeError: a setting of the wrong type.
    """
    check_model_id(model)
    generation_config(params, model, keys=keys)
    check_thinking(params, model)
    safety_settings(params.get("safety_settings"))


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
