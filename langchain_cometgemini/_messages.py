"""LangChain -> Gemini: messages to ``systemInstruction`` and ``contents``.

Input flow::

    convert_messages(messages, model)
      SystemMessage (anywhere)  -> systemInstruction parts
      HumanMessage              -> role "user"  parts   (content_parts)
      AIMessage                 -> role "model" parts   (_ai_parts: content blocks,
                                   text signatures, then functionCall parts)
      ToolMessage               -> role "user"  functionResponse part
      -> consecutive same-role turns merged into one Content
      -> Gemini 3: a model turn whose calls lost their signature gets the
         documented placeholder

Content blocks (text, thinking, media, code...) are converted by
``_blocks.py``; this module handles whole messages, roles, tool calls and
thought signatures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_cometgemini._blocks import content_parts, with_signature
from langchain_cometgemini._response import (
    FC_SIGNATURES_KEY,
    GENERATED_ID_PREFIX,
    MODEL_PROVIDER,
    TEXT_SIGNATURES_KEY,
)

SKIP_SIGNATURE = "skip_thought_signature_validator"
"""Google's documented placeholder for a function call whose signature is lost."""

Part = dict[str, Any]
Content = dict[str, Any]


@dataclass
class _Calls:
    """Tool calls seen so far: id -> (name, Gemini id to echo, position)."""

    by_id: dict[str, tuple[str, str | None, int]] = field(default_factory=dict)

    def add(self, message: AIMessage) -> None:
        from_gemini = message.response_metadata.get("model_provider") == MODEL_PROVIDER
        for position, call in enumerate(message.tool_calls):
            call_id = call.get("id") or ""
            echo = from_gemini and not call_id.startswith(GENERATED_ID_PREFIX)
            self.by_id[call_id] = (call["name"], call_id if echo else None, position)


# -- messages --------------------------------------------------------------------


def _ai_parts(message: AIMessage) -> list[Part]:
    if isinstance(message.content, str):
        parts = _signed_text_parts(message)
    else:
        parts = content_parts(message.content)
    signatures = message.additional_kwargs.get(FC_SIGNATURES_KEY) or {}
    from_gemini = message.response_metadata.get("model_provider") == MODEL_PROVIDER
    for call in message.tool_calls:
        call_id = call.get("id") or ""
        function_call: dict[str, Any] = {"name": call["name"], "args": call["args"]}
        if from_gemini and call_id and not call_id.startswith(GENERATED_ID_PREFIX):
            function_call["id"] = call_id
        parts.append(
            with_signature({"functionCall": function_call}, signatures.get(call_id))
        )
    return parts


def _signed_text_parts(message: AIMessage) -> list[Part]:
    """String content, split at the recorded offsets so signatures stay in place."""
    text = str(message.content)
    entries = message.additional_kwargs.get(TEXT_SIGNATURES_KEY) or []
    cuts = sorted((int(e["offset"]), str(e["signature"])) for e in entries)
    if not cuts:
        return [{"text": text}] if text else []
    parts: list[Part] = []
    if cuts[0][0] > 0:
        parts.append({"text": text[: cuts[0][0]]})
    for i, (offset, signature) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        parts.append({"text": text[offset:end], "thoughtSignature": signature})
    return parts


def _tool_response(message: ToolMessage | FunctionMessage, calls: _Calls) -> Part:
    if isinstance(message, FunctionMessage):
        name, gemini_id = message.name, None
    else:
        name, gemini_id = _lookup_call(message, calls)
    response: dict[str, Any] = {
        "name": name,
        "response": _response_payload(message),
    }
    if gemini_id:
        response["id"] = gemini_id
    return {"functionResponse": response}


def _tool_result(message: ToolMessage, calls: _Calls) -> tuple[int, Part]:
    position = calls.by_id.get(message.tool_call_id, ("", None, 0))[2]
    return position, _tool_response(message, calls)


def _lookup_call(message: ToolMessage, calls: _Calls) -> tuple[str, str | None]:
    found = calls.by_id.get(message.tool_call_id)
    if found is None:
        msg = (
            f"ToolMessage with tool_call_id={message.tool_call_id!r} answers no tool "
            "call of an earlier AIMessage in this conversation."
        )
        raise ValueError(msg)
    return found[0], found[1]


def _response_payload(message: ToolMessage | FunctionMessage) -> dict[str, Any]:
    content = message.content
    if isinstance(content, list):
        content = "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or b.get("type") == "text"
        )
    value: Any = content
    try:
        value = json.loads(content)
    except ValueError:
        pass
    key = "error" if getattr(message, "status", "success") == "error" else "result"
    if isinstance(value, dict) and key == "result":
        return value
    return {key: value}


def _chat_message_role(message: ChatMessage) -> str:
    role = {"user": "user", "human": "user", "assistant": "model", "model": "model"}
    if message.role in role:
        return role[message.role]
    msg = f"ChatMessage role {message.role!r} is not supported (use user or assistant)."
    raise ValueError(msg)


def _turn(message: BaseMessage, calls: _Calls) -> tuple[str, list[Part]]:
    if isinstance(message, HumanMessage):
        return "user", content_parts(message.content)
    if isinstance(message, AIMessage):
        calls.add(message)
        return "model", _ai_parts(message)
    if isinstance(message, FunctionMessage):
        return "user", [_tool_response(message, calls)]
    if isinstance(message, ChatMessage):
        return _chat_message_role(message), content_parts(message.content)
    msg = (
        f"Unsupported message type {type(message).__name__}: use SystemMessage, "
        "HumanMessage, AIMessage or ToolMessage."
    )
    raise ValueError(msg)


def convert_messages(
    messages: Sequence[BaseMessage], *, model: str
) -> tuple[Content | None, list[Content]]:
    """Return ``(systemInstruction, contents)`` for a generateContent request.

    Raises:
        ValueError: the conversation is empty, or holds a message or content block
            Gemini cannot take.
    """
    if not messages:
        raise ValueError("Cannot call Gemini with an empty list of messages.")
    system: list[Part] = []
    contents: list[Content] = []
    calls = _Calls()
    results: list[tuple[int, Part]] = []  # parallel tool results, with call position
    for message in messages:
        if isinstance(message, SystemMessage):
            system.extend(content_parts(message.content))
        elif isinstance(message, ToolMessage):
            results.append(_tool_result(message, calls))
        else:
            _flush_results(contents, results)
            role, parts = _turn(message, calls)
            _append(contents, role, parts)
    _flush_results(contents, results)
    if not contents:
        msg = "The conversation has no user or model message (only system messages)."
        raise ValueError(msg)
    if requires_signatures(model):
        _add_placeholder_signatures(contents)
    return ({"parts": system} if system else None), contents


def _append(contents: list[Content], role: str, parts: list[Part]) -> None:
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _flush_results(contents: list[Content], results: list[tuple[int, Part]]) -> None:
    """Parallel results for one model turn go back in call order, in one Content."""
    results.sort(key=lambda item: item[0])
    _append(contents, "user", [part for _, part in results])
    results.clear()


_GEMINI_MAJOR = re.compile(r"gemini-(\d+)")


def requires_signatures(model: str) -> bool:
    """Gemini 3 and later reject replayed function calls without signatures."""
    match = _GEMINI_MAJOR.search(model)
    return match is not None and int(match.group(1)) >= 3


def _add_placeholder_signatures(contents: list[Content]) -> None:
    for content in contents:
        if content["role"] != "model":
            continue
        calls = [p for p in content["parts"] if "functionCall" in p]
        if calls and not calls[0].get("thoughtSignature"):
            calls[0]["thoughtSignature"] = SKIP_SIGNATURE
