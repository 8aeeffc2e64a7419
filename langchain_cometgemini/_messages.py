"""LangChain -> Gemini: messages to ``systemInstruction`` and ``contents``.

Input flow::

    convert_messages(messages, model)
      SystemMessage (anywhere)  -> systemInstruction parts
      HumanMessage              -> role "user"  parts   (content_parts)
      AIMessage                 -> role "model" parts   (_ai_parts: content blocks,
                                   text signatures, then functionCall parts)
      ToolMessage               -> role "user"  functionResponse part: name and
                                   Gemini id looked up from the answered call,
                                   JSON output decoded (else {"result": text}),
                                   status="error" -> {"error": ...}; on Gemini 3
                                   images/files go into functionResponse.parts,
                                   elsewhere they follow as ordinary parts
      -> parallel results of one model turn: one Content, in call order
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
from langchain_cometgemini._constants import (
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


_MEDIA_BLOCKS = frozenset(
    {"image", "audio", "video", "file", "image_url", "media", "input_audio"}
)


@dataclass
class _Result:
    """One tool result: its call's position, functionResponse part, media parts."""

    position: int
    part: Part
    media: list[Part] = field(default_factory=list)


def _tool_response(
    message: ToolMessage | FunctionMessage, calls: _Calls, *, multimodal: bool
) -> _Result:
    if isinstance(message, FunctionMessage):
        name, gemini_id, position = message.name, None, 0
    else:
        name, gemini_id, position = _lookup_call(message, calls)
    text, media = _split_content(message.content)
    response: dict[str, Any] = {"name": name, "response": _payload(message, text)}
    if gemini_id:
        response["id"] = gemini_id
    inline = [p for p in media if "inlineData" in p] if multimodal else []
    if inline:
        response["parts"] = inline
    others = [p for p in media if p not in inline]
    return _Result(position, {"functionResponse": response}, others)


def _lookup_call(message: ToolMessage, calls: _Calls) -> tuple[str, str | None, int]:
    found = calls.by_id.get(message.tool_call_id)
    if found is None:
        msg = (
            f"ToolMessage with tool_call_id={message.tool_call_id!r} answers no tool "
            "call of an earlier AIMessage in this conversation."
        )
        raise ValueError(msg)
    return found


def _split_content(content: str | list[Any]) -> tuple[str | None, list[Part]]:
    """Tool output -> (its text, or None when there is none; media parts)."""
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    media: list[Any] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif isinstance(block, dict) and block.get("type") in _MEDIA_BLOCKS:
            media.append(block)
    text = "".join(texts) if texts or not media else None
    return text, content_parts(media)


def _payload(
    message: ToolMessage | FunctionMessage, text: str | None
) -> dict[str, Any]:
    """The ``response`` struct: JSON-decoded when it is JSON, else wrapped."""
    key = "error" if getattr(message, "status", "success") == "error" else "result"
    if text is None:
        return {}
    value: Any = text
    try:
        value = json.loads(text)
    except ValueError:
        pass
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
        result = _tool_response(message, calls, multimodal=False)
        return "user", [result.part, *result.media]
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
    multimodal = requires_signatures(model)  # Gemini 3: media in functionResponse
    results: list[_Result] = []  # parallel tool results of one model turn
    for message in messages:
        if isinstance(message, SystemMessage):
            system.extend(content_parts(message.content))
        elif isinstance(message, ToolMessage):
            results.append(_tool_response(message, calls, multimodal=multimodal))
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


def _flush_results(contents: list[Content], results: list[_Result]) -> None:
    """Parallel results for one model turn go back in call order, in one Content.

    Media that cannot travel inside a functionResponse (older models, file
    URLs) follow the responses as ordinary parts of the same Content.
    """
    results.sort(key=lambda result: result.position)
    parts = [result.part for result in results]
    parts += [media for result in results for media in result.media]
    _append(contents, "user", parts)
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
