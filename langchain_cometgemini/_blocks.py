"""LangChain content blocks -> Gemini parts, one small converter per block type.

Input flow::

    content_parts(content)
      str                        -> [{"text": ...}]
      list of blocks             -> _block_parts(block) for each, by ``type``:
        text / thinking|reasoning / executable_code / code_execution_result
        image|audio|video|file|image_url|media|input_audio -> _media.media_part
        non_standard             -> its ``value`` (a raw Gemini part)
        tool_call & co           -> nothing (calls travel in ``tool_calls``)
      signatures found on a block (``extras.signature``, ``signature``) go back
      on the part as ``thoughtSignature``.

An unknown block type raises ``ValueError`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_cometgemini._media import media_part

Part = dict[str, Any]


def _text_block(block: dict[str, Any]) -> list[Part]:
    part: Part = {"text": str(block.get("text", ""))}
    return [with_signature(part, _block_signature(block))]


def _thinking_block(block: dict[str, Any]) -> list[Part]:
    text = block.get("thinking", block.get("reasoning", ""))
    part: Part = {"text": str(text or ""), "thought": True}
    return [with_signature(part, _block_signature(block))]


def _code_block(block: dict[str, Any]) -> list[Part]:
    code = {
        "language": block.get("language", "PYTHON"),
        "code": block["executable_code"],
    }
    return [with_signature({"executableCode": code}, _block_signature(block))]


def _code_result_block(block: dict[str, Any]) -> list[Part]:
    outcome = block.get("outcome", "OUTCOME_OK")
    if isinstance(outcome, int):  # langchain-google-genai stores 1 = OK, 2 = failed
        outcome = "OUTCOME_OK" if outcome == 1 else "OUTCOME_FAILED"
    result = {"outcome": outcome, "output": block.get("code_execution_result", "")}
    return [with_signature({"codeExecutionResult": result}, _block_signature(block))]


def _media_block(block: dict[str, Any]) -> list[Part]:
    return [with_signature(media_part(block), _block_signature(block))]


def _non_standard_block(block: dict[str, Any]) -> list[Part]:
    value = block.get("value")
    if not isinstance(value, dict):
        msg = "A 'non_standard' content block needs a dict 'value' (a Gemini part)."
        raise ValueError(msg)
    return [dict(value)]


def _skip_block(block: dict[str, Any]) -> list[Part]:
    return []


_BLOCK_CONVERTERS: dict[str, Callable[[dict[str, Any]], list[Part]]] = {
    "text": _text_block,
    "thinking": _thinking_block,
    "reasoning": _thinking_block,
    "executable_code": _code_block,
    "code_execution_result": _code_result_block,
    "image": _media_block,
    "audio": _media_block,
    "video": _media_block,
    "file": _media_block,
    "image_url": _media_block,
    "media": _media_block,
    "input_audio": _media_block,
    "non_standard": _non_standard_block,
    # calls live in tool_calls; these blocks only mirror them
    "tool_call": _skip_block,
    "tool_call_chunk": _skip_block,
    "function_call": _skip_block,
    "function_call_signature": _skip_block,
    "tool_use": _skip_block,
}


def _block_signature(block: dict[str, Any]) -> str | None:
    extras = block.get("extras")
    sig = block.get("signature") or block.get("thought_signature")
    if not sig and isinstance(extras, dict):
        sig = extras.get("signature")
    return str(sig) if sig else None


def with_signature(part: Part, signature: str | None) -> Part:
    if signature:
        part["thoughtSignature"] = signature
    return part


def content_parts(content: str | list[Any]) -> list[Part]:
    """Message content (a string or a list of blocks) -> Gemini parts."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[Part] = []
    for block in content:
        parts.extend(_block_parts(block))
    return parts


def _block_parts(block: Any) -> list[Part]:
    if isinstance(block, str):
        return [{"text": block}] if block else []
    if not isinstance(block, dict):
        msg = f"Unsupported content block {block!r}: expected a string or a dict."
        raise TypeError(msg)
    block_type = block.get("type")
    converter = _BLOCK_CONVERTERS.get(str(block_type))
    if converter is None:
        known = ", ".join(sorted(_BLOCK_CONVERTERS))
        msg = f"Unsupported content block type {block_type!r}. Supported: {known}."
        raise ValueError(msg)
    return [p for p in converter(block) if p.get("text", True) != "" or _signed(p)]


def _signed(part: Part) -> bool:
    return "thoughtSignature" in part
