"""The model's side of a conversation, scripted from the request like a model would.

``scripted_reply(request)`` is an emulator responder:

* the last turn holds function responses      -> a text answer that quotes them
* function tools are declared, mode is not NONE, and the user's last text asks
  for a tool (``allowedFunctionNames``, mode ANY/VALIDATED, or a tool's name
  or a word of it in the text)                -> one ``functionCall`` per chosen
  tool, its args built from the schema: ``name(1, 2)`` call syntax in the text
  fills parameters in order, numbers in the text fill numeric parameters, a
  quoted string fills the first string parameter, anything else a
  schema-valid example
* JSON mode without a schema                   -> an object with the keys the
  prompt quotes
* everything else (plain text, JSON schema)   -> the emulator's default reply

``Plan`` scripts a multi-step agent: one step (calls or a final text) per
model turn since the user's last message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_cometgemini.testing import RecordedRequest, Reply, default_reply
from langchain_cometgemini.testing._schema_instance import instance

_CALL_SYNTAX = re.compile(r"(\w+)\(([^)]*)\)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_COMMON = {"get", "set", "the", "my", "function", "tool", "a", "of"}


def _parts(content: Any) -> list[dict[str, Any]]:
    return [p for p in (content or {}).get("parts") or [] if isinstance(p, dict)]


def _responses(request: RecordedRequest) -> list[dict[str, Any]]:
    """The function responses of the last content, if it holds any."""
    contents = request.contents
    if not contents or contents[-1].get("role") != "user":
        return []
    return [
        p["functionResponse"] for p in _parts(contents[-1]) if "functionResponse" in p
    ]


def _declarations(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d
        for tool in body.get("tools") or []
        for d in tool.get("functionDeclarations") or []
    ]


def _calling(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("toolConfig") or {}).get("functionCallingConfig") or {}


def _mentioned(declaration: dict[str, Any], text: str) -> bool:
    name = str(declaration["name"]).lower()
    words = set(re.split(r"[_\W]+", name)) - _COMMON
    lowered = text.lower()
    return name in lowered or any(w and re.search(rf"\b{w}", lowered) for w in words)


def choose_tools(request: RecordedRequest) -> list[dict[str, Any]]:
    """The declarations this request's user text asks to call (maybe none)."""
    body = request.body
    calling = _calling(body)
    mode = calling.get("mode", "AUTO")
    declared = _declarations(body)
    if mode == "NONE" or not declared:
        return []
    allowed = calling.get("allowedFunctionNames")
    if allowed:
        declared = [d for d in declared if d["name"] in allowed]
    mentioned = [d for d in declared if _mentioned(d, request.text)]
    if mentioned:
        return mentioned
    return declared[:1] if mode in ("ANY", "VALIDATED") else []


def _schema(declaration: dict[str, Any]) -> dict[str, Any]:
    schema = declaration.get("parametersJsonSchema") or declaration.get("parameters")
    return schema if isinstance(schema, dict) else {}


def _literal(text: str) -> Any:
    try:
        return json.loads(text.strip().replace("'", '"'))
    except ValueError:
        return text.strip()


def arguments(declaration: dict[str, Any], text: str) -> dict[str, Any]:
    """Schema-valid args, filled from the user's text where it says them."""
    schema = _schema(declaration)
    args = instance(schema) if schema else {}
    args = args if isinstance(args, dict) else {}
    props = list((schema.get("properties") or {}).items())
    for match in _CALL_SYNTAX.finditer(text):
        if match.group(1) == declaration["name"] and match.group(2).strip():
            values = [_literal(v) for v in match.group(2).split(",")]
            return {
                **args,
                **{name: v for (name, _), v in zip(props, values, strict=False)},
            }
    numbers = iter(_NUMBER.findall(text))
    quoted = [a or b for a, b in _QUOTED.findall(text)]
    for name, prop in props:
        kind = str(prop.get("type", "")).lower()
        if kind in ("integer", "number"):
            found = next(numbers, None)
            if found is not None:
                args[name] = int(float(found)) if kind == "integer" else float(found)
        elif kind == "string" and quoted and "enum" not in prop:
            args[name] = quoted.pop(0)
    return args


def scripted_reply(request: RecordedRequest) -> Reply:
    """Answer ``request`` as a cooperative tool-using model would."""
    responses = _responses(request)
    if responses:
        summary = "; ".join(
            f"{r['name']}: {json.dumps(r.get('response'))}" for r in responses
        )
        return Reply.text(f"Done. {summary}")
    chosen = choose_tools(request)
    if chosen:
        return Reply.function_calls(
            [(d["name"], arguments(d, request.text)) for d in chosen]
        )
    if _json_mode_without_schema(request):
        keys = [a or b for a, b in _QUOTED.findall(request.text)]
        return Reply.text(json.dumps({key: "example" for key in keys}))
    return default_reply(request)


def _json_mode_without_schema(request: RecordedRequest) -> bool:
    config = request.generation_config
    schema_keys = ("responseJsonSchema", "responseSchema")
    return config.get("responseMimeType") == "application/json" and not any(
        k in config for k in schema_keys
    )


class Plan:
    """A scripted agent: step ``k`` answers the ``k``-th model turn of the task.

    Each step is a list of ``(name, args)`` calls (parallel when several) or
    a final text. Steps are counted as the model contents after the user's
    last real message, so the same plan serves any client, sync or async.
    """

    def __init__(self, steps: Sequence[list[tuple[str, dict[str, Any]]] | str]) -> None:
        self.steps = list(steps)

    def __call__(self, request: RecordedRequest) -> Reply:
        contents = request.contents
        start = _last_user_text(contents)
        step = sum(1 for c in contents[start:] if c.get("role") == "model")
        planned = self.steps[min(step, len(self.steps) - 1)]
        if isinstance(planned, str):
            return Reply.text(planned)
        return Reply.function_calls(list(planned))


def _last_user_text(contents: list[Any]) -> int:
    for index in range(len(contents) - 1, -1, -1):
        parts = _parts(contents[index])
        if contents[index].get("role") == "user" and any("text" in p for p in parts):
            return index
    return 0
