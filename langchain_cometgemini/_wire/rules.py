"""Per-model request rules: what a model refuses, refused or dropped before sending.

Flow::

    check_model_id(model)          a name that cannot be a model id: ValueError
    check_thinking(params, model)  thinking settings against the model's profile:
      (fields, ``include_thoughts`` and the raw ``thinking_config`` /
      ``generation_config`` entries alike) a model that does not think
      (``reasoning_output`` False) refuses them all;
      a Gemini 2 model refuses ``thinking_level`` (budgets only); a level or
      effort outside the profile's ``reasoning_effort_levels`` is refused
    apply_model_rules(params, contents, model)
      fixed-sampling models (``FIXED_SAMPLING``) and models without penalties
      (``Family.penalties``): the parameters (also raw ``generation_config``
      entries) are dropped with ONE warning per
      model and set; a conversation ending with a model turn is refused where
      the family says so

Both checks run at construction (``ChatCometGemini``'s validator) and again on
every call's merged values, so a bound or per-call value meets the same rule.
Everything here is pure and cached by model name.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

from langchain_cometgemini._wire.names import camel
from langchain_cometgemini._wire.profiles import (
    FIXED_SAMPLING,
    PENALTIES,
    Family,
    family_for,
    generation,
    profile_for,
)

_MODEL_ID = re.compile(r"(models/)?[A-Za-z0-9][A-Za-z0-9._:@+-]*")


def check_model_id(model: Any) -> None:
    """Refuse a name that cannot be a model id.

    Raises:
        ValueError: empty, spaces, a slash other than a leading ``models/``, or a
            character a URL path would have to escape.
        TypeError: not a string.
    """
    if not isinstance(model, str):
        msg = f"model must be a string, not {type(model).__name__}."
        raise TypeError(msg)
    if not _MODEL_ID.fullmatch(model):
        msg = (
            f"model {model!r:.80} cannot be a Gemini model id: use letters, digits, "
            "'.', '-', '_' (e.g. 'gemini-3-flash-preview'), optionally after "
            "'models/'."
        )
        raise ValueError(msg)


_THINKING = (
    "thinking_level",
    "thinking_budget",
    "reasoning_effort",
    "thinking_config",
    "include_thoughts",
)


def _raw_thinking(params: Mapping[str, Any]) -> dict[str, Any]:
    """The raw thinking entries: ``thinking_config``, then ``generation_config``'s."""
    raw: dict[str, Any] = {}
    generation_config = params.get("generation_config")
    nested = (
        generation_config.get(
            "thinkingConfig", generation_config.get("thinking_config")
        )
        if isinstance(generation_config, Mapping)
        else None
    )
    for given in (params.get("thinking_config"), nested):
        if isinstance(given, Mapping):
            raw.update(given)
    return raw


def check_thinking(params: Mapping[str, Any], model: str) -> None:
    """Thinking settings the model cannot take, refused before sending.

    Raises:
        ValueError: a thinking setting on a model that does not think, a
            ``thinking_level`` on Gemini 2, or a level the model does not offer.
    """
    given = [n for n in _THINKING if params.get(n) is not None]
    if _raw_thinking(params) and "thinking_config" not in given:
        given.append("generation_config['thinking_config']")
    family = family_for(model)
    if not given or family is None:
        return
    profile = profile_for(model) or {}
    if not profile.get("reasoning_output", True):
        msg = f"{model} does not think: {', '.join(given)} cannot apply to it."
        raise ValueError(msg)
    gemini3 = generation(model) >= 3
    levels = _levels(params, effort=gemini3)
    if levels and not gemini3:
        msg = (
            f"{model} takes a thinking_budget, not a thinking level: Google's "
            "reference says thinkingLevel 'use with earlier models results in an "
            "error'."
        )
        raise ValueError(msg)
    allowed = family.thinking_levels
    for name, level in levels.items():
        if allowed is not None and level not in allowed:
            msg = (
                f"{model} accepts {name} {', '.join(allowed)} only, not {level!r} "
                "(the API answers 400 'Thinking level ... is not supported for this "
                "model')."
            )
            raise ValueError(msg)


def _levels(params: Mapping[str, Any], *, effort: bool) -> dict[str, str]:
    """The thinking levels given (``reasoning_effort`` is one on Gemini 3)."""
    raw = _raw_thinking(params)
    raw_level = raw.get("thinking_level", raw.get("thinkingLevel"))
    given = {
        "thinking_level": params.get("thinking_level"),
        "reasoning_effort": None,
        "thinking_config.thinking_level": raw_level,
    }
    if effort and params.get("reasoning_effort") is not None:
        given["reasoning_effort"] = params["reasoning_effort"]
    return {
        name: str(getattr(value, "value", value)).lower()
        for name, value in given.items()
        if value is not None
    }


_WARNED: set[tuple[str, tuple[str, ...]]] = set()


def apply_model_rules(
    params: Mapping[str, Any],
    contents: list[dict[str, Any]],
    *,
    model: str,
    counting: bool = False,
) -> Mapping[str, Any]:
    """The documented per-model request rules (``profiles.FAMILIES``).

    Returns:
        ``params`` without the parameters the model does not support (dropped
        with one warning per model and parameter set).

    Raises:
        ValueError: the conversation ends with a model turn on a model that
            refuses it.
    """
    family = family_for(model)
    if family is None:
        return params
    if family.no_model_prefill and not counting and contents:
        if contents[-1]["role"] == "model":
            msg = (
                f"{model} does not accept a conversation that ends with a model "
                "turn (assistant prefill): end it with a user message or a tool "
                "result."
            )
            raise ValueError(msg)
    unsupported = _unsupported(family)
    raw = params.get("generation_config")
    raw = raw if isinstance(raw, Mapping) else {}
    raw_names = {_camel(n): n for n in unsupported} | {n: n for n in unsupported}
    in_raw = [k for k, v in raw.items() if k in raw_names and v is not None]
    dropped = tuple(
        name
        for name in unsupported
        if params.get(name) is not None or name in {raw_names[k] for k in in_raw}
    )
    if not dropped:
        return params
    _warn_once(model, dropped, family)
    kept = {k: v for k, v in params.items() if k not in dropped}
    if in_raw:
        kept["generation_config"] = {k: v for k, v in raw.items() if k not in in_raw}
    return kept


def _camel(name: str) -> str:

    return camel(name)


def _unsupported(family: Family) -> tuple[str, ...]:
    if family.fixed_sampling:
        return FIXED_SAMPLING
    if not family.penalties:
        return PENALTIES
    return ()


def _warn_once(model: str, dropped: tuple[str, ...], family: Family) -> None:
    if (model, dropped) in _WARNED:
        return
    _WARNED.add((model, dropped))
    if family.fixed_sampling:
        why = (
            f"{model} uses fixed sampling: {', '.join(dropped)} not sent (Google "
            "ignores custom temperature/top_p/top_k and rejects penalties there)."
        )
    else:
        why = (
            f"{model} takes no penalties: {', '.join(dropped)} not sent (the API "
            f"answers 400 'Penalty is not enabled for models/{family.name}')."
        )
    warnings.warn(why, UserWarning, stacklevel=6)
