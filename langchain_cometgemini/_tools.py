"""LangChain tools and ``tool_choice`` -> Gemini ``tools`` and ``toolConfig``.

Input flow::

    convert_tools(tools)
      Gemini-native dict {"functionDeclarations": [...]}   -> declarations merged
      built-in tool dict {"google_search": {}} (snake/camel) -> its own Tool entry
      anything else (BaseTool, function, pydantic, TypedDict, OpenAI dict,
      {name, description, parameters})  -> convert_to_openai_tool
                                        -> FunctionDeclaration(parametersJsonSchema)
      -> [{"functionDeclarations": [...all functions...]}, *built-in tools]
    tool_config(tool_choice, names)  -> {"functionCallingConfig": {...}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_cometgemini._request import camel

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


def _declaration(tool: Any, *, json_schema: bool) -> dict[str, Any]:
    function = convert_to_openai_tool(tool)["function"]
    declaration: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        declaration["description"] = function["description"]
    parameters = function.get("parameters")
    if parameters and parameters.get("properties"):
        key = "parametersJsonSchema" if json_schema else "parameters"
        declaration[key] = parameters
    return declaration


def _is_builtin(tool: Any) -> bool:
    if not isinstance(tool, Mapping) or len(tool) != 1:
        return False
    key = camel(next(iter(tool)))
    return key in BUILTIN_TOOLS or (key not in ("type", "name", "function", "title"))


def convert_tools(
    tools: Sequence[Any], *, json_schema: bool = True
) -> list[dict[str, Any]]:
    """All function declarations in one Tool entry, then each built-in tool."""
    declarations: list[dict[str, Any]] = []
    builtins: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, Mapping) and (
            "functionDeclarations" in tool or "function_declarations" in tool
        ):
            declarations.extend(
                tool.get("functionDeclarations")
                or tool.get("function_declarations")
                or []
            )
        elif _is_builtin(tool):
            key, value = next(iter(tool.items()))
            builtins.append({camel(key): value or {}})
        else:
            declarations.append(_declaration(tool, json_schema=json_schema))
    _check_unique(declarations)
    head = [{"functionDeclarations": declarations}] if declarations else []
    return head + builtins


def _check_unique(declarations: list[dict[str, Any]]) -> None:
    names = [d.get("name") for d in declarations]
    duplicates = sorted({n for n in names if names.count(n) > 1 and n})
    if duplicates:
        msg = f"Duplicate tool names: {duplicates}. Each tool needs a unique name."
        raise ValueError(msg)


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
            return dict(tool_choice)
        tool_choice = (tool_choice.get("function") or {}).get(
            "name"
        ) or tool_choice.get("name")
    if isinstance(tool_choice, str) and tool_choice.lower() in _MODES:
        return _calling(_MODES[tool_choice.lower()])
    chosen = [tool_choice] if isinstance(tool_choice, str) else list(tool_choice or [])
    unknown = [n for n in chosen if n not in names]
    if not chosen or unknown:
        msg = f"tool_choice {tool_choice!r} names no bound tool; bound: {list(names)}."
        raise ValueError(msg)
    return _calling("ANY", allowed=chosen)


def _calling(mode: str, allowed: list[str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"mode": mode}
    if allowed:
        config["allowedFunctionNames"] = allowed
    return {"functionCallingConfig": config}
