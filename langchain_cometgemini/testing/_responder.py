"""The default responder: deterministic, realistic answers.

* Text requests get ``"Echo: <last user text>"`` (``"OK"`` without text).
* ``responseMimeType: application/json`` gets a JSON document valid against
  ``responseJsonSchema`` / ``responseSchema`` (``{}`` without a schema).
* Forced function calling (``toolConfig.functionCallingConfig.mode: ANY``)
  calls, with schema-valid arguments, the first allowed declared function
  not yet called in the conversation, else the last allowed one. An agent
  that forces calls (``create_agent(..., response_format=ToolStrategy(X))``
  declares its response tool last) thus reaches its response tool and ends.
* ``stopSequences`` cut the answer, ``maxOutputTokens`` truncates it with
  ``finishReason: MAX_TOKENS``, ``thinkingConfig.includeThoughts`` adds a
  thought part. Token counts are whitespace words.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_cometgemini.testing import _build
from langchain_cometgemini.testing._reply import Reply
from langchain_cometgemini.testing._request import RecordedRequest
from langchain_cometgemini.testing._schema_instance import instance

THOUGHT = "The user wants a reply. I will answer briefly."


def default_reply(request: RecordedRequest) -> Reply:
    """Return the emulator's default answer to a generation request."""
    forced = _forced_call(request)
    if forced is not None:
        return forced
    answer, reason = _limit(_answer_text(request), request)
    prompt = _build.request_tokens(request.body)
    thought = THOUGHT if _include_thoughts(request) else None
    thoughts = _build.count_words(thought) if thought else 0
    meta = _build.usage(prompt, _build.count_words(answer), thoughts)
    return Reply.text(answer, finish_reason=reason, thought=thought, usage=meta)


def _answer_text(request: RecordedRequest) -> str:
    mime = request.config("responseMimeType", "response_mime_type")
    if mime == "application/json":
        schema = request.config("responseJsonSchema", "response_json_schema")
        if schema is None:
            schema = request.config("_responseJsonSchema", "_response_json_schema")
        if schema is None:
            schema = request.config("responseSchema", "response_schema")
        value = instance(schema) if schema is not None else {}
        return json.dumps(value)
    text = request.text
    return f"Echo: {text}" if text else "OK"


def _limit(answer: str, request: RecordedRequest) -> tuple[str, str]:
    stops = request.config("stopSequences", "stop_sequences") or []
    cut = [answer.find(s) for s in stops if isinstance(s, str) and s in answer]
    if cut:
        answer = answer[: min(cut)]
    limit = request.config("maxOutputTokens", "max_output_tokens")
    if isinstance(limit, (int, str)) and str(limit).isdigit():
        words = _build.split_text(answer, len(answer.split()) or 1)
        if len(answer.split()) > int(limit):
            return "".join(words[: int(limit)]), "MAX_TOKENS"
    return answer, "STOP"


def _include_thoughts(request: RecordedRequest) -> bool:
    thinking = request.config("thinkingConfig", "thinking_config")
    if not isinstance(thinking, dict):
        return False
    return bool(thinking.get("includeThoughts", thinking.get("include_thoughts")))


def _forced_call(request: RecordedRequest) -> Reply | None:
    body = request.body if isinstance(request.body, dict) else {}
    tool_config = body.get("toolConfig") or body.get("tool_config") or {}
    calling = (
        tool_config.get("functionCallingConfig")
        or tool_config.get("function_calling_config")
        or {}
    )
    if calling.get("mode") not in ("ANY", "VALIDATED"):
        return None
    allowed = calling.get("allowedFunctionNames") or calling.get(
        "allowed_function_names"
    )
    candidates = [
        d for d in _declarations(body) if not allowed or d.get("name") in allowed
    ]
    if not candidates:
        return None
    called = _called_names(body)
    fresh = [d for d in candidates if d["name"] not in called]
    declaration = fresh[0] if fresh else candidates[-1]
    return Reply.function_call(declaration["name"], _args_for(declaration))


def _called_names(body: dict[str, Any]) -> set[str]:
    """Names of the functions the model already called in ``contents``."""
    names = set()
    for content in body.get("contents") or []:
        for part in (content.get("parts") or []) if isinstance(content, dict) else []:
            call = part.get("functionCall") if isinstance(part, dict) else None
            if isinstance(call, dict) and isinstance(call.get("name"), str):
                names.add(call["name"])
    return names


def _declarations(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            declared = tool.get("functionDeclarations") or tool.get(
                "function_declarations"
            )
            found += [d for d in declared or [] if isinstance(d, dict) and "name" in d]
    return found


def _args_for(declaration: dict[str, Any]) -> dict[str, Any]:
    for key in (
        "parametersJsonSchema",
        "parameters_json_schema",
        "parameters",
    ):
        if isinstance(declaration.get(key), dict):
            args = instance(declaration[key])
            return args if isinstance(args, dict) else {}
    return {}
