"""LangChain tools and ``tool_choice`` -> Gemini ``tools`` and ``toolConfig``.

Input flow::

    convert_tools(tools)
      Gemini-native dict {"functionDeclarations": [...]}   -> declarations merged
      built-in tool dict {"google_search": {}} (snake/camel) -> its own Tool entry
      pydantic class / BaseTool with a pydantic schema -> model_json_schema()
                                        (lossless: $defs/$ref, recursion kept)
      anything else (function, TypedDict, OpenAI dict,
      {name, description, parameters})  -> convert_to_openai_tool
      -> FunctionDeclaration: parametersJsonSchema (default, real JSON Schema)
         or, with schema_format="openapi", parameters (_schema.to_openapi)
      -> a name declared twice keeps its first declaration (with a warning)
      -> [{"functionDeclarations": [...all functions...]}, *built-in tools]
    tool_config(tool_choice, names)  -> {"functionCallingConfig": {...}}
    retrieval_config(tools, explicit) -> {"retrievalConfig": {"latLng", ...}}
      (a google_maps tool's location: from bind_tools(retrieval_config=...) or
      latitude/longitude/language_code keys on the tool dict, which are not
      GoogleMaps fields and are moved out of it)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from langchain_cometgemini._wire.names import camel, check_function_name
from langchain_cometgemini._wire.schema import to_openapi

SchemaFormat = Literal["json_schema", "openapi"]

BUILTIN_TOOLS = frozenset(
    {
        "googleSearch",
        "googleSearchRetrieval",
        "googleMaps",
        "codeExecution",
        "urlContext",
        "computerUse",
        "fileSearch",
        "mcpServers",
    }
)
"""Gemini's server-side tools (``Tool`` fields other than functionDeclarations)."""


def _is_pydantic(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _function(tool: Any) -> tuple[str, str, dict[str, Any] | None]:
    """``(name, description, JSON Schema of the arguments)`` of one tool."""
    if isinstance(tool, BaseTool) and _is_pydantic(tool.tool_call_schema):
        schema = _root(tool.tool_call_schema.model_json_schema())  # type: ignore[union-attr]
        return tool.name, tool.description, _strip_root(schema)
    if _is_pydantic(tool):
        schema = _root(tool.model_json_schema())
        description = str(schema.get("description") or "")
        return tool.__name__, description, _strip_root(schema)
    if isinstance(tool, dict) and isinstance(tool.get("$ref"), str):
        return _ref_root(tool)
    function = convert_to_openai_tool(tool)["function"]
    return (
        function["name"],
        function.get("description") or "",
        function.get("parameters"),
    )


def _ref_root(schema: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    """A JSON-schema dict whose root is a ``$ref`` (a recursive model's schema).

    Sent faithfully: the root expanded once, ``$defs`` kept; the name is the
    ``title``, else the referenced definition's name.

    Raises:
        ValueError: the ``$ref`` does not point into the dict's own ``$defs``.
    """
    expanded = _root(schema)
    if expanded is schema:
        msg = (
            f"Tool schema $ref {schema['$ref']!r} does not point into its own "
            "$defs; give the schema inline or as a pydantic model."
        )
        raise ValueError(msg)
    name = str(schema.get("title") or schema["$ref"].rsplit("/", 1)[-1])
    description = str(schema.get("description") or expanded.get("description") or "")
    return name, description, _strip_root(expanded)


def _root(schema: dict[str, Any]) -> dict[str, Any]:
    """A recursive model's schema is a bare ``$ref``: expand the root once."""
    ref = schema.get("$ref")
    defs = schema.get("$defs") or {}
    prefix = "#/$defs/"
    if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] in defs:
        return {**defs[ref[len(prefix) :]], "$defs": defs}
    return schema


def _strip_root(schema: dict[str, Any]) -> dict[str, Any]:
    """Title and description belong to the declaration, not to its parameters."""
    return {k: v for k, v in schema.items() if k not in ("title", "description")}


_EMPTY_OBJECT = ({"type": "object"}, {"type": "object", "properties": {}})


def _constrains(parameters: dict[str, Any]) -> bool:
    """Whether a parameters schema says anything beyond "an empty object"."""
    bare = {k: v for k, v in parameters.items() if k != "required" or v}
    return bare not in _EMPTY_OBJECT


def _declaration(tool: Any, *, schema_format: SchemaFormat) -> dict[str, Any]:
    name, description, parameters = _function(tool)
    declaration: dict[str, Any] = {"name": check_function_name(name, "tool")}
    if description:
        declaration["description"] = description
    if parameters is not None and _constrains(parameters):
        if schema_format == "openapi":
            declaration["parameters"] = to_openapi(parameters, f"tool {name!r}")
        else:
            declaration["parametersJsonSchema"] = parameters
    return declaration


_NOT_BUILTIN = frozenset(
    {"type", "name", "function", "title", "description", "parameters", "properties"}
)


def _is_builtin(tool: Any) -> bool:
    """``{"google_search": {}}``-style: one key naming a server-side tool.

    Known built-ins are recognised by name; an unknown single key whose value
    is a dict (a built-in Gemini adds later) passes through too.
    """
    if not isinstance(tool, Mapping) or len(tool) != 1:
        return False
    key, value = next(iter(tool.items()))
    if camel(key) in BUILTIN_TOOLS:
        return True
    return isinstance(value, Mapping) and key not in _NOT_BUILTIN


def convert_tools(
    tools: Sequence[Any], *, schema_format: SchemaFormat = "json_schema"
) -> list[dict[str, Any]]:
    """All function declarations in one Tool entry, then each built-in tool.

    Args:
        tools: Any LangChain tool form, Gemini-native ``{"functionDeclarations":
            [...]}`` dicts and built-in tools such as ``{"google_search": {}}``.
        schema_format: ``json_schema`` sends ``parametersJsonSchema`` as is;
            ``openapi`` sends the OpenAPI-subset ``parameters``.

    Raises:
        ValueError: ``schema_format`` is unknown.

    Warns:
        UserWarning: two tools share a name (the first one is kept).
    """
    if schema_format not in ("json_schema", "openapi"):
        msg = (
            f"tool_schema_format must be 'json_schema' or 'openapi': {schema_format!r}"
        )
        raise ValueError(msg)
    declarations: list[dict[str, Any]] = []
    builtins: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, Mapping) and (
            "functionDeclarations" in tool or "function_declarations" in tool
        ):
            declarations.extend(_native(tool))
        elif _is_builtin(tool):
            key, value = next(iter(tool.items()))
            builtins.append({camel(key): _without_location(camel(key), value or {})})
        else:
            declarations.append(_declaration(tool, schema_format=schema_format))
    declarations = _unique(declarations)
    head = [{"functionDeclarations": declarations}] if declarations else []
    return head + builtins


def _native(tool: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Gemini's own ``{"functionDeclarations": [...]}``, names checked.

    Raises:
        ValueError: a declaration is no dict or its name breaks Gemini's rule.
    """
    found = tool.get("functionDeclarations") or tool.get("function_declarations")
    declarations = list(found or [])
    for declaration in declarations:
        if not isinstance(declaration, Mapping):
            msg = f"functionDeclarations holds {declaration!r:.80}, not a dict."
            raise ValueError(msg)
        check_function_name(declaration.get("name"), "functionDeclarations")
    return [dict(d) for d in declarations]


_LOCATION_KEYS = frozenset(
    {"latitude", "longitude", "lat_lng", "latLng", "language_code", "languageCode"}
)


def _without_location(key: str, value: Any) -> Any:
    if key != "googleMaps" or not isinstance(value, Mapping):
        return value
    return {k: v for k, v in value.items() if k not in _LOCATION_KEYS}


def retrieval_config(
    tools: Sequence[Any], explicit: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """``toolConfig.retrievalConfig`` for Google Maps grounding, or None.

    ``explicit`` (``bind_tools(retrieval_config=...)``) wins over location keys
    on a ``{"google_maps": {...}}`` tool. Both accept ``latitude``/``longitude``
    (or ``lat_lng``) and ``language_code``, snake or camel case.

    Raises:
        ValueError: a latitude or longitude out of range.
    """
    source: Mapping[str, Any] | None = explicit
    for tool in tools:
        if source is None and _is_builtin(tool):
            key, value = next(iter(tool.items()))
            if camel(key) == "googleMaps" and isinstance(value, Mapping):
                source = {k: v for k, v in value.items() if k in _LOCATION_KEYS}
    if not source:
        return None
    return {"retrievalConfig": _retrieval(source)}


def _retrieval(source: Mapping[str, Any]) -> dict[str, Any]:
    values = {camel(k): v for k, v in source.items()}
    lat_lng = dict(values.get("latLng") or {})
    for name in ("latitude", "longitude"):
        if name in values:
            lat_lng[name] = values[name]
    config: dict[str, Any] = {}
    if lat_lng:
        if not {"latitude", "longitude"} <= lat_lng.keys():
            msg = "A Google Maps location needs both latitude and longitude."
            raise ValueError(msg)
        _check_range(float(lat_lng["latitude"]), 90.0, "latitude")
        _check_range(float(lat_lng["longitude"]), 180.0, "longitude")
        config["latLng"] = {
            "latitude": float(lat_lng["latitude"]),
            "longitude": float(lat_lng["longitude"]),
        }
    if values.get("languageCode"):
        config["languageCode"] = str(values["languageCode"])
    return config


def _check_range(value: float, limit: float, name: str) -> None:
    if not -limit <= value <= limit:
        msg = f"{name} must be within [-{limit}, {limit}], got {value}."
        raise ValueError(msg)


def _unique(declarations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gemini rejects repeated names: keep each name's first declaration, warn."""
    kept: dict[Any, dict[str, Any]] = {}
    for declaration in declarations:
        kept.setdefault(declaration.get("name"), declaration)
    if len(kept) < len(declarations):
        names = [d.get("name") for d in declarations]
        duplicates = sorted({str(n) for n in names if names.count(n) > 1})
        warnings.warn(
            f"Tools bound more than once by name: {duplicates}; the first "
            "declaration of each name is sent.",
            UserWarning,
            stacklevel=3,
        )
    return list(kept.values())


def function_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of all function declarations in converted tools."""
    return [
        str(d.get("name"))
        for tool in tools
        for d in tool.get("functionDeclarations") or ()
    ]


_MODES = {
    "auto": "AUTO",
    "any": "ANY",
    "required": "ANY",
    "none": "NONE",
    "validated": "VALIDATED",
}


def tool_config(tool_choice: Any, names: Sequence[str]) -> dict[str, Any] | None:
    """``tool_choice`` -> ``toolConfig``.

    ``"auto"`` -> AUTO; ``"any"``/``"required"``/``True`` -> ANY; ``"none"`` -> NONE;
    ``"validated"`` -> VALIDATED; a tool name, a list of names or an OpenAI
    ``{"type": "function", "function": {"name": ...}}`` dict -> ANY restricted to
    those names.

    Raises:
        ValueError: a named tool that was not bound, or an unknown choice.
    """
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True:
        return _calling("ANY")
    if isinstance(tool_choice, Mapping):
        if (
            "functionCallingConfig" in tool_choice
            or "function_calling_config" in tool_choice
        ):
            return _raw_config(tool_choice, names)
        tool_choice = _choice_from_dict(tool_choice)
    if isinstance(tool_choice, str) and tool_choice.lower() in _MODES:
        return _calling(_MODES[tool_choice.lower()])
    chosen = _chosen_names(tool_choice)
    unknown = [n for n in chosen if n not in names]
    if not chosen or unknown:
        msg = f"tool_choice {tool_choice!r} names no bound tool; bound: {list(names)}."
        raise ValueError(msg)
    return _calling("ANY", allowed=chosen)


_CALLING_KEYS = frozenset({"mode", "allowedFunctionNames"})
_CALLING_MODES = frozenset({"AUTO", "ANY", "NONE", "VALIDATED"})


def _raw_config(
    choice: Mapping[str, Any], names: Sequence[str], where: str = "tool_choice"
) -> dict[str, Any]:
    """A ``toolConfig`` given as Gemini writes it (either spelling) -> camelCase.

    Raises:
        ValueError: a ``functionCallingConfig`` Gemini would refuse (an unknown
            key or mode, a name that is not bound).
    """
    config = {camel(str(k)): v for k, v in choice.items()}
    calling = config["functionCallingConfig"]
    if not isinstance(calling, Mapping):
        msg = f"{where}: functionCallingConfig must be a dict, not {calling!r:.60}."
        raise ValueError(msg)
    calling = {camel(str(k)): v for k, v in calling.items()}
    unknown = sorted(set(calling) - _CALLING_KEYS)
    mode = str(calling.get("mode", "AUTO")).upper()
    allowed = calling.get("allowedFunctionNames", [])
    if unknown or mode not in _CALLING_MODES:
        msg = (
            f"{where}: functionCallingConfig takes a mode among "
            f"{sorted(_CALLING_MODES)} and allowedFunctionNames; got mode "
            f"{calling.get('mode')!r:.40}, unknown keys {unknown}."
        )
        raise ValueError(msg)
    if not isinstance(allowed, list) or any(n not in names for n in allowed):
        msg = (
            f"{where}: allowedFunctionNames {allowed!r:.80} names no bound "
            f"tool; bound: {list(names)}."
        )
        raise ValueError(msg)
    if "mode" in calling:
        calling["mode"] = mode
    config["functionCallingConfig"] = calling
    return config


_CHOICES = (
    "tool_choice must be 'auto', 'any', 'none', 'validated', True, a tool name, "
    "a list of names or {'type': 'function', 'function': {'name': ...}}"
)


def _chosen_names(tool_choice: Any) -> list[str]:
    """A name or a list of names.

    Raises:
        TypeError: anything else (a number, a list of non-strings...).
    """
    if isinstance(tool_choice, str):
        return [tool_choice]
    if isinstance(tool_choice, (list, tuple)) and all(
        isinstance(n, str) for n in tool_choice
    ):
        return list(tool_choice)
    msg = f"{_CHOICES}, not {type(tool_choice).__name__}: {tool_choice!r:.80}."
    raise TypeError(msg)


def _choice_from_dict(choice: Mapping[str, Any]) -> Any:
    """A tool_choice dict -> a name or a mode.

    Accepts OpenAI ``{"type": "function", "function": {"name"}}`` (or the
    function's name as a plain string), ``{"name"}`` and
    ``{"type": "auto"|"any"|"none"|...}``.

    Raises:
        ValueError: a dict that is none of these.
    """
    function = choice.get("function")
    name = function.get("name") if isinstance(function, Mapping) else function
    name = name or choice.get("name")
    if isinstance(name, str) and name:
        return name
    kind = choice.get("type")
    if isinstance(kind, str) and kind.lower() in _MODES:
        return kind
    msg = f"Unsupported tool_choice dict {dict(choice)!r:.120}: {_CHOICES}."
    raise ValueError(msg)


def prepare_tools(
    tools: Sequence[Any],
    tool_choice: Any = None,
    *,
    schema_format: SchemaFormat = "json_schema",
    retrieval: Mapping[str, Any] | None = None,
    strict: bool | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``(tools, toolConfig)``: what ``bind_tools`` and per-call tools both send.

    ``toolConfig`` merges the function-calling mode from ``tool_choice`` with
    the Google Maps location (``retrieval``, or location keys on the tool).
    ``strict=True`` asks for Gemini's VALIDATED mode (calls always match their
    schema, text answers still allowed) where the choice leaves the model free
    (no choice, ``"auto"``); a forced choice (ANY) is validated already and
    ``"none"`` calls nothing.
    """
    if not isinstance(tools, (list, tuple)):
        msg = f"tools must be a list of tools, not {type(tools).__name__}."
        raise TypeError(msg)
    gemini_tools = convert_tools(tools, schema_format=schema_format)
    names = function_names(gemini_tools)
    config = tool_config(tool_choice, names) or {}
    if not gemini_tools and config.get("functionCallingConfig", {}).get("mode") in (
        "ANY",
        "VALIDATED",
    ):
        msg = f"tool_choice {tool_choice!r:.60} forces a call, but no tools are bound."
        raise ValueError(msg)
    if strict and names:
        _validated(config)
    config.update(retrieval_config(tools, retrieval) or {})
    return gemini_tools, config or None


def check_tool_config(
    config: Any, tools: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A ``tool_config`` given per call or bound, as Gemini reads it.

    Raises:
        TypeError: not a dict.
        ValueError: a ``functionCallingConfig`` Gemini would refuse.
    """
    if not isinstance(config, Mapping):
        msg = f"tool_config must be a dict (Gemini's toolConfig), not {config!r:.60}."
        raise TypeError(msg)
    if "functionCallingConfig" in config or "function_calling_config" in config:
        return _raw_config(config, function_names(tools), "tool_config")
    return {camel(str(k)): v for k, v in config.items()}


def _validated(config: dict[str, Any]) -> None:
    calling = config.get("functionCallingConfig")
    if calling is None:
        config["functionCallingConfig"] = {"mode": "VALIDATED"}
    elif calling.get("mode") == "AUTO":
        config["functionCallingConfig"] = {**calling, "mode": "VALIDATED"}


def _calling(mode: str, allowed: list[str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"mode": mode}
    if allowed:
        config["allowedFunctionNames"] = allowed
    return {"functionCallingConfig": config}
